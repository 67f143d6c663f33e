"""2-D max and average pooling in NumPy: forward/backward pairs, as loops and vectorised.

Layout as in ``torch.nn.functional.max_pool2d`` / ``avg_pool2d``: x is (N, C, H, W); each
channel is pooled on its own over KH x KW windows moved by the stride (default: the kernel
size). Padding P (at most half the kernel, as torch requires) adds a border that max pooling
fills with -inf (it never wins) and average pooling with zeros, which count in the average
(torch's ``count_include_pad=True``). Output sizes use torch's floor rule (``ceil_mode=False``):

    OH = floor((H + 2 PH - KH) / SH) + 1,  OW = floor((W + 2 PW - KW) / SW) + 1

Max pooling sends each output's gradient to the first maximum of its window in row-major
order (what torch does on the CPU); ties therefore never split a gradient. Inputs are assumed
free of NaN and -inf.

The ``*_naive`` variants loop over every output value (the lesson, and the oracle); the plain
names loop only over the KH*KW positions inside a window, each step a whole-array operation.

Max-unpooling (DeconvNet, SegNet) puts pooled values back where their maxima came from:
``max_pool2d_forward_with_indices`` also returns those positions, as torch's
``return_indices=True`` does (a flat index into H*W per channel), and ``max_unpool2d``
scatters values to them into an otherwise zero map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from cnnbook.shapes import pool2d_output_size
from cnnbook.validation import (
    IntPair,
    pair,
    pool2d_arguments,
    require_float,
    require_ndim,
    require_shape,
)


@dataclass(frozen=True)
class Pool2dCache:
    """What a pooling forward pass keeps for its backward pass.

    Attributes:
        kind: "max" or "avg".  x_shape: (N, C, H, W).  dtype: dtype of x.
        kernel_size, stride, padding: (h, w) pairs.
        xpad: max pooling only, x padded with -inf (N, C, H + 2PH, W + 2PW); else None.
        out: max pooling only, the output (N, C, OH, OW); else None.
    """

    kind: str
    x_shape: Tuple[int, int, int, int]
    dtype: np.dtype
    kernel_size: Tuple[int, int]
    stride: Tuple[int, int]
    padding: Tuple[int, int]
    xpad: Optional[np.ndarray] = None
    out: Optional[np.ndarray] = None

    @property
    def out_shape(self) -> Tuple[int, int, int, int]:
        return _out_shape(self.x_shape, self.kernel_size, self.stride, self.padding)


def _out_shape(x_shape, kernel, stride, padding) -> Tuple[int, int, int, int]:
    """(N, C, OH, OW) by torch's floor rule."""
    n, c, h, w = x_shape
    oh = pool2d_output_size(h, kernel[0], stride=stride[0], padding=padding[0])
    ow = pool2d_output_size(w, kernel[1], stride=stride[1], padding=padding[1])
    return n, c, oh, ow


def _check_pool(x, kernel_size, stride, padding, *, op: str):
    """Validate pooling arguments; return (kernel, stride, padding) as (h, w) pairs."""
    require_ndim(x, 4, "x", op=op, layout="(N, C, H, W)")
    require_float(x, "x", op=op)
    if 0 in x.shape:
        raise ValueError(f"{op}: x must have non-zero sizes (N, C, H, W), got shape {tuple(x.shape)}")
    return pool2d_arguments(x.shape, kernel_size, stride, padding, op=op)


def _check_backward(dout, cache, kind: str, *, op: str) -> np.ndarray:
    if not isinstance(cache, Pool2dCache) or cache.kind != kind:
        got = cache.kind + " Pool2dCache" if isinstance(cache, Pool2dCache) else type(cache).__name__
        raise ValueError(f"{op}: cache must be the Pool2dCache of a {kind} pooling forward pass, got {got}")
    require_ndim(dout, 4, "dout", op=op, layout="(N, C, OH, OW)")
    require_float(dout, "dout", op=op)
    require_shape(dout, cache.out_shape, "dout", op=op)
    return dout.astype(cache.dtype, copy=False)


def _pad(x: np.ndarray, padding: Tuple[int, int], value: float) -> np.ndarray:
    """x (N, C, H, W) with a border of ``value``; x itself when there is no padding."""
    ph, pw = padding
    if ph == pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _window_entry(xpad: np.ndarray, i: int, j: int, out_hw, stride) -> np.ndarray:
    """Entry (i, j) of every window at once: view (N, C, OH, OW) of xpad[:, :, r SH + i, s SW + j]."""
    (oh, ow), (sh, sw) = out_hw, stride
    return xpad[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]


def _crop(xpad: np.ndarray, padding: Tuple[int, int], x_shape) -> np.ndarray:
    (ph, pw), (_, _, h, w) = padding, x_shape
    return np.ascontiguousarray(xpad[:, :, ph:ph + h, pw:pw + w])


# --------------------------------------------------------------------------- max pooling


def max_pool2d_forward_naive(
    x: np.ndarray, *, kernel_size: IntPair, stride: Optional[IntPair] = None, padding: IntPair = 0
) -> Tuple[np.ndarray, Pool2dCache]:
    """Max pooling, one window at a time.

    out[n, c, i, j] = max_{p < KH, q < KW} xpad[n, c, i SH + p, j SW + q]     (xpad: -inf border)

    Args:
        x: (N, C, H, W).
        kernel_size: int or (h, w) pair.
        stride: int or (h, w) pair; None means kernel_size.
        padding: int or (h, w) pair, at most half the kernel size.

    Returns:
        out: (N, C, OH, OW), OH = floor((H + 2 PH - KH) / SH) + 1, same for OW.
        cache: a :class:`Pool2dCache`.

    Torch equivalent: torch.nn.functional.max_pool2d
    """
    (kh, kw), (sh, sw), padding = _check_pool(x, kernel_size, stride, padding, op="max_pool2d")
    xpad = _pad(x, padding, -np.inf)
    out = np.empty(_out_shape(x.shape, (kh, kw), (sh, sw), padding), dtype=x.dtype)
    n_total, c_total, oh, ow = out.shape
    for n in range(n_total):
        for c in range(c_total):
            for i in range(oh):
                for j in range(ow):
                    window = xpad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]  # (KH, KW)
                    out[n, c, i, j] = window.max()
    return out, Pool2dCache("max", x.shape, x.dtype, (kh, kw), (sh, sw), padding, xpad, out)


def max_pool2d_backward_naive(dout: np.ndarray, cache: Pool2dCache) -> np.ndarray:
    """Gradient of max pooling, one window at a time.

    Only the maximum of a window influenced its output, so dout[n, c, i, j] goes to that one
    position (the first maximum in row-major order when several tie); positions that are the
    maximum of several overlapping windows add up their gradients.

    Args:
        dout: (N, C, OH, OW), upstream gradient.
        cache: from :func:`max_pool2d_forward_naive` or :func:`max_pool2d_forward`.

    Returns:
        dx: (N, C, H, W).
    """
    dout = _check_backward(dout, cache, "max", op="max_pool2d_backward")
    (kh, kw), (sh, sw), xpad = cache.kernel_size, cache.stride, cache.xpad
    dxpad = np.zeros(xpad.shape, dtype=cache.dtype)
    n_total, c_total, oh, ow = dout.shape
    for n in range(n_total):
        for c in range(c_total):
            for i in range(oh):
                for j in range(ow):
                    window = xpad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]  # (KH, KW)
                    p, q = np.unravel_index(np.argmax(window), window.shape)  # first maximum
                    dxpad[n, c, i * sh + p, j * sw + q] += dout[n, c, i, j]
    return _crop(dxpad, cache.padding, cache.x_shape)


def max_pool2d_forward(
    x: np.ndarray, *, kernel_size: IntPair, stride: Optional[IntPair] = None, padding: IntPair = 0
) -> Tuple[np.ndarray, Pool2dCache]:
    """Max pooling, vectorised: the running maximum over the KH*KW entries of all windows.

    out = max over (p, q) of xpad[:, :, p::SH, q::SW] (cropped to (OH, OW)); xpad has a -inf border.

    Args:
        x: (N, C, H, W).
        kernel_size: int or (h, w) pair.
        stride: int or (h, w) pair; None means kernel_size.
        padding: int or (h, w) pair, at most half the kernel size.

    Returns:
        out: (N, C, OH, OW), OH = floor((H + 2 PH - KH) / SH) + 1, same for OW.
        cache: a :class:`Pool2dCache` (keeps the padded input and the output).

    Torch equivalent: torch.nn.functional.max_pool2d
    """
    (kh, kw), stride, padding = _check_pool(x, kernel_size, stride, padding, op="max_pool2d")
    xpad = _pad(x, padding, -np.inf)
    out_hw = _out_shape(x.shape, (kh, kw), stride, padding)[2:]
    out = _window_entry(xpad, 0, 0, out_hw, stride).copy()  # (N, C, OH, OW)
    for k in range(1, kh * kw):
        i, j = divmod(k, kw)  # window entries in row-major order
        np.maximum(out, _window_entry(xpad, i, j, out_hw, stride), out=out)
    return out, Pool2dCache("max", x.shape, x.dtype, (kh, kw), stride, padding, xpad, out)


def max_pool2d_backward(dout: np.ndarray, cache: Pool2dCache) -> np.ndarray:
    """Gradient of max pooling, vectorised over all windows.

    Walks the KH*KW window entries in row-major order; an entry that equals its window's
    maximum and is the first to do so (``unclaimed``) receives that window's gradient.

    Args:
        dout: (N, C, OH, OW), upstream gradient.
        cache: from :func:`max_pool2d_forward` or :func:`max_pool2d_forward_naive`.

    Returns:
        dx: (N, C, H, W).
    """
    dout = _check_backward(dout, cache, "max", op="max_pool2d_backward")
    (kh, kw), stride, xpad, out = cache.kernel_size, cache.stride, cache.xpad, cache.out
    dxpad = np.zeros(xpad.shape, dtype=cache.dtype)
    unclaimed = np.ones(out.shape, dtype=bool)  # windows whose maximum is not found yet
    is_max = np.empty(out.shape, dtype=bool)
    for i in range(kh):
        for j in range(kw):
            np.equal(_window_entry(xpad, i, j, out.shape[2:], stride), out, out=is_max)
            is_max &= unclaimed  # first maximum only
            unclaimed &= ~is_max
            grad = _window_entry(dxpad, i, j, out.shape[2:], stride)  # a view into dxpad
            grad += dout * is_max
    return _crop(dxpad, cache.padding, cache.x_shape)


def max_pool2d_forward_with_indices(
    x: np.ndarray, *, kernel_size: IntPair, stride: Optional[IntPair] = None, padding: IntPair = 0
) -> Tuple[np.ndarray, np.ndarray, Pool2dCache]:
    """Max pooling that also returns where each maximum was: the "switches" of max-unpooling.

    indices[n, c, i, j] = r * W + s, where (r, s) is the row and column in the unpadded x of
    the first maximum (row-major order) of window (i, j); the same convention as torch.

    Args:
        x: (N, C, H, W).
        kernel_size: int or (h, w) pair.
        stride: int or (h, w) pair; None means kernel_size.
        padding: int or (h, w) pair, at most half the kernel size.

    Returns:
        out: (N, C, OH, OW), as :func:`max_pool2d_forward`.
        indices: int64 (N, C, OH, OW), flat positions in 0 .. H*W - 1.
        cache: a :class:`Pool2dCache` for :func:`max_pool2d_backward`.

    Torch equivalent: torch.nn.functional.max_pool2d(..., return_indices=True)
    """
    out, cache = max_pool2d_forward(x, kernel_size=kernel_size, stride=stride, padding=padding)
    (kh, kw), (sh, sw), (ph, pw) = cache.kernel_size, cache.stride, cache.padding
    width = cache.x_shape[3]
    oh, ow = out.shape[2:]
    rows = np.arange(oh)[:, None] * sh - ph  # (OH, 1): top row of each window, in x's rows
    cols = np.arange(ow)[None, :] * sw - pw  # (1, OW): left column of each window
    indices = np.full(out.shape, -1, dtype=np.int64)  # -1: maximum not found yet
    for i in range(kh):
        for j in range(kw):  # window entries in row-major order: the first maximum wins
            is_max = (_window_entry(cache.xpad, i, j, (oh, ow), (sh, sw)) == out) & (indices < 0)
            flat = (rows + i) * width + (cols + j)  # (OH, OW)
            indices = np.where(is_max, flat, indices)
    return out, indices, cache


def _unpool_output_hw(x_hw, kernel, stride, padding, output_size, *, op: str) -> Tuple[int, int]:
    """(OH, OW) of max-unpooling: the default (H - 1) S - 2P + K, or a checked ``output_size``."""
    default = tuple((x_hw[d] - 1) * stride[d] - 2 * padding[d] + kernel[d] for d in range(2))
    if output_size is None:
        size = default
    else:
        if (not isinstance(output_size, Sequence) or len(output_size) not in (2, 4)
                or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in output_size)):
            raise ValueError(f"{op}: output_size must be (H, W) or (N, C, H, W) ints, got {output_size!r}")
        size = tuple(int(v) for v in output_size[-2:])
        for d in range(2):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < size[d] < high:
                raise ValueError(
                    f"{op}: output_size {size} is impossible for this pooling: dimension {d} must be "
                    f"between {low} and {high} (exclusive), the sizes that pool to {x_hw[d]}"
                )
    if min(size) < 1:
        raise ValueError(f"{op}: the output would be empty {size}; check kernel_size, stride and padding")
    return size  # type: ignore[return-value]


def max_unpool2d(
    x: np.ndarray,
    indices: np.ndarray,
    *,
    kernel_size: IntPair,
    stride: Optional[IntPair] = None,
    padding: IntPair = 0,
    output_size: Optional[Sequence[int]] = None,
) -> np.ndarray:
    """Max-unpooling: each value goes back to the position its maximum came from; zeros elsewhere.

    out[n, c].flat[indices[n, c, i, j]] = x[n, c, i, j]; every other entry of out is 0. A
    partial inverse of max pooling: the maxima return to their places, the rest is lost. When
    overlapping windows share a maximum, its index appears twice and one value is written.

    Args:
        x: (N, C, H, W), e.g. the output of max pooling (or a map of that shape).
        indices: integer (N, C, H, W), flat positions into OH*OW, from
            :func:`max_pool2d_forward_with_indices`.
        kernel_size, stride, padding: those of the pooling being undone (stride None means
            kernel_size).
        output_size: (OH, OW) or (N, C, OH, OW); by default the size the pooling came from
            when its windows tiled the input exactly. Give it when that is ambiguous (an odd
            input size pooled with stride 2).

    Returns:
        out: (N, C, OH, OW), OH = (H - 1) SH - 2 PH + KH unless output_size says otherwise.

    Torch equivalent: torch.nn.functional.max_unpool2d
    """
    op = "max_unpool2d"
    require_ndim(x, 4, "x", op=op, layout="(N, C, H, W)")
    require_float(x, "x", op=op)
    require_ndim(indices, 4, "indices", op=op, layout="(N, C, H, W)")
    if np.asarray(indices).dtype.kind not in "iu":
        raise ValueError(f"{op}: indices must be an integer array, got dtype {indices.dtype}")
    require_shape(indices, x.shape, "indices", op=op)
    kernel = pair(kernel_size, "kernel_size", op=op)
    strides = kernel if stride is None else pair(stride, "stride", op=op)
    paddings = pair(padding, "padding", op=op, minimum=0)
    oh, ow = _unpool_output_hw(x.shape[2:], kernel, strides, paddings, output_size, op=op)
    n, c = x.shape[:2]
    flat_indices = np.asarray(indices, dtype=np.int64).reshape(n, c, -1)  # (N, C, H*W)
    if flat_indices.size and (flat_indices.min() < 0 or flat_indices.max() >= oh * ow):
        bad = flat_indices[(flat_indices < 0) | (flat_indices >= oh * ow)][0]
        raise ValueError(
            f"{op}: indices must lie in 0 .. {oh * ow - 1} (output size {(oh, ow)}), got {bad}"
        )
    out = np.zeros((n, c, oh * ow), dtype=x.dtype)
    np.put_along_axis(out, flat_indices, x.reshape(n, c, -1), axis=2)
    return out.reshape(n, c, oh, ow)


# --------------------------------------------------------------------------- average pooling


def avg_pool2d_forward_naive(
    x: np.ndarray, *, kernel_size: IntPair, stride: Optional[IntPair] = None, padding: IntPair = 0
) -> Tuple[np.ndarray, Pool2dCache]:
    """Average pooling, one window at a time; padded zeros count (count_include_pad=True).

    out[n, c, i, j] = (1 / (KH KW)) sum_{p < KH, q < KW} xpad[n, c, i SH + p, j SW + q]   (xpad: zero border)

    Args:
        x: (N, C, H, W).
        kernel_size: int or (h, w) pair.
        stride: int or (h, w) pair; None means kernel_size.
        padding: int or (h, w) pair, at most half the kernel size.

    Returns:
        out: (N, C, OH, OW), OH = floor((H + 2 PH - KH) / SH) + 1, same for OW.
        cache: a :class:`Pool2dCache`.

    Torch equivalent: torch.nn.functional.avg_pool2d
    """
    (kh, kw), (sh, sw), padding = _check_pool(x, kernel_size, stride, padding, op="avg_pool2d")
    xpad = _pad(x, padding, 0.0)
    cache = Pool2dCache("avg", x.shape, x.dtype, (kh, kw), (sh, sw), padding)
    out = np.empty(cache.out_shape, dtype=x.dtype)
    n_total, c_total, oh, ow = out.shape
    for n in range(n_total):
        for c in range(c_total):
            for i in range(oh):
                for j in range(ow):
                    window = xpad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]  # (KH, KW)
                    out[n, c, i, j] = window.sum() / (kh * kw)
    return out, cache


def avg_pool2d_backward_naive(dout: np.ndarray, cache: Pool2dCache) -> np.ndarray:
    """Gradient of average pooling, one window at a time.

    Every entry of a window contributed 1 / (KH KW) of its output, so each receives
    dout[n, c, i, j] / (KH KW); overlapping windows add up.

    Args:
        dout: (N, C, OH, OW), upstream gradient.
        cache: from :func:`avg_pool2d_forward_naive` or :func:`avg_pool2d_forward`.

    Returns:
        dx: (N, C, H, W).
    """
    dout = _check_backward(dout, cache, "avg", op="avg_pool2d_backward")
    (kh, kw), (sh, sw), (ph, pw) = cache.kernel_size, cache.stride, cache.padding
    n_total, c_total, h, w = cache.x_shape
    dxpad = np.zeros((n_total, c_total, h + 2 * ph, w + 2 * pw), dtype=cache.dtype)
    _, _, oh, ow = dout.shape
    for n in range(n_total):
        for c in range(c_total):
            for i in range(oh):
                for j in range(ow):
                    dxpad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += dout[n, c, i, j] / (kh * kw)
    return _crop(dxpad, cache.padding, cache.x_shape)


def avg_pool2d_forward(
    x: np.ndarray, *, kernel_size: IntPair, stride: Optional[IntPair] = None, padding: IntPair = 0
) -> Tuple[np.ndarray, Pool2dCache]:
    """Average pooling, vectorised: the sum of the KH*KW entries of all windows, over KH KW.

    out = (1 / (KH KW)) sum over (p, q) of xpad[:, :, p::SH, q::SW] (cropped to (OH, OW)).

    Args:
        x: (N, C, H, W).
        kernel_size: int or (h, w) pair.
        stride: int or (h, w) pair; None means kernel_size.
        padding: int or (h, w) pair, at most half the kernel size.

    Returns:
        out: (N, C, OH, OW), OH = floor((H + 2 PH - KH) / SH) + 1, same for OW.
        cache: a :class:`Pool2dCache` (shapes only).

    Torch equivalent: torch.nn.functional.avg_pool2d
    """
    (kh, kw), stride, padding = _check_pool(x, kernel_size, stride, padding, op="avg_pool2d")
    xpad = _pad(x, padding, 0.0)
    cache = Pool2dCache("avg", x.shape, x.dtype, (kh, kw), stride, padding)
    out_hw = cache.out_shape[2:]
    total = _window_entry(xpad, 0, 0, out_hw, stride).copy()  # (N, C, OH, OW)
    for k in range(1, kh * kw):
        i, j = divmod(k, kw)
        total += _window_entry(xpad, i, j, out_hw, stride)
    return total / (kh * kw), cache


def avg_pool2d_backward(dout: np.ndarray, cache: Pool2dCache) -> np.ndarray:
    """Gradient of average pooling, vectorised: every window entry gets dout / (KH KW).

    Args:
        dout: (N, C, OH, OW), upstream gradient.
        cache: from :func:`avg_pool2d_forward` or :func:`avg_pool2d_forward_naive`.

    Returns:
        dx: (N, C, H, W).
    """
    dout = _check_backward(dout, cache, "avg", op="avg_pool2d_backward")
    (kh, kw), stride, (ph, pw) = cache.kernel_size, cache.stride, cache.padding
    n_total, c_total, h, w = cache.x_shape
    dxpad = np.zeros((n_total, c_total, h + 2 * ph, w + 2 * pw), dtype=cache.dtype)
    share = dout / (kh * kw)  # (N, C, OH, OW)
    for i in range(kh):
        for j in range(kw):
            grad = _window_entry(dxpad, i, j, dout.shape[2:], stride)  # a view into dxpad
            grad += share
    return _crop(dxpad, cache.padding, cache.x_shape)
