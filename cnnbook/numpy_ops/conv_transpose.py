"""2-D transposed convolution in NumPy: a forward/backward pair.

Layout as in ``torch.nn.functional.conv_transpose2d``: x is (N, C_in, H, W), w is
(C_in, C_out, KH, KW) (note: input channels first, the reverse of conv2d), b is (C_out,).
With stride S, padding P, output padding A and dilation D (each an (h, w) pair) the output is
(N, C_out, OH, OW) with

    OH = (H - 1) SH - 2 PH + DH (KH - 1) + AH + 1        (the same for OW)

Every input pixel stamps a copy of the kernel, scaled by its value, onto the output; stamps
land S pixels apart and add where they overlap. Writing out_pad for the output with a border
of P on the top/left (and P on the bottom/right, cropped at the end),

    out_pad[n, o, i SH + p DH, j SW + q DW] += x[n, c, i, j] w[c, o, p, q]      for all c, i, j, p, q

This is exactly the backward pass of conv2d with respect to its input (``col2im(W^T dout)``
in :mod:`cnnbook.numpy_ops.conv`), which is why the operation is called *transposed*: if a
convolution is the matrix product y = C x, the transposed convolution with the same weights
is C^T y. Conversely, the backward pass of a transposed convolution with respect to its input
is an ordinary convolution, and this module computes it with :func:`conv2d_forward`.

``groups`` is not supported (it is 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from cnnbook.numpy_ops.conv import conv2d_forward, im2col
from cnnbook.shapes import conv_transpose2d_output_size
from cnnbook.validation import IntPair, pair, require_float, require_ndim, require_shape

_OP = "conv_transpose2d"


@dataclass(frozen=True)
class ConvTranspose2dCache:
    """What a conv_transpose2d forward pass keeps for its backward pass.

    Attributes:
        x: input (N, C_in, H, W).  w: weights (C_in, C_out, KH, KW).  has_bias: b was given.
        stride, padding, output_padding, dilation: (h, w) pairs.
        out_shape: (N, C_out, OH, OW), the shape of the output (and of dout).
    """

    x: np.ndarray
    w: np.ndarray
    has_bias: bool
    stride: Tuple[int, int]
    padding: Tuple[int, int]
    output_padding: Tuple[int, int]
    dilation: Tuple[int, int]
    out_shape: Tuple[int, int, int, int]


def _check_forward(x, w, b, stride, padding, output_padding, dilation):
    """Validate the arguments; return (stride, padding, output_padding, dilation, out_shape)."""
    require_ndim(x, 4, "x", op=_OP, layout="(N, C_in, H, W)")
    require_ndim(w, 4, "w", op=_OP, layout="(C_in, C_out, KH, KW)")
    require_float(x, "x", op=_OP)
    if 0 in x.shape:
        raise ValueError(f"{_OP}: x must have non-zero sizes (N, C_in, H, W), got shape {x.shape}")
    if 0 in w.shape:
        raise ValueError(f"{_OP}: w must have non-zero sizes (C_in, C_out, KH, KW), got shape {w.shape}")
    if w.dtype != x.dtype:
        raise ValueError(f"{_OP}: w must have the dtype of x ({x.dtype}), got dtype {w.dtype}")
    n, c_in, h, wd = x.shape
    if w.shape[0] != c_in:
        raise ValueError(
            f"{_OP}: w must have shape (C_in, C_out, KH, KW) with C_in = {c_in} (the channels of x "
            f"of shape {x.shape}), got w of shape {w.shape}"
        )
    c_out, kh, kw = w.shape[1:]
    if b is not None:
        require_ndim(b, 1, "b", op=_OP, layout="(C_out,)")
        require_shape(b, (c_out,), "b", op=_OP)
        if b.dtype != x.dtype:
            raise ValueError(f"{_OP}: b must have the dtype of x ({x.dtype}), got dtype {b.dtype}")
    s = pair(stride, "stride", op=_OP)
    p = pair(padding, "padding", op=_OP, minimum=0)
    a = pair(output_padding, "output_padding", op=_OP, minimum=0)
    d = pair(dilation, "dilation", op=_OP)
    sizes = []
    for axis, (size, k) in enumerate([(h, kh), (wd, kw)]):
        try:
            sizes.append(conv_transpose2d_output_size(
                size, k, stride=s[axis], padding=p[axis], output_padding=a[axis], dilation=d[axis]))
        except ValueError as error:  # name this op, the input and the kernel in the message
            reason = str(error).split(": ", 1)[1]
            raise ValueError(f"{_OP}: {reason} (x of shape {x.shape}, w of shape {w.shape}, "
                             f"stride={stride!r}, padding={padding!r}, "
                             f"output_padding={output_padding!r}, dilation={dilation!r})") from None
    return s, p, a, d, (n, c_out, sizes[0], sizes[1])


def conv_transpose2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: Optional[np.ndarray] = None,
    *,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    dilation: IntPair = 1,
) -> Tuple[np.ndarray, ConvTranspose2dCache]:
    """2-D transposed convolution: every input pixel adds a scaled kernel onto the output.

    out_pad[n, o, i SH + p DH, j SW + q DW] += sum_c x[n, c, i, j] w[c, o, p, q];
    out = out_pad without a border of P on each side, plus b[o].

    Args:
        x: (N, C_in, H, W).
        w: (C_in, C_out, KH, KW), torch's layout for transposed convolutions.
        b: (C_out,) or None.
        stride, padding, output_padding, dilation: int or (h, w) pair, as in torch;
            output_padding (extra rows/columns at the bottom/right) must be smaller than
            stride or dilation.

    Returns:
        out: (N, C_out, OH, OW), OH = (H - 1) SH - 2 PH + DH (KH - 1) + AH + 1, same for OW.
        cache: a :class:`ConvTranspose2dCache` for :func:`conv_transpose2d_backward`.

    Torch equivalent: torch.nn.functional.conv_transpose2d (groups=1)
    """
    s, p, a, d, out_shape = _check_forward(x, w, b, stride, padding, output_padding, dilation)
    n, c_in, h, wd = x.shape
    c_out, kh, kw = w.shape[1:]
    oh, ow = out_shape[2:]
    # One matrix product gives every stamp: cols[(o, p, q), (n, i, j)] = sum_c w[c, o, p, q] x[n, c, i, j]
    x_mat = x.transpose(1, 0, 2, 3).reshape(c_in, n * h * wd)  # (C_in, N*H*W)
    cols = w.reshape(c_in, c_out * kh * kw).T @ x_mat  # (C_out*KH*KW, N*H*W)
    cols = cols.reshape(c_out, kh, kw, n, h, wd)
    # Fold the stamps onto the padded output (col2im), one kernel offset at a time.
    out_pad = np.zeros((c_out, n, oh + 2 * p[0], ow + 2 * p[1]), dtype=x.dtype)  # (C_out, N, OH+2PH, OW+2PW)
    for u in range(kh):  # kernel offset (u, v): the stamps' entries w[:, :, u, v] land at
        for v in range(kw):  # rows u DH + i SH and columns v DW + j SW of out_pad
            rows = slice(u * d[0], u * d[0] + s[0] * (h - 1) + 1, s[0])  # H rows, SH apart
            columns = slice(v * d[1], v * d[1] + s[1] * (wd - 1) + 1, s[1])  # W columns, SW apart
            out_pad[:, :, rows, columns] += cols[:, u, v]  # (C_out, N, H, W)
    out = out_pad[:, :, p[0]:p[0] + oh, p[1]:p[1] + ow].transpose(1, 0, 2, 3)  # (N, C_out, OH, OW)
    if b is None:
        out = np.ascontiguousarray(out)
    else:
        out = out + b.reshape(1, c_out, 1, 1)
    cache = ConvTranspose2dCache(x, w, b is not None, s, p, a, d, out_shape)
    return out, cache


def conv_transpose2d_backward(
    dout: np.ndarray, cache: ConvTranspose2dCache
) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """Gradients of the transposed convolution: an ordinary convolution and a correlation.

    The forward pass is the input gradient of a conv2d, so its own input gradient is that
    conv2d's forward pass, applied to dout:

        dx[n, c, i, j] = sum_{o, p, q} dout_pad[n, o, i SH + p DH, j SW + q DW] w[c, o, p, q]
                       = conv2d(dout, w, stride=S, padding=P, dilation=D)[n, c, i, j]
        dw[c, o, p, q] = sum_{n, i, j} x[n, c, i, j] dout_pad[n, o, i SH + p DH, j SW + q DW]
        db[o] = sum_{n, i, j} dout[n, o, i, j]

    (that conv2d can produce more than H rows when output_padding > 0; only the first H count.)

    Args:
        dout: (N, C_out, OH, OW), upstream gradient.
        cache: from :func:`conv_transpose2d_forward`.

    Returns:
        dx: (N, C_in, H, W); dw: (C_in, C_out, KH, KW); db: (C_out,), or None when b was None.
    """
    op = "conv_transpose2d_backward"
    if not isinstance(cache, ConvTranspose2dCache):
        raise ValueError(
            f"{op}: cache must be the ConvTranspose2dCache returned by the forward pass, "
            f"got {type(cache).__name__}"
        )
    require_ndim(dout, 4, "dout", op=op, layout="(N, C_out, OH, OW)")
    require_float(dout, "dout", op=op)
    require_shape(dout, cache.out_shape, "dout", op=op)
    x, w = cache.x, cache.w
    dout = dout.astype(x.dtype, copy=False)
    n, c_in, h, wd = x.shape
    kh, kw = w.shape[2:]
    kwargs = dict(stride=cache.stride, padding=cache.padding, dilation=cache.dilation)

    # dx: the conv2d of dout with w read as (F = C_in, C = C_out, KH, KW) filters.
    dx_full, _ = conv2d_forward(dout, w, **kwargs)  # (N, C_in, OH', OW'), OH' >= H, OW' >= W
    oh2, ow2 = dx_full.shape[2:]
    dx = np.ascontiguousarray(dx_full[:, :, :h, :wd])

    # dw: each input pixel times the window of dout its stamp landed on (im2col of dout).
    cols = im2col(dout, (kh, kw), **kwargs)  # (C_out*KH*KW, N*OH'*OW')
    cols = cols.reshape(-1, n, oh2, ow2)[:, :, :h, :wd].reshape(-1, n * h * wd)  # (C_out*KH*KW, N*H*W)
    x_mat = x.transpose(1, 0, 2, 3).reshape(c_in, n * h * wd)  # (C_in, N*H*W)
    dw = (x_mat @ cols.T).reshape(w.shape)  # (C_in, C_out*KH*KW) -> (C_in, C_out, KH, KW)

    db = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    return dx, dw, db
