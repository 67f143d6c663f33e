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

Each exercise NAME also has ``NAME_hidden_cases(rng)``: randomized cases of the same kinds
(random sizes and hyperparameters, expected values from the same oracle) for an
instructor's grader, which runs them with ``check_NAME(student_fn, cases=...)``.
"""

from __future__ import annotations

import functools
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
    import torch.nn.functional as F

    xt, wt = _tensor(x).requires_grad_(), _tensor(w).requires_grad_()
    bt = _tensor(b).requires_grad_()
    step = stride if window_step is None else window_step
    out = F.conv2d(xt, wt, bt, stride=step, padding=padding)
    oh, ow = dout.shape[2:]
    out = out[:, :, :oh, :ow]
    out.backward(_tensor(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


# --------------------------------------------------------------------------- random geometry
# For the hidden cases an instructor's grader draws from its own seed: random sizes within
# each exercise's contract, drawn from the given generator only.


def draw(rng: np.random.Generator, low: int, high: int) -> int:
    """A random int in [low, high], both ends included."""
    return int(rng.integers(low, high + 1))


def random_input_size(rng: np.random.Generator, kernel: int, stride: int, *, padding: int = 0,
                      positions: Tuple[int, int] = (1, 4), leftover: Optional[bool] = None,
                      smallest: int = 1) -> int:
    """A random input length n along one axis for a window of ``kernel`` moved by ``stride``.

    n + 2*padding = (OH - 1)*stride + kernel + r: OH output positions, OH drawn from the
    range ``positions`` (raised where needed so that n >= ``smallest``), and r
    (0 <= r < stride) input rows that no window reaches: ``leftover=True`` forces r >= 1 (a
    stride that does not divide; needs stride > 1), ``False`` forces r = 0, ``None`` draws it.
    """
    if leftover and stride < 2:
        raise ValueError("every row is reached with stride 1: leftover=True needs stride > 1")
    r_range = {True: (1, stride - 1), False: (0, 0), None: (0, stride - 1)}[leftover]
    r = draw(rng, *r_range)
    fewest = max(positions[0], -(-(smallest + 2 * padding - kernel - r) // stride) + 1)
    oh = draw(rng, fewest, max(fewest, positions[1]))
    return (oh - 1) * stride + kernel + r - 2 * padding


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


ConvGeometry = Tuple[Tuple[int, int, int, int], Tuple[int, int, int, int], int, int]


def random_conv_geometry(rng: np.random.Generator, kind: str) -> ConvGeometry:
    """Random (x_shape, w_shape, stride, padding) of one kind of conv2d case (hidden cases).

    x_shape is (N, C, H, W), w_shape (F, C, KH, KW); the kernel fits into the unpadded input
    (H >= KH, W >= KW), as in the public cases.
    Kinds (each is one of the public cases with random numbers):

    - ``"one filter"``: batch 1, 1 channel, one KxK filter (K = 2..4), stride 1, no padding;
    - ``"same padding"``: batch 2..3, 2..4 channels and filters, a 3x3 kernel with padding 1
      or a 5x5 one with padding 2 (the output keeps the input's size), stride 1;
    - ``"non-square kernel"``: KH != KW (1..3), stride 2..3 that does not divide H + 2P - KH,
      padding 1..max(KH, KW) - 1;
    - ``"N == F"``: as many images as filters (2..4), so that a bias added along the batch
      axis goes unnoticed by the shapes;
    - ``"1x1 kernel"``: a 1x1 kernel with stride 2..3;
    - ``"stride and padding"``: a 3x3 kernel, stride 2..3, padding 1..2;
    - ``"overlap with stride"``: K = 3..4 and a stride 2..K-1 (windows overlap);
    - ``"C != F"``: a different number of channels and filters, H != W, a 3x3 kernel,
      stride 2..3, padding 1..2.
    """
    def size(k: int, stride: int, padding: int, **options) -> int:
        return random_input_size(rng, k, stride, padding=padding, smallest=k, **options)

    def sizes(kh, kw, stride, padding, **options) -> Tuple[int, int]:
        return size(kh, stride, padding, **options), size(kw, stride, padding, **options)

    n, c, f = draw(rng, 1, 2), draw(rng, 1, 3), draw(rng, 1, 3)  # some kinds draw their own
    if kind == "one filter":
        k = draw(rng, 2, 4)
        return (1, 1, *sizes(k, k, 1, 0, positions=(2, 4))), (1, 1, k, k), 1, 0
    if kind == "same padding":
        k = int(rng.choice([3, 5]))
        n, c, f = draw(rng, 2, 3), draw(rng, 2, 4), draw(rng, 2, 4)
        return (n, c, *sizes(k, k, 1, k // 2, positions=(3, 7))), (f, c, k, k), 1, k // 2
    if kind == "non-square kernel":
        kh, kw = (int(v) for v in rng.choice(np.arange(1, 4), size=2, replace=False))
        stride, padding = draw(rng, 2, 3), draw(rng, 1, max(kh, kw) - 1)
        h, w = sizes(kh, kw, stride, padding, positions=(2, 4), leftover=True)
        return (n, c, h, w), (f, c, kh, kw), stride, padding
    if kind == "N == F":
        n = draw(rng, 2, 4)
        k = draw(rng, 2, 3)
        return (n, c, *sizes(k, k, 1, 0, positions=(2, 5))), (n, c, k, k), 1, 0
    if kind == "1x1 kernel":
        stride = draw(rng, 2, 3)
        c = draw(rng, 2, 5)
        return (n, c, *sizes(1, 1, stride, 0, positions=(2, 4))), (f, c, 1, 1), stride, 0
    if kind == "stride and padding":
        stride, padding = draw(rng, 2, 3), draw(rng, 1, 2)
        h, w = sizes(3, 3, stride, padding, positions=(2, 4))
        return (n, c, h, w), (f, c, 3, 3), stride, padding
    if kind == "overlap with stride":
        k = draw(rng, 3, 4)
        stride = draw(rng, 2, k - 1)
        return (n, c, *sizes(k, k, stride, 0, positions=(2, 3))), (f, c, k, k), stride, 0
    if kind == "C != F":
        c, f = (int(v) for v in rng.choice(np.arange(1, 5), size=2, replace=False))
        stride, padding = draw(rng, 2, 3), draw(rng, 1, 2)
        h = size(3, stride, padding, positions=(2, 4))
        return (n, c, h, h + draw(rng, 1, 3)), (f, c, 3, 3), stride, padding
    raise ValueError(f"unknown kind of conv2d case: {kind!r}")


def _conv_geometry_text(x_shape, w_shape, stride: int, padding: int) -> str:
    """E.g. "batch 2, 3 channels 6x5, 4 filters 3x3, stride 1, padding 1"."""
    (n, c, h, w), (f, _, kh, kw) = x_shape, w_shape
    return (f"batch {n}, {_plural(c, 'channel')} {h}x{w}, {_plural(f, 'filter')} {kh}x{kw}, "
            f"stride {stride}, padding {padding}")


def _hidden_conv_cases(rng: np.random.Generator, make_case: Callable, kinds_and_hints) -> List[Case]:
    """``make_case(rng, name, x_shape, w_shape, stride, padding, hint)`` for each (kind, hint)."""
    cases = []
    for kind, hint in kinds_and_hints:
        geometry = random_conv_geometry(rng, kind)
        name = f"hidden: {kind}, {_conv_geometry_text(*geometry)}"
        cases.append(make_case(rng, name, *geometry, hint))
    return cases


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


def _im2col_case(name: str, x: np.ndarray, kernel_size: Tuple[int, int], stride: int,
                 hint: str) -> Case:
    """One ``im2col`` case: args (x, kernel_size, stride), expected by torch's unfold."""
    expected = torch_unfold(x, kernel_size, stride)
    return Case(f"{name} -> {expected.shape}", (x, kernel_size, stride), expected, hint)


def im2col_cases(seed: int = 0) -> List[Case]:
    """The public cases of the ``im2col`` exercise (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    case = _im2col_case
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


def im2col_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Seven randomized ``im2col`` cases for a grader, drawn from ``rng`` only.

    The public cases' geometries with random sizes: one channel of shuffled integers with a
    square kernel, a non-square kernel on several channels, windows that overlap with a
    stride of 2 or 3, a stride that does not divide H - KH, a KHx1 or 1xKW kernel with
    stride 2, a 1x1 kernel, a kernel as large as the image. The channels (1..5), the image
    size (1..14), the kernel (1..4) and the stride (1..3) are random; x is (C, H, W).
    """
    def case(what: str, x: np.ndarray, kernel_size: Tuple[int, int], stride: int, hint: str) -> Case:
        (c, h, w), (kh, kw) = x.shape, kernel_size
        name = f"hidden: {what}{_plural(c, 'channel')} {h}x{w}, {kh}x{kw} kernel, stride {stride}"
        return _im2col_case(name, x, (kh, kw), stride, hint)

    def image(channels: Tuple[int, int], kernel_size: Tuple[int, int], stride: int,
              **size_options) -> np.ndarray:
        """Random (C, H, W) with C in ``channels`` and sizes from random_input_size."""
        h, w = (random_input_size(rng, k, stride, **size_options) for k in kernel_size)
        return rng.standard_normal((draw(rng, *channels), h, w))

    k = draw(rng, 2, 3)
    h, w = draw(rng, k + 1, k + 3), draw(rng, k + 1, k + 3)
    shuffled = rng.permutation(h * w).astype(np.float64).reshape(1, h, w)
    cases = [case(f"integers 0..{h * w - 1} shuffled, ", shuffled, (k, k), 1,
                  f"column i*OW + j is the {k}x{k} window at output position (i, j), "
                  "flattened row by row")]

    kh, kw = (int(v) for v in rng.choice(np.arange(1, 5), size=2, replace=False))
    fits_swapped = max(kh, kw) - min(kh, kw) + 1  # so that the (KW, KH) windows fit too
    cases.append(case("non-square kernel, ", image((2, 4), (kh, kw), 1, positions=(fits_swapped, 4)),
                      (kh, kw), 1, "use KH for the rows of a window and KW for its columns"))

    k = draw(rng, 3, 4)
    stride = draw(rng, 2, k - 1)
    cases.append(case("overlapping windows, ", image((1, 3), (k, k), stride, positions=(2, 3)),
                      (k, k), stride, "window (i, j) starts at row i*stride and column j*stride"))

    k, stride = draw(rng, 1, 3), draw(rng, 2, 3)
    cases.append(case("stride that does not divide, ",
                      image((1, 2), (k, k), stride, positions=(2, 4), leftover=True), (k, k), stride,
                      "OH = (H - KH) // stride + 1: the last rows that no window reaches are dropped"))

    long = draw(rng, 2, 4)
    kh, kw = (long, 1) if rng.random() < 0.5 else (1, long)
    cases.append(case("", image((1, 3), (kh, kw), 2, positions=(2, 4)), (kh, kw), 2,
                      f"a {kh}x{kw} kernel covers {_plural(kh, 'row')} and {_plural(kw, 'column')}"))

    stride = draw(rng, 1, 2)
    cases.append(case("", image((2, 5), (1, 1), stride, positions=(2, 4)), (1, 1), stride,
                      "with a 1x1 kernel, column (i, j) is the C channel values of pixel (i, j)"))

    x = rng.standard_normal((draw(rng, 1, 3), draw(rng, 1, 5), draw(rng, 1, 5)))
    cases.append(case("kernel as large as the image, ", x, x.shape[1:], draw(rng, 1, 3),
                      "only one window fits: a single column holding the whole image"))
    return cases


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


def check_im2col(student_fn: Callable, *,
                 cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(x, kernel_size, stride)``, im2col of one (C, H, W) image; never raises.

    Prints one PASS/FAIL line per case (with hints for a transposed matrix, rows or columns
    in the wrong order, an ignored stride, an off-by-one number of positions) and a summary.

    ``cases``: run these instead of the public ``im2col_cases()`` (e.g. a grader's
    ``im2col_hidden_cases(rng)``).

    Returns:
        The :class:`~cnnbook.exercises.core.CheckResult`.
    """
    cases = im2col_cases() if cases is None else cases
    return run_check(student_fn, cases, title="im2col", diagnose=diagnose_im2col)


# --------------------------------------------------------------------------- conv2d forward

FORGOT_BIAS_HINT = "you forgot the bias: add b[f] to every output value of filter f"
BIAS_AXIS_HINT = ("the bias is added along the wrong axis: b has one value per filter, so it "
                  "broadcasts as b.reshape(1, F, 1, 1) (axis 1 of the (N, F, OH, OW) output)")
FLIPPED_KERNEL_HINT = ("you flipped the kernel: conv2d is a cross-correlation, "
                       "out[n, f, i, j] = b[f] + sum of xpad[n, c, i*S + u, j*S + v] * w[f, c, u, v], "
                       "with no flip")
PADDING_HINT = ("padding missing: zero-pad x by P rows/columns on every side first "
                "(np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))), then slide the window")
AXES_ORDER_HINT = "axes in the wrong order: the output is (N, F, OH, OW), images first, filters second"
STRIDE_HINT = "stride ignored: output position (i, j) reads the window at row i*S, column j*S"


def _conv2d_forward_case(rng: np.random.Generator, name: str, x_shape, w_shape, stride: int,
                         padding: int, hint: str) -> Case:
    """One ``conv2d_forward`` case: x, w, b drawn from ``rng``, expected by torch's conv2d."""
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    expected = torch_conv2d(x, w, b, stride, padding)
    return Case(f"{name} -> {expected.shape}", (x, w, b, stride, padding), expected, hint)


def conv2d_forward_cases(seed: int = 0) -> List[Case]:
    """The public cases of the ``conv2d_forward`` exercise (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    case = functools.partial(_conv2d_forward_case, rng)
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

def conv2d_forward_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Six randomized ``conv2d_forward`` cases for a grader, drawn from ``rng`` only.

    One of each kind of the public cases (see :func:`random_conv_geometry`): one filter;
    same padding; a non-square kernel with a stride that does not divide; N == F; a 1x1
    kernel with stride 2..3; a 3x3 kernel with stride and padding. Sizes, channels, filters,
    strides and paddings are random; x, w, b are standard normal.
    """
    return _hidden_conv_cases(rng, _conv2d_forward_case, [
        ("one filter", "out[0, 0, i, j] = b[0] + sum of the window at (i, j) times the kernel"),
        ("same padding", "each filter sums over all C input channels; padding P = (K - 1) / 2 "
                         "keeps the size"),
        ("non-square kernel", "OH = (H + 2P - KH) // S + 1, OW = (W + 2P - KW) // S + 1"),
        ("N == F", "b[f] is added to output channel f of every image"),
        ("1x1 kernel", "a 1x1 convolution mixes the channels of each pixel; stride S keeps "
                       "every S-th one"),
        ("stride and padding", "pad first, then windows start at multiples of the stride"),
    ])



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
            return AXES_ORDER_HINT
        if got.shape[:2] == (n, f):
            return f"wrong output size: {formula}"
        if got.shape[1:] == (f, oh, ow):
            return (f"{BIAS_AXIS_HINT}; your output has {got.shape[0]} images instead of "
                    f"N = {n}, as if b had been broadcast along the batch axis")
        return f"the output must have shape (N, F, OH, OW) = {expected.shape}"
    if n == f and np.allclose(got, expected.transpose(1, 0, 2, 3)):
        return AXES_ORDER_HINT
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


def check_conv2d_forward(student_fn: Callable, *,
                         cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(x, w, b, stride, padding)``, a conv2d forward pass; never raises.

    Prints one PASS/FAIL line per case (with hints for a forgotten or misplaced bias, a
    flipped kernel, missing padding, an ignored stride, a wrong output size) and a summary.

    ``cases``: run these instead of the public ``conv2d_forward_cases()`` (e.g. a grader's
    ``conv2d_forward_hidden_cases(rng)``).

    Returns:
        The :class:`~cnnbook.exercises.core.CheckResult`.
    """
    cases = conv2d_forward_cases() if cases is None else cases
    return run_check(student_fn, cases, title="conv2d_forward", diagnose=diagnose_conv2d_forward)


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


def _conv2d_backward_case(rng: np.random.Generator, name: str, x_shape, w_shape, stride: int,
                          padding: int, hint: str) -> Case:
    """One ``conv2d_backward`` case: x, w, b, dout drawn from ``rng``, expected by torch autograd."""
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    oh = conv2d_output_size(x_shape[2], w_shape[2], stride=stride, padding=padding)
    ow = conv2d_output_size(x_shape[3], w_shape[3], stride=stride, padding=padding)
    dout = rng.standard_normal((x_shape[0], w_shape[0], oh, ow))
    expected = torch_conv2d_gradients(dout, x, w, b, stride, padding)
    return Case(name, (dout, x, w, b, stride, padding), expected, hint, output_names=GRADIENT_NAMES)


def conv2d_backward_cases(seed: int = 0) -> List[Case]:
    """The public cases of the ``conv2d_backward`` exercise (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    case = functools.partial(_conv2d_backward_case, rng)
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

def conv2d_backward_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Six randomized ``conv2d_backward`` cases for a grader, drawn from ``rng`` only.

    One of each kind of the public cases (see :func:`random_conv_geometry`): one filter
    with overlapping windows; same padding; a non-square kernel with a stride that does not
    divide; overlapping windows with stride 2..3; C != F with stride and padding; a 1x1
    kernel. Sizes, channels, filters, strides and paddings are random; x, w, b and dout are
    standard normal.
    """
    return _hidden_conv_cases(rng, _conv2d_backward_case, [
        ("one filter", "dw[f] = sum over (n, i, j) of dout[n, f, i, j] * window(i, j); "
                       "dx collects from every window"),
        ("same padding", "work on the padded input, then crop dx back to (N, C, H, W)"),
        ("non-square kernel", "output (i, j) came from the window at row i*S, column j*S of "
                              "the padded input"),
        ("overlap with stride", "pixels shared by neighbouring windows get gradient from each "
                                "of them: add, do not assign"),
        ("C != F", "dx has the shape of x, dw the shape of w (F, C, KH, KW), db the shape of b"),
        ("1x1 kernel", "with a 1x1 kernel, dx[n, :, i*S, j*S] = w[:, :, 0, 0].T @ dout[n, :, i, j] "
                       "and the pixels between them get zero"),
    ])



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


def check_conv2d_backward(student_fn: Callable, *,
                          cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(dout, x, w, b, stride, padding) -> (dx, dw, db)``; never raises.

    The expected gradients come from torch autograd. Prints one PASS/FAIL line per case
    (with hints for db summed over the wrong axes, dx not cropped, overwritten instead of
    accumulated, computed with a flipped kernel or without the stride, dw transposed) and a
    summary.

    ``cases``: run these instead of the public ``conv2d_backward_cases()`` (e.g. a grader's
    ``conv2d_backward_hidden_cases(rng)``).

    Returns:
        The :class:`~cnnbook.exercises.core.CheckResult`.
    """
    cases = conv2d_backward_cases() if cases is None else cases
    return run_check(student_fn, cases, title="conv2d_backward", diagnose=diagnose_conv2d_backward)
