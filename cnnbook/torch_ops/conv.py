"""2-D convolution in plain torch tensor ops: im2col (``unfold``) and one matmul.

The same algorithm as ``cnnbook.numpy_ops.conv2d_forward``, but autograd writes the
backward pass and the tensors may live on any device.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

from cnnbook.shapes import conv2d_output_shape
from cnnbook.torch_ops._checks import require_tensor
from cnnbook.validation import (
    IntPair,
    pair,
    positive_int,
    require_float,
    require_ndim,
    require_shape,
    require_window_fits,
)


def conv2d(
    x: torch.Tensor,
    w: torch.Tensor,
    b: Optional[torch.Tensor] = None,
    *,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> torch.Tensor:
    """2-D convolution (cross-correlation, as in every deep-learning library).

    Args:
        x: input, (N, C, H, W).
        w: weights, (F, C // groups, KH, KW).
        b: optional bias, (F,).
        stride, padding, dilation: int or (h, w) pair, as in torch; padding is zeros.
        groups: split the C input and F output channels into ``groups`` independent
            convolutions (groups = C is a depthwise convolution).

    Returns:
        out, (N, F, OH, OW) with OH = floor((H + 2 PH - DH (KH - 1) - 1) / SH) + 1
        (and the same for OW), where

        out[n, f, i, j] = b[f] + sum_{c, p, q} w[f, c, p, q]
                          * x_pad[n, g C/G + c, SH i + DH p, SW j + DW q],  g = f // (F/G).

    Torch equivalent: torch.nn.functional.conv2d
    """
    op = "conv2d"
    require_tensor(x, "x", op=op)
    require_ndim(x, 4, "x", op=op, layout="(N, C, H, W)")
    require_float(x, "x", op=op)
    require_tensor(w, "w", op=op, like=x)
    require_ndim(w, 4, "w", op=op, layout="(F, C // groups, KH, KW)")
    sh, sw = pair(stride, "stride", op=op)
    ph, pw = pair(padding, "padding", op=op, minimum=0)
    dh, dw = pair(dilation, "dilation", op=op)
    groups = positive_int(groups, "groups", op=op)

    n, c, h, wd = x.shape
    f, c_per_group, kh, kw = w.shape
    if c % groups or f % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide the input channels C={c} of x (shape {tuple(x.shape)}) "
            f"and the output channels F={f} of w (shape {tuple(w.shape)})"
        )
    if c_per_group != c // groups:
        raise ValueError(
            f"{op}: w must have shape (F, C // groups, KH, KW) = (F, {c // groups}, KH, KW) for x with "
            f"C={c} channels and groups={groups}, got shape {tuple(w.shape)}"
        )
    if b is not None:
        require_tensor(b, "b", op=op, like=x)
        require_shape(b, (f,), "b", op=op)
    require_window_fits(
        (h + 2 * ph, wd + 2 * pw), (dh * (kh - 1) + 1, dw * (kw - 1) + 1), op=op, input_shape=x.shape
    )
    oh, ow = conv2d_output_shape((h, wd), (kh, kw), stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw))

    # im2col: every receptive field becomes a column; unfold orders rows as (c, p, q).
    cols = F.unfold(x, (kh, kw), dilation=(dh, dw), padding=(ph, pw), stride=(sh, sw))  # (N, C*KH*KW, OH*OW)
    cols = cols.reshape(n, groups, (c // groups) * kh * kw, oh * ow)  # (N, G, C/G*KH*KW, OH*OW)
    w_rows = w.reshape(groups, f // groups, c_per_group * kh * kw)  # (G, F/G, C/G*KH*KW)
    out = torch.matmul(w_rows, cols)  # (N, G, F/G, OH*OW)
    out = out.reshape(n, f, oh, ow)  # (N, F, OH, OW)
    if b is not None:
        out = out + b.reshape(1, f, 1, 1)  # (N, F, OH, OW)
    return out
