"""Shape arithmetic against torch's layers as the oracle."""

import itertools

import pytest
import torch

from cnnbook import shapes

CONV_CASES = [
    # size, kernel, stride, padding, dilation
    (28, 3, 1, 0, 1),
    (28, 5, 1, 2, 1),
    (227, 11, 4, 0, 1),  # AlexNet conv1
    (7, 3, 2, 0, 1),
    (8, 3, 3, 1, 1),  # stride does not divide
    (10, 3, 1, 2, 2),
    (5, 5, 1, 0, 1),  # kernel as large as input
    (1, 1, 1, 0, 1),
    (9, 2, 4, 1, 3),
]


@pytest.mark.parametrize("size,kernel,stride,padding,dilation", CONV_CASES)
def test_conv2d_output_size_matches_torch(size, kernel, stride, padding, dilation):
    conv = torch.nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    expected = conv(torch.zeros(1, 1, size, size)).shape[-1]
    got = shapes.conv2d_output_size(size, kernel, stride=stride, padding=padding, dilation=dilation)
    assert got == expected


def test_conv2d_output_shape_with_pairs_matches_torch():
    conv = torch.nn.Conv2d(1, 1, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    expected = tuple(conv(torch.zeros(1, 1, 11, 9)).shape[-2:])
    got = shapes.conv2d_output_shape((11, 9), (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    assert got == expected


def test_strict_rejects_a_stride_that_does_not_divide():
    assert shapes.conv2d_output_size(7, 3, stride=2, strict=True) == 3  # (7 - 3) / 2 exact
    with pytest.raises(ValueError, match="stride 3 does not divide"):
        shapes.conv2d_output_size(8, 3, stride=3, strict=True)


@pytest.mark.parametrize(
    "size,kernel,stride,padding,ceil_mode",
    [(4, 2, 2, 0, False), (5, 2, 2, 0, False), (5, 2, 2, 0, True), (13, 3, 2, 0, False),
     (13, 3, 2, 1, True), (6, 3, 2, 1, True), (55, 3, 2, 0, False), (7, 3, None, 1, True)],
)
def test_pool2d_output_size_matches_torch(size, kernel, stride, padding, ceil_mode):
    pool = torch.nn.MaxPool2d(kernel, stride=stride, padding=padding, ceil_mode=ceil_mode)
    expected = pool(torch.zeros(1, 1, size, size)).shape[-1]
    got = shapes.pool2d_output_size(size, kernel, stride=stride, padding=padding, ceil_mode=ceil_mode)
    assert got == expected


@pytest.mark.parametrize(
    "size,kernel,stride,padding,output_padding,dilation",
    [(5, 3, 1, 0, 0, 1), (5, 3, 2, 1, 1, 1), (4, 4, 2, 1, 0, 1), (3, 2, 3, 0, 2, 1), (6, 3, 1, 2, 0, 2)],
)
def test_conv_transpose2d_output_size_matches_torch(size, kernel, stride, padding, output_padding, dilation):
    layer = torch.nn.ConvTranspose2d(1, 1, kernel, stride=stride, padding=padding,
                                     output_padding=output_padding, dilation=dilation)
    expected = layer(torch.zeros(1, 1, size, size)).shape[-1]
    got = shapes.conv_transpose2d_output_size(size, kernel, stride=stride, padding=padding,
                                              output_padding=output_padding, dilation=dilation)
    assert got == expected


@pytest.mark.parametrize(
    "cin,cout,kernel,groups,bias",
    [(3, 96, 11, 1, True), (64, 128, 3, 1, False), (32, 32, 3, 32, True), (16, 8, (3, 1), 4, True), (256, 64, 1, 1, True)],
)
def test_conv2d_parameter_count_matches_torch(cin, cout, kernel, groups, bias):
    layer = torch.nn.Conv2d(cin, cout, kernel, groups=groups, bias=bias)
    expected = sum(p.numel() for p in layer.parameters())
    assert shapes.conv2d_parameter_count(cin, cout, kernel, groups=groups, bias=bias) == expected


def test_alexnet_conv1_parameter_count_is_the_published_figure():
    # Published: 11 x 11 x 3 x 96 = 34,848 weights + 96 biases.
    assert shapes.conv2d_parameter_count(3, 96, 11, bias=False) == 34_848
    assert shapes.conv2d_parameter_count(3, 96, 11) == 34_848 + 96


@pytest.mark.parametrize("fin,fout,bias", list(itertools.product([1, 784], [10, 120], [True, False])))
def test_linear_parameter_count_matches_torch(fin, fout, bias):
    layer = torch.nn.Linear(fin, fout, bias=bias)
    assert shapes.linear_parameter_count(fin, fout, bias=bias) == sum(p.numel() for p in layer.parameters())


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: shapes.conv2d_output_size(0, 3), "size must be an int >= 1, got 0"),
        (lambda: shapes.conv2d_output_size(5, 7), "larger than the padded input"),
        (lambda: shapes.conv2d_output_size(5, 3, stride=0), "stride must be an int >= 1, got 0"),
        (lambda: shapes.conv2d_output_size(5, 3, padding=-1), "padding must be an int >= 0, got -1"),
        (lambda: shapes.conv2d_output_size(5.0, 3), "size must be an int"),
        (lambda: shapes.conv2d_output_shape((5, 5, 5), 3), r"size must be an int or a pair of ints \(h, w\), got \(5, 5, 5\)"),
        (lambda: shapes.pool2d_output_size(5, 2, padding=2), "padding must be at most half of kernel_size"),
        (lambda: shapes.conv_transpose2d_output_size(5, 3, stride=2, output_padding=2), "output_padding must be smaller"),
        (lambda: shapes.conv2d_parameter_count(3, 96, 11, groups=2), "groups=2 must divide in_channels=3"),
    ],
)
def test_bad_arguments_raise_value_errors_that_name_them(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- multiplication counts: torch's FLOP counter as the oracle --------------------------------

@pytest.mark.parametrize(
    "cin,cout,kernel,size,stride,padding,dilation,groups",
    [
        (3, 128, 3, 7, 1, 0, 1, 1),  # the depthwise-separable example: standard conv
        (3, 3, 3, 7, 1, 0, 1, 3),  # ... its depthwise half
        (3, 128, 1, 5, 1, 0, 1, 1),  # ... its pointwise half
        (3, 96, 11, 227, 4, 0, 1, 1),  # AlexNet conv1
        (8, 12, (3, 2), (9, 13), (2, 1), (1, 0), (1, 2), 4),  # non-square everything, groups
        (6, 4, 5, 10, 3, 2, 1, 2),  # stride that does not divide
    ],
)
def test_conv2d_multiply_count_is_half_of_torch_flop_count(cin, cout, kernel, size, stride, padding, dilation, groups):
    from torch.utils.flop_counter import FlopCounterMode

    height, width = (size, size) if isinstance(size, int) else size
    layer = torch.nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, dilation=dilation,
                            groups=groups, bias=False)
    x = torch.zeros(1, cin, height, width)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = layer(x)
    flops = counter.get_total_flops()  # torch counts a multiply-add as 2 FLOPs
    got = shapes.conv2d_multiply_count(cin, cout, kernel, tuple(out.shape[-2:]), groups=groups)
    assert 2 * got == flops


def test_depthwise_separable_example_counts():
    # 7x7x3 input, 3x3 kernels, 5x5x128 output: the numbers worked out by hand.
    assert shapes.conv2d_multiply_count(3, 128, 3, 5) == 128 * 3 * 3 * 3 * 5 * 5 == 86_400
    assert shapes.conv2d_multiply_count(3, 3, 3, 5, groups=3) == 3 * 3 * 3 * 5 * 5 == 675
    assert shapes.conv2d_multiply_count(3, 128, 1, 5) == 128 * 3 * 5 * 5 == 9_600


# --- receptive fields: the input-gradient footprint of a torch stack as the oracle --------------

def _conv(k, s=1, d=1, p=0):
    return ("conv", k, s, d, p)


def _pool(k, s=None, p=0):
    return ("pool", k, k if s is None else s, 1, p)


def _forward(stack, x):
    """Run a stack on x with all-ones conv weights and average pooling."""
    for kind, k, s, d, p in stack:
        if kind == "conv":
            x = torch.nn.functional.conv2d(x, torch.ones(1, 1, k, k, dtype=x.dtype),
                                           stride=s, padding=p, dilation=d)
        else:
            x = torch.nn.functional.avg_pool2d(x, k, stride=s, padding=p)
    return x


def _footprint(stack, size, row):
    """First and last input rows whose gradient is non-zero for output (row, row) of the stack
    (all-ones weights: every path adds a positive amount, so nothing cancels); the columns
    must give the same range."""
    x = torch.ones(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    y = _forward(stack, x)
    y[0, 0, row, row].backward()
    hit = x.grad[0, 0] != 0
    rows = torch.nonzero(hit.any(dim=1)).flatten()
    cols = torch.nonzero(hit.any(dim=0)).flatten()
    lo, hi = int(rows.min()), int(rows.max())
    assert (lo, hi) == (int(cols.min()), int(cols.max()))
    assert 0 < lo and hi < size - 1, "footprint touches the border: the oracle's input is too small"
    return lo, hi


RF_STACKS = {
    "one 3x3": [_conv(3)],
    "four 3x3": [_conv(3)] * 4,
    "stride 2 every other layer": [_conv(3, 2), _conv(3), _conv(3, 2), _conv(3)],
    "pooling between convolutions": [_conv(3), _pool(2), _conv(3), _conv(3), _pool(2), _conv(3)],
    "dilations 1, 2, 4, 8": [_conv(3, 1, 1), _conv(3, 1, 2), _conv(3, 1, 4), _conv(3, 1, 8)],
    "dilations 2, 2, 2 (holes)": [_conv(3, 1, 2)] * 3,
    "padding and overlapping pooling": [_conv(5, 1, 1, 2), _pool(3, 2, 1), _conv(3, 1, 2, 2), _conv(1)],
    "stride that does not divide": [_conv(4, 3), _conv(2, 2, 1, 1), _conv(3)],
    "AlexNet geometry": [_conv(11, 4), _pool(3, 2), _conv(5, 1, 1, 2), _pool(3, 2),
                         _conv(3, 1, 1, 1), _conv(3, 1, 1, 1), _conv(3, 1, 1, 1), _pool(3, 2)],
}


@pytest.mark.parametrize("stack", RF_STACKS.values(), ids=RF_STACKS.keys())
def test_receptive_field_matches_the_gradient_footprint(stack):
    got = shapes.receptive_field([(k, s, d, p) for _, k, s, d, p in stack])
    size = 2 * got.size + 8 * got.jump + 8  # big enough that the central outputs see no border
    out_size = _forward(stack, torch.zeros(1, 1, size, size, dtype=torch.float64)).shape[-1]
    row = out_size // 2  # two neighbouring output positions at the centre: row and row + 1
    lo, hi = _footprint(stack, size, row)
    lo_next, _ = _footprint(stack, size, row + 1)
    assert got.size == hi - lo + 1
    assert got.jump == lo_next - lo
    centre = (lo + hi) / 2
    assert got.start + row * got.jump == centre


@pytest.mark.parametrize("depth", [1, 2, 5, 50])
def test_receptive_field_closed_forms(depth):
    assert shapes.receptive_field([3] * depth).size == 2 * depth + 1  # each 3x3 adds 2 pixels
    dilated = [(3, 1, 2 ** i) for i in range(depth)]  # dilation doubles each layer
    assert shapes.receptive_field(dilated).size == 2 ** (depth + 1) - 1
    assert shapes.receptive_field([(2, 2)] * depth) == (2 ** depth, 2 ** depth, (2 ** depth - 1) / 2)


def test_receptive_field_accepts_each_way_of_writing_a_layer():
    expected = shapes.receptive_field([shapes.LayerGeometry(3, 2, 1, 1), shapes.LayerGeometry(5)])
    assert shapes.receptive_field([(3, 2, 1, 1), 5]) == expected
    assert shapes.receptive_field([[3, 2, 1, 1], (5,)]) == expected
    assert shapes.receptive_field(
        iter([{"kernel_size": 3, "stride": 2, "padding": 1}, {"kernel_size": 5}])) == expected
    assert shapes.receptive_field([]) == shapes.ReceptiveField(1, 1, 0.0)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: shapes.receptive_field([(3, 0)]), r"layers\[0\]\.stride must be an int >= 1, got 0"),
        (lambda: shapes.receptive_field([3, (3, 1, 1, -1)]), r"layers\[1\]\.padding must be an int >= 0, got -1"),
        (lambda: shapes.receptive_field([3.0]), r"layers\[0\] must be a kernel size"),
        (lambda: shapes.receptive_field([(3, 1, 1, 0, 0)]), r"layers\[0\] must be a kernel size"),
        (lambda: shapes.receptive_field([{"kernel": 3}]), r"layers\[0\] must have the key 'kernel_size'"),
        (lambda: shapes.receptive_field(3), "layers must be a sequence of layers, got 3"),
        (lambda: shapes.conv2d_multiply_count(3, 128, 3, 0), "output_size must be positive, got 0"),
        (lambda: shapes.conv2d_multiply_count(3, 128, 3, 5, groups=2), "conv2d_multiply_count: groups=2 must divide in_channels=3"),
    ],
)
def test_new_helpers_reject_bad_arguments_by_name(call, match):
    with pytest.raises(ValueError, match=match):
        call()
