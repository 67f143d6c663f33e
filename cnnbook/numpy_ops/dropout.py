"""Inverted dropout, as in ``torch.nn.functional.dropout``.

In training mode each element is kept with probability 1 - p and scaled by 1 / (1 - p),
so the expected output equals the input and evaluation needs no rescaling; in eval mode
dropout is the identity. The random mask comes from an explicit NumPy Generator (pass
``rng``) or a seed (pass ``seed``), so a run can be reproduced. Torch's generator draws
different numbers, so the masks differ from torch's; the formula is the same.
"""

from __future__ import annotations

from numbers import Real
from typing import Optional, Tuple

import numpy as np

from cnnbook.validation import require_float, require_shape

# (mask, shape): mask = keep / (1 - p) of the shape of x, or None in eval mode
DropoutCache = Tuple[Optional[np.ndarray], Tuple[int, ...]]


def _check_args(
    x: np.ndarray, p: float, training: bool, seed: Optional[int], rng: Optional[np.random.Generator]
) -> None:
    op = "dropout"
    require_float(x, "x", op=op)
    if not isinstance(p, Real) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: p must be a probability in [0, 1], got {p!r}")
    if not isinstance(training, bool):
        raise ValueError(f"{op}: training must be True or False, got {training!r}")
    if seed is not None and rng is not None:
        raise ValueError(f"{op}: pass either seed or rng, not both (got seed={seed!r} and an rng)")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError(f"{op}: rng must be a numpy.random.Generator, got {type(rng).__name__}")


def _uniforms(
    shape: Tuple[int, ...], seed: Optional[int], rng: Optional[np.random.Generator]
) -> np.ndarray:
    """Uniform [0, 1) draws of ``shape`` from ``rng``, or from a Generator seeded with ``seed``
    (fresh, unseeded entropy when both are None)."""
    generator = rng if rng is not None else np.random.default_rng(seed)
    return generator.random(shape)


def dropout_forward(
    x: np.ndarray,
    p: float = 0.5,
    *,
    training: bool = True,
    seed: Optional[int] = None,
    rng: Optional[np.random.Generator] = None,
) -> Tuple[np.ndarray, DropoutCache]:
    """Zero each element with probability p and scale the survivors by 1 / (1 - p).

    out = x * mask,  mask = keep / (1 - p),  keep ~ Bernoulli(1 - p) elementwise
    (keep = [u >= p] for u ~ Uniform[0, 1)). p = 1 drops everything (out = 0), as in torch.

    Args:
        x: input of any shape, floating point.
        p: drop probability in [0, 1].
        training: if False, return a copy of ``x`` and draw nothing.
        seed: seed for a fresh ``np.random.default_rng``; or
        rng: a Generator to draw from (advanced by the call). At most one of the two.

    Returns:
        out: same shape and dtype as ``x``.
        cache: ``(mask, x.shape)``; mask is None in eval mode.

    Torch equivalent: torch.nn.functional.dropout
    """
    _check_args(x, p, training, seed, rng)
    if not training:
        return x.copy(), (None, x.shape)
    if p == 1.0:
        mask = np.zeros(x.shape, dtype=x.dtype)
    else:
        keep = _uniforms(x.shape, seed, rng) >= p  # (shape of x), True with probability 1 - p
        mask = keep.astype(x.dtype) / x.dtype.type(1.0 - p)
    return x * mask, (mask, x.shape)


def dropout_backward(dout: np.ndarray, cache: DropoutCache) -> np.ndarray:
    """Gradient of dropout: the same mask, dx = dout * mask (dx = dout in eval mode)."""
    mask, shape = cache
    require_float(dout, "dout", op="dropout_backward")
    require_shape(dout, shape, "dout", op="dropout_backward")
    return dout.copy() if mask is None else dout * mask


def dropout_forward_naive(
    x: np.ndarray,
    p: float = 0.5,
    *,
    training: bool = True,
    seed: Optional[int] = None,
    rng: Optional[np.random.Generator] = None,
) -> Tuple[np.ndarray, DropoutCache]:
    """Dropout one element at a time; same contract (and, for the same seed, the same
    mask) as :func:`dropout_forward`."""
    _check_args(x, p, training, seed, rng)
    if not training:
        return x.copy(), (None, x.shape)
    mask = np.zeros(x.shape, dtype=x.dtype)
    out = np.zeros_like(x)
    if p == 1.0:  # drop everything, as torch does (x * 0)
        return x * mask, (mask, x.shape)
    u = _uniforms(x.shape, seed, rng)
    scale = x.dtype.type(1.0) / x.dtype.type(1.0 - p)
    for i in range(x.size):
        if u.flat[i] >= p:  # keep this element and scale it up
            mask.flat[i] = scale
            out.flat[i] = x.flat[i] * scale
    return out, (mask, x.shape)


def dropout_backward_naive(dout: np.ndarray, cache: DropoutCache) -> np.ndarray:
    """Dropout gradient one element at a time; same contract as :func:`dropout_backward`."""
    mask, shape = cache
    require_float(dout, "dout", op="dropout_backward")
    require_shape(dout, shape, "dout", op="dropout_backward")
    dx = dout.copy()
    if mask is not None:
        for i in range(dx.size):
            dx.flat[i] = dout.flat[i] * mask.flat[i]
    return dx
