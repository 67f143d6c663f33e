"""Checks for the pooling exercises (chapter 4).

Four exercises on one single-channel (H, W) array with a square K x K window moved by a
stride S; the output has OH = floor((H - K) / S) + 1 rows and OW = floor((W - K) / S) + 1
columns (no padding, windows that would hang over the edge are dropped):

    max_pool2d(x, kernel_size, stride) -> out (OH, OW)
    avg_pool2d(x, kernel_size, stride) -> out (OH, OW)
    max_pool2d_backward(x, dout, kernel_size, stride) -> dx (H, W)
    avg_pool2d_backward(x, dout, kernel_size, stride) -> dx (H, W)

The expected answers come from independent oracles: the lecture's published 4 x 4 -> 2 x 2
max-pooling example (hard-coded), ``torch.nn.functional.max_pool2d`` / ``avg_pool2d`` for
the forward passes, and torch autograd for the backward passes. When several entries of a
window tie for the maximum, torch sends the whole gradient to the first of them in row-major
order; only one dedicated case has ties.

Each exercise NAME also has ``NAME_hidden_cases(rng)``: randomized cases of the same kinds
(random sizes and hyperparameters, expected values from the same oracle) for an
instructor's grader, which runs them with ``check_NAME(student_fn, cases=...)``.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from cnnbook.exercises.conv_layer import draw, random_input_size
from cnnbook.exercises.core import Case, CheckResult, run_check

# The lecture's worked example (A. Avdiushenko, SPbU, 2022): a 4 x 4 input, 2 x 2 max pooling
# with stride 2, and the published 2 x 2 result.
LECTURE_INPUT = np.array([
    [1, 1, 2, 4],
    [5, 6, 7, 8],
    [3, 2, 1, 0],
    [1, 2, 3, 4],
], dtype=np.float64)
LECTURE_MAX_RESULT = np.array([
    [6, 8],
    [3, 4],
], dtype=np.float64)

KINDS = ("max", "avg")
TIE_HINT = ("when several entries of a window tie for the maximum, the whole gradient goes to "
            "the first of them in row-major order (what torch does, and what np.argmax returns); "
            "the others get nothing")


# --------------------------------------------------------------------------- oracles


def torch_pool2d(x: np.ndarray, kernel_size: int, stride: int, kind: str) -> np.ndarray:
    """Max or average pooling of one (H, W) array, computed by torch in float64.

    Returns:
        (OH, OW) float64 array, OH = floor((H - K) / S) + 1, same for OW.

    Torch equivalent: torch.nn.functional.max_pool2d / avg_pool2d on (1, 1, H, W).
    """
    import torch
    import torch.nn.functional as F

    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    xt = torch.tensor(np.asarray(x, dtype=np.float64))[None, None]  # (1, 1, H, W)
    return pool(xt, kernel_size, stride)[0, 0].numpy()


def torch_pool2d_grad(x: np.ndarray, dout: np.ndarray, kernel_size: int, stride: int,
                      kind: str) -> np.ndarray:
    """dL/dx of max or average pooling for the upstream gradient ``dout``, by torch autograd.

    Returns:
        (H, W) float64 array: the gradient of sum(pool(x) * dout) with respect to x.
    """
    import torch
    import torch.nn.functional as F

    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    out = pool(xt[None, None], kernel_size, stride)[0, 0]  # (OH, OW)
    out.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
    return xt.grad.numpy()


# --------------------------------------------------------------------------- cases


def _forward_geometries(rng: np.random.Generator, kind: str):
    """(name, x, kernel_size, stride, hint) for the forward cases."""
    other = "average" if kind == "max" else "maximum"
    special = (
        ("all-negative 4x6 input, 2/2", -1.0 - rng.random((4, 6)), 2, 2,
         "every value here is negative: start each window's maximum from the window itself, "
         "not from 0")
        if kind == "max" else
        ("the lecture example as integers (output must be float)", LECTURE_INPUT.astype(np.int64), 2, 2,
         "averages of integers are fractions: create the output as a float array")
    )
    return [
        ("lecture example: 4x4, 2x2 window, stride 2 -> 2x2", LECTURE_INPUT.copy(), 2, 2,
         "four non-overlapping 2x2 windows, one per output value"),
        ("random 6x8, 2/2 -> 3x4", rng.standard_normal((6, 8)), 2, 2,
         "the window for output (i, j) covers rows i*S .. i*S + K - 1 and columns j*S .. j*S + K - 1"),
        ("non-square 5x7, 2/2: stride does not divide -> 2x3", rng.standard_normal((5, 7)), 2, 2,
         "the last row and column fit no whole window and are left out (floor)"),
        ("overlapping 3x3 windows, stride 2 (AlexNet), 7x9 -> 3x4", rng.standard_normal((7, 9)), 3, 2,
         "windows overlap when the stride is smaller than the window"),
        ("3x3 window, stride 1, 5x6 -> 3x4", rng.standard_normal((5, 6)), 3, 1,
         "with stride 1 the window moves one pixel at a time"),
        ("stride 3 > window 2: gaps, 8x7 -> 3x2", rng.standard_normal((8, 7)), 2, 3,
         "with a stride larger than the window some pixels belong to no window"),
        ("global pooling: 5x5 window on 5x5 -> 1x1", rng.standard_normal((5, 5)), 5, 5,
         f"one window covering everything: the {'maximum' if kind == 'max' else 'mean'} of the "
         f"whole array, not the {other}"),
        special,
    ]


def _pool_cases(kind: str, seed: int) -> List[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for name, x, k, s, hint in _forward_geometries(rng, kind):
        if kind == "max" and name.startswith("lecture"):
            expected = LECTURE_MAX_RESULT.copy()  # the published answer
        else:
            expected = torch_pool2d(x, k, s, kind)
        cases.append(Case(name, (x, k, s), expected, hint))
    return cases


def max_pool2d_cases(seed: int = 0) -> List[Case]:
    """The public cases of the ``max_pool2d`` exercise: args (x, kernel_size, stride)."""
    return _pool_cases("max", seed)


def avg_pool2d_cases(seed: int = 0) -> List[Case]:
    """The public cases of the ``avg_pool2d`` exercise: args (x, kernel_size, stride)."""
    return _pool_cases("avg", seed)


def _plant_shared_maxima(x: np.ndarray, positions) -> np.ndarray:
    """x with distinct large values at ``positions``: maxima shared by overlapping windows."""
    x = x.copy()
    for value, (r, c) in enumerate(positions):
        x[r, c] = 10.0 + value
    return x


def _backward_cases(kind: str, seed: int) -> List[Case]:
    rng = np.random.default_rng(seed)
    geometries = [
        ("lecture example: 4x4, 2/2, dout [[1, 2], [3, 4]]", LECTURE_INPUT.copy(), 2, 2,
         np.array([[1.0, 2.0], [3.0, 4.0]]),
         "each output's gradient goes back into its own 2x2 window"),
        ("random 6x8, 2/2", rng.standard_normal((6, 8)), 2, 2, None,
         "dx has the shape of x; each window gets the gradient of its output"),
        ("non-square 5x7, 2/2: last row and column in no window", rng.standard_normal((5, 7)), 2, 2, None,
         "pixels that belong to no window get zero gradient"),
        ("overlapping 3/2 on 7x9: shared maxima, gradients add up",
         _plant_shared_maxima(rng.standard_normal((7, 9)), [(2, 2), (4, 6)]), 3, 2, None,
         "a pixel inside several windows collects the gradient of each of them: use +="),
        ("3x3 window, stride 1, 5x6: heavy overlap",
         _plant_shared_maxima(rng.standard_normal((5, 6)), [(2, 3)]), 3, 1, None,
         "a pixel inside several windows collects the gradient of each of them: use +="),
        ("stride 3 > window 2: gaps, 8x7", rng.standard_normal((8, 7)), 2, 3, None,
         "pixels between the windows get zero gradient"),
    ]
    if kind == "max":
        ties = np.array([[2.0, 2.0, 0.0, 1.0],
                         [1.0, 0.0, 3.0, 3.0],
                         [5.0, 4.0, 7.0, 6.0],
                         [5.0, 5.0, 7.0, 7.0]])
        geometries.append(("ties: every window has several maxima, 4x4, 2/2", ties, 2, 2,
                           np.array([[1.0, 2.0], [3.0, 4.0]]), TIE_HINT))
    else:
        geometries.append(("integer x, global 4x4 window", LECTURE_INPUT.astype(np.int64), 4, 4,
                           np.array([[1.0]]),
                           "dx must be a float array even when x holds integers (1/16 of dout each)"))
    cases = []
    for name, x, k, s, dout, hint in geometries:
        if dout is None:
            out_shape = torch_pool2d(x, k, s, kind).shape
            dout = rng.standard_normal(out_shape)
        cases.append(Case(name, (x, dout, k, s), torch_pool2d_grad(x, dout, k, s, kind), hint))
    return cases


def max_pool2d_backward_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``max_pool2d_backward``: args (x, dout, kernel_size, stride)."""
    return _backward_cases("max", seed)


def avg_pool2d_backward_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``avg_pool2d_backward``: args (x, dout, kernel_size, stride)."""
    return _backward_cases("avg", seed)


# --------------------------------------------------------------------------- hidden cases
# Randomized cases for an instructor's grader, drawn from the grader's generator only: the
# public cases' geometries with random sizes (2..22, at most a few hundred pixels), windows
# (1..4, global ones up to 6) and strides (1..5).

Geometry = Tuple[str, np.ndarray, int, int, str]  # (what, x, kernel_size, stride, hint)


def _geometry_text(shape, k: int, s: int) -> str:
    """E.g. "6x8, 2x2 window, stride 2 -> 3x4"."""
    oh, ow = ((n - k) // s + 1 for n in shape)
    return f"{shape[0]}x{shape[1]}, {k}x{k} window, stride {s} -> {oh}x{ow}"


def _shared_maxima_positions(rng: np.random.Generator, shape, k: int, s: int, count: int):
    """``count`` random pixels (S*m, S*q) with m, q >= 1: each lies in several windows when S < K."""
    oh, ow = ((n - k) // s + 1 for n in shape)
    return [(s * draw(rng, 1, oh - 1), s * draw(rng, 1, ow - 1)) for _ in range(count)]


def _hidden_geometries(rng: np.random.Generator, backward: bool) -> List[Geometry]:
    """The five random geometries of the forward and backward hidden cases.

    Windows that tile the input (K = S, 2..3), a stride that does not divide H - K and
    W - K, overlapping windows (K = 3..4, S = 2..K-1), a stride of 1 (K = 2..3), a stride
    larger than the window (K = 1..3, S = K+1..K+2); 2..4 output rows and columns each.
    x is standard normal; for the backward pass the overlapping cases get distinct large
    values on pixels shared by several windows, so that those pixels are maxima of
    several windows and collect their gradients.
    """
    def size(k: int, s: int, **options) -> Tuple[int, int]:
        return tuple(random_input_size(rng, k, s, positions=(2, 4), **options) for _ in range(2))

    def shared_maxima(x: np.ndarray, k: int, s: int, count: int) -> np.ndarray:
        if not backward:
            return x
        return _plant_shared_maxima(x, _shared_maxima_positions(rng, x.shape, k, s, count))

    tile = draw(rng, 2, 3)
    uneven = draw(rng, 2, 3)
    overlap = draw(rng, 3, 4)
    overlap_stride = draw(rng, 2, overlap - 1)
    slide = draw(rng, 2, 3)
    gap = draw(rng, 1, 3)
    gap_stride = draw(rng, gap + 1, gap + 2)
    geometries = [
        ("windows that tile the input", rng.standard_normal(size(tile, tile, leftover=False)),
         tile, tile,
         ("the window for output (i, j) covers rows i*S .. i*S + K - 1 and columns "
          "j*S .. j*S + K - 1", "dx has the shape of x; each window gets the gradient of its output")),
        ("stride that does not divide", rng.standard_normal(size(uneven, uneven, leftover=True)),
         uneven, uneven,
         ("the last rows and columns fit no whole window and are left out (floor)",
          "pixels that belong to no window get zero gradient")),
        ("overlapping windows", shared_maxima(rng.standard_normal(size(overlap, overlap_stride)),
                                              overlap, overlap_stride, count=2),
         overlap, overlap_stride,
         ("windows overlap when the stride is smaller than the window",
          "a pixel inside several windows collects the gradient of each of them: use +=")),
        ("stride 1", shared_maxima(rng.standard_normal(size(slide, 1)), slide, 1, count=1),
         slide, 1,
         ("with stride 1 the window moves one pixel at a time",
          "a pixel inside several windows collects the gradient of each of them: use +=")),
        ("stride larger than the window", rng.standard_normal(size(gap, gap_stride)),
         gap, gap_stride,
         ("with a stride larger than the window some pixels belong to no window",
          "pixels between the windows get zero gradient")),
    ]
    return [(what, x, k, s, hints[backward]) for what, x, k, s, hints in geometries]


def _integer_input(rng: np.random.Generator, k: int, distinct: bool) -> np.ndarray:
    """A random (K*a, K*b) float array of integers (a, b = 2..3): distinct ones (a shuffled
    0..n-1) or small ones 0..9, which may repeat."""
    shape = (k * draw(rng, 2, 3), k * draw(rng, 2, 3))
    if distinct:
        return rng.permutation(shape[0] * shape[1]).reshape(shape).astype(np.float64)
    return rng.integers(0, 10, shape).astype(np.float64)


def _tied_input(rng: np.random.Generator, k: int) -> np.ndarray:
    """A random (K*a, K*b) integer-valued float array in which every K x K window of a
    stride-K pooling has 2 or more entries tied for its maximum (at random places)."""
    x = _integer_input(rng, k, distinct=False)
    for _, _, rows, cols in _windows(x.shape, k, k):
        window = x[rows, cols]  # a view: writing into it changes x
        tied = rng.choice(k * k, size=draw(rng, 2, k * k), replace=False)
        window.flat[tied] = window.max() + draw(rng, 1, 3)
    return x


def _integer_dout(rng: np.random.Generator, x: np.ndarray, k: int) -> np.ndarray:
    """A random float array of integers 1..9 for the (H/K, W/K) output of a stride-K pooling."""
    return rng.integers(1, 10, (x.shape[0] // k, x.shape[1] // k)).astype(np.float64)


def _hidden_forward_cases(kind: str, rng: np.random.Generator) -> List[Case]:
    reduction = "maximum" if kind == "max" else "mean"
    geometries = _hidden_geometries(rng, backward=False)
    k = draw(rng, 2, 3)
    geometries.append(("integers", _integer_input(rng, k, distinct=False), k, k,
                       f"each output is the {reduction} of its own K x K window"))
    n = draw(rng, 2, 6)
    geometries.append(("global pooling", rng.standard_normal((n, n)), n, n,
                       f"one window covering everything: the {reduction} of the whole array"))
    k = draw(rng, 2, 3)
    s = draw(rng, 1, 3)
    h, w = (random_input_size(rng, k, s, positions=(2, 4)) for _ in range(2))
    if kind == "max":
        geometries.append(("all negative", -0.5 - rng.random((h, w)), k, s,
                           "every value here is negative: start each window's maximum from the "
                           "window itself, not from 0"))
    else:
        geometries.append(("integer dtype (output must be float)",
                           rng.integers(-9, 10, (h, w)), k, s,
                           "averages of integers are fractions: create the output as a float array"))
    return [Case(f"hidden: {what}, {_geometry_text(np.shape(x), k, s)}", (x, k, s),
                 torch_pool2d(x, k, s, kind), hint)
            for what, x, k, s, hint in geometries]


def _hidden_backward_cases(kind: str, rng: np.random.Generator) -> List[Case]:
    geometries = [(what, x, k, s, None, hint)
                  for what, x, k, s, hint in _hidden_geometries(rng, backward=True)]
    k = draw(rng, 2, 3)
    x = _integer_input(rng, k, distinct=True)
    geometries.append(("distinct integers, integer dout", x, k, k, _integer_dout(rng, x, k),
                       "each output's gradient goes back into its own K x K window"))
    if kind == "max":
        k = draw(rng, 2, 3)
        x = _tied_input(rng, k)
        geometries.append(("ties: every window has several maxima", x, k, k,
                           _integer_dout(rng, x, k), TIE_HINT))
    else:
        n = draw(rng, 2, 5)
        geometries.append(("integer x, global window", rng.integers(-9, 10, (n, n)), n, n,
                           rng.standard_normal((1, 1)),
                           "dx must be a float array even when x holds integers (1/(K*K) of dout each)"))
    cases = []
    for what, x, k, s, dout, hint in geometries:
        if dout is None:
            dout = rng.standard_normal(torch_pool2d(x, k, s, kind).shape)
        cases.append(Case(f"hidden: {what}, {_geometry_text(np.shape(x), k, s)}", (x, dout, k, s),
                          torch_pool2d_grad(x, dout, k, s, kind), hint))
    return cases


def max_pool2d_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Eight randomized ``max_pool2d`` cases for a grader, drawn from ``rng`` only.

    The five random geometries of :func:`_hidden_geometries`, small integers (K = S), global
    pooling of a random n x n array (n = 2..6) and an all-negative input; args (x, K, S).
    """
    return _hidden_forward_cases("max", rng)


def avg_pool2d_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Eight randomized ``avg_pool2d`` cases for a grader, drawn from ``rng`` only.

    The five random geometries of :func:`_hidden_geometries`, small integers (K = S), global
    pooling of a random n x n array (n = 2..6) and an int64 input; args (x, K, S).
    """
    return _hidden_forward_cases("avg", rng)


def max_pool2d_backward_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Seven randomized ``max_pool2d_backward`` cases for a grader, drawn from ``rng`` only.

    The five random geometries of :func:`_hidden_geometries` (maxima shared by overlapping
    windows), distinct integers with an integer dout (K = S), and a case in which every
    window has tied maxima; args (x, dout, K, S). Only the tie case has ties.
    """
    return _hidden_backward_cases("max", rng)


def avg_pool2d_backward_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Seven randomized ``avg_pool2d_backward`` cases for a grader, drawn from ``rng`` only.

    The five random geometries of :func:`_hidden_geometries`, distinct integers with an
    integer dout (K = S), and an int64 x with a global window; args (x, dout, K, S).
    """
    return _hidden_backward_cases("avg", rng)


# --------------------------------------------------------------------------- typical mistakes


def _size_formula(h: int, w: int, k: int, s: int) -> str:
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    return (f"OH = floor((H - K) / S) + 1 = floor(({h} - {k}) / {s}) + 1 = {oh} rows and "
            f"OW = floor(({w} - {k}) / {s}) + 1 = {ow} columns")


def _windows(shape, k: int, s: int):
    """(i, j, row slice, column slice) of every window, in row-major order."""
    oh, ow = (shape[0] - k) // s + 1, (shape[1] - k) // s + 1
    for i in range(oh):
        for j in range(ow):
            yield i, j, slice(i * s, i * s + k), slice(j * s, j * s + k)


def _close(got: np.ndarray, candidate: np.ndarray) -> bool:
    return got.shape == candidate.shape and bool(np.allclose(got, candidate, rtol=1e-6, atol=1e-8))


def _diagnose_forward(kind: str, case: Case, got: np.ndarray) -> Optional[str]:
    x, k, s = case.args
    x = np.asarray(x, dtype=np.float64)
    (h, w), expected = x.shape, case.expected
    formula = _size_formula(h, w, k, s)
    if got.shape != expected.shape:
        ceil_shape = tuple(-(-(n - k) // s) + 1 for n in (h, w))
        if got.ndim != 2:
            return f"return a 2-D array: {formula}"
        if got.shape == (h - k + 1, w - k + 1):
            return (f"the window moved one pixel at a time: move it by the stride, so that output "
                    f"(i, j) starts at (i*S, j*S); {formula}")
        if got.shape == ceil_shape:
            return f"a window that would hang over the edge is left out (floor, not ceil): {formula}"
        if all(abs(g - e) <= 1 for g, e in zip(got.shape, expected.shape)):
            return f"output shape off by one: {formula}"
        return formula
    other = "avg" if kind == "max" else "max"
    if _close(got, torch_pool2d(x, k, s, other)):
        return ("you computed the average of each window instead of its maximum" if kind == "max"
                else "you computed the maximum of each window instead of its average")
    if kind == "max" and _close(got, np.maximum(expected, 0.0)):
        return "the running maximum started at 0: start it from the window's values (window.max())"
    if kind == "avg":
        if _close(got, expected * k * k):
            return f"that is the window's sum: divide it by the window's area K*K = {k * k}"
        if _close(got, expected * k):
            return f"divide by the window's area K*K = {k * k}, not by K = {k}"
    return None


def _overwritten_grad(x: np.ndarray, dout: np.ndarray, k: int, s: int, kind: str) -> np.ndarray:
    """The wrong answer that assigns (=) instead of adding (+=): later windows overwrite."""
    dx = np.zeros(x.shape)
    for i, j, rows, cols in _windows(x.shape, k, s):
        if kind == "avg":
            dx[rows, cols] = dout[i, j] / (k * k)
        else:
            p, q = np.unravel_index(np.argmax(x[rows, cols]), (k, k))
            dx[rows.start + p, cols.start + q] = dout[i, j]
    return dx


def _tie_variants(x: np.ndarray, dout: np.ndarray, k: int, s: int):
    """The wrong answers for ties: (every maximum, split evenly, last maximum)."""
    every, split, last = np.zeros(x.shape), np.zeros(x.shape), np.zeros(x.shape)
    for i, j, rows, cols in _windows(x.shape, k, s):
        window = x[rows, cols]
        is_max = window == window.max()
        every[rows, cols] += dout[i, j] * is_max
        split[rows, cols] += dout[i, j] * is_max / is_max.sum()
        p, q = np.argwhere(is_max)[-1]
        last[rows.start + p, cols.start + q] += dout[i, j]
    return every, split, last


def _diagnose_backward(kind: str, case: Case, got: np.ndarray) -> Optional[str]:
    x, dout, k, s = case.args
    x, dout = np.asarray(x, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    expected = case.expected
    if got.shape != x.shape:
        if got.shape == dout.shape:
            return (f"dx has the shape of the input x {x.shape}, not of the output gradient "
                    f"dout {dout.shape}")
        return f"dx must have the shape of x, {x.shape}: one gradient value per input pixel"
    if _close(got, _overwritten_grad(x, dout, k, s, kind)):
        return ("overlapping windows overwrote each other's gradient: a pixel in several "
                "windows must collect all of them, dx[...] += ..., not dx[...] = ...")
    other = "avg" if kind == "max" else "max"
    if _close(got, torch_pool2d_grad(x, dout, k, s, other)):
        return ("that is the gradient of average pooling: for max pooling only the window's "
                "maximum gets the gradient" if kind == "max" else
                "that is the gradient of max pooling: for average pooling every pixel of the "
                "window gets an equal share")
    if kind == "avg" and _close(got, expected * k * k):
        return f"divide the gradient by the window's area K*K = {k * k}: each pixel gets 1/{k * k} of it"
    if kind == "max":
        every, split, last = _tie_variants(x, dout, k, s)
        if _close(got, every):
            return "the gradient went to every entry equal to the maximum; " + TIE_HINT
        if _close(got, split):
            return "the gradient was split among tied maxima; " + TIE_HINT
        if _close(got, last):
            return "the gradient went to the last tied maximum; " + TIE_HINT
    for rows, cols in ((True, False), (False, True), (True, True)):
        if (rows and dout.shape[0] < 2) or (cols and dout.shape[1] < 2):
            continue
        short = torch_pool2d_grad(x, dout * _without_last(dout.shape, rows, cols), k, s, kind)
        if not _close(expected, short) and _close(got, short):
            return (f"the last row or column of windows got no gradient (an off-by-one output "
                    f"size): loop over all {_size_formula(x.shape[0], x.shape[1], k, s)}")
    return None


def _without_last(shape, rows: bool, cols: bool) -> np.ndarray:
    """A mask of ones that zeroes the last row and/or the last column of a (OH, OW) array."""
    mask = np.ones(shape)
    if rows:
        mask[-1, :] = 0
    if cols:
        mask[:, -1] = 0
    return mask


# --------------------------------------------------------------------------- checks


def check_max_pool2d(student_fn: Callable, *,
                     cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(x, kernel_size, stride)``, max pooling of an (H, W) array; never raises.

    Prints one PASS/FAIL line per case with hints for typical mistakes (wrong output size,
    window moved by 1 instead of the stride, average instead of maximum, a maximum started
    at 0, transposed output), and a summary line.

    ``cases``: run these instead of the public ``max_pool2d_cases()`` (e.g. a grader's
    ``max_pool2d_hidden_cases(rng)``).
    """
    cases = max_pool2d_cases() if cases is None else cases
    return run_check(student_fn, cases, title="max_pool2d",
                     diagnose=lambda case, got: _diagnose_forward("max", case, got))


def check_avg_pool2d(student_fn: Callable, *,
                     cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(x, kernel_size, stride)``, average pooling of an (H, W) array; never raises.

    Hints cover a wrong output size, the sum instead of the mean, maximum instead of average,
    an integer output and a transposed output.

    ``cases``: run these instead of the public ``avg_pool2d_cases()`` (e.g. a grader's
    ``avg_pool2d_hidden_cases(rng)``).
    """
    cases = avg_pool2d_cases() if cases is None else cases
    return run_check(student_fn, cases, title="avg_pool2d",
                     diagnose=lambda case, got: _diagnose_forward("avg", case, got))


def check_max_pool2d_backward(student_fn: Callable, *,
                              cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(x, dout, kernel_size, stride) -> dx`` for max pooling; never raises.

    The oracle is torch autograd. Hints cover overwriting instead of accumulating, the
    gradient sent to every tied maximum (or split, or to the last one), the average-pooling
    gradient, the shape of dout instead of x, a skipped last row of windows and a
    transposed answer.

    ``cases``: run these instead of the public ``max_pool2d_backward_cases()`` (e.g. a grader's
    ``max_pool2d_backward_hidden_cases(rng)``).
    """
    cases = max_pool2d_backward_cases() if cases is None else cases
    return run_check(student_fn, cases, title="max_pool2d_backward",
                     diagnose=lambda case, got: _diagnose_backward("max", case, got))


def check_avg_pool2d_backward(student_fn: Callable, *,
                              cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(x, dout, kernel_size, stride) -> dx`` for average pooling; never raises.

    The oracle is torch autograd. Hints cover overwriting instead of accumulating, a
    missing division by the window's area, the max-pooling gradient, the shape of dout
    instead of x, a skipped last row of windows and a transposed answer.

    ``cases``: run these instead of the public ``avg_pool2d_backward_cases()`` (e.g. a grader's
    ``avg_pool2d_backward_hidden_cases(rng)``).
    """
    cases = avg_pool2d_backward_cases() if cases is None else cases
    return run_check(student_fn, cases, title="avg_pool2d_backward",
                     diagnose=lambda case, got: _diagnose_backward("avg", case, got))
