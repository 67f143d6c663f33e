"""Checks that only the torch half needs: is it a tensor, does it sit with ``x``.

Shape and size checks live in :mod:`cnnbook.validation`, shared with the NumPy half;
these add what a NumPy array does not have (a device) and catch a NumPy array passed
where a tensor is expected, before torch raises an error from deep inside an op.
"""

from __future__ import annotations

from typing import Any, Optional

import torch


def require_tensor(value: Any, name: str, *, op: str, like: Optional[torch.Tensor] = None) -> None:
    """Raise unless ``value`` is a tensor (with the dtype and device of ``like``, if given)."""
    if not isinstance(value, torch.Tensor):
        raise ValueError(f"{op}: {name} must be a torch.Tensor, got {type(value).__name__}")
    if like is None:
        return
    if value.dtype != like.dtype:
        raise ValueError(f"{op}: {name} must have the dtype of x ({like.dtype}), got {value.dtype}")
    if value.device != like.device:
        raise ValueError(f"{op}: {name} must be on the device of x ({like.device}), got {value.device}")
