"""Fully connected (linear) layer as one matrix product."""

from __future__ import annotations

from typing import Optional

import torch

from cnnbook.torch_ops._checks import require_tensor
from cnnbook.validation import require_float, require_ndim, require_shape


def linear(x: torch.Tensor, w: torch.Tensor, b: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Affine map y = x w^T + b applied to the last axis of ``x``.

    Args:
        x: input, (*, D_in); usually (N, D_in).
        w: weights, (D_out, D_in), laid out as in torch.nn.Linear.
        b: optional bias, (D_out,).

    Returns:
        y, (*, D_out), with y[..., o] = b[o] + sum_i x[..., i] w[o, i].

    Torch equivalent: torch.nn.functional.linear
    """
    op = "linear"
    require_tensor(x, "x", op=op)
    require_float(x, "x", op=op)
    if x.ndim < 1:
        raise ValueError(f"{op}: x must have at least 1 dimension (*, D_in), got shape {tuple(x.shape)}")
    require_tensor(w, "w", op=op, like=x)
    require_ndim(w, 2, "w", op=op, layout="(D_out, D_in)")
    d_out, d_in = w.shape
    if x.shape[-1] != d_in:
        raise ValueError(
            f"{op}: w must have shape (D_out, D_in) = (D_out, {x.shape[-1]}) to match the last axis "
            f"of x (shape {tuple(x.shape)}), got shape {tuple(w.shape)}"
        )
    y = torch.matmul(x, w.transpose(0, 1))  # (*, D_out)
    if b is not None:
        require_tensor(b, "b", op=op, like=x)
        require_shape(b, (d_out,), "b", op=op)
        y = y + b  # (*, D_out)
    return y
