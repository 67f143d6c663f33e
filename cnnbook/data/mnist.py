"""MNIST: the bundled 5,000-digit sample (offline default) or the full set via torchvision.

The bundled sample has exactly 500 digits per class. ``load_mnist`` splits it into a
deterministic, stratified 4,000 / 1,000 train / test split: 400 + 100 digits per class,
chosen by a fixed seed, so every run and every machine sees the same split.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Tuple

import numpy as np

from cnnbook.data.bundled import bundled_path

SPLITS = ("train", "test")
TRAIN_PER_CLASS = 400  # of 500 per class: 400 train, 100 test
SPLIT_SEED = 2012  # fixed forever: changing it changes every number in the book


def _check_split(split: str, op: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"{op}: split must be 'train' or 'test', got {split!r}")


@lru_cache(maxsize=1)
def _bundled_split() -> dict:
    with np.load(bundled_path("mnist_5k.npz")) as archive:
        x, y = archive["x"], archive["y"].astype(np.int64)
    rng = np.random.default_rng(SPLIT_SEED)
    train_idx, test_idx = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(y == digit))
        train_idx.append(members[:TRAIN_PER_CLASS])
        test_idx.append(members[TRAIN_PER_CLASS:])
    # Mix the classes (a sorted training set would be a bad default for SGD).
    train = rng.permutation(np.concatenate(train_idx))
    test = rng.permutation(np.concatenate(test_idx))
    return {"train": (x[train], y[train]), "test": (x[test], y[test])}


def load_mnist(split: str = "train", *, full: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """MNIST digits as NumPy arrays.

    Args:
        split: "train" or "test".
        full: False (default) gives the bundled sample, split 4,000 / 1,000, offline.
            True downloads the full 60,000 / 10,000 set through torchvision (needs a network
            the first time; offline it fails within seconds, naming the bundled default).

    Returns:
        x: uint8 (N, 28, 28), values 0..255.
        y: int64 (N,), labels 0..9.
    """
    _check_split(split, "load_mnist")
    if full:
        from cnnbook.data.online import load_torchvision_dataset

        return load_torchvision_dataset("mnist", split)
    x, y = _bundled_split()[split]
    return x.copy(), y.copy()


def mnist_statistics() -> Tuple[float, float]:
    """Mean and standard deviation of the bundled training pixels scaled to [0, 1]."""
    x, _ = load_mnist("train")
    scaled = x.astype(np.float64) / 255.0
    return float(scaled.mean()), float(scaled.std())
