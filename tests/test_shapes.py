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
