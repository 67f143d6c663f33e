"""Locate the files bundled with the package and verify their SHA-256 before use."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

# Published checksums (see cnnbook/data/README.md for provenance and licences).
SHA256 = {
    "mnist_5k.npz": "f814240cf7e0d3cbaacc1a898905819a40ab46fb317a600d2a4b91a5c184c810",
    "chelsea.png": "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
    "coffee.png": "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
    "astronaut.png": "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
}


class ChecksumError(RuntimeError):
    """A bundled file does not match its published SHA-256 (damaged or replaced)."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=None)
def bundled_path(filename: str) -> Path:
    """Path of a bundled data file, after checking its SHA-256.

    Raises:
        ValueError: ``filename`` is not one of the bundled files.
        ChecksumError: the file on disk does not match its published checksum.
    """
    if filename not in SHA256:
        raise ValueError(f"bundled_path: filename must be one of {sorted(SHA256)}, got {filename!r}")
    path = Path(str(resources.files("cnnbook.data").joinpath(filename)))
    actual = sha256_of(path)
    if actual != SHA256[filename]:
        raise ChecksumError(
            f"bundled file {path} is damaged: SHA-256 {actual} != published {SHA256[filename]}; "
            "reinstall cnnbook (pip install --force-reinstall cnnbook)"
        )
    return path
