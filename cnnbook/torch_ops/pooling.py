"""Max and average pooling in plain torch tensor ops: cut the windows out, reduce them.

``Tensor.unfold`` turns the padded input into a (N, C, OH, OW, KH, KW) view of its
windows; max pooling takes the max of each window, average pooling its mean. Autograd
routes the gradient of a max to the element that won, as torch's own pooling does.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

from cnnbook.shapes import pool2d_output_size
from cnnbook.torch_ops._checks import require_tensor
from cnnbook.validation import IntPair, pool2d_arguments, require_float, require_ndim


def _pool_windows(
    x: torch.Tensor,
    kernel_size: IntPair,
    stride: Optional[IntPair],
    padding: IntPair,
    *,
    fill: float,
    op: str,
) -> torch.Tensor:
    """Validate the arguments and return every pooling window, (N, C, OH, OW, KH*KW).

    The border is padded with ``fill``: -inf for max pooling (padding never wins),
    0 for average pooling (padding counts as zeros, like torch's count_include_pad=True).
    """
    require_tensor(x, "x", op=op)
    require_ndim(x, 4, "x", op=op, layout="(N, C, H, W)")
    require_float(x, "x", op=op)
    (kh, kw), (sh, sw), (ph, pw) = pool2d_arguments(x.shape, kernel_size, stride, padding, op=op)
    n, c, h, w = x.shape
    oh = pool2d_output_size(h, kh, stride=sh, padding=ph)
    ow = pool2d_output_size(w, kw, stride=sw, padding=pw)

    x_pad = F.pad(x, (pw, pw, ph, ph), value=fill)  # (N, C, H + 2PH, W + 2PW)
    windows = x_pad.unfold(2, kh, sh).unfold(3, kw, sw)  # (N, C, OH, OW, KH, KW)
    return windows.reshape(n, c, oh, ow, kh * kw)  # (N, C, OH, OW, KH*KW)


def max_pool2d(
    x: torch.Tensor,
    *,
    kernel_size: IntPair,
    stride: Optional[IntPair] = None,
    padding: IntPair = 0,
) -> torch.Tensor:
    """2-D max pooling: the largest value of each KH x KW window.

    Args:
        x: input, (N, C, H, W).
        kernel_size: window size, int or (KH, KW).
        stride: step between windows, int or pair; defaults to ``kernel_size``.
        padding: implicit -inf border, int or pair, at most half the window.

    Returns:
        out, (N, C, OH, OW), OH = floor((H + 2 PH - KH) / SH) + 1 (same for OW), and
        out[n, c, i, j] = max_{p, q} x_pad[n, c, SH i + p, SW j + q].

    Torch equivalent: torch.nn.functional.max_pool2d
    """
    windows = _pool_windows(x, kernel_size, stride, padding, fill=float("-inf"), op="max_pool2d")
    return windows.max(dim=-1).values  # (N, C, OH, OW)


def avg_pool2d(
    x: torch.Tensor,
    *,
    kernel_size: IntPair,
    stride: Optional[IntPair] = None,
    padding: IntPair = 0,
) -> torch.Tensor:
    """2-D average pooling: the mean of each KH x KW window, padding counted as zeros.

    Args:
        x: input, (N, C, H, W).
        kernel_size: window size, int or (KH, KW).
        stride: step between windows, int or pair; defaults to ``kernel_size``.
        padding: implicit zero border, int or pair, at most half the window.

    Returns:
        out, (N, C, OH, OW), OH = floor((H + 2 PH - KH) / SH) + 1 (same for OW), and
        out[n, c, i, j] = (1 / (KH KW)) sum_{p, q} x_pad[n, c, SH i + p, SW j + q].

    Torch equivalent: torch.nn.functional.avg_pool2d (count_include_pad=True)
    """
    windows = _pool_windows(x, kernel_size, stride, padding, fill=0.0, op="avg_pool2d")
    return windows.mean(dim=-1)  # (N, C, OH, OW)
