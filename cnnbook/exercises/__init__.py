"""Checks behind the book's graded exercises.

Each exercise notebook has a stub cell (the student's function) and a check cell that
calls one of these checks, e.g. ``check_conv2d_valid(conv2d_valid)``. A check prints one
PASS/FAIL line per case with a hint, then a summary, and never raises.

Modules by chapter: ``recap`` (linear models, softmax, backpropagation), ``convolution``
(the worked example), ``conv_arithmetic`` (output sizes), ``conv_layer`` (im2col, the
convolution layer's forward and backward), ``pooling``, ``activations`` (a stable sigmoid,
ELU), ``optimizers`` (momentum, Nesterov, Adagrad, RMSprop, Adadelta, Adam steps),
``normalization`` (batch norm forward and backward), ``regularization`` (dropout).

``student`` writes student versions of the notebooks (solutions replaced by stubs): the
``cnnbook-student`` command.

Grading (the ``cnnbook-grade`` command): ``registry`` lists every exercise with its
checks, hidden-case generator and bans; ``grade`` grades submissions and writes the
gradebook; ``submission`` runs one submission in a worker process (``worker``) inside
the ``sandbox``; ``wire`` carries the student's answers back safely; ``bans`` finds
banned names in the code and banned calls while it runs.
"""

from cnnbook.exercises.activations import check_elu_and_grad, check_sigmoid_and_grad
from cnnbook.exercises.normalization import check_batch_norm_backward, check_batch_norm_forward
from cnnbook.exercises.optimizers import (
    check_adadelta_step,
    check_adagrad_step,
    check_adam_step,
    check_momentum_step,
    check_nesterov_step,
    check_rmsprop_step,
)
from cnnbook.exercises.regularization import check_dropout_backward, check_dropout_forward
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
    "check_adadelta_step",
    "check_adagrad_step",
    "check_adam_step",
    "check_avg_pool2d",
    "check_avg_pool2d_backward",
    "check_batch_norm_backward",
    "check_batch_norm_forward",
    "check_conv2d_backward",
    "check_conv2d_forward",
    "check_conv2d_output_size",
    "check_conv2d_valid",
    "check_dropout_backward",
    "check_dropout_forward",
    "check_elu_and_grad",
    "check_gradient_descent",
    "check_im2col",
    "check_logistic_gradient",
    "check_max_pool2d",
    "check_max_pool2d_backward",
    "check_mlp_backward",
    "check_momentum_step",
    "check_nesterov_step",
    "check_normal_equation",
    "check_rmsprop_step",
    "check_sigmoid_and_grad",
    "check_softmax_cross_entropy",
    "CheckResult",
    "run_check",
]
