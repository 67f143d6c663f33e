"""Numerical gradients by centred differences, and the relative error used to compare them.

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h)        error O(h^2)

Use float64 inputs: with float32 the rounding error of f swamps the O(h^2) term.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, *, h: float = 1e-6) -> np.ndarray:
    """Gradient of a scalar function by centred differences, one coordinate at a time.

    Args:
        f: maps an array shaped like ``x`` to a scalar. It is called 2 * x.size times.
        x: point to differentiate at (float array, any shape). Restored after each probe.
        h: step size.

    Returns:
        array shaped like ``x``: df/dx.
    """
    x = _require_float_array(x, "x", "numerical_gradient")
    if not h > 0:
        raise ValueError(f"numerical_gradient: h must be positive, got {h!r}")
    grad = np.zeros_like(x, dtype=np.float64)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)  # views into x and grad
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + h
        f_plus = float(f(x))
        flat_x[i] = original - h
        f_minus = float(f(x))
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, *, h: float = 1e-6
) -> np.ndarray:
    """Gradient of sum(f(x) * dout) w.r.t. x: checks a backward pass given an upstream gradient.

    Args:
        f: maps an array shaped like ``x`` to an array shaped like ``dout``.
        x: point to differentiate at.
        dout: upstream gradient dL/df(x).

    Returns:
        array shaped like ``x``: the vector-Jacobian product dout^T df/dx.
    """
    dout = np.asarray(dout, dtype=np.float64)
    return numerical_gradient(lambda z: float(np.sum(np.asarray(f(z)) * dout)), x, h=h)


def relative_error(a: np.ndarray, b: np.ndarray, *, eps: float = 1e-12) -> float:
    """max |a - b| / max(|a| + |b|, eps), elementwise, as a float.

    Around 1e-7 or smaller means the two agree for float64 centred differences; 1e-2 or
    larger means a bug.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))


def _require_float_array(x, name: str, op: str) -> np.ndarray:
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        got = getattr(x, "dtype", type(x).__name__)
        raise ValueError(f"{op}: {name} must be a float NumPy array (use float64), got {got}")
    return x
