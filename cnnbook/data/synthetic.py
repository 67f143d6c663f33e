"""Small synthetic data sets for the recap chapter: concentric rings and Gaussian blobs.

    make_rings(n_per_class, *, noise=0.1, radii=(1.0, 2.0), seed=0) -> (X (N, 2), y (N,))
    make_blobs(n_per_class, centers, *, std=1.0, seed=0)            -> (X (N, D), y (N,))

Both return float64 points and int64 labels 0 .. K - 1, ``n_per_class`` points per class,
shuffled with ``np.random.default_rng(seed)``, so the same arguments give the same data on
every machine. They are generated, never downloaded.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Sequence, Tuple

import numpy as np

from cnnbook.validation import positive_int


def _non_negative(value, name: str, *, op: str) -> float:
    if not isinstance(value, Real) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{op}: {name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _shuffled(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(y))
    return x[order], y[order]


def make_rings(
    n_per_class: int,
    *,
    noise: float = 0.1,
    radii: Sequence[float] = (1.0, 2.0),
    seed: int = 0,
) -> Tuple[np.ndarray, np.ndarray]:
    """Concentric rings in the plane, one per class: a data set no straight line separates.

    Class k has ``n_per_class`` points at angles drawn uniformly from [0, 2 pi) and at
    distances ``radii[k] + noise * e`` from the origin, with e standard normal:

        x = (r cos(phi), r sin(phi)),  r = radii[k] + noise * e,  label k

    Args:
        n_per_class: points per ring (>= 1).
        noise: standard deviation of the radial noise (>= 0); 0 puts every point exactly
            on its circle.
        radii: the rings' radii, one per class, each > 0 and strictly increasing
            (class 0 is the innermost ring). Two radii make a binary problem.
        seed: seed of ``np.random.default_rng``.

    Returns:
        X: (N, 2) float64 with N = n_per_class * len(radii).
        y: (N,) int64 class labels, shuffled together with X.

    Similar to: sklearn.datasets.make_circles (two classes, a scale factor instead of radii).
    """
    op = "make_rings"
    n = positive_int(n_per_class, "n_per_class", op=op)
    noise = _non_negative(noise, "noise", op=op)
    try:
        radii = [float(r) for r in radii]
    except (TypeError, ValueError):
        raise ValueError(f"{op}: radii must be a sequence of numbers, got {radii!r}") from None
    if (len(radii) < 2 or not all(math.isfinite(r) and r > 0 for r in radii)
            or any(b <= a for a, b in zip(radii, radii[1:]))):
        raise ValueError(
            f"{op}: radii must hold at least 2 positive, strictly increasing numbers "
            f"(one per class), got {radii!r}"
        )
    rng = np.random.default_rng(seed)
    points, labels = [], []
    for label, radius in enumerate(radii):
        angle = rng.uniform(0.0, 2.0 * np.pi, size=n)  # (n,)
        r = radius + noise * rng.standard_normal(n)  # (n,)
        points.append(np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1))  # (n, 2)
        labels.append(np.full(n, label, dtype=np.int64))
    return _shuffled(np.concatenate(points), np.concatenate(labels), rng)


def make_blobs(
    n_per_class: int,
    centers: np.ndarray,
    *,
    std: float = 1.0,
    seed: int = 0,
) -> Tuple[np.ndarray, np.ndarray]:
    """Gaussian clouds of points, one per class, around given centres.

    Class k has ``n_per_class`` points ``centers[k] + std * e`` with e standard normal in D
    dimensions.

    Args:
        n_per_class: points per class (>= 1).
        centers: (K, D) array-like of class centres, K >= 1, D >= 1.
        std: standard deviation of every coordinate (>= 0).
        seed: seed of ``np.random.default_rng``.

    Returns:
        X: (N, D) float64 with N = n_per_class * K.
        y: (N,) int64 class labels in [0, K), shuffled together with X.

    Similar to: sklearn.datasets.make_blobs.
    """
    op = "make_blobs"
    n = positive_int(n_per_class, "n_per_class", op=op)
    std = _non_negative(std, "std", op=op)
    try:
        centers = np.array(centers, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{op}: centers must be a (K, D) array of numbers, got {centers!r}") from None
    if centers.ndim != 2 or centers.size == 0 or not np.all(np.isfinite(centers)):
        raise ValueError(
            f"{op}: centers must be a non-empty 2-D array (K, D) of finite numbers, "
            f"got shape {centers.shape}"
        )
    rng = np.random.default_rng(seed)
    k, d = centers.shape
    x = centers[:, None, :] + std * rng.standard_normal((k, n, d))  # (K, n, D)
    y = np.repeat(np.arange(k, dtype=np.int64), n)  # (K * n,)
    return _shuffled(x.reshape(k * n, d), y, rng)
