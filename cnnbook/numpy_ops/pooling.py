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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from cnnbook.shapes import pool2d_output_size
from cnnbook.validation import IntPair, pool2d_arguments, require_float, require_ndim, require_shape


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
