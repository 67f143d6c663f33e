"""Elementwise activations: ReLU, sigmoid, tanh and softplus, each a forward/backward pair.

Every forward returns ``(out, cache)`` and every backward takes ``(dout, cache)`` and
returns ``dx`` with the shape of ``x``. Inputs may have any shape. The ``*_naive``
variants visit one element at a time (the lesson); the plain names are vectorised
(the tool). Both variants of a pair share the cache format, so they can be mixed.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Tuple

import numpy as np

from cnnbook.validation import require_float, require_shape


def _check_x(x: np.ndarray, op: str) -> None:
    require_float(x, "x", op=op)


def _check_dout(dout: np.ndarray, shape: Tuple[int, ...], op: str) -> None:
    require_float(dout, "dout", op=op)
    require_shape(dout, shape, "dout", op=op)


# ----------------------------------------------------------------------------- ReLU


def relu_forward(x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Rectified linear unit, elementwise.

    relu(x) = max(x, 0)

    Args:
        x: input of any shape, floating point.

    Returns:
        out: same shape and dtype as ``x``.
        cache: ``x``.

    Torch equivalent: torch.relu / torch.nn.functional.relu
    """
    _check_x(x, "relu")
    return np.maximum(x, 0).astype(x.dtype, copy=False), x


def relu_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """Gradient of ReLU: dx = dout * [x > 0] (the gradient at x = 0 is 0, as in torch)."""
    x = cache
    _check_dout(dout, x.shape, "relu_backward")
    return dout * (x > 0)


def relu_forward_naive(x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """ReLU one element at a time; same contract as :func:`relu_forward`."""
    _check_x(x, "relu")
    out = np.empty_like(x)
    for i in range(x.size):
        out.flat[i] = x.flat[i] if x.flat[i] > 0 else 0.0
    return out, x


def relu_backward_naive(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """ReLU gradient one element at a time; same contract as :func:`relu_backward`."""
    x = cache
    _check_dout(dout, x.shape, "relu_backward")
    dx = np.empty_like(dout)
    for i in range(x.size):
        dx.flat[i] = dout.flat[i] if x.flat[i] > 0 else 0.0
    return dx


# -------------------------------------------------------------------------- sigmoid


def sigmoid_forward(x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Logistic sigmoid, elementwise, without overflow for large |x|.

    sigmoid(x) = 1 / (1 + exp(-x)), computed as exp(x) / (1 + exp(x)) for x < 0
    so that exp never sees a large positive argument.

    Args:
        x: input of any shape, floating point.

    Returns:
        out: same shape and dtype as ``x``, in [0, 1].
        cache: ``out`` (the gradient is written in terms of it).

    Torch equivalent: torch.sigmoid
    """
    _check_x(x, "sigmoid")
    e = np.exp(-np.abs(x))  # exp(-|x|) lies in (0, 1]: never overflows
    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)
    return out, out


def sigmoid_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """Gradient of sigmoid: dx = dout * s * (1 - s), with s = sigmoid(x) from the cache."""
    s = cache
    _check_dout(dout, s.shape, "sigmoid_backward")
    return dout * (1.0 - s) * s


def sigmoid_forward_naive(x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Sigmoid one element at a time; same contract as :func:`sigmoid_forward`."""
    _check_x(x, "sigmoid")
    out = np.empty_like(x)
    for i in range(x.size):
        v = float(x.flat[i])
        if v >= 0:
            out.flat[i] = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            out.flat[i] = e / (1.0 + e)
    return out, out


def sigmoid_backward_naive(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """Sigmoid gradient one element at a time; same contract as :func:`sigmoid_backward`."""
    s = cache
    _check_dout(dout, s.shape, "sigmoid_backward")
    dx = np.empty_like(dout)
    for i in range(s.size):
        dx.flat[i] = dout.flat[i] * (1.0 - s.flat[i]) * s.flat[i]
    return dx


# ----------------------------------------------------------------------------- tanh


def tanh_forward(x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Hyperbolic tangent, elementwise.

    Args:
        x: input of any shape, floating point.

    Returns:
        out: same shape and dtype as ``x``, in [-1, 1].
        cache: ``out``.

    Torch equivalent: torch.tanh
    """
    _check_x(x, "tanh")
    out = np.tanh(x)
    return out, out


def tanh_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """Gradient of tanh: dx = dout * (1 - t^2), with t = tanh(x) from the cache."""
    t = cache
    _check_dout(dout, t.shape, "tanh_backward")
    return dout * (1.0 - t * t)


def tanh_forward_naive(x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """tanh one element at a time; same contract as :func:`tanh_forward`."""
    _check_x(x, "tanh")
    out = np.empty_like(x)
    for i in range(x.size):
        out.flat[i] = math.tanh(x.flat[i])
    return out, out


def tanh_backward_naive(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """tanh gradient one element at a time; same contract as :func:`tanh_backward`."""
    t = cache
    _check_dout(dout, t.shape, "tanh_backward")
    dx = np.empty_like(dout)
    for i in range(t.size):
        dx.flat[i] = dout.flat[i] * (1.0 - t.flat[i] * t.flat[i])
    return dx


# ------------------------------------------------------------------------- softplus

SoftplusCache = Tuple[np.ndarray, float, float]


def _check_softplus_args(beta: float, threshold: float) -> None:
    if not isinstance(beta, Real) or isinstance(beta, bool) or not beta > 0:
        raise ValueError(f"softplus: beta must be a positive number, got {beta!r}")
    if not isinstance(threshold, Real) or isinstance(threshold, bool) or math.isnan(threshold):
        raise ValueError(f"softplus: threshold must be a number, got {threshold!r}")


def softplus_forward(
    x: np.ndarray, *, beta: float = 1.0, threshold: float = 20.0
) -> Tuple[np.ndarray, SoftplusCache]:
    """Softplus, a smooth ReLU, elementwise, with torch's linear regime above a threshold.

    softplus(x) = log(1 + exp(beta x)) / beta   where beta x <= threshold
                = x                             where beta x >  threshold

    exp only ever sees min(beta x, threshold), so x = 1000 or -1000 cannot overflow.

    Args:
        x: input of any shape, floating point.
        beta: sharpness (> 0); threshold: where the linear regime starts, as in torch.

    Returns:
        out: same shape and dtype as ``x``.
        cache: ``(x, beta, threshold)``.

    Torch equivalent: torch.nn.functional.softplus
    """
    _check_x(x, "softplus")
    _check_softplus_args(beta, threshold)
    z = x * beta
    smooth = np.log1p(np.exp(np.minimum(z, threshold))) / beta
    out = np.where(z > threshold, x, smooth).astype(x.dtype, copy=False)
    return out, (x, beta, threshold)


def softplus_backward(dout: np.ndarray, cache: SoftplusCache) -> np.ndarray:
    """Gradient of softplus: dx = dout * sigmoid(beta x), or dout in the linear regime.

    sigmoid(beta x) is written e / (1 + e) with e = exp(min(beta x, threshold)), as torch does.
    """
    x, beta, threshold = cache
    _check_dout(dout, x.shape, "softplus_backward")
    z = x * beta
    e = np.exp(np.minimum(z, threshold))
    return np.where(z > threshold, dout, dout * e / (e + 1.0))


def softplus_forward_naive(
    x: np.ndarray, *, beta: float = 1.0, threshold: float = 20.0
) -> Tuple[np.ndarray, SoftplusCache]:
    """Softplus one element at a time; same contract as :func:`softplus_forward`."""
    _check_x(x, "softplus")
    _check_softplus_args(beta, threshold)
    out = np.empty_like(x)
    for i in range(x.size):
        v = float(x.flat[i])
        out.flat[i] = v if v * beta > threshold else math.log1p(math.exp(v * beta)) / beta
    return out, (x, beta, threshold)


def softplus_backward_naive(dout: np.ndarray, cache: SoftplusCache) -> np.ndarray:
    """Softplus gradient one element at a time; same contract as :func:`softplus_backward`."""
    x, beta, threshold = cache
    _check_dout(dout, x.shape, "softplus_backward")
    dx = np.empty_like(dout)
    for i in range(x.size):
        v = float(x.flat[i])
        if v * beta > threshold:
            dx.flat[i] = dout.flat[i]
        else:
            e = math.exp(v * beta)
            dx.flat[i] = dout.flat[i] * e / (e + 1.0)
    return dx
