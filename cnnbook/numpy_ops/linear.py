"""Fully connected (affine) layer: forward/backward pair, naive and vectorised.

Layout as in ``torch.nn.Linear``: ``w`` is (out_features, in_features), so
out = x w^T + b. Only 2-D inputs x (N, in_features) are accepted; flatten any extra
leading dimensions first (torch also accepts (N, *, in_features)).
"""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from cnnbook.validation import require_float, require_ndim, require_shape

LinearCache = Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]


def _check_inputs(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray]) -> None:
    op = "linear"
    require_ndim(x, 2, "x", op=op, layout="(N, in_features)")
    require_float(x, "x", op=op)
    require_ndim(w, 2, "w", op=op, layout="(out_features, in_features)")
    require_float(w, "w", op=op)
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"{op}: w must have in_features = {x.shape[1]} columns to match x of shape "
            f"{tuple(x.shape)}, got w of shape {tuple(w.shape)}"
        )
    if b is not None:
        require_float(b, "b", op=op)
        require_shape(b, (w.shape[0],), "b", op=op)


def _check_dout(dout: np.ndarray, cache: LinearCache) -> None:
    x, w, _ = cache
    require_float(dout, "dout", op="linear_backward")
    require_shape(dout, (x.shape[0], w.shape[0]), "dout", op="linear_backward")


def linear_forward(
    x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray] = None
) -> Tuple[np.ndarray, LinearCache]:
    """Affine map of each row of ``x``.

    out[i, j] = sum_k x[i, k] w[j, k] + b[j],  i.e.  out = x w^T + b

    Args:
        x: (N, in_features).
        w: (out_features, in_features).
        b: (out_features,) or None.

    Returns:
        out: (N, out_features).
        cache: ``(x, w, b)``.

    Torch equivalent: torch.nn.functional.linear
    """
    _check_inputs(x, w, b)
    out = x @ w.T  # (N, in) @ (in, out) -> (N, out)
    if b is not None:
        out = out + b  # b broadcasts over the N rows
    return out, (x, w, b)


def linear_backward(
    dout: np.ndarray, cache: LinearCache
) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """Gradients of :func:`linear_forward`.

    dx = dout w,  dw = dout^T x,  db = sum_i dout[i, :]

    Args:
        dout: (N, out_features), upstream gradient.
        cache: from :func:`linear_forward`.

    Returns:
        dx: (N, in_features); dw: (out_features, in_features); db: (out_features,),
        or None when the forward pass had no bias.
    """
    _check_dout(dout, cache)
    x, w, b = cache
    dx = dout @ w  # (N, out) @ (out, in) -> (N, in)
    dw = dout.T @ x  # (out, N) @ (N, in) -> (out, in)
    db = dout.sum(axis=0) if b is not None else None
    return dx, dw, db


def linear_forward_naive(
    x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray] = None
) -> Tuple[np.ndarray, LinearCache]:
    """Affine layer with explicit loops over samples i and output features j.

    Same contract as :func:`linear_forward`.
    """
    _check_inputs(x, w, b)
    n, out_features = x.shape[0], w.shape[0]
    out = np.zeros((n, out_features), dtype=np.result_type(x, w))
    for i in range(n):
        for j in range(out_features):
            out[i, j] = np.dot(x[i], w[j]) + (b[j] if b is not None else 0.0)
    return out, (x, w, b)


def linear_backward_naive(
    dout: np.ndarray, cache: LinearCache
) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """Gradients of the affine layer, accumulated one (i, j) pair at a time.

    out[i, j] depends on row x[i], row w[j] and b[j], so dout[i, j] flows back to each:
    dx[i] += dout[i, j] w[j],  dw[j] += dout[i, j] x[i],  db[j] += dout[i, j].
    Same contract as :func:`linear_backward`.
    """
    _check_dout(dout, cache)
    x, w, b = cache
    dx = np.zeros(x.shape, dtype=np.result_type(dout, w))
    dw = np.zeros(w.shape, dtype=np.result_type(dout, x))
    db = np.zeros(w.shape[0], dtype=dout.dtype) if b is not None else None
    for i in range(x.shape[0]):
        for j in range(w.shape[0]):
            dx[i] += dout[i, j] * w[j]
            dw[j] += dout[i, j] * x[i]
            if db is not None:
                db[j] += dout[i, j]
    return dx, dw, db
