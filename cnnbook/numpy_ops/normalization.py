"""Batch normalisation over the channel axis, for x (N, C) or (N, C, H, W).

Statistics are per channel, over every axis except C (N for 2-D input; N, H, W for
4-D input), so each channel sees m = N (or N H W) values. Training mode normalises with
the batch statistics and updates the running statistics in place, as torch does; eval mode
normalises with the running statistics. The ``*_naive`` variants loop over channels.
"""

from __future__ import annotations

from numbers import Real
from typing import Tuple

import numpy as np

from cnnbook.validation import require_float, require_shape

# (xhat, gamma, inv_std, training): xhat has the shape of x; gamma and inv_std are (C,)
BatchNormCache = Tuple[np.ndarray, np.ndarray, np.ndarray, bool]


def _reduce_axes(ndim: int) -> Tuple[int, ...]:
    """Every axis but the channel axis 1: (0,) for (N, C), (0, 2, 3) for (N, C, H, W)."""
    return (0,) if ndim == 2 else (0, 2, 3)


def _per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    """Reshape a (C,) vector so it broadcasts against x: (1, C) or (1, C, 1, 1)."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _check_inputs(x, gamma, beta, running_mean, running_var, training, momentum, eps) -> None:
    op = "batch_norm"
    shape = tuple(getattr(x, "shape", ()))
    if not hasattr(x, "shape") or len(shape) not in (2, 4):
        raise ValueError(f"{op}: x must be 2-D (N, C) or 4-D (N, C, H, W), got shape {shape}")
    require_float(x, "x", op=op)
    c = shape[1]
    for name, v in (("gamma", gamma), ("beta", beta)):
        require_float(v, name, op=op)
        require_shape(v, (c,), name, op=op)
    for name, v in (("running_mean", running_mean), ("running_var", running_var)):
        if not isinstance(v, np.ndarray):
            raise ValueError(
                f"{op}: {name} must be a NumPy array of shape ({c},) (updated in place), "
                f"got {type(v).__name__}"
            )
        require_float(v, name, op=op)
        require_shape(v, (c,), name, op=op)
    if not isinstance(training, bool):
        raise ValueError(f"{op}: training must be True or False, got {training!r}")
    if not isinstance(momentum, Real) or isinstance(momentum, bool) or not 0.0 <= momentum <= 1.0:
        raise ValueError(f"{op}: momentum must be a number in [0, 1], got {momentum!r}")
    if not isinstance(eps, Real) or isinstance(eps, bool) or not eps > 0:
        raise ValueError(f"{op}: eps must be a positive number, got {eps!r}")
    if training and x.size // max(c, 1) <= 1:
        raise ValueError(
            f"{op}: expected more than 1 value per channel when training, got x of shape {shape}"
        )


def _check_dout(dout: np.ndarray, cache: BatchNormCache) -> None:
    require_float(dout, "dout", op="batch_norm_backward")
    require_shape(dout, cache[0].shape, "dout", op="batch_norm_backward")


def batch_norm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    *,
    training: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tuple[np.ndarray, BatchNormCache]:
    """Normalise each channel, then scale by gamma and shift by beta.

    xhat = (x - mu) / sqrt(var + eps),  out = gamma xhat + beta   (per channel)

    Training: mu, var are the batch mean and biased variance over the m values of each
    channel, and the running statistics are updated in place:
        running_mean = (1 - momentum) running_mean + momentum mu
        running_var  = (1 - momentum) running_var  + momentum var m / (m - 1)   (unbiased)
    Eval: mu, var are running_mean, running_var, which are left unchanged.

    Args:
        x: (N, C) or (N, C, H, W), floating point.
        gamma, beta: (C,) scale and shift (torch's ``weight`` and ``bias``).
        running_mean, running_var: (C,) NumPy arrays, updated in place in training mode.
        training: use batch statistics (True) or running statistics (False).
        momentum: weight of the new batch in the running statistics, in [0, 1].
        eps: added to the variance for numerical safety, > 0.

    Returns:
        out: same shape as ``x``.
        cache: ``(xhat, gamma, inv_std, training)``, inv_std = 1 / sqrt(var + eps) of shape (C,).

    Torch equivalent: torch.nn.functional.batch_norm(x, running_mean, running_var,
    gamma, beta, training, momentum, eps)
    """
    _check_inputs(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    axes, nd = _reduce_axes(x.ndim), x.ndim
    if training:
        m = x.size // x.shape[1]
        mean = x.mean(axis=axes)  # (C,)
        var = x.var(axis=axes)  # (C,), biased: divides by m
        running_mean[...] = momentum * mean + (1 - momentum) * running_mean
        running_var[...] = momentum * var * m / (m - 1) + (1 - momentum) * running_var
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)  # (C,)
    xhat = (x - _per_channel(mean, nd)) * _per_channel(inv_std, nd)
    out = _per_channel(gamma, nd) * xhat + _per_channel(beta, nd)
    return out, (xhat, gamma, inv_std, training)


def batch_norm_backward(
    dout: np.ndarray, cache: BatchNormCache
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`batch_norm_forward` with respect to x, gamma and beta.

    dbeta = sum dout,  dgamma = sum dout xhat   (sums over every axis but C)
    Training (mu and var depend on x), with g = gamma dout:
        dx = inv_std / m (m g - sum g - xhat sum(g xhat))
    Eval (mu and var are constants, a per-channel affine map):
        dx = gamma inv_std dout

    Args:
        dout: upstream gradient, the shape of x.
        cache: from :func:`batch_norm_forward`.

    Returns:
        dx: the shape of x; dgamma, dbeta: (C,).
    """
    _check_dout(dout, cache)
    xhat, gamma, inv_std, training = cache
    axes, nd = _reduce_axes(xhat.ndim), xhat.ndim
    dbeta = dout.sum(axis=axes)  # (C,)
    dgamma = (dout * xhat).sum(axis=axes)  # (C,)
    if not training:
        return dout * _per_channel(gamma * inv_std, nd), dgamma, dbeta
    m = xhat.size // xhat.shape[1]
    g = dout * _per_channel(gamma, nd)  # gradient with respect to xhat
    g_sum = g.sum(axis=axes, keepdims=True)  # (1, C) or (1, C, 1, 1)
    gx_sum = (g * xhat).sum(axis=axes, keepdims=True)  # (1, C) or (1, C, 1, 1)
    dx = _per_channel(inv_std, nd) / m * (m * g - g_sum - xhat * gx_sum)
    return dx, dgamma, dbeta


def batch_norm_forward_naive(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    *,
    training: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tuple[np.ndarray, BatchNormCache]:
    """Batch norm one channel at a time; same contract as :func:`batch_norm_forward`."""
    _check_inputs(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    c = x.shape[1]
    out, xhat = np.empty_like(x), np.empty_like(x)
    inv_std = np.empty(c, dtype=x.dtype)
    for k in range(c):
        xk = x[:, k]  # (N,) or (N, H, W): every value of channel k
        m = xk.size
        if training:
            mean = xk.sum() / m
            var = ((xk - mean) ** 2).sum() / m
            running_mean[k] = momentum * mean + (1 - momentum) * running_mean[k]
            running_var[k] = momentum * var * m / (m - 1) + (1 - momentum) * running_var[k]
        else:
            mean, var = running_mean[k], running_var[k]
        inv_std[k] = 1.0 / np.sqrt(var + eps)
        xhat[:, k] = (xk - mean) * inv_std[k]
        out[:, k] = gamma[k] * xhat[:, k] + beta[k]
    return out, (xhat, gamma, inv_std, training)


def batch_norm_backward_naive(
    dout: np.ndarray, cache: BatchNormCache
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batch-norm gradients one channel at a time; same contract as :func:`batch_norm_backward`."""
    _check_dout(dout, cache)
    xhat, gamma, inv_std, training = cache
    dx = np.empty_like(dout)
    dgamma = np.empty(xhat.shape[1], dtype=dout.dtype)
    dbeta = np.empty(xhat.shape[1], dtype=dout.dtype)
    for k in range(xhat.shape[1]):
        dk, hk = dout[:, k], xhat[:, k]  # (N,) or (N, H, W)
        dbeta[k] = dk.sum()
        dgamma[k] = (dk * hk).sum()
        g = gamma[k] * dk  # gradient with respect to xhat of channel k
        if training:
            m = hk.size
            dx[:, k] = inv_std[k] / m * (m * g - g.sum() - hk * (g * hk).sum())
        else:
            dx[:, k] = g * inv_std[k]
    return dx, dgamma, dbeta
