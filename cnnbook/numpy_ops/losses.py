"""Softmax, log-softmax and the cross-entropy loss for classification.

All of them subtract the maximum before exponentiating, so logits like 1000 or -1000
neither overflow nor turn into NaN. ``cross_entropy_forward`` matches
``torch.nn.functional.cross_entropy`` with integer class targets and mean reduction
(no class weights, ``ignore_index`` or label smoothing).
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Tuple

import numpy as np

from cnnbook.validation import require_float, require_ndim

CrossEntropyCache = Tuple[np.ndarray, np.ndarray]


def _check_axis(x: np.ndarray, axis: int, op: str) -> None:
    require_float(x, "x", op=op)
    ndim = x.ndim
    if not isinstance(axis, Integral) or isinstance(axis, bool) or not -ndim <= axis < ndim:
        raise ValueError(
            f"{op}: axis must be an int in [{-ndim}, {ndim}) for x of shape "
            f"{tuple(x.shape)}, got {axis!r}"
        )


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Logarithm of the softmax along ``axis``, computed stably.

    log_softmax(x)_c = (x_c - m) - log sum_k exp(x_k - m),  with m = max_k x_k

    Args:
        x: floating-point array of any shape (at least 1-D).
        axis: the axis that holds the classes.

    Returns:
        Array of the shape and dtype of ``x``.

    Torch equivalent: torch.nn.functional.log_softmax
    """
    _check_axis(x, axis, "log_softmax")
    shifted = x - x.max(axis=axis, keepdims=True)  # largest entry becomes 0: exp <= 1
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, computed stably.

    softmax(x)_c = exp(x_c - m) / sum_k exp(x_k - m),  with m = max_k x_k

    Args:
        x: floating-point array of any shape (at least 1-D).
        axis: the axis that holds the classes.

    Returns:
        Array of the shape and dtype of ``x``; it sums to 1 along ``axis``.

    Torch equivalent: torch.nn.functional.softmax
    """
    _check_axis(x, axis, "softmax")
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _check_inputs(logits: np.ndarray, target: np.ndarray) -> None:
    op = "cross_entropy"
    require_ndim(logits, 2, "logits", op=op, layout="(N, C)")
    require_float(logits, "logits", op=op)
    n, c = logits.shape
    if n == 0 or c == 0:
        raise ValueError(f"{op}: logits must have N >= 1 rows and C >= 1 classes, got shape {(n, c)}")
    require_ndim(target, 1, "target", op=op, layout="(N,) of class indices")
    if getattr(target, "dtype", None) is None or target.dtype.kind not in "iu":
        raise ValueError(
            f"{op}: target must hold integer class indices, got dtype "
            f"{getattr(target, 'dtype', None)} (shape {tuple(target.shape)})"
        )
    if target.shape[0] != n:
        raise ValueError(
            f"{op}: target must have shape ({n},) to match logits of shape {(n, c)}, "
            f"got shape {tuple(target.shape)}"
        )
    low, high = int(target.min()), int(target.max())
    if low < 0 or high >= c:
        raise ValueError(
            f"{op}: target must hold class indices in [0, {c}) for logits of shape {(n, c)}, "
            f"got values in [{low}, {high}] (shape {tuple(target.shape)})"
        )


def _check_dloss(dloss: float) -> None:
    if isinstance(dloss, np.ndarray) and dloss.shape == ():
        dloss = dloss.item()
    if not isinstance(dloss, Real) or isinstance(dloss, bool) or not math.isfinite(dloss):
        shape = getattr(dloss, "shape", None)
        got = f"shape {tuple(shape)}" if shape is not None else repr(dloss)
        raise ValueError(f"cross_entropy_backward: dloss must be a finite scalar, got {got}")


def cross_entropy_forward(
    logits: np.ndarray, target: np.ndarray
) -> Tuple[np.floating, CrossEntropyCache]:
    """Mean cross-entropy between class scores and integer labels.

    loss = -(1/N) sum_i log softmax(logits_i)[target_i]

    Args:
        logits: (N, C) unnormalised class scores, floating point.
        target: (N,) integer class indices in [0, C).

    Returns:
        loss: scalar of the dtype of ``logits``.
        cache: ``(probs, target)`` with probs = softmax(logits) of shape (N, C).

    Torch equivalent: torch.nn.functional.cross_entropy(logits, target)
    """
    _check_inputs(logits, target)
    logp = log_softmax(logits, axis=1)  # (N, C)
    n = logits.shape[0]
    loss = -logp[np.arange(n), target].mean()
    return loss, (np.exp(logp), target)


def cross_entropy_backward(cache: CrossEntropyCache, dloss: float = 1.0) -> np.ndarray:
    """Gradient of the mean cross-entropy with respect to the logits.

    dlogits = (softmax(logits) - onehot(target)) / N * dloss

    Args:
        cache: from :func:`cross_entropy_forward`.
        dloss: upstream gradient of the scalar loss (1.0 when the loss is the output).

    Returns:
        dlogits: (N, C).
    """
    _check_dloss(dloss)
    probs, target = cache
    n = probs.shape[0]
    dlogits = probs.copy()  # (N, C)
    dlogits[np.arange(n), target] -= 1.0
    return dlogits * (float(dloss) / n)


def cross_entropy_forward_naive(
    logits: np.ndarray, target: np.ndarray
) -> Tuple[np.floating, CrossEntropyCache]:
    """Cross-entropy one sample (row) at a time; same contract as :func:`cross_entropy_forward`."""
    _check_inputs(logits, target)
    n, c = logits.shape
    probs = np.empty_like(logits)
    total = 0.0
    for i in range(n):
        m = max(logits[i, k] for k in range(c))
        log_z = m + math.log(sum(math.exp(logits[i, k] - m) for k in range(c)))
        for k in range(c):
            probs[i, k] = math.exp(logits[i, k] - log_z)
        total += log_z - logits[i, target[i]]  # -log p[i, target_i]
    return logits.dtype.type(total / n), (probs, target)


def cross_entropy_backward_naive(cache: CrossEntropyCache, dloss: float = 1.0) -> np.ndarray:
    """Cross-entropy gradient one entry at a time; same contract as :func:`cross_entropy_backward`."""
    _check_dloss(dloss)
    probs, target = cache
    n, c = probs.shape
    dlogits = np.empty_like(probs)
    for i in range(n):
        for k in range(c):
            onehot = 1.0 if k == target[i] else 0.0
            dlogits[i, k] = (probs[i, k] - onehot) / n * float(dloss)
    return dlogits
