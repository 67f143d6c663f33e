"""Input validation shared by the NumPy and torch halves of the package.

Every public op checks its arguments with these helpers, so a mistake produces one
kind of message everywhere: a ``ValueError`` that names the argument, what it got and
what was expected, e.g.::

    ValueError: conv2d: x must be 4-D (N, C, H, W), got shape (3, 32, 32)

The helpers only look at ``.shape`` / ``.ndim``, so they accept NumPy arrays and torch
tensors alike.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any, Sequence, Tuple, Union

IntPair = Union[int, Tuple[int, int]]


def pair(value: Any, name: str, *, op: str, minimum: int = 1) -> Tuple[int, int]:
    """Turn an int or an (h, w) pair into a pair of ints, each at least ``minimum``.

    >>> pair(3, "kernel_size", op="max_pool2d")
    (3, 3)
    """
    if isinstance(value, Integral) and not isinstance(value, bool):
        values = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, Integral) and not isinstance(v, bool) for v in value)
    ):
        values = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints (h, w), got {value!r}")
    if min(values) < minimum:
        bound = "positive" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{op}: {name} must be {bound}, got {value!r}")
    return values


def positive_int(value: Any, name: str, *, op: str, minimum: int = 1) -> int:
    """Check that ``value`` is an int of at least ``minimum`` and return it."""
    if not isinstance(value, Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{op}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def require_ndim(array: Any, ndim: int, name: str, *, op: str, layout: str) -> None:
    """Raise unless ``array`` has ``ndim`` dimensions; ``layout`` reads like "(N, C, H, W)"."""
    shape = tuple(getattr(array, "shape", ()))
    if not hasattr(array, "shape"):
        raise ValueError(f"{op}: {name} must be an array of shape {layout}, got {type(array).__name__}")
    if len(shape) != ndim:
        raise ValueError(f"{op}: {name} must be {ndim}-D {layout}, got shape {shape}")


def require_shape(array: Any, expected: Sequence[int], name: str, *, op: str) -> None:
    """Raise unless ``array.shape`` equals ``expected`` exactly."""
    shape = tuple(getattr(array, "shape", ()))
    if shape != tuple(expected):
        raise ValueError(f"{op}: {name} must have shape {tuple(expected)}, got shape {shape}")


def require_float(array: Any, name: str, *, op: str) -> None:
    """Raise unless ``array`` holds floating-point numbers (NumPy or torch)."""
    dtype = getattr(array, "dtype", None)
    is_float = getattr(dtype, "is_floating_point", None)
    if is_float is None:  # NumPy dtype
        kind = getattr(dtype, "kind", None)
        is_float = kind == "f"
    if not is_float:
        raise ValueError(f"{op}: {name} must be a floating-point array, got dtype {dtype}")


def require_window_fits(
    padded: Tuple[int, int],
    window: Tuple[int, int],
    *,
    op: str,
    input_shape: Sequence[int],
    what: str = "kernel",
) -> None:
    """Raise when a (dilated) window is larger than the padded input.

    ``padded`` is (H + 2 PH, W + 2 PW); ``window`` is the effective window size
    (D (K - 1) + 1 per axis).
    """
    if window[0] > padded[0] or window[1] > padded[1]:
        raise ValueError(
            f"{op}: effective {what} size {window} is larger than the padded input "
            f"{padded} (input shape {tuple(input_shape)}); expected a {what} of at most {padded}"
        )


def pool2d_arguments(
    x_shape: Sequence[int], kernel_size: Any, stride: Any, padding: Any, *, op: str
) -> Tuple[Tuple[int, int], Tuple[int, int], Tuple[int, int]]:
    """Check the window arguments of max/average pooling on an (N, C, H, W) input.

    Returns (kernel, stride, padding) as (h, w) pairs; stride None means the kernel size.
    As in torch, padding may be at most half the kernel, and the window must fit the
    padded input.
    """
    kernel = pair(kernel_size, "kernel_size", op=op)
    strides = kernel if stride is None else pair(stride, "stride", op=op)
    paddings = pair(padding, "padding", op=op, minimum=0)
    if 2 * paddings[0] > kernel[0] or 2 * paddings[1] > kernel[1]:
        raise ValueError(f"{op}: padding must be at most half of kernel_size {kernel}, got padding {paddings}")
    h, w = x_shape[-2:]
    require_window_fits((h + 2 * paddings[0], w + 2 * paddings[1]), kernel, op=op, input_shape=x_shape)
    return kernel, strides, paddings
