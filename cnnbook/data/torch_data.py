"""MNIST as torch datasets and data loaders (bundled sample by default)."""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from cnnbook.data.mnist import load_mnist, mnist_statistics


def mnist_dataset(split: str = "train", *, full: bool = False, normalize: bool = False) -> TensorDataset:
    """MNIST as a ``TensorDataset`` of (image, label) pairs.

    Args:
        split: "train" or "test".
        full: use the full dataset through torchvision instead of the bundled sample.
        normalize: subtract the training-set mean and divide by its standard deviation
            (statistics of the same source's training split); otherwise pixels are in [0, 1].

    Returns:
        A dataset whose items are (float32 (1, 28, 28), int64 scalar).
    """
    x, y = load_mnist(split, full=full)
    images = torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1)  # (N, 1, 28, 28)
    if normalize:
        if full:
            train_x = load_mnist("train", full=True)[0].astype(np.float64) / 255.0
            mean, std = float(train_x.mean()), float(train_x.std())
        else:
            mean, std = mnist_statistics()
        images = (images - mean) / std
    return TensorDataset(images, torch.from_numpy(y))


def mnist_loader(
    split: str = "train",
    *,
    batch_size: int = 64,
    shuffle: Optional[bool] = None,
    seed: int = 0,
    full: bool = False,
    normalize: bool = False,
) -> DataLoader:
    """A ``DataLoader`` over ``mnist_dataset``; shuffled (training split by default) with a seeded generator.

    Batches are (float32 (B, 1, 28, 28), int64 (B,)) on the CPU; move them with ``.to(device)``.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"mnist_loader: batch_size must be a positive int, got {batch_size!r}")
    if shuffle is None:
        shuffle = split == "train"
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        mnist_dataset(split, full=full, normalize=normalize),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=generator,
    )
