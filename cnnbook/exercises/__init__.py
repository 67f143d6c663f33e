"""Checks behind the book's graded exercises.

Each exercise notebook has a stub cell (the student's function) and a check cell that
calls one of these checks, e.g. ``check_conv2d_valid(conv2d_valid)``. A check prints one
PASS/FAIL line per case with a hint, then a summary, and never raises.

Modules by chapter: ``recap`` (linear models, softmax, backpropagation), ``convolution``
(the worked example), ``conv_arithmetic`` (output sizes), ``conv_layer`` (im2col, the
convolution layer's forward and backward), ``pooling``.
"""

from cnnbook.exercises.conv_arithmetic import check_conv2d_output_size
from cnnbook.exercises.conv_layer import check_conv2d_backward, check_conv2d_forward, check_im2col
from cnnbook.exercises.convolution import check_conv2d_valid
from cnnbook.exercises.core import Case, CaseResult, CheckResult, run_check
from cnnbook.exercises.pooling import (
    check_avg_pool2d,
    check_avg_pool2d_backward,
    check_max_pool2d,
    check_max_pool2d_backward,
)
from cnnbook.exercises.recap import (
    check_gradient_descent,
    check_logistic_gradient,
    check_mlp_backward,
    check_normal_equation,
    check_softmax_cross_entropy,
)

__all__ = [
    "Case",
    "CaseResult",
    "CheckResult",
    "check_avg_pool2d",
    "check_avg_pool2d_backward",
    "check_conv2d_backward",
    "check_conv2d_forward",
    "check_conv2d_output_size",
    "check_conv2d_valid",
    "check_gradient_descent",
    "check_im2col",
    "check_logistic_gradient",
    "check_max_pool2d",
    "check_max_pool2d_backward",
    "check_mlp_backward",
    "check_normal_equation",
    "check_softmax_cross_entropy",
    "run_check",
]
