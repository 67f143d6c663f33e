"""Output-size and parameter-count arithmetic for convolution, pooling and linear layers.

All sizes follow PyTorch's formulas (``torch.nn.Conv2d``, ``MaxPool2d``,
``ConvTranspose2d``), one spatial axis at a time. The ``*_shape`` helpers apply the
same formula to an (H, W) pair. ``conv2d_multiply_count`` counts the work of a layer and
``receptive_field`` follows a stack of layers back to the input pixels it sees.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Tuple

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


def conv2d_multiply_count(
    in_channels: int,
    out_channels: int,
    kernel_size: IntPair,
    output_size: IntPair,
    *,
    groups: int = 1,
) -> int:
    """Number of multiplications of one ``Conv2d`` forward pass on one image.

    Each of the C_out * H_out * W_out output values is a dot product of length
    (C_in / groups) * KH * KW, so

        multiplications = C_out * (C_in / groups) * KH * KW * H_out * W_out

    (the same number of additions; the bias adds C_out * H_out * W_out more, not counted).
    Example: 128 filters of 3x3 on a 3-channel input giving a 5x5 output cost
    128 * 3 * 9 * 25 = 86,400 multiplications; the depthwise (groups=3, 3 -> 3) plus
    pointwise (1x1, 3 -> 128) pair costs 675 + 9,600.

    Args:
        in_channels, out_channels: C_in and C_out.
        kernel_size: K or (KH, KW).
        output_size: the output's spatial size, H_out or (H_out, W_out); see
            ``conv2d_output_shape``.
        groups: as in ``torch.nn.Conv2d``; must divide both channel counts.

    Returns:
        The multiplication count, an int (multiply-adds, "MACs"). FLOP counters such as
        ``torch.utils.flop_counter.FlopCounterMode`` report twice this number.

    Torch equivalent: ``FlopCounterMode`` around ``torch.nn.functional.conv2d``, divided by 2.
    """
    op = "conv2d_multiply_count"
    in_channels = positive_int(in_channels, "in_channels", op=op)
    out_channels = positive_int(out_channels, "out_channels", op=op)
    kh, kw = pair(kernel_size, "kernel_size", op=op)
    h_out, w_out = pair(output_size, "output_size", op=op)
    groups = positive_int(groups, "groups", op=op)
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}"
        )
    return out_channels * (in_channels // groups) * kh * kw * h_out * w_out


class LayerGeometry(NamedTuple):
    """The geometry of one sliding-window layer (a convolution or a pooling) along one axis.

    Fields as in ``torch.nn.Conv2d`` / ``MaxPool2d``: ``kernel_size`` K, ``stride`` S,
    ``dilation`` D, ``padding`` P. The channel counts do not matter for receptive fields.
    """

    kernel_size: int
    stride: int = 1
    dilation: int = 1
    padding: int = 0


class ReceptiveField(NamedTuple):
    """What one output position of a layer stack sees of the input, along one axis.

    size: r, the number of input pixels (from first to last) that can influence one output value.
    jump: j, the distance in input pixels between the windows of two neighbouring outputs.
    start: the input coordinate of the centre of the window of output position 0
        (negative when padding puts it outside the image); output i is centred at
        start + i * jump and covers [centre - (r - 1) / 2, centre + (r - 1) / 2].
    """

    size: int
    jump: int
    start: float


def _layer_geometry(layer: Any, index: int, op: str) -> LayerGeometry:
    """Turn an int K, a tuple (K[, S[, D[, P]]]) or a mapping with those keys into a LayerGeometry."""
    name = f"layers[{index}]"
    if isinstance(layer, Mapping):
        unknown = set(layer) - set(LayerGeometry._fields)
        if unknown or "kernel_size" not in layer:
            raise ValueError(
                f"{op}: {name} must have the key 'kernel_size' and optionally 'stride', 'dilation', "
                f"'padding', got keys {sorted(layer)}"
            )
        values = LayerGeometry(**layer)
    elif isinstance(layer, (tuple, list)) and 1 <= len(layer) <= 4:
        values = LayerGeometry(*layer)
    elif isinstance(layer, int) and not isinstance(layer, bool):
        values = LayerGeometry(layer)
    else:
        raise ValueError(
            f"{op}: {name} must be a kernel size, a tuple (kernel_size, stride, dilation, padding) "
            f"with the last three optional, or a dict with those keys, got {layer!r}"
        )
    return LayerGeometry(
        positive_int(values.kernel_size, f"{name}.kernel_size", op=op),
        positive_int(values.stride, f"{name}.stride", op=op),
        positive_int(values.dilation, f"{name}.dilation", op=op),
        _check_nonnegative_int(values.padding, f"{name}.padding", op),
    )


def receptive_field(layers: Iterable[Any]) -> ReceptiveField:
    """Receptive field, jump and start of the last layer of a stack, along one axis.

    Each layer is a sliding window: a convolution or a pooling. Give it as a
    ``LayerGeometry``, a tuple ``(kernel_size, stride, dilation, padding)`` whose last
    three entries are optional (defaults 1, 1, 0), a bare kernel size, or a dict with
    those keys. Start from one input pixel (r_0 = 1, j_0 = 1, start_0 = 0) and apply,
    for layer l = 1 .. L,

        r_l = r_{l-1} + D_l (K_l - 1) j_{l-1}
        j_l = j_{l-1} S_l
        start_l = start_{l-1} + (D_l (K_l - 1) / 2 - P_l) j_{l-1}

    so that r_L = 1 + sum_l D_l (K_l - 1) prod_{i<l} S_i: each layer widens the field by
    its own (dilated) kernel span, measured in steps of the jump it inherits from the
    strides below it. Padding shifts the windows but does not change r or j. For
    non-square layers, call it once per axis. An empty stack gives (1, 1, 0.0).

    Example: three 3x3 convolutions see 7 pixels; a 2x2 pooling with stride 2 after the
    first of them makes it 12, since the two convolutions above it step 2 pixels at a time.

    Torch equivalent: none; measure it by back-propagating from one output value of the
    stack and looking at where the input gradient is non-zero (all-ones weights).
    """
    op = "receptive_field"
    if isinstance(layers, (Mapping, str, bytes)) or not isinstance(layers, Iterable):
        raise ValueError(f"{op}: layers must be a sequence of layers, got {layers!r}")
    size, jump, start = 1, 1, 0.0
    for index, layer in enumerate(layers):
        k, s, d, p = _layer_geometry(layer, index, op)
        span = d * (k - 1)  # distance between the first and last tap of the dilated kernel
        start += (span / 2 - p) * jump
        size += span * jump
        jump *= s
    return ReceptiveField(size, jump, start)
