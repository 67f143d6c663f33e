"""Check for the output-size exercise (chapter 3, padding, stride and dilation).

``check_conv2d_output_size`` grades a function
``conv2d_output_size(size, kernel_size, stride, padding, dilation) -> int`` that returns
the number of positions a convolution visits along one axis:

    O = floor((I + 2P - D (K - 1) - 1) / S) + 1

The expected answers come from the shape of an actual ``torch.nn.functional.conv2d``
output, not from a formula. The answer must be an int, so the check passes its own
comparison to the shared runner (which would accept any number that is close: 14.0 is not
an int).
Typical mistakes (off by one, ceil instead of floor, one-sided padding, forgotten
dilation or stride, true division, a tuple) get a hint that names them.

An instructor's grader also runs the check on hidden cases,
``check_conv2d_output_size(fn, cases=conv2d_output_size_hidden_cases(rng))``: random
settings of the same kinds as the public ones, none equal to a public one.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from cnnbook.exercises.core import Case, CheckResult, run_check

Setting = Tuple[int, int, int, int, int]  # (size, kernel_size, stride, padding, dilation)

# (size, kernel_size, stride, padding, dilation) and what each case is about.
SETTINGS = [
    ((28, 3, 1, 0, 1), "the lecture's MNIST example, 28x28 input, 3x3 kernel"),
    ((5, 3, 1, 0, 1), "the lecture's 5x5 input, 3x3 kernel"),
    ((28, 5, 1, 2, 1), "'same' padding: 5x5 kernel, padding 2"),
    ((227, 11, 4, 0, 1), "AlexNet's first layer: 227 pixels, 11x11 kernel, stride 4"),
    ((7, 3, 2, 0, 1), "stride 2 that divides exactly"),
    ((8, 3, 2, 0, 1), "stride 2 that does not divide: the last column is never read"),
    ((11, 3, 3, 1, 1), "stride 3 with padding 1, not exact"),
    ((10, 3, 1, 0, 2), "dilation 2: the 3-tap kernel spans 5 pixels"),
    ((32, 3, 2, 2, 2), "dilation 2, padding 2, stride 2, not exact"),
    ((9, 2, 4, 1, 3), "even kernel, dilation 3, stride 4, padding 1"),
    ((1, 3, 1, 1, 1), "kernel as large as the padded input (1 pixel + 2 padding)"),
    ((5, 7, 1, 1, 1), "7-wide kernel on a 5-pixel input padded to 7"),
    ((9, 1, 2, 0, 1), "1x1 kernel with stride 2"),
]

FORMULA = "O = floor((I + 2P - D(K-1) - 1) / S) + 1"
INTEGER_DIVISION_HINT = ("use integer division //: (I + 2P - D(K-1) - 1) // S + 1 is an int, "
                         "and / always returns a float")


def torch_conv2d_output_size(size: int, kernel_size: int, stride: int, padding: int,
                             dilation: int) -> int:
    """The output width of an actual ``torch.nn.functional.conv2d`` call (the oracle).

    Convolves a (1, 1, 1, size) zero image with a (1, 1, 1, kernel_size) kernel, with the
    given stride, padding and dilation along the width, and returns the output's width.
    """
    import torch
    import torch.nn.functional as F

    x = torch.zeros(1, 1, 1, size)
    w = torch.zeros(1, 1, 1, kernel_size)
    out = F.conv2d(x, w, stride=(1, stride), padding=(0, padding), dilation=(1, dilation))
    return int(out.shape[-1])


def _output_size_case(args: Setting, about: str, prefix: str = "") -> Case:
    """One case; the name shows the five arguments, the expected int comes from torch."""
    size, kernel, stride, padding, dilation = args
    name = f"{prefix}I={size}, K={kernel}, S={stride}, P={padding}, D={dilation}: {about}"
    return Case(name, args, torch_conv2d_output_size(*args), f"use {FORMULA}")


def conv2d_output_size_cases(seed: int = 0) -> List[Case]:
    """The public cases (fixed settings; ``seed`` is unused and kept for a uniform API)."""
    return [_output_size_case(args, about) for args, about in SETTINGS]


# ------------------------------------------------------------------ hidden cases
# Each draw_* function returns one random (setting, about) of a kind the public cases
# cover; every setting has an output size of at least 1.


def _draw(rng: np.random.Generator, low: int, high: int) -> int:
    """A Python int drawn uniformly from low..high (both included)."""
    return int(rng.integers(low, high + 1))


def _draw_plain(rng) -> Tuple[Setting, str]:
    kernel = _draw(rng, 2, 7)
    size = _draw(rng, kernel + 1, 64)
    return (size, kernel, 1, 0, 1), f"{size}-pixel input, {kernel}-wide kernel, no padding"


def _draw_same_padding(rng) -> Tuple[Setting, str]:
    kernel = 2 * _draw(rng, 1, 3) + 1
    padding = kernel // 2
    return ((_draw(rng, 8, 64), kernel, 1, padding, 1),
            f"'same' padding: {kernel}x{kernel} kernel, padding {padding}")


def _draw_exact_stride(rng) -> Tuple[Setting, str]:
    stride, kernel, outputs = _draw(rng, 2, 5), _draw(rng, 2, 6), _draw(rng, 3, 20)
    size = (outputs - 1) * stride + kernel
    return (size, kernel, stride, 0, 1), f"stride {stride} that divides exactly"


def _draw_inexact_stride(rng) -> Tuple[Setting, str]:
    stride, kernel, outputs = _draw(rng, 2, 5), _draw(rng, 2, 6), _draw(rng, 3, 20)
    padding = _draw(rng, 0, 2)
    leftover = _draw(rng, 1, stride - 1)  # pixels the last window cannot reach
    size = (outputs - 1) * stride + kernel + leftover - 2 * padding
    about = f"stride {stride}, padding {padding}, not exact: the last {leftover} pixel(s) unread"
    return (size, kernel, stride, padding, 1), about


def _draw_dilation(rng) -> Tuple[Setting, str]:
    dilation, kernel, padding = _draw(rng, 2, 4), _draw(rng, 2, 5), _draw(rng, 0, 3)
    reach = dilation * (kernel - 1) + 1
    size = _draw(rng, max(1, reach - 2 * padding), reach - 2 * padding + 30)
    return ((size, kernel, 1, padding, dilation),
            f"dilation {dilation}: the {kernel}-tap kernel spans {reach} pixels")


def _draw_dilation_padding_stride(rng) -> Tuple[Setting, str]:
    dilation, kernel = _draw(rng, 2, 3), _draw(rng, 2, 5)
    stride, padding = _draw(rng, 2, 4), _draw(rng, 1, 3)
    reach = dilation * (kernel - 1) + 1
    leftover = _draw(rng, 1, stride - 1)
    fewest = max(2, 1 - (reach + leftover - 2 * padding - 1) // stride)  # keeps size >= 1
    outputs = _draw(rng, fewest, fewest + 13)
    size = (outputs - 1) * stride + reach + leftover - 2 * padding
    return ((size, kernel, stride, padding, dilation),
            f"dilation {dilation}, padding {padding}, stride {stride}, not exact")


def _draw_kernel_fills_padded_input(rng) -> Tuple[Setting, str]:
    kernel, dilation, stride = _draw(rng, 3, 9), _draw(rng, 1, 2), _draw(rng, 1, 3)
    padding = _draw(rng, 0, (kernel - 1) // 2)
    size = dilation * (kernel - 1) + 1 - 2 * padding  # >= 1 since padding <= (kernel-1)/2
    return ((size, kernel, stride, padding, dilation),
            f"kernel as large as the padded input ({size} pixel(s) + {2 * padding} padding)")


def _draw_one_by_one_kernel(rng) -> Tuple[Setting, str]:
    stride = _draw(rng, 2, 4)
    return (_draw(rng, 5, 40), 1, stride, 0, 1), f"1x1 kernel with stride {stride}"


HIDDEN_DRAWS = (_draw_plain, _draw_same_padding, _draw_exact_stride, _draw_inexact_stride,
                _draw_dilation, _draw_dilation_padding_stride, _draw_kernel_fills_padded_input,
                _draw_one_by_one_kernel)


def conv2d_output_size_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """8 random cases for the grader, drawn from ``rng`` only, none equal to a public case.

    One setting of each kind the public cases cover: stride 1 without padding, 'same'
    padding, a stride that divides exactly and one that does not (with padding), dilation,
    dilation with padding and stride, a kernel as large as the padded input, a 1x1 kernel
    with stride > 1. Sizes up to 64 pixels, kernels up to 9, strides up to 5, dilations up
    to 4. The expected ints come from torch, like the public ones.
    """
    public = {args for args, _ in SETTINGS}
    cases = []
    for draw in HIDDEN_DRAWS:
        args, about = draw(rng)
        while args in public:
            args, about = draw(rng)
        cases.append(_output_size_case(args, about, prefix="hidden: "))
    return cases


def diagnose_conv2d_output_size(case: Case, got: int) -> Optional[str]:
    """Name the mistake behind a wrong integer answer, or return None."""
    size, kernel, stride, padding, dilation = case.args
    expected = case.expected
    reach = dilation * (kernel - 1) + 1  # effective kernel size
    span = size + 2 * padding - reach  # how far the window's start can move
    mistakes = [  # (wrong answer, hint), most specific first
        ((size + 2 * padding - kernel) // stride + 1,
         f"the dilated kernel covers D(K-1)+1 = {dilation}*({kernel}-1)+1 = {reach} pixels, "
         f"not K = {kernel}: use D(K-1), not K - 1"),
        ((size + padding - reach) // stride + 1,
         f"padding is added on both sides: use I + 2P = {size + 2 * padding}, not I + P"),
        ((size - reach) // stride + 1,
         f"you left out the padding: the window slides over I + 2P = {size + 2 * padding} pixels"),
        (math.ceil(span / stride) + 1,
         f"use floor, not ceil: a window that would hang over the end is not computed, so "
         f"{span}/{stride} rounds down"),
        (span + 1, f"divide by the stride S = {stride}: the window jumps S pixels at a time"),
        (span // stride,
         "off by one: add 1 for the first window, which sits at position 0 before any step"),
        (span // stride + 2, "off by one: you count one window too many; " + FORMULA),
    ]
    for wrong, hint in mistakes:
        if got == wrong and wrong != expected:
            return hint
    if abs(got - expected) == 1:
        return "off by one: " + FORMULA
    return None


def compare_output_size(case: Case, got: Any) -> Tuple[str, str]:
    """(message, hint) for one answer; an empty message means it is the expected int."""
    expected = case.expected
    if isinstance(got, (tuple, list)):
        return (f"returned a {type(got).__name__} {_short(got)}, expected one int",
                "return a single int: the function works on one axis (call it once per "
                "axis for the height and the width)")
    if isinstance(got, bool):
        return f"returned {got!r} (bool), expected an int", case.hint
    if isinstance(got, Integral):  # int, or a NumPy integer
        if int(got) != expected:
            return (f"expected {expected}, got {int(got)}",
                    diagnose_conv2d_output_size(case, int(got)) or case.hint)
        return "", ""
    if isinstance(got, Real):  # a float: 13.5, or 14.0
        if got == expected:
            return (f"returned the float {float(got)!r}, expected the int {expected}",
                    INTEGER_DIVISION_HINT)
        return f"expected {expected}, got the float {float(got)!r}", INTEGER_DIVISION_HINT
    if hasattr(got, "item"):  # a NumPy array or a torch tensor
        return (f"returned a {type(got).__name__} {_short(got)}, expected a plain int",
                "return a Python int, e.g. with int(...)")
    return f"returned {_short(got)} ({type(got).__name__}), expected an int", case.hint


def _short(value: Any) -> str:
    """``repr(value)`` on one line, at most 80 characters."""
    return _truncate(repr(value))


def _truncate(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."


def check_conv2d_output_size(student_fn: Callable, *,
                             cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(size, kernel_size, stride, padding, dilation) -> int``; never raises.

    Prints one PASS/FAIL line per case, with hints for typical mistakes, and a summary.
    ``cases``: run these cases (e.g. ``conv2d_output_size_hidden_cases(rng)``) instead of
    the public ones.

    Returns:
        The :class:`~cnnbook.exercises.core.CheckResult`.
    """
    if cases is None:
        cases = conv2d_output_size_cases()
    return run_check(student_fn, cases, title="conv2d_output_size", compare=compare_output_size)
