"""Pick the device to compute on, in one place: CUDA GPU > Apple MPS > CPU.

Notebooks call ``get_device()`` once and print ``describe_device()``, so every chapter
runs on a GPU when there is one and says which device it used. In Colab, the setup cell
at the top of every notebook prints ``colab_report()``.
"""

from __future__ import annotations

from typing import Optional, Union

import torch

_COLAB_HINT = "on Colab: Runtime > Change runtime type > GPU"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def get_device(prefer: Optional[str] = None) -> torch.device:
    """The device to use: ``prefer`` if given, else cuda if available, else mps, else cpu.

    Args:
        prefer: None to choose automatically, or a device string such as "cpu",
            "cuda", "cuda:1" or "mps" to insist on one.

    Returns:
        A ``torch.device``.

    Raises:
        ValueError: if ``prefer`` is not a device name, or names a device this machine
            does not have.
    """
    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")

    try:
        device = torch.device(prefer)
    except (RuntimeError, TypeError) as error:
        raise ValueError(
            f"get_device: prefer must be None or a device name such as 'cpu', 'cuda', 'mps', got {prefer!r}"
        ) from error
    if device.type == "cpu":
        return device
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"get_device: {prefer!r} was requested but no CUDA GPU is available "
                f"({_COLAB_HINT}); use get_device() to fall back automatically"
            )
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise ValueError(
                f"get_device: {prefer!r} was requested but this machine has {count} CUDA device(s) "
                f"(indices 0..{count - 1})"
            )
        return device
    if device.type == "mps":
        if not _mps_available():
            raise ValueError(
                f"get_device: {prefer!r} was requested but Apple MPS is not available on this machine; "
                f"use get_device() to fall back automatically"
            )
        return device
    raise ValueError(f"get_device: prefer must be 'cpu', 'cuda' or 'mps', got {prefer!r}")


def describe_device(device: Optional[Union[str, torch.device]] = None) -> str:
    """One human-readable line naming the device, e.g. "Using device: cuda (NVIDIA H100)".

    Args:
        device: the device to describe; None describes ``get_device()``.

    Returns:
        The line, without a trailing newline; on a CPU it says how to get a GPU on Colab.
    """
    device = get_device() if device is None else torch.device(device)
    if device.type == "cuda":
        return f"Using device: {device} ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return f"Using device: {device} (Apple GPU via Metal)"
    if device.type == "cpu":
        if torch.cuda.is_available() or _mps_available():
            return f"Using device: {device} (a GPU is available; get_device() would pick it)"
        return f"Using device: {device} (no GPU found; {_COLAB_HINT})"
    return f"Using device: {device}"


# The second line colab_report prints on a CPU runtime: Colab's menu path to a GPU.
COLAB_GPU_HINT = "For a GPU: Runtime > Change runtime type > T4 GPU > Save, then Runtime > Run all."


def colab_report(device: Optional[Union[str, torch.device]] = None) -> str:
    """What the setup cell prints in Colab: the device, and on a CPU how to get a GPU.

    Args:
        device: the device to report; None reports ``get_device()``.

    Returns:
        One line naming the device (``describe_device``'s), or, on a runtime without a
        GPU, two lines: the device, then ``COLAB_GPU_HINT``. No trailing newline.
    """
    device = get_device() if device is None else torch.device(device)
    if device.type != "cpu" or torch.cuda.is_available() or _mps_available():
        return describe_device(device)
    return ("Using device: cpu (this Colab runtime has no GPU; the notebook runs on the CPU too)\n"
            + COLAB_GPU_HINT)
