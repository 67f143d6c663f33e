"""Checks behind the book's graded exercises.

Each exercise notebook has a stub cell (the student's function) and a check cell that
calls one of these checks, e.g. ``check_conv2d_valid(conv2d_valid)``. A check prints one
PASS/FAIL line per case with a hint, then a summary, and never raises.
"""

from cnnbook.exercises.convolution import check_conv2d_valid
from cnnbook.exercises.core import Case, CaseResult, CheckResult, run_check

__all__ = ["Case", "CaseResult", "CheckResult", "check_conv2d_valid", "run_check"]
