"""Data for the book: bundled real data offline, the full datasets through torchvision online.

    load_mnist(split="train", *, full=False) -> (x uint8 (N, 28, 28), y int64 (N,))
    load_image(name) -> float32 (H, W, 3) in [0, 1]        # "cat", "coffee", "astronaut"
    mnist_dataset / mnist_loader                           # the same digits for torch
    load_fashion_mnist / load_cifar10                      # full sets, need a network once
    make_rings(n_per_class, *, noise, radii, seed)         # toy 2-D data: X (N, 2), y (N,)
    make_blobs(n_per_class, centers, *, std, seed)         # toy Gaussian blobs: X (N, D), y (N,)
"""

from cnnbook.data.bundled import ChecksumError, bundled_path
from cnnbook.data.images import IMAGES, load_image
from cnnbook.data.mnist import load_mnist, mnist_statistics
from cnnbook.data.online import (
    DatasetUnavailableError,
    data_root,
    load_cifar10,
    load_fashion_mnist,
    load_torchvision_dataset,
)
from cnnbook.data.synthetic import make_blobs, make_rings
from cnnbook.data.torch_data import mnist_dataset, mnist_loader

__all__ = [
    "ChecksumError",
    "DatasetUnavailableError",
    "IMAGES",
    "bundled_path",
    "data_root",
    "load_cifar10",
    "load_fashion_mnist",
    "load_image",
    "load_mnist",
    "load_torchvision_dataset",
    "make_blobs",
    "make_rings",
    "mnist_dataset",
    "mnist_loader",
    "mnist_statistics",
]
