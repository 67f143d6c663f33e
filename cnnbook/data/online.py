"""The full datasets through torchvision: real code that needs a network the first time.

Offline, asking for a dataset that is not already on disk fails within a few seconds
with a ``DatasetUnavailableError`` naming the bundled default, instead of hanging in a
download. Files go to ``$CNNBOOK_DATA`` (default ``~/.cache/cnnbook``).
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Tuple
from urllib.parse import urlparse

import numpy as np

CONNECT_TIMEOUT_S = 3.0
DATASETS = ("mnist", "fashion_mnist", "cifar10")


class DatasetUnavailableError(RuntimeError):
    """The full dataset is not on disk and cannot be downloaded (no network)."""


def data_root() -> Path:
    """Folder for downloaded datasets: ``$CNNBOOK_DATA`` or ``~/.cache/cnnbook``."""
    return Path(os.environ.get("CNNBOOK_DATA", Path.home() / ".cache" / "cnnbook"))


def _dataset_class(name: str):
    from torchvision import datasets

    return {"mnist": datasets.MNIST, "fashion_mnist": datasets.FashionMNIST, "cifar10": datasets.CIFAR10}[name]


def _download_hosts(cls) -> list:
    urls = list(getattr(cls, "mirrors", [])) or [getattr(cls, "url", "")]
    return [urlparse(url).hostname for url in urls if urlparse(url).hostname]


def _reachable(host: str, timeout: float = CONNECT_TIMEOUT_S) -> bool:
    """Whether a TCP connection to ``host``:443 opens within ``timeout`` seconds.

    The attempt runs in a daemon thread, so a hanging DNS lookup cannot stretch the wait.
    """
    opened = threading.Event()

    def attempt() -> None:
        try:
            with socket.create_connection((host, 443), timeout=timeout):
                opened.set()
        except OSError:
            pass

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout)
    return opened.is_set()


def _unavailable_message(name: str, hosts: list) -> str:
    return (
        f"The full {name} dataset is not in {data_root()} and cannot be downloaded: "
        f"no connection to {', '.join(hosts) or 'its download server'}. "
        "Offline, use the bundled default instead: cnnbook.data.load_mnist(split) "
        "(5,000 real MNIST digits, split 4,000 / 1,000), or run where the network is available "
        "(Colab, a laptop online) to download it once."
    )


def load_torchvision_dataset(name: str, split: str) -> Tuple[np.ndarray, np.ndarray]:
    """A full dataset as NumPy arrays, downloading it through torchvision if needed.

    Args:
        name: "mnist", "fashion_mnist" or "cifar10".
        split: "train" or "test".

    Returns:
        x: uint8, (N, 28, 28) for (Fashion-)MNIST, (N, 32, 32, 3) for CIFAR-10.
        y: int64 (N,).

    Raises:
        DatasetUnavailableError: not on disk and the download server cannot be reached.
    """
    if name not in DATASETS:
        raise ValueError(f"load_torchvision_dataset: name must be one of {DATASETS}, got {name!r}")
    if split not in ("train", "test"):
        raise ValueError(f"load_torchvision_dataset: split must be 'train' or 'test', got {split!r}")
    cls = _dataset_class(name)
    root = data_root()
    train = split == "train"
    try:  # already downloaded: no network needed
        dataset = cls(str(root), train=train, download=False)
    except RuntimeError:
        hosts = _download_hosts(cls)
        if not any(_reachable(host) for host in hosts[:2]):
            raise DatasetUnavailableError(_unavailable_message(name, hosts)) from None
        dataset = cls(str(root), train=train, download=True)
    x = np.asarray(dataset.data)
    y = np.asarray(dataset.targets, dtype=np.int64)
    return x.astype(np.uint8), y


def load_fashion_mnist(split: str = "train") -> Tuple[np.ndarray, np.ndarray]:
    """Full Fashion-MNIST (60,000 / 10,000 images, uint8 (N, 28, 28)) through torchvision."""
    return load_torchvision_dataset("fashion_mnist", split)


def load_cifar10(split: str = "train") -> Tuple[np.ndarray, np.ndarray]:
    """Full CIFAR-10 (50,000 / 10,000 images, uint8 (N, 32, 32, 3)) through torchvision."""
    return load_torchvision_dataset("cifar10", split)
