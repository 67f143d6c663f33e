"""Checks for the convolution exercises (chapter 3).

``check_conv2d_valid`` grades a function ``conv2d_valid(image, kernel)`` that computes
the valid 2-D cross-correlation of one single-channel image with one kernel:

    out[i, j] = sum_{u, v} image[i + u, j + v] * kernel[u, v],
    out.shape == (H - KH + 1, W - KW + 1)

The expected answers come from two independent oracles: the worked example published
in the lecture (hard-coded) and ``torch.nn.functional.conv2d``.

An instructor's grader also runs the check on hidden cases,
``check_conv2d_valid(fn, cases=conv2d_valid_hidden_cases(rng))``: random images and
kernels of the same kinds as the public cases, graded by the same torch oracle.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence

import numpy as np

from cnnbook.exercises.core import Case, CheckResult, run_check

# The lecture's worked example (A. Sorici, "Neural Networks", UPB): a 7x7 binary image,
# a 3x3 kernel and the published 5x5 result of the valid convolution.
LECTURE_IMAGE = np.array([
    [0, 1, 1, 1, 0, 0, 0],
    [0, 0, 1, 1, 1, 0, 0],
    [0, 0, 0, 1, 1, 1, 0],
    [0, 0, 0, 1, 1, 0, 0],
    [0, 0, 1, 1, 0, 0, 0],
    [0, 1, 1, 0, 0, 0, 0],
    [1, 1, 0, 0, 0, 0, 0],
], dtype=np.float64)
LECTURE_KERNEL = np.array([
    [1, 0, 1],
    [0, 1, 0],
    [1, 0, 1],
], dtype=np.float64)
LECTURE_RESULT = np.array([
    [1, 4, 3, 4, 1],
    [1, 2, 4, 3, 3],
    [1, 2, 3, 4, 1],
    [1, 3, 3, 1, 1],
    [3, 3, 1, 1, 0],
], dtype=np.float64)

FLIPPED_HINT = ("you flipped the kernel: deep-learning \"convolution\" is cross-correlation, "
                "out[i, j] = sum of image[i + u, j + v] * kernel[u, v], with no flip")
SAME_HINT = ("valid means no padding: the output shrinks to (H - KH + 1, W - KW + 1) "
             "instead of keeping the input's size")


def torch_cross_correlation(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The valid cross-correlation of a 2-D image with a 2-D kernel, computed by torch.

    Args:
        image: (H, W) array.
        kernel: (KH, KW) array with KH <= H and KW <= W.

    Returns:
        (H - KH + 1, W - KW + 1) float64 array.

    Torch equivalent: torch.nn.functional.conv2d on (1, 1, H, W) and (1, 1, KH, KW).
    """
    import torch
    import torch.nn.functional as F

    def as_tensor(array) -> torch.Tensor:  # contiguous float64 copy (also of flipped views)
        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64))

    x = as_tensor(image)[None, None]  # (1, 1, H, W)
    w = as_tensor(kernel)[None, None]  # (1, 1, KH, KW)
    return F.conv2d(x, w)[0, 0].numpy()  # (H - KH + 1, W - KW + 1)


# Hints of the case kinds shared by the public and the hidden cases.
SLIDE_HINT = ("slide the {kh}x{kw} window over every position where it fits entirely inside "
              "the image")
NON_SQUARE_HINT = "use the kernel's height for the rows and its width for the columns"
ONE_BY_ONE_HINT = "with a 1x1 kernel every output pixel is the input pixel times the weight"
FULL_KERNEL_HINT = "when KH == H and KW == W there is exactly one position: a (1, 1) output"
ASYMMETRIC_HINT = "this kernel is not symmetric, so a flipped kernel gives a different answer"
INTEGER_HINT = "the output must be a float array even when the image holds integers"
ROW_HINT = "a one-row kernel on a one-row image gives a one-row output"
COLUMN_HINT = "a one-column kernel on a one-column image gives a one-column output"


def _conv_case(name: str, image: np.ndarray, kernel: np.ndarray, hint: str) -> Case:
    """A case whose expected output is torch's valid cross-correlation of image and kernel."""
    return Case(name, (image, kernel), torch_cross_correlation(image, kernel), hint)


def conv2d_valid_cases(seed: int = 0) -> List[Case]:
    """The public cases of the ``conv2d_valid`` exercise (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    random_image = rng.standard_normal((6, 9))
    random_kernel = rng.standard_normal((2, 4))
    one_by_one_image = rng.standard_normal((4, 5))
    full_image = rng.standard_normal((4, 3))
    full_kernel = rng.standard_normal((4, 3))
    asym_image = rng.standard_normal((5, 6))
    asym_kernel = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, -1.0], [3.0, 0.0, 0.0]])
    int_image = rng.integers(0, 10, size=(5, 6))
    int_kernel = np.array([[0.5, 0.25], [-0.5, 0.75]])
    row_image = rng.standard_normal((1, 8))
    row_kernel = np.array([[1.0, -2.0, 1.0]])

    return [
        Case("lecture example: 7x7 binary image, 3x3 kernel -> 5x5",
             (LECTURE_IMAGE.copy(), LECTURE_KERNEL.copy()), LECTURE_RESULT.copy(),
             SLIDE_HINT.format(kh=3, kw=3)),
        _conv_case("random 6x9 image, non-square 2x4 kernel -> 5x6", random_image, random_kernel,
                   NON_SQUARE_HINT),
        _conv_case("1x1 kernel (output = 2.5 * image)", one_by_one_image, np.array([[2.5]]),
                   ONE_BY_ONE_HINT),
        _conv_case("kernel as large as the image -> 1x1 output", full_image, full_kernel,
                   FULL_KERNEL_HINT),
        _conv_case("asymmetric 3x3 kernel", asym_image, asym_kernel, ASYMMETRIC_HINT),
        _conv_case("integer image, fractional kernel", int_image, int_kernel, INTEGER_HINT),
        _conv_case("1x8 single-row image, 1x3 kernel -> 1x6", row_image, row_kernel, ROW_HINT),
    ]


def conv2d_valid_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """8 random cases for the grader, drawn from ``rng`` only; expected values from torch.

    The kinds of the public cases, with random sizes (images up to 9x9, kernels up to 4x4)
    and values: a binary image and binary kernel (like the lecture's example), a non-square
    kernel on a non-square image, a 1x1 kernel of random weight, a kernel as large as the
    image, an asymmetric square kernel, an integer image (int64) with a fractional kernel,
    a single-row and a single-column image.
    """
    def size(low: int, high: int) -> int:
        return int(rng.integers(low, high + 1))

    def out(h: int, w: int, kh: int, kw: int) -> str:
        return f"-> {h - kh + 1}x{w - kw + 1}"

    cases = []

    h, w, k = size(5, 9), size(5, 9), size(2, 4)
    binary_kernel = rng.integers(0, 2, size=(k, k)).astype(np.float64)
    binary_kernel[size(0, k - 1), size(0, k - 1)] = 1.0  # at least one 1
    cases.append(_conv_case(f"hidden: random binary {h}x{w} image, binary {k}x{k} kernel "
                            f"{out(h, w, k, k)}",
                            rng.integers(0, 2, size=(h, w)).astype(np.float64), binary_kernel,
                            SLIDE_HINT.format(kh=k, kw=k)))

    kh, kw, h, w = 1, 1, 1, 1
    while kh == kw or h == w or h - kh == w - kw:  # kernel, image and output all non-square
        kh, kw = size(1, 4), size(1, 4)
        h, w = kh + size(1, 4), kw + size(1, 4)
    cases.append(_conv_case(f"hidden: random {h}x{w} image, non-square {kh}x{kw} kernel "
                            f"{out(h, w, kh, kw)}",
                            rng.standard_normal((h, w)), rng.standard_normal((kh, kw)),
                            NON_SQUARE_HINT))

    h, w = size(2, 6), size(2, 6)
    weight = float(rng.choice([-1, 1])) * round(float(rng.uniform(0.5, 3.0)), 2)
    cases.append(_conv_case(f"hidden: {h}x{w} image, 1x1 kernel (output = {weight:g} * image)",
                            rng.standard_normal((h, w)), np.array([[weight]]), ONE_BY_ONE_HINT))

    h, w = size(2, 5), size(2, 5)
    cases.append(_conv_case(f"hidden: {h}x{w} kernel as large as the image -> 1x1 output",
                            rng.standard_normal((h, w)), rng.standard_normal((h, w)),
                            FULL_KERNEL_HINT))

    k = size(3, 4)
    h, w = k + size(1, 4), k + size(1, 4)
    cases.append(_conv_case(f"hidden: random {h}x{w} image, asymmetric {k}x{k} kernel "
                            f"{out(h, w, k, k)}",
                            rng.standard_normal((h, w)), rng.standard_normal((k, k)),
                            ASYMMETRIC_HINT))

    kh, kw = size(2, 3), size(2, 3)
    h, w = kh + size(1, 4), kw + size(1, 4)
    odd_quarters = (2 * rng.integers(-4, 4, size=(kh, kw)) + 1) / 4.0  # never a whole number
    cases.append(_conv_case(f"hidden: integer {h}x{w} image, fractional {kh}x{kw} kernel",
                            rng.integers(0, 10, size=(h, w)), odd_quarters, INTEGER_HINT))

    w, kw = size(4, 12), size(2, 4)
    cases.append(_conv_case(f"hidden: 1x{w} single-row image, 1x{kw} kernel {out(1, w, 1, kw)}",
                            rng.standard_normal((1, w)), rng.standard_normal((1, kw)), ROW_HINT))

    h, kh = size(4, 12), size(2, 4)
    cases.append(_conv_case(f"hidden: {h}x1 single-column image, {kh}x1 kernel "
                            f"{out(h, 1, kh, 1)}",
                            rng.standard_normal((h, 1)), rng.standard_normal((kh, 1)),
                            COLUMN_HINT))
    return cases


def diagnose_conv2d_valid(case: Case, got: np.ndarray) -> Optional[str]:
    """Recognise typical mistakes in a ``conv2d_valid`` answer; return a hint or None."""
    image, kernel = (np.asarray(a, dtype=np.float64) for a in case.args)
    (h, w), (kh, kw) = image.shape, kernel.shape
    valid = (h - kh + 1, w - kw + 1)
    formula = (f"the output needs H - KH + 1 = {h} - {kh} + 1 = {valid[0]} (rows) by "
               f"W - KW + 1 = {w} - {kw} + 1 = {valid[1]} (columns)")
    if got.shape == valid:
        flipped = torch_cross_correlation(image, kernel[::-1, ::-1])
        if not np.allclose(flipped, case.expected) and np.allclose(got, flipped):
            return FLIPPED_HINT
        return None
    if got.shape == (h, w):
        return SAME_HINT
    if got.shape == (h + kh - 1, w + kw - 1):
        return "that is the 'full' output size (zero padding on every side); " + SAME_HINT
    if got.ndim == 2 and all(abs(g - v) <= 1 for g, v in zip(got.shape, valid)):
        return f"output shape off by one: {formula}"
    if got.ndim != 2:
        return f"return a 2-D array: {formula}"
    return None


def check_conv2d_valid(student_fn: Callable, *,
                       cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(image, kernel)``, a valid 2-D cross-correlation; never raises.

    Prints one PASS/FAIL line per case, with hints for typical mistakes (flipped kernel,
    zero padding, off-by-one output size, transposed output), and a summary line.
    ``cases``: run these cases (e.g. ``conv2d_valid_hidden_cases(rng)``) instead of the
    public ones.

    Returns:
        The :class:`~cnnbook.exercises.core.CheckResult`.
    """
    if cases is None:
        cases = conv2d_valid_cases()
    return run_check(student_fn, cases, title="conv2d_valid", diagnose=diagnose_conv2d_valid)
