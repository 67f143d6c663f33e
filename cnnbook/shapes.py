"""Output-size and parameter-count arithmetic for convolution, pooling and linear layers.

All sizes follow PyTorch's formulas (``torch.nn.Conv2d``, ``MaxPool2d``,
``ConvTranspose2d``), one spatial axis at a time. The ``*_shape`` helpers apply the
same formula to an (H, W) pair.
"""

from __future__ import annotations

import math
from typing import Tuple

from cnnbook.validation import IntPair, pair, positive_int


def _check_nonnegative_int(value, name: str, op: str) -> int:
    return positive_int(value, name, op=op, minimum=0)


def conv2d_output_size(
    size: int,
    kernel_size: int,
    *,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    strict: bool = False,
) -> int:
    """Output length of a convolution along one axis.

    O = floor((I + 2P - D (K - 1) - 1) / S) + 1

    Args:
        size: input length I.
        kernel_size: kernel length K.
        stride, padding, dilation: S, P, D as in ``torch.nn.Conv2d``.
        strict: if True, raise when the stride does not divide I + 2P - D (K - 1) - 1,
            i.e. when the last input rows/columns are silently dropped.

    Returns:
        O, an int >= 1.

    Torch equivalent: the shape rule of ``torch.nn.functional.conv2d``.
    """
    op = "conv2d_output_size"
    size = positive_int(size, "size", op=op)
    kernel_size = positive_int(kernel_size, "kernel_size", op=op)
    stride = positive_int(stride, "stride", op=op)
    padding = _check_nonnegative_int(padding, "padding", op)
    dilation = positive_int(dilation, "dilation", op=op)
    span = size + 2 * padding - dilation * (kernel_size - 1) - 1
    if span < 0:
        raise ValueError(
            f"{op}: effective kernel size {dilation * (kernel_size - 1) + 1} is larger than the "
            f"padded input {size + 2 * padding} (size={size}, padding={padding})"
        )
    if strict and span % stride != 0:
        raise ValueError(
            f"{op}: stride {stride} does not divide (I + 2P - D(K-1) - 1) = {span} "
            f"(size={size}, kernel_size={kernel_size}, padding={padding}, dilation={dilation}); "
            f"the last {span % stride} row(s)/column(s) of the padded input would be ignored"
        )
    return span // stride + 1


def conv2d_output_shape(
    size: IntPair,
    kernel_size: IntPair,
    *,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    strict: bool = False,
) -> Tuple[int, int]:
    """(H_out, W_out) of a 2-D convolution; each argument an int or an (h, w) pair."""
    op = "conv2d_output_shape"
    sizes = pair(size, "size", op=op)
    kernels = pair(kernel_size, "kernel_size", op=op)
    strides = pair(stride, "stride", op=op)
    paddings = pair(padding, "padding", op=op, minimum=0)
    dilations = pair(dilation, "dilation", op=op)
    return tuple(  # type: ignore[return-value]
        conv2d_output_size(sizes[i], kernels[i], stride=strides[i], padding=paddings[i],
                           dilation=dilations[i], strict=strict)
        for i in range(2)
    )


def pool2d_output_size(
    size: int,
    kernel_size: int,
    *,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Output length of max/average pooling along one axis.

    O = floor_or_ceil((I + 2P - D (K - 1) - 1) / S) + 1, with S = K when ``stride`` is None.
    With ``ceil_mode`` the last window may hang over the edge, but (as in PyTorch) it must
    start inside the input or the left padding.

    Torch equivalent: the shape rule of ``torch.nn.MaxPool2d``.
    """
    op = "pool2d_output_size"
    kernel_size = positive_int(kernel_size, "kernel_size", op=op)
    stride = kernel_size if stride is None else positive_int(stride, "stride", op=op)
    padding = _check_nonnegative_int(padding, "padding", op)
    if padding * 2 > kernel_size:
        raise ValueError(f"{op}: padding must be at most half of kernel_size {kernel_size}, got {padding}")
    if not ceil_mode:
        return conv2d_output_size(size, kernel_size, stride=stride, padding=padding, dilation=dilation)
    size = positive_int(size, "size", op=op)
    dilation = positive_int(dilation, "dilation", op=op)
    span = size + 2 * padding - dilation * (kernel_size - 1) - 1
    if span < 0:
        raise ValueError(f"{op}: kernel larger than the padded input (size={size}, padding={padding})")
    out = math.ceil(span / stride) + 1
    if (out - 1) * stride >= size + padding:  # last window would start in the right padding
        out -= 1
    return out


def conv_transpose2d_output_size(
    size: int,
    kernel_size: int,
    *,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> int:
    """Output length of a transposed convolution along one axis.

    O = (I - 1) S - 2P + D (K - 1) + output_padding + 1

    ``output_padding`` (< S or < D) picks one of the several input sizes that a strided
    convolution maps to the same output size.

    Torch equivalent: the shape rule of ``torch.nn.ConvTranspose2d``.
    """
    op = "conv_transpose2d_output_size"
    size = positive_int(size, "size", op=op)
    kernel_size = positive_int(kernel_size, "kernel_size", op=op)
    stride = positive_int(stride, "stride", op=op)
    padding = _check_nonnegative_int(padding, "padding", op)
    output_padding = _check_nonnegative_int(output_padding, "output_padding", op)
    dilation = positive_int(dilation, "dilation", op=op)
    if output_padding >= max(stride, dilation):
        raise ValueError(
            f"{op}: output_padding must be smaller than stride or dilation, got "
            f"output_padding={output_padding}, stride={stride}, dilation={dilation}"
        )
    out = (size - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1
    if out < 1:
        raise ValueError(f"{op}: the output would be empty ({out}); reduce padding={padding}")
    return out


def conv2d_parameter_count(
    in_channels: int,
    out_channels: int,
    kernel_size: IntPair,
    *,
    groups: int = 1,
    bias: bool = True,
) -> int:
    """Number of learnable parameters of a ``Conv2d`` layer.

    weights: C_out * (C_in / groups) * KH * KW, plus C_out biases when ``bias``.
    Example: AlexNet's conv1 (3 -> 96, 11x11) has 96 * 3 * 11 * 11 = 34,848 weights + 96 biases.
    """
    op = "conv2d_parameter_count"
    in_channels = positive_int(in_channels, "in_channels", op=op)
    out_channels = positive_int(out_channels, "out_channels", op=op)
    kh, kw = pair(kernel_size, "kernel_size", op=op)
    groups = positive_int(groups, "groups", op=op)
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}"
        )
    return out_channels * (in_channels // groups) * kh * kw + (out_channels if bias else 0)


def linear_parameter_count(in_features: int, out_features: int, *, bias: bool = True) -> int:
    """Number of learnable parameters of a ``Linear`` layer: out * in (+ out biases)."""
    op = "linear_parameter_count"
    in_features = positive_int(in_features, "in_features", op=op)
    out_features = positive_int(out_features, "out_features", op=op)
    return out_features * in_features + (out_features if bias else 0)
