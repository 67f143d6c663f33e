"""Batch normalization written from its formula, with torch's running-statistics rule."""

from __future__ import annotations

from numbers import Real
from typing import Optional, Tuple

import torch

from cnnbook.torch_ops._checks import require_tensor
from cnnbook.validation import require_float, require_shape


def batch_norm(
    x: torch.Tensor,
    running_mean: Optional[torch.Tensor],
    running_var: Optional[torch.Tensor],
    weight: Optional[torch.Tensor] = None,
    bias: Optional[torch.Tensor] = None,
    *,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> torch.Tensor:
    """Normalize each channel to zero mean and unit variance, then scale and shift.

    Args:
        x: input, (N, C) or (N, C, H, W); statistics are per channel C, over N (and H, W).
        running_mean, running_var: (C,) estimates used in evaluation. In training they
            are updated in place (when not None):
                running_mean <- (1 - momentum) running_mean + momentum mean_B
                running_var  <- (1 - momentum) running_var  + momentum var_B * M / (M - 1)
            where M = N H W values per channel (the unbiased variance, as in torch).
        weight, bias: optional (C,) scale gamma and shift beta (default 1 and 0).
        training: use the batch's statistics (True) or the running ones (False).
        momentum, eps: as in torch.nn.BatchNorm2d.

    Returns:
        y, the shape of x, y = gamma (x - mean) / sqrt(var + eps) + beta, where mean and
        var (biased) are the batch's in training and the running estimates in evaluation.

    Torch equivalent: torch.nn.functional.batch_norm
    """
    op = "batch_norm"
    require_tensor(x, "x", op=op)
    require_float(x, "x", op=op)
    if x.ndim not in (2, 4):
        raise ValueError(f"{op}: x must be 2-D (N, C) or 4-D (N, C, H, W), got shape {tuple(x.shape)}")
    c = x.shape[1]
    for name, value in (("running_mean", running_mean), ("running_var", running_var),
                        ("weight", weight), ("bias", bias)):
        if value is not None:
            require_tensor(value, name, op=op, like=x)
            require_shape(value, (c,), name, op=op)
    if not training and (running_mean is None or running_var is None):
        raise ValueError(f"{op}: running_mean and running_var are required when training=False")
    if not isinstance(momentum, Real) or not 0.0 <= float(momentum) <= 1.0:
        raise ValueError(f"{op}: momentum must be a number in [0, 1], got {momentum!r}")
    if not isinstance(eps, Real) or float(eps) <= 0.0:
        raise ValueError(f"{op}: eps must be a positive number, got {eps!r}")

    dims: Tuple[int, ...] = (0,) if x.ndim == 2 else (0, 2, 3)
    shape = (1, c) if x.ndim == 2 else (1, c, 1, 1)  # broadcast a (C,) vector against x
    if training:
        count = x.numel() // c  # M values per channel
        if count < 2:
            raise ValueError(
                f"{op}: training needs more than 1 value per channel, got x of shape {tuple(x.shape)}"
            )
        mean = x.mean(dim=dims)  # (C,)
        var = ((x - mean.reshape(shape)) ** 2).mean(dim=dims)  # (C,), biased
        with torch.no_grad():
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(momentum * mean)
            if running_var is not None:
                running_var.mul_(1 - momentum).add_(momentum * var * (count / (count - 1)))
    else:
        mean, var = running_mean, running_var

    y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)  # shape of x
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y
