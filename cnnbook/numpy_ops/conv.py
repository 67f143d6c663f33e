"""2-D convolution in NumPy: forward/backward pairs, as loops (the lesson) and as matrix products.

Layout as in ``torch.nn.functional.conv2d``: x is (N, C, H, W), w is (F, C // groups, KH, KW),
b is (F,). With stride S, padding P and dilation D (each an (h, w) pair), the output is
(N, F, OH, OW) with OH = floor((H + 2 PH - DH (KH - 1) - 1) / SH) + 1 (and the same for OW),
and, writing xpad for x zero-padded by P and C_g = C // groups,

    out[n, f, i, j] = b[f] + sum_{c, p, q} xpad[n, g(f) C_g + c, i SH + p DH, j SW + q DW] w[f, c, p, q]

where g(f) = f // (F // groups) is the group of filter f.

Two variants of each pass:

* ``conv2d_forward_naive`` / ``conv2d_backward_naive`` loop over every output value; they
  read like the formula and serve as the oracle.
* ``conv2d_forward`` / ``conv2d_backward`` turn the convolution into one matrix product
  with :func:`im2col`: the receptive fields become the columns of a (C KH KW, N OH OW)
  matrix, and the filters the rows of a (F, C KH KW) one. The only Python loops run over
  the KH KW kernel offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from cnnbook.shapes import conv2d_output_size
from cnnbook.validation import (
    IntPair,
    pair,
    positive_int,
    require_float,
    require_ndim,
    require_shape,
    require_window_fits,
)


@dataclass(frozen=True)
class _Geometry:
    """Sizes of one convolution: input (N, C, H, W), kernel (KH, KW), stride, padding, dilation."""

    n: int
    c: int
    h: int
    w: int
    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    dh: int
    dw: int
    oh: int  # output height
    ow: int  # output width

    def padded_shape(self, *, wide: bool) -> Tuple[int, int, int, int]:
        """Channels-first padded buffer (C, N, Hb, Wp): Hb = H + 2PH, plus one spare zero row
        when ``wide`` so that the wide windows of the last output row stay inside the buffer."""
        return self.c, self.n, self.h + 2 * self.ph + (1 if wide else 0), self.w + 2 * self.pw


def _geometry(x_shape, kernel_size, stride, padding, dilation, *, op: str) -> _Geometry:
    """Check the hyperparameters against an input of shape ``x_shape`` and return the sizes."""
    kh, kw = pair(kernel_size, "kernel_size", op=op)
    sh, sw = pair(stride, "stride", op=op)
    ph, pw = pair(padding, "padding", op=op, minimum=0)
    dh, dw = pair(dilation, "dilation", op=op)
    n, c, h, w = x_shape
    require_window_fits(
        (h + 2 * ph, w + 2 * pw), (dh * (kh - 1) + 1, dw * (kw - 1) + 1), op=op, input_shape=x_shape
    )
    oh = conv2d_output_size(h, kh, stride=sh, padding=ph, dilation=dh)
    ow = conv2d_output_size(w, kw, stride=sw, padding=pw, dilation=dw)
    return _Geometry(n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)


def _require_nonempty(array: np.ndarray, name: str, layout: str, *, op: str) -> None:
    if 0 in array.shape:
        raise ValueError(
            f"{op}: {name} must have non-zero sizes {layout}, got shape {tuple(array.shape)}"
        )


def _check_conv(x, w, b, stride, padding, dilation, groups, *, op: str) -> Tuple[_Geometry, int]:
    """Validate the arguments of a conv2d forward pass; return the geometry and ``groups``."""
    require_ndim(x, 4, "x", op=op, layout="(N, C, H, W)")
    require_ndim(w, 4, "w", op=op, layout="(F, C // groups, KH, KW)")
    require_float(x, "x", op=op)
    _require_nonempty(x, "x", "(N, C, H, W)", op=op)
    _require_nonempty(w, "w", "(F, C // groups, KH, KW)", op=op)
    if w.dtype != x.dtype:
        raise ValueError(f"{op}: w must have the dtype of x ({x.dtype}), got dtype {w.dtype}")
    groups = positive_int(groups, "groups", op=op)
    (n, c, h, wd), (f, c_g, kh, kw) = x.shape, w.shape
    if c % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide the C={c} channels of x, got x of shape {x.shape}"
        )
    if f % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide the F={f} filters of w, got w of shape {w.shape}"
        )
    if c_g * groups != c:
        raise ValueError(
            f"{op}: w must have shape (F, C // groups, KH, KW) = ({f}, {c // groups}, {kh}, {kw}) "
            f"for x of shape {x.shape} and groups={groups}, got w of shape {w.shape}"
        )
    if b is not None:
        require_ndim(b, 1, "b", op=op, layout="(F,)")
        require_shape(b, (f,), "b", op=op)
        if b.dtype != x.dtype:
            raise ValueError(f"{op}: b must have the dtype of x ({x.dtype}), got dtype {b.dtype}")
    return _geometry(x.shape, (kh, kw), stride, padding, dilation, op=op), groups


@dataclass(frozen=True)
class Conv2dCache:
    """What a conv2d forward pass keeps for its backward pass.

    Attributes:
        x: input (N, C, H, W).  w: weights (F, C // groups, KH, KW).  has_bias: b was given.
        stride, padding, dilation: (h, w) pairs.  groups: int.
        cols: the fast forward's patch matrix (see :func:`conv2d_forward`), or None after the
            naive forward (the fast backward then rebuilds it). Either backward accepts
            either forward's cache.
    """

    x: np.ndarray
    w: np.ndarray
    has_bias: bool
    stride: Tuple[int, int]
    padding: Tuple[int, int]
    dilation: Tuple[int, int]
    groups: int
    cols: Optional[np.ndarray] = None


def _check_backward(dout, cache, *, op: str) -> Tuple[_Geometry, np.ndarray]:
    """Validate ``dout`` against ``cache``; return the geometry and dout in the dtype of x."""
    if not isinstance(cache, Conv2dCache):
        raise ValueError(
            f"{op}: cache must be the Conv2dCache returned by the forward pass, "
            f"got {type(cache).__name__}"
        )
    x, w = cache.x, cache.w
    g = _geometry(x.shape, w.shape[2:], cache.stride, cache.padding, cache.dilation, op=op)
    require_ndim(dout, 4, "dout", op=op, layout="(N, F, OH, OW)")
    require_float(dout, "dout", op=op)
    require_shape(dout, (g.n, w.shape[0], g.oh, g.ow), "dout", op=op)
    return g, dout.astype(x.dtype, copy=False)


# --------------------------------------------------------------------------- naive (the lesson)


def conv2d_forward_naive(
    x: np.ndarray,
    w: np.ndarray,
    b: Optional[np.ndarray] = None,
    *,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tuple[np.ndarray, Conv2dCache]:
    """2-D convolution (cross-correlation), one output value at a time.

    out[n, f, i, j] = b[f] + sum_{c, p, q} xpad[n, g(f) C_g + c, i SH + p DH, j SW + q DW] w[f, c, p, q]

    Args:
        x: (N, C, H, W).
        w: (F, C // groups, KH, KW).
        b: (F,) or None.
        stride, padding, dilation: int or (h, w) pair, as in torch.
        groups: split the channels into ``groups`` independent convolutions.

    Returns:
        out: (N, F, OH, OW), OH = floor((H + 2 PH - DH (KH - 1) - 1) / SH) + 1, same for OW.
        cache: a :class:`Conv2dCache` for :func:`conv2d_backward_naive`.

    Torch equivalent: torch.nn.functional.conv2d
    """
    g, groups = _check_conv(x, w, b, stride, padding, dilation, groups, op="conv2d")
    f_total, c_g = w.shape[0], w.shape[1]
    f_g = f_total // groups  # filters per group
    span_h, span_w = g.dh * (g.kh - 1) + 1, g.dw * (g.kw - 1) + 1  # extent of a dilated window
    xpad = np.pad(x, ((0, 0), (0, 0), (g.ph, g.ph), (g.pw, g.pw)))  # (N, C, H + 2PH, W + 2PW)
    out = np.zeros((g.n, f_total, g.oh, g.ow), dtype=x.dtype)
    for n in range(g.n):
        for f in range(f_total):
            c0 = (f // f_g) * c_g  # first input channel of the group of filter f
            for i in range(g.oh):
                for j in range(g.ow):
                    top, left = i * g.sh, j * g.sw
                    rows = slice(top, top + span_h, g.dh)  # KH rows, DH apart
                    cols = slice(left, left + span_w, g.dw)  # KW columns, DW apart
                    window = xpad[n, c0:c0 + c_g, rows, cols]  # (C_g, KH, KW)
                    out[n, f, i, j] = np.sum(window * w[f])
            if b is not None:
                out[n, f] += b[f]
    cache = Conv2dCache(x, w, b is not None, (g.sh, g.sw), (g.ph, g.pw), (g.dh, g.dw), groups)
    return out, cache


def conv2d_backward_naive(
    dout: np.ndarray, cache: Conv2dCache
) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """Gradients of the convolution, one output value at a time.

    Each output value out[n, f, i, j] = sum(window * w[f]) + b[f] sends its gradient
    g = dout[n, f, i, j] back along the same products:

        dw[f] += g * window          dxpad[n, group channels, window rows, window cols] += g * w[f]
        db[f] = sum_{n, i, j} dout[n, f, i, j]

    and dx is dxpad without its padding border.

    Args:
        dout: (N, F, OH, OW), upstream gradient.
        cache: from :func:`conv2d_forward_naive` or :func:`conv2d_forward`.

    Returns:
        dx: (N, C, H, W); dw: (F, C // groups, KH, KW); db: (F,), or None when b was None.
    """
    g, dout = _check_backward(dout, cache, op="conv2d_backward")
    x, w, groups = cache.x, cache.w, cache.groups
    f_total, c_g = w.shape[0], w.shape[1]
    f_g = f_total // groups
    span_h, span_w = g.dh * (g.kh - 1) + 1, g.dw * (g.kw - 1) + 1
    xpad = np.pad(x, ((0, 0), (0, 0), (g.ph, g.ph), (g.pw, g.pw)))  # (N, C, H + 2PH, W + 2PW)
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
    for n in range(g.n):
        for f in range(f_total):
            c0 = (f // f_g) * c_g
            for i in range(g.oh):
                for j in range(g.ow):
                    top, left = i * g.sh, j * g.sw
                    rows = slice(top, top + span_h, g.dh)
                    cols = slice(left, left + span_w, g.dw)
                    grad = dout[n, f, i, j]
                    dw[f] += grad * xpad[n, c0:c0 + c_g, rows, cols]
                    dxpad[n, c0:c0 + c_g, rows, cols] += grad * w[f]
    dx = dxpad[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w].copy()  # drop the padding border
    db = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    return dx, dw, db


# --------------------------------------------------------------------------- im2col / col2im


def _pad_channels_first(x: np.ndarray, g: _Geometry, *, wide: bool) -> np.ndarray:
    """Zero-padded copy of x (N, C, H, W), channels first: (C, N, Hb, Wp), see padded_shape."""
    xpad = np.zeros(g.padded_shape(wide=wide), dtype=x.dtype)
    xpad[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w] = x.transpose(1, 0, 2, 3)  # (C, N, H, W)
    return xpad


def _offset_view(buf: np.ndarray, i: int, j: int, g: _Geometry, *, wide: bool) -> np.ndarray:
    """The entries of a padded buffer (C, N, Hb, Wp) that kernel offset (i, j) meets: (C, N, OH, Wq).

    Entry [c, n, r, s] is buf[c, n, r SH + i DH, s SW + j DW], a strided view (writeable).
    With ``wide`` (stride 1 only) each output row is taken Wq = Wp long instead of OW: then
    offset (i, j) simply shifts the flattened image by i DH Wp + j DW, the view is one
    contiguous run per image, and the last Wp - OW entries of each row are junk to crop.
    """
    c, n, hb, wp = buf.shape
    if wide:
        start = i * g.dh * wp + j * g.dw
        flat = buf.reshape(c, n, hb * wp)  # (C, N, Hb*Wp)
        return flat[:, :, start:start + g.oh * wp].reshape(c, n, g.oh, wp)  # (C, N, OH, Wp)
    top, left = i * g.dh, j * g.dw
    return buf[:, :, top:top + g.sh * (g.oh - 1) + 1:g.sh, left:left + g.sw * (g.ow - 1) + 1:g.sw]


def _gather_columns(xpad: np.ndarray, g: _Geometry, *, wide: bool) -> np.ndarray:
    """im2col on a channels-first padded buffer (C, N, Hb, Wp): returns (C*KH*KW, N*OH*Wq).

    A strided view presents every window entry without copying anything, then a single
    reshape copies them into matrix order. With ``wide`` (stride 1), Wq = Wp and the
    (OH, Wq) axes of the view are contiguous runs of the flattened image (see _offset_view).
    """
    c, n, _, wp = xpad.shape
    wq = wp if wide else g.ow
    s_c, s_n, s_h, s_w = xpad.strides
    windows = np.lib.stride_tricks.as_strided(
        xpad,
        shape=(c, g.kh, g.kw, n, g.oh, wq),
        strides=(s_c, g.dh * s_h, g.dw * s_w, s_n, g.sh * s_h, g.sw * s_w),
        writeable=False,
    )  # windows[c, i, j, n, r, s] = xpad[c, n, r SH + i DH, s SW + j DW]
    return windows.reshape(c * g.kh * g.kw, n * g.oh * wq)  # (C*KH*KW, N*OH*Wq), a copy


def _scatter_columns(cols: np.ndarray, g: _Geometry) -> np.ndarray:
    """col2im onto a channels-first buffer: adds each entry of cols back where im2col took it.

    cols is (C*KH*KW, N*OH*OW); returns the padded sum (C, N, H + 2PH, W + 2PW). The loop
    runs over the KH*KW kernel offsets; each adds a whole (C, N, OH, OW) block at once.
    """
    cols = cols.reshape(g.c, g.kh, g.kw, g.n, g.oh, g.ow)
    xpad = np.zeros(g.padded_shape(wide=False), dtype=cols.dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            view = _offset_view(xpad, i, j, g, wide=False)  # (C, N, OH, OW), a view into xpad
            view += cols[:, i, j]
    return xpad


def _crop(xpad: np.ndarray, g: _Geometry) -> np.ndarray:
    """(C, N, Hb, Wp) channels-first padded buffer -> contiguous (N, C, H, W) without the border."""
    x = xpad[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w].transpose(1, 0, 2, 3)  # (N, C, H, W), a view
    return np.ascontiguousarray(x)


def im2col(
    x: np.ndarray,
    kernel_size: IntPair,
    *,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
) -> np.ndarray:
    """Unfold every receptive field of x into one column of a matrix.

    cols[(c, p, q), (n, i, j)] = xpad[n, c, i SH + p DH, j SW + q DW]

    Layout: cols is (C*KH*KW, N*OH*OW). Row index (c KH + p) KW + q runs over the window in
    the order of ``w.reshape(F, -1)``; column index (n OH + i) OW + j runs over output pixels.
    A convolution is then one matrix product::

        out = (w.reshape(F, -1) @ cols).reshape(F, N, OH, OW).transpose(1, 0, 2, 3)

    Args:
        x: (N, C, H, W).
        kernel_size, stride, padding, dilation: int or (h, w) pair.

    Returns:
        cols: (C*KH*KW, N*OH*OW).

    Torch equivalent: torch.nn.functional.unfold, which returns the same numbers per image,
    shaped (N, C*KH*KW, OH*OW).
    """
    op = "im2col"
    require_ndim(x, 4, "x", op=op, layout="(N, C, H, W)")
    _require_nonempty(x, "x", "(N, C, H, W)", op=op)
    g = _geometry(x.shape, kernel_size, stride, padding, dilation, op=op)
    return _gather_columns(_pad_channels_first(x, g, wide=False), g, wide=False)


def col2im(
    cols: np.ndarray,
    x_shape: Tuple[int, int, int, int],
    kernel_size: IntPair,
    *,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
) -> np.ndarray:
    """Fold columns back into an image, summing where receptive fields overlap.

    x[n, c, r, s] = sum of cols[(c, p, q), (n, i, j)] over all (p, q, i, j) with
    i SH + p DH - PH = r and j SW + q DW - PW = s.

    This is the adjoint (transpose) of :func:`im2col`: <im2col(x), y> = <x, col2im(y)>. It is
    not its inverse: a pixel seen by k windows comes back k times. The backward pass of a
    convolution uses it to turn the gradient of ``cols`` into the gradient of ``x``.

    Args:
        cols: (C*KH*KW, N*OH*OW), laid out as :func:`im2col` returns.
        x_shape: (N, C, H, W) of the image to rebuild.
        kernel_size, stride, padding, dilation: int or (h, w) pair.

    Returns:
        x: (N, C, H, W), dtype of ``cols``.

    Torch equivalent: torch.nn.functional.fold
    """
    op = "col2im"
    if not (isinstance(x_shape, (tuple, list)) and len(x_shape) == 4):
        raise ValueError(f"{op}: x_shape must be a tuple (N, C, H, W), got {x_shape!r}")
    x_shape = tuple(positive_int(s, "x_shape entries", op=op) for s in x_shape)
    require_ndim(cols, 2, "cols", op=op, layout="(C*KH*KW, N*OH*OW)")
    g = _geometry(x_shape, kernel_size, stride, padding, dilation, op=op)
    require_shape(cols, (g.c * g.kh * g.kw, g.n * g.oh * g.ow), "cols", op=op)
    return _crop(_scatter_columns(cols, g), g)


# --------------------------------------------------------------------------- fast (the tool)


def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: Optional[np.ndarray] = None,
    *,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tuple[np.ndarray, Conv2dCache]:
    """2-D convolution as one matrix product per group (im2col + GEMM).

    out = W cols + b, with W = w.reshape(F, C_g KH KW) and cols = :func:`im2col` (x); with
    groups, the rows of cols and W split into ``groups`` blocks that multiply separately.

    Speed: with stride 1 the columns are built on "wide" rows (Wp = W + 2 PW long instead
    of OW; the extra Wp - OW outputs per row are computed and cropped). Building cols then
    copies long contiguous runs, and the backward pass adds long runs: a few percent more
    arithmetic for much less time spent shuffling memory.

    Args:
        x: (N, C, H, W).
        w: (F, C // groups, KH, KW).
        b: (F,) or None.
        stride, padding, dilation: int or (h, w) pair, as in torch.
        groups: split the channels into ``groups`` independent convolutions.

    Returns:
        out: (N, F, OH, OW), OH = floor((H + 2 PH - DH (KH - 1) - 1) / SH) + 1, same for OW.
        cache: a :class:`Conv2dCache` holding x, w and cols (C*KH*KW, N*OH*Wq), Wq = Wp or OW.

    Torch equivalent: torch.nn.functional.conv2d
    """
    g, groups = _check_conv(x, w, b, stride, padding, dilation, groups, op="conv2d")
    wide = (g.sh, g.sw) == (1, 1)
    wq = g.w + 2 * g.pw if wide else g.ow  # length of an output row in cols
    cols = _gather_columns(_pad_channels_first(x, g, wide=wide), g, wide=wide)  # (C*KH*KW, M)
    f_total, m = w.shape[0], cols.shape[1]  # M = N*OH*Wq
    w_mat = w.reshape(groups, f_total // groups, -1)  # (G, F/G, C/G*KH*KW)
    out = np.matmul(w_mat, cols.reshape(groups, -1, m))  # (G, F/G, M)
    out = out.reshape(f_total, g.n, g.oh, wq)[..., :g.ow]  # (F, N, OH, OW), a view
    out = out.transpose(1, 0, 2, 3)  # (N, F, OH, OW), a view
    if b is None:
        out = np.ascontiguousarray(out)
    else:  # add the bias while copying into NCHW order
        out = np.add(out, b.reshape(1, f_total, 1, 1), out=np.empty(out.shape, dtype=x.dtype))
    cache = Conv2dCache(x, w, b is not None, (g.sh, g.sw), (g.ph, g.pw), (g.dh, g.dw), groups, cols)
    return out, cache


def conv2d_backward(
    dout: np.ndarray, cache: Conv2dCache
) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """Gradients of the im2col convolution out = W cols + b.

        dW = dout cols^T        dcols = W^T dout        dx = col2im(dcols)        db = sum of dout

    dout is laid out as a (F, N*OH*OW) matrix (per group); col2im (the adjoint of im2col)
    adds each column of dcols back onto the pixels its receptive field came from. The code
    fuses the last two steps, one kernel offset at a time, so dcols is never built whole.

    Args:
        dout: (N, F, OH, OW), upstream gradient.
        cache: from :func:`conv2d_forward` or :func:`conv2d_forward_naive`.

    Returns:
        dx: (N, C, H, W); dw: (F, C // groups, KH, KW); db: (F,), or None when b was None.
    """
    g, dout = _check_backward(dout, cache, op="conv2d_backward")
    w, groups = cache.w, cache.groups
    f_total, c_g = w.shape[0], w.shape[1]
    wide = (g.sh, g.sw) == (1, 1)
    wq = g.w + 2 * g.pw if wide else g.ow
    cols = cache.cols
    if cols is None:  # cache from the naive forward
        cols = _gather_columns(_pad_channels_first(cache.x, g, wide=wide), g, wide=wide)
    dout_cols = np.zeros((f_total, g.n, g.oh, wq), dtype=dout.dtype)  # junk columns get zero gradient
    dout_cols[..., :g.ow] = dout.transpose(1, 0, 2, 3)  # (F, N, OH, OW)
    dout_mat = dout_cols.reshape(groups, f_total // groups, -1)  # (G, F/G, M)
    m = dout_mat.shape[2]

    db = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    # dW^T = cols dout^T: the same product as dout cols^T, but BLAS runs it faster this way round
    dw_t = np.matmul(cols.reshape(groups, -1, m), dout_mat.transpose(0, 2, 1))  # (G, C/G*KH*KW, F/G)
    dw = dw_t.transpose(0, 2, 1).reshape(w.shape)  # (G, F/G, C/G*KH*KW) -> (F, C/G, KH, KW)

    # dx = col2im(W^T dout), fused: for each kernel offset (i, j) the block of W^T dout that
    # belongs to it, W[:, :, i, j]^T dout, is added straight onto the padded input gradient,
    # so the (C*KH*KW, M) matrix dcols is never built (KH*KW times less temporary memory).
    w_t = np.ascontiguousarray(
        w.reshape(groups, f_total // groups, c_g, g.kh, g.kw).transpose(3, 4, 0, 2, 1)
    )  # (KH, KW, G, C/G, F/G)
    dxpad = np.zeros(g.padded_shape(wide=wide), dtype=dout.dtype)  # (C, N, Hb, Wp)
    dcols_ij = np.empty((groups, c_g, m), dtype=dout.dtype)  # reused for every offset
    for i in range(g.kh):
        for j in range(g.kw):
            np.matmul(w_t[i, j], dout_mat, out=dcols_ij)  # (G, C/G, F/G) @ (G, F/G, M)
            view = _offset_view(dxpad, i, j, g, wide=wide)  # (C, N, OH, Wq), a view into dxpad
            view += dcols_ij.reshape(view.shape)
    return _crop(dxpad, g), dw, db
