"""Elementwise activations: ReLU, sigmoid, tanh, softplus, Leaky ReLU, ELU and GELU, each a
forward/backward pair.

Every forward returns ``(out, cache)`` and every backward takes ``(dout, cache)`` and
returns ``dx`` with the shape of ``x``. Inputs may have any shape. ReLU, sigmoid, tanh
and softplus also have ``*_naive`` variants that visit one element at a time (the
lesson); the plain names are vectorised (the tool). Both variants of a pair share the cache format, so they can be mixed.
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


# ----------------------------------------------------------------------- Leaky ReLU

LeakyReluCache = Tuple[np.ndarray, float]


def _check_number(value: float, name: str, op: str, *, positive: bool = False) -> None:
    """Raise unless ``value`` is a finite real number (and > 0 when ``positive``)."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or (positive and not value > 0):
        what = "a positive finite number" if positive else "a finite number"
        raise ValueError(f"{op}: {name} must be {what}, got {value!r}")


def leaky_relu_forward(
    x: np.ndarray, *, negative_slope: float = 0.01
) -> Tuple[np.ndarray, LeakyReluCache]:
    """Leaky ReLU, elementwise: a ReLU whose negative side keeps a small slope.

    leaky_relu(x) = x                     for x > 0
                  = negative_slope * x    for x <= 0

    Args:
        x: input of any shape, floating point.
        negative_slope: the slope for x <= 0 (0.01 as in torch; 0 gives ReLU).

    Returns:
        out: same shape and dtype as ``x``.
        cache: ``(x, negative_slope)``.

    Torch equivalent: torch.nn.functional.leaky_relu
    """
    _check_x(x, "leaky_relu")
    _check_number(negative_slope, "negative_slope", "leaky_relu")
    out = np.where(x > 0, x, x * negative_slope).astype(x.dtype, copy=False)
    return out, (x, negative_slope)


def leaky_relu_backward(dout: np.ndarray, cache: LeakyReluCache) -> np.ndarray:
    """Gradient of Leaky ReLU: dx = dout for x > 0, dout * negative_slope for x <= 0.

    At x = 0 the slope of the negative side is used, as in torch.
    """
    x, negative_slope = cache
    _check_dout(dout, x.shape, "leaky_relu_backward")
    return np.where(x > 0, dout, dout * negative_slope)


# ------------------------------------------------------------------------------ ELU

EluCache = Tuple[np.ndarray, float]


def elu_forward(x: np.ndarray, *, alpha: float = 1.0) -> Tuple[np.ndarray, EluCache]:
    """Exponential linear unit (Clevert et al., 2015), elementwise.

    elu(x) = x                        for x > 0
           = alpha * (exp(x) - 1)     for x <= 0

    The negative side saturates smoothly at -alpha. exp is only evaluated at min(x, 0),
    so a large positive x cannot overflow; ``expm1`` keeps small negative x accurate.

    Args:
        x: input of any shape, floating point.
        alpha: the value -alpha that elu approaches as x -> -inf (1.0 as in torch).

    Returns:
        out: same shape and dtype as ``x``.
        cache: ``(x, alpha)``.

    Torch equivalent: torch.nn.functional.elu
    """
    _check_x(x, "elu")
    _check_number(alpha, "alpha", "elu")
    negative = alpha * np.expm1(np.minimum(x, 0))
    out = np.where(x > 0, x, negative).astype(x.dtype, copy=False)
    return out, (x, alpha)


def elu_backward(dout: np.ndarray, cache: EluCache) -> np.ndarray:
    """Gradient of ELU: dx = dout for x > 0, dout * alpha * exp(x) for x <= 0 (alpha at 0)."""
    x, alpha = cache
    _check_dout(dout, x.shape, "elu_backward")
    return np.where(x > 0, dout, dout * alpha * np.exp(np.minimum(x, 0)))


# ----------------------------------------------------------------------------- GELU

GeluCache = Tuple[np.ndarray, str]
GELU_APPROXIMATIONS = ("none", "tanh")
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715
_erf = np.frompyfunc(math.erf, 1, 1)  # NumPy has no erf; math.erf is exact to double precision


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal distribution function."""
    return 0.5 * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    """phi(x) = exp(-x^2 / 2) / sqrt(2 pi), the standard normal density."""
    return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _check_approximate(approximate: str) -> None:
    if approximate not in GELU_APPROXIMATIONS:
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu_forward(x: np.ndarray, *, approximate: str = "none") -> Tuple[np.ndarray, GeluCache]:
    """Gaussian error linear unit (Hendrycks and Gimpel, 2016), elementwise.

    gelu(x) = x * Phi(x) = x / 2 * (1 + erf(x / sqrt 2))                 approximate="none"
            ~ x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3)))      approximate="tanh"

    Phi is the standard normal distribution function: the input is scaled by the
    probability that a standard normal variable falls below it.

    Args:
        x: input of any shape, floating point.
        approximate: "none" (the exact erf form) or "tanh", as in torch.

    Returns:
        out: same shape and dtype as ``x``.
        cache: ``(x, approximate)``.

    Torch equivalent: torch.nn.functional.gelu
    """
    _check_x(x, "gelu")
    _check_approximate(approximate)
    xd = x.astype(np.float64)  # erf through math.erf works in double precision
    if approximate == "none":
        out = xd * _normal_cdf(xd)
    else:
        out = 0.5 * xd * (1.0 + np.tanh(_SQRT_2_OVER_PI * (xd + _GELU_CUBIC * xd ** 3)))
    return out.astype(x.dtype, copy=False), (x, approximate)


def gelu_backward(dout: np.ndarray, cache: GeluCache) -> np.ndarray:
    """Gradient of GELU.

    exact:  d/dx [x Phi(x)] = Phi(x) + x phi(x)
    tanh:   with u = sqrt(2/pi) (x + 0.044715 x^3) and t = tanh(u),
            d/dx = (1 + t) / 2 + x / 2 * (1 - t^2) * sqrt(2/pi) * (1 + 3 * 0.044715 x^2)
    """
    x, approximate = cache
    _check_dout(dout, x.shape, "gelu_backward")
    xd = x.astype(np.float64)
    if approximate == "none":
        slope = _normal_cdf(xd) + xd * _normal_pdf(xd)
    else:
        t = np.tanh(_SQRT_2_OVER_PI * (xd + _GELU_CUBIC * xd ** 3))
        du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * xd * xd)
        slope = 0.5 * (1.0 + t) + 0.5 * xd * (1.0 - t * t) * du
    return (dout * slope).astype(np.result_type(dout, x), copy=False)
