"""Checks for the convolution-layer exercises (chapter 3, "im2col and the backward pass").

Three exercises, each graded against torch as the independent oracle:

``check_im2col`` grades ``im2col(x, kernel_size, stride)``: x is one image (C, H, W),
kernel_size a pair (KH, KW), stride an int; it returns the (C*KH*KW, OH*OW) matrix whose
column i*OW + j is the window under output position (i, j), read in the order (c, u, v):

    cols[(c*KH + u)*KW + v, i*OW + j] = x[c, i*stride + u, j*stride + v]

(the numbers of ``torch.nn.functional.unfold`` for one image).

``check_conv2d_forward`` grades ``conv2d_forward(x, w, b, stride, padding) -> out``:
x (N, C, H, W), w (F, C, KH, KW), b (F,), ints stride and padding; out is
(N, F, OH, OW) as ``torch.nn.functional.conv2d`` computes it.

``check_conv2d_backward`` grades ``conv2d_backward(dout, x, w, b, stride, padding)
-> (dx, dw, db)``, the gradients of sum(out * dout), against torch autograd.

Each check prints one PASS/FAIL line per case, recognises typical mistakes (transposed
output, wrong row order, stride or padding ignored, forgotten bias, flipped kernel,
overwritten instead of accumulated gradients, transposed dw...) and never raises.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from cnnbook.exercises.core import Case, CheckResult, run_check
from cnnbook.shapes import conv2d_output_size

# --------------------------------------------------------------------------- torch oracles


def _tensor(array):
    import torch

    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64))


def torch_unfold(x: np.ndarray, kernel_size: Tuple[int, int], stride: int) -> np.ndarray:
    """im2col of one image by torch: x (C, H, W) -> (C*KH*KW, OH*OW) float64.

    Torch equivalent: torch.nn.functional.unfold on x[None], first (only) image.
    """
    import torch.nn.functional as F

    return F.unfold(_tensor(x)[None], tuple(kernel_size), stride=stride)[0].numpy()


def torch_conv2d(x, w, b, stride: int, padding: int) -> np.ndarray:
    """out = conv2d(x, w, b) in float64 by torch: (N, C, H, W), (F, C, KH, KW), (F,) -> (N, F, OH, OW)."""
    import torch.nn.functional as F

    bias = None if b is None else _tensor(b)
    return F.conv2d(_tensor(x), _tensor(w), bias, stride=stride, padding=padding).numpy()


def torch_conv2d_gradients(dout, x, w, b, stride: int, padding: int, *, window_step: Optional[int] = None):
    """(dx, dw, db) of sum(conv2d(x, w, b) * dout) by torch autograd, in float64.

    ``window_step`` (for diagnosing a mistake): place the windows ``window_step`` apart
    instead of ``stride`` apart, keeping the first OH x OW of them (what a backward pass
    that ignores the stride computes).
    """
    import torch
    import torch.nn.functional as F

    xt, wt = _tensor(x).requires_grad_(), _tensor(w).requires_grad_()
    bt = _tensor(b).requires_grad_()
    step = stride if window_step is None else window_step
    out = F.conv2d(xt, wt, bt, stride=step, padding=padding)
    oh, ow = dout.shape[2:]
    out = out[:, :, :oh, :ow]
    out.backward(_tensor(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


# --------------------------------------------------------------------------- im2col

IM2COL_ROW_ORDER_HINT = ("rows in the wrong order: row (c*KH + u)*KW + v must hold channel c, "
                         "kernel row u, kernel column v, so loop over the channels outside "
                         "the kernel loops (channel slowest, kernel column fastest)")
IM2COL_KERNEL_ORDER_HINT = ("within a channel the kernel row u must vary slower than the kernel "
                            "column v: row index (c*KH + u)*KW + v, i.e. window.reshape(-1) of "
                            "the (C, KH, KW) window")
IM2COL_COLUMN_ORDER_HINT = ("columns in the wrong order: column i*OW + j holds output position "
                            "(i, j), row-major: loop over the output rows i outside the output "
                            "columns j")
IM2COL_TRANSPOSED_HINT = ("you returned the transpose: the rows (C*KH*KW of them) are the entries "
                          "of a window, the columns (OH*OW of them) are the output positions")
IM2COL_KERNEL_SWAP_HINT = ("kernel height and width swapped: kernel_size is (KH, KW); a window "
                           "spans KH rows and KW columns")


def im2col_cases(seed: int = 0) -> List[Case]:
    """The public cases of the ``im2col`` exercise (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)

    def case(name: str, x: np.ndarray, kernel_size: Tuple[int, int], stride: int, hint: str) -> Case:
        expected = torch_unfold(x, kernel_size, stride)
        return Case(f"{name} -> {expected.shape}", (x, kernel_size, stride), expected, hint)

    return [
        case("1 channel 4x4 (values 0..15), 3x3 kernel, stride 1",
             np.arange(16.0).reshape(1, 4, 4), (3, 3), 1,
             "column i*OW + j is the 3x3 window at output position (i, j), flattened row by row"),
        case("3 channels 5x6, non-square 2x3 kernel, stride 1",
             rng.standard_normal((3, 5, 6)), (2, 3), 1,
             "use KH for the rows of a window and KW for its columns"),
        case("2 channels 7x7, 3x3 kernel, stride 2",
             rng.standard_normal((2, 7, 7)), (3, 3), 2,
             "window (i, j) starts at row i*stride and column j*stride"),
        case("1 channel 8x7, 2x2 kernel, stride 3 that does not divide",
             rng.standard_normal((1, 8, 7)), (2, 2), 3,
             "OH = (H - KH) // stride + 1: the last rows that no window reaches are dropped"),
        case("2 channels 7x5, 3x1 kernel, stride 2",
             rng.standard_normal((2, 7, 5)), (3, 1), 2,
             "a 3x1 kernel covers 3 rows and 1 column"),
        case("4 channels 3x3, 1x1 kernel",
             rng.standard_normal((4, 3, 3)), (1, 1), 1,
             "with a 1x1 kernel, column (i, j) is the C channel values of pixel (i, j)"),
        case("2 channels 4x5, kernel as large as the image",
             rng.standard_normal((2, 4, 5)), (4, 5), 1,
             "only one window fits: a single column holding the whole image"),
    ]


def diagnose_im2col(case: Case, got: np.ndarray) -> Optional[str]:
    """Recognise typical mistakes in an ``im2col`` answer; return a hint or None."""
    x, (kh, kw), stride = case.args
    c, h, w = x.shape
    expected = case.expected
    oh = conv2d_output_size(h, kh, stride=stride)
    ow = conv2d_output_size(w, kw, stride=stride)
    rows, positions = c * kh * kw, oh * ow
    sizes = (f"OH = (H - KH) // stride + 1 = ({h} - {kh}) // {stride} + 1 = {oh} and "
             f"OW = (W - KW) // stride + 1 = ({w} - {kw}) // {stride} + 1 = {ow}")
    if got.shape == (positions, rows) and got.shape != expected.shape:
        return IM2COL_TRANSPOSED_HINT
    if got.ndim != 2:
        return f"return a 2-D array of shape (C*KH*KW, OH*OW) = ({rows}, {positions})"
    if kh != kw and kw <= h and kh <= w:
        swapped = torch_unfold(x, (kw, kh), stride)
        if got.shape == swapped.shape and np.allclose(got, swapped):
            return IM2COL_KERNEL_SWAP_HINT
    if got.shape[0] == rows and stride > 1 and got.shape[1] == (h - kh + 1) * (w - kw + 1):
        return f"stride ignored: the windows start stride = {stride} pixels apart, so {sizes}"
    if got.shape[0] == rows and got.shape[1] != positions:
        return f"wrong number of columns (output positions): {sizes}"
    if got.shape != expected.shape:
        return None
    by_window = expected.reshape(c, kh, kw, positions)
    alternatives = [
        (by_window.transpose(1, 2, 0, 3), IM2COL_ROW_ORDER_HINT),  # rows (u, v, c)
        (by_window.transpose(0, 2, 1, 3), IM2COL_KERNEL_ORDER_HINT),  # rows (c, v, u)
        (by_window.transpose(2, 1, 0, 3), IM2COL_ROW_ORDER_HINT),  # rows (v, u, c)
        (expected.reshape(rows, oh, ow).transpose(0, 2, 1), IM2COL_COLUMN_ORDER_HINT),  # columns (j, i)
    ]
    for alternative, hint in alternatives:
        alternative = alternative.reshape(rows, positions)
        if not np.allclose(alternative, expected) and np.allclose(got, alternative):
            return hint
    if stride > 1 and np.allclose(got, torch_unfold(x, (kh, kw), 1)[:, :positions]):
        return f"stride ignored: window (i, j) starts at row i*stride and column j*stride, stride = {stride}"
    return None


def check_im2col(student_fn: Callable) -> CheckResult:
    """Check ``student_fn(x, kernel_size, stride)``, im2col of one (C, H, W) image; never raises.

    Prints one PASS/FAIL line per case (with hints for a transposed matrix, rows or columns
    in the wrong order, an ignored stride, an off-by-one number of positions) and a summary.

    Returns:
        The :class:`~cnnbook.exercises.core.CheckResult`.
    """
    return run_check(student_fn, im2col_cases(), title="im2col", diagnose=diagnose_im2col)


# --------------------------------------------------------------------------- conv2d forward

FORGOT_BIAS_HINT = "you forgot the bias: add b[f] to every output value of filter f"
BIAS_AXIS_HINT = ("the bias is added along the wrong axis: b has one value per filter, so it "
                  "broadcasts as b.reshape(1, F, 1, 1) (axis 1 of the (N, F, OH, OW) output)")
FLIPPED_KERNEL_HINT = ("you flipped the kernel: conv2d is a cross-correlation, "
                       "out[n, f, i, j] = b[f] + sum of xpad[n, c, i*S + u, j*S + v] * w[f, c, u, v], "
                       "with no flip")
PADDING_HINT = ("padding missing: zero-pad x by P rows/columns on every side first "
                "(np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))), then slide the window")
STRIDE_HINT = "stride ignored: output position (i, j) reads the window at row i*S, column j*S"


def conv2d_forward_cases(seed: int = 0) -> List[Case]:
    """The public cases of the ``conv2d_forward`` exercise (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)

    def case(name, x_shape, w_shape, stride, padding, hint) -> Case:
        x = rng.standard_normal(x_shape)
        w = rng.standard_normal(w_shape)
        b = rng.standard_normal(w_shape[0])
        expected = torch_conv2d(x, w, b, stride, padding)
        return Case(f"{name} -> {expected.shape}", (x, w, b, stride, padding), expected, hint)

    return [
        case("batch 1, 1 channel 5x5, one 3x3 filter", (1, 1, 5, 5), (1, 1, 3, 3), 1, 0,
             "out[0, 0, i, j] = b[0] + sum of the 3x3 window at (i, j) times the kernel"),
        case("batch 2, 3 channels 6x5, 4 filters, padding 1", (2, 3, 6, 5), (4, 3, 3, 3), 1, 1,
             "each filter sums over all C input channels; padding 1 keeps the 6x5 size"),
        case("non-square 2x3 kernel, stride 2 that does not divide, padding 1",
             (2, 2, 7, 8), (3, 2, 2, 3), 2, 1,
             "OH = (H + 2P - KH) // S + 1, OW = (W + 2P - KW) // S + 1"),
        case("3 images and 3 filters (N == F): the bias belongs to the filter",
             (3, 2, 5, 6), (3, 2, 3, 3), 1, 0,
             "b[f] is added to output channel f of every image"),
        case("1x1 kernel, stride 2", (2, 4, 5, 7), (3, 4, 1, 1), 2, 0,
             "a 1x1 convolution mixes the channels of each pixel; stride 2 keeps every other one"),
        case("asymmetric 3x3 kernel, stride 3, padding 2", (1, 2, 8, 9), (2, 2, 3, 3), 3, 2,
             "pad first, then windows start at multiples of the stride"),
    ]


def diagnose_conv2d_forward(case: Case, got: np.ndarray) -> Optional[str]:
    """Recognise typical mistakes in a ``conv2d_forward`` answer; return a hint or None."""
    x, w, b, stride, padding = case.args
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    expected = case.expected
    oh, ow = expected.shape[2:]
    formula = (f"OH = (H + 2P - KH) // S + 1 = ({h} + {2 * padding} - {kh}) // {stride} + 1 = {oh}, "
               f"OW = (W + 2P - KW) // S + 1 = ({wd} + {2 * padding} - {kw}) // {stride} + 1 = {ow}")
    if got.ndim != 4:
        return f"return a 4-D array (N, F, OH, OW) = {expected.shape}"
    if got.shape != expected.shape:
        no_pad = (conv2d_output_size(h, kh, stride=stride),
                  conv2d_output_size(wd, kw, stride=stride))
        no_stride = (conv2d_output_size(h, kh, padding=padding),
                     conv2d_output_size(wd, kw, padding=padding))
        if padding and got.shape[2:] == no_pad:
            return PADDING_HINT
        if stride > 1 and got.shape[2:] == no_stride:
            return f"{STRIDE_HINT} (S = {stride}); {formula}"
        if got.shape == (f, n, oh, ow):
            return "axes in the wrong order: the output is (N, F, OH, OW), images first, filters second"
        if got.shape[:2] == (n, f):
            return f"wrong output size: {formula}"
        if got.shape[1:] == (f, oh, ow):
            return (f"{BIAS_AXIS_HINT}; your output has {got.shape[0]} images instead of "
                    f"N = {n}, as if b had been broadcast along the batch axis")
        return f"the output must have shape (N, F, OH, OW) = {expected.shape}"
    per_filter = b.reshape(1, f, 1, 1)
    if np.allclose(got, expected - per_filter):
        return FORGOT_BIAS_HINT
    if n == f and np.allclose(got, expected - per_filter + b.reshape(n, 1, 1, 1)):
        return BIAS_AXIS_HINT
    if ow == f and np.allclose(got, expected - per_filter + b.reshape(1, 1, 1, f)):
        return BIAS_AXIS_HINT
    flipped = torch_conv2d(x, w[:, :, ::-1, ::-1], b, stride, padding)
    if not np.allclose(flipped, expected) and np.allclose(got, flipped):
        return FLIPPED_KERNEL_HINT
    return None


def check_conv2d_forward(student_fn: Callable) -> CheckResult:
    """Check ``student_fn(x, w, b, stride, padding)``, a conv2d forward pass; never raises.

    Prints one PASS/FAIL line per case (with hints for a forgotten or misplaced bias, a
    flipped kernel, missing padding, an ignored stride, a wrong output size) and a summary.

    Returns:
        The :class:`~cnnbook.exercises.core.CheckResult`.
    """
    return run_check(student_fn, conv2d_forward_cases(), title="conv2d_forward",
                     diagnose=diagnose_conv2d_forward)


# --------------------------------------------------------------------------- conv2d backward

GRADIENT_NAMES = ("dx", "dw", "db")
DB_HINT = ("db[f] is the sum of dout[n, f, i, j] over the batch and both spatial axes: "
           "dout.sum(axis=(0, 2, 3)), shape (F,)")
DX_CROP_HINT = ("dx has the shape of the padded input: compute the gradient of xpad, then crop "
                "the border, dx = dxpad[:, :, P:P + H, P:P + W]")
DX_FLIP_HINT = ("dx comes out as if the kernel were flipped: in the scatter form there is no flip, "
                "dxpad[n, :, window] += dout[n, f, i, j] * w[f] (the flip appears only when dx is "
                "written as a full convolution of dout)")
DX_OVERWRITE_HINT = ("dx: overlapping windows (and different filters) send gradient to the same "
                     "input pixel; accumulate with +=, do not assign with =")
DW_TRANSPOSED_HINT = ("dw has its first two axes swapped: it must have the shape of w, "
                      "(F, C, KH, KW), filters first")
DW_KERNEL_SWAP_HINT = "dw has its kernel rows and columns swapped: dw[f, c, u, v] pairs with w[f, c, u, v]"
BACKWARD_STRIDE_HINT = ("stride ignored in the backward pass: output (i, j) came from the window at "
                        "row i*S, column j*S, so its gradient goes back to that window")


def conv2d_backward_cases(seed: int = 0) -> List[Case]:
    """The public cases of the ``conv2d_backward`` exercise (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)

    def case(name, x_shape, w_shape, stride, padding, hint) -> Case:
        x = rng.standard_normal(x_shape)
        w = rng.standard_normal(w_shape)
        b = rng.standard_normal(w_shape[0])
        oh = conv2d_output_size(x_shape[2], w_shape[2], stride=stride, padding=padding)
        ow = conv2d_output_size(x_shape[3], w_shape[3], stride=stride, padding=padding)
        dout = rng.standard_normal((x_shape[0], w_shape[0], oh, ow))
        expected = torch_conv2d_gradients(dout, x, w, b, stride, padding)
        return Case(name, (dout, x, w, b, stride, padding), expected, hint, output_names=GRADIENT_NAMES)

    return [
        case("batch 1, 1 channel 5x5, one asymmetric 3x3 filter (windows overlap)",
             (1, 1, 5, 5), (1, 1, 3, 3), 1, 0,
             "dw[f] = sum over (n, i, j) of dout[n, f, i, j] * window(i, j); dx collects from every window"),
        case("batch 2, 3 channels, 4 filters, padding 1", (2, 3, 6, 5), (4, 3, 3, 3), 1, 1,
             "work on the padded input, then crop dx back to (N, C, H, W)"),
        case("non-square 2x3 kernel, stride 2 that does not divide, padding 1",
             (2, 2, 7, 8), (3, 2, 2, 3), 2, 1,
             "output (i, j) came from the window at row i*S, column j*S of the padded input"),
        case("stride 2 with a 3x3 kernel (windows share one row/column)", (1, 2, 7, 7), (2, 2, 3, 3), 2, 0,
             "pixels on the shared rows/columns get gradient from two windows: add, do not assign"),
        case("C != F, non-square input, stride 3, padding 2", (2, 3, 8, 10), (2, 3, 3, 3), 3, 2,
             "dx has the shape of x, dw the shape of w (F, C, KH, KW), db the shape of b"),
        case("1x1 kernel (no overlap)", (2, 4, 3, 5), (3, 4, 1, 1), 1, 0,
             "with a 1x1 kernel, dx[n, :, i, j] = w[:, :, 0, 0].T @ dout[n, :, i, j]"),
    ]


def _overwrite_variants(dout, x, w, stride, padding):
    """dx as three common loop orders compute it when they assign (=) instead of adding (+=)."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = dout.shape[2:]
    shape = (n, c, h + 2 * padding, wd + 2 * padding)
    by_filter, by_position, vectorised = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for i in range(oh):
        for j in range(ow):
            rows = slice(i * stride, i * stride + kh)
            cols = slice(j * stride, j * stride + kw)
            vectorised[:, :, rows, cols] = np.tensordot(dout[:, :, i, j], w, axes=(1, 0))
    for b_ in range(n):
        for f_ in range(f):
            for i in range(oh):
                for j in range(ow):
                    rows = slice(i * stride, i * stride + kh)
                    cols = slice(j * stride, j * stride + kw)
                    by_filter[b_, :, rows, cols] = dout[b_, f_, i, j] * w[f_]
        for i in range(oh):
            for j in range(ow):
                for f_ in range(f):
                    rows = slice(i * stride, i * stride + kh)
                    cols = slice(j * stride, j * stride + kw)
                    by_position[b_, :, rows, cols] = dout[b_, f_, i, j] * w[f_]
    crop = (slice(None), slice(None), slice(padding, padding + h), slice(padding, padding + wd))
    return [v[crop] for v in (by_filter, by_position, vectorised)]


def _diagnose_dx(dx, dout, x, w, b, stride, padding, expected) -> Optional[str]:
    n, c, h, wd = x.shape
    kh, kw = w.shape[2:]
    if dx.shape == (n, c, h + 2 * padding, wd + 2 * padding) and padding:
        return DX_CROP_HINT
    if dx.shape != x.shape:
        return f"dx must have the shape of x, (N, C, H, W) = {x.shape}"
    flipped = torch_conv2d_gradients(dout, x, w[:, :, ::-1, ::-1], b, stride, padding)[0]
    if not np.allclose(flipped, expected) and np.allclose(dx, flipped):
        return DX_FLIP_HINT
    if stride > 1:
        ignored = torch_conv2d_gradients(dout, x, w, b, stride, padding, window_step=1)[0]
        if np.allclose(dx, ignored):
            return BACKWARD_STRIDE_HINT
    if stride < max(kh, kw) or w.shape[0] > 1:
        if any(np.allclose(dx, v) for v in _overwrite_variants(dout, x, w, stride, padding)):
            return DX_OVERWRITE_HINT
    return None


def _diagnose_dw(dw, dout, x, w, b, stride, padding, expected) -> Optional[str]:
    f, c, kh, kw = w.shape
    if dw.shape == (c, f, kh, kw) and (c, f) != (f, c):
        return DW_TRANSPOSED_HINT
    if dw.shape == (f, c, kw, kh) and kh != kw:
        return DW_KERNEL_SWAP_HINT
    if dw.shape != w.shape:
        return f"dw must have the shape of w, (F, C, KH, KW) = {w.shape}"
    if c == f and np.allclose(dw, expected.transpose(1, 0, 2, 3)):
        return DW_TRANSPOSED_HINT
    if kh == kw and np.allclose(dw, expected.transpose(0, 1, 3, 2)):
        return DW_KERNEL_SWAP_HINT
    if np.allclose(dw, expected[:, :, ::-1, ::-1]):
        return ("dw is flipped: dw[f, c, u, v] belongs to w[f, c, u, v], the weight that met "
                "xpad[n, c, i*S + u, j*S + v]")
    if stride > 1:
        ignored = torch_conv2d_gradients(dout, x, w, b, stride, padding, window_step=1)[1]
        if np.allclose(dw, ignored):
            return BACKWARD_STRIDE_HINT
    return None


def _diagnose_db(db, dout, expected) -> Optional[str]:
    if db.shape != expected.shape:
        return DB_HINT
    if np.allclose(db, expected / dout.shape[0]) or np.allclose(db, dout.mean(axis=(0, 2, 3))):
        return "db is a sum, not a mean: " + DB_HINT
    return DB_HINT


def diagnose_conv2d_backward(case: Case, got: Sequence) -> Optional[str]:
    """Recognise typical mistakes in a ``conv2d_backward`` answer (dx, dw, db); return a hint."""
    dout, x, w, b, stride, padding = case.args
    for name, value, want in zip(GRADIENT_NAMES, got, case.expected):
        value = np.asarray(value, dtype=np.float64)
        if value.shape == want.shape and np.allclose(value, want):
            continue
        if name == "dx":
            return _diagnose_dx(value, dout, x, w, b, stride, padding, want)
        if name == "dw":
            return _diagnose_dw(value, dout, x, w, b, stride, padding, want)
        return _diagnose_db(value, dout, want)
    return None


def check_conv2d_backward(student_fn: Callable) -> CheckResult:
    """Check ``student_fn(dout, x, w, b, stride, padding) -> (dx, dw, db)``; never raises.

    The expected gradients come from torch autograd. Prints one PASS/FAIL line per case
    (with hints for db summed over the wrong axes, dx not cropped, overwritten instead of
    accumulated, computed with a flipped kernel or without the stride, dw transposed) and a
    summary.

    Returns:
        The :class:`~cnnbook.exercises.core.CheckResult`.
    """
    return run_check(student_fn, conv2d_backward_cases(), title="conv2d_backward",
                     diagnose=diagnose_conv2d_backward)
