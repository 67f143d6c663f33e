"""pad2d and padding_indices against torch.nn.functional.pad and numpy.pad (float64)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from harness import assert_close, rng

from cnnbook.numpy_ops.padding import PADDING_MODES, pad2d, padding_indices

TORCH_MODES = {"zeros": "constant", "replicate": "replicate", "reflect": "reflect",
               "circular": "circular"}
NUMPY_MODES = {"zeros": "constant", "replicate": "edge", "reflect": "reflect",
               "symmetric": "symmetric", "circular": "wrap"}

SHAPES_AND_PADDINGS = [
    # (N, C, H, W), padding as given to pad2d, the same as (left, right, top, bottom)
    ((1, 1, 4, 4), 1, (1, 1, 1, 1)),
    ((2, 3, 5, 7), 2, (2, 2, 2, 2)),
    ((1, 2, 6, 3), (3, 2), (2, 2, 3, 3)),  # non-square input, (h, w) pair
    ((2, 1, 5, 6), (0, 3, 1, 4), (0, 3, 1, 4)),  # asymmetric 4-tuple, a zero side
    ((1, 1, 3, 8), (4, 0), (0, 0, 4, 4)),  # rows only; reflect does not fit (4 >= 3)
    ((1, 1, 2, 2), 0, (0, 0, 0, 0)),  # no padding at all
    ((1, 1, 3, 3), 3, (3, 3, 3, 3)),  # symmetric / circular up to the full size
]


def fits(mode, shape, lrtb):
    left, right, top, bottom = lrtb
    h, w = shape[-2:]
    if mode == "reflect":
        return max(top, bottom) < h and max(left, right) < w
    if mode in ("symmetric", "circular"):
        return max(top, bottom) <= h and max(left, right) <= w
    return True


def settings(modes):
    """Every (mode, shape, padding, lrtb) whose padding fits (the rest: bad-input tests)."""
    return [(mode, *row) for mode in modes for row in SHAPES_AND_PADDINGS if fits(mode, row[0], row[2])]


@pytest.mark.parametrize("mode, shape, padding, lrtb", settings(sorted(TORCH_MODES)))
def test_pad2d_matches_torch(mode, shape, padding, lrtb):
    x = rng(1).standard_normal(shape)
    expected = F.pad(torch.from_numpy(x), lrtb, mode=TORCH_MODES[mode])
    assert_close(pad2d(x, padding, mode), expected, name=f"pad2d {mode}")


@pytest.mark.parametrize("mode, shape, padding, lrtb", settings(PADDING_MODES))
def test_pad2d_matches_numpy_pad(mode, shape, padding, lrtb):
    x = rng(2).standard_normal(shape)
    left, right, top, bottom = lrtb
    expected = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode=NUMPY_MODES[mode])
    assert_close(pad2d(x, padding, mode), expected, name=f"pad2d {mode}")


def test_the_two_mirror_modes_on_a_labelled_row():
    # The classic picture: "dcb|abcd|cba" (reflect) and "cba|abcd|dcb" (symmetric).
    letters = np.array(list("abcd"))
    assert "".join(letters[padding_indices(4, 3, 3, "reflect")]) == "dcbabcdcba"
    assert "".join(letters[padding_indices(4, 3, 3, "symmetric")]) == "cbaabcddcb"
    assert "".join(letters[padding_indices(4, 2, 2, "circular")]) == "cdabcdab"
    assert "".join(letters[padding_indices(4, 2, 2, "replicate")]) == "aaabcddd"
    assert list(padding_indices(4, 2, 1, "zeros")) == [-1, -1, 0, 1, 2, 3, -1]


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.uint8])
def test_pad2d_keeps_the_dtype(dtype):
    x = np.arange(12).reshape(1, 1, 3, 4).astype(dtype)
    for mode in PADDING_MODES:
        out = pad2d(x, 2, mode)
        assert out.dtype == x.dtype and out.shape == (1, 1, 7, 8)
    assert np.all(pad2d(x, 2, "zeros")[0, 0, :2] == 0)


def test_pad2d_does_not_modify_or_alias_its_input():
    x = rng(3).standard_normal((1, 2, 4, 5))
    before = x.copy()
    for mode in PADDING_MODES:
        out = pad2d(x, 1, mode)
        out[...] = 7.0
        np.testing.assert_array_equal(x, before)


def test_padding_then_valid_conv_equals_conv2d_padding_mode():
    """pad2d + a valid convolution is what nn.Conv2d(padding_mode=...) computes."""
    x = rng(4).standard_normal((2, 3, 6, 7))
    for mode in ("zeros", "reflect", "replicate", "circular"):
        conv = torch.nn.Conv2d(3, 2, (3, 2), padding=(2, 1), padding_mode=mode).double()
        expected = conv(torch.from_numpy(x))
        got = F.conv2d(torch.from_numpy(pad2d(x, (2, 1), mode)), conv.weight, conv.bias)
        assert_close(got, expected, name=f"padding_mode={mode}")


@pytest.mark.parametrize("mode, lrtb, shape, torch_fails", [
    ("reflect", (3, 3, 0, 0), (1, 1, 2, 3), True),  # padding == width
    ("reflect", (0, 0, 2, 2), (1, 1, 2, 3), True),  # padding == height
    ("reflect", (5, 0, 0, 0), (1, 1, 4, 4), True),
    ("circular", (4, 4, 0, 0), (1, 1, 2, 3), True),  # would wrap around twice
    ("symmetric", (0, 0, 3, 0), (1, 1, 2, 5), False),  # torch has no symmetric mode
])
def test_too_much_mirror_padding_raises_like_torch(mode, lrtb, shape, torch_fails):
    x = np.zeros(shape)
    if torch_fails:
        with pytest.raises(RuntimeError):
            F.pad(torch.from_numpy(x), lrtb, mode=mode)
    with pytest.raises(ValueError, match=rf"pad2d: {mode} padding must be .* the input's "
                                         r"(width W|height H)=\d, got .* for x of shape"):
        pad2d(x, lrtb, mode)


def test_reflect_message_names_the_axis_and_sizes():
    with pytest.raises(ValueError) as info:
        pad2d(np.zeros((1, 1, 2, 3)), (3, 3, 0, 0), "reflect")
    assert str(info.value) == ("pad2d: reflect padding must be smaller than the input's width "
                               "W=3, got left=3, right=3 for x of shape (1, 1, 2, 3)")


@pytest.mark.parametrize("x, padding, mode, message", [
    (np.zeros((3, 4, 4)), 1, "zeros", r"x must be 4-D \(N, C, H, W\), got shape \(3, 4, 4\)"),
    ([[1.0, 2.0]], 1, "zeros", "x must be an array of shape"),
    (np.zeros((1, 1, 4, 4)), 1, "constant", r"mode must be one of \('zeros', 'replicate'"),
    (np.zeros((1, 1, 4, 4)), 1, "mirror", "mode must be one of"),
    (np.zeros((1, 1, 4, 4)), -1, "zeros", "padding must be non-negative, got -1"),
    (np.zeros((1, 1, 4, 4)), (1, -2), "zeros", r"padding must be non-negative, got \(1, -2\)"),
    (np.zeros((1, 1, 4, 4)), (1, 2, 3), "zeros", r"padding must be an int, an \(h, w\) pair"),
    (np.zeros((1, 1, 4, 4)), 1.5, "zeros", "padding must be an int"),
    (np.zeros((1, 1, 4, 4)), True, "zeros", "padding must be an int"),
    (np.zeros((1, 1, 0, 4)), 1, "replicate", r"x must have a non-empty \(H, W\), got shape \(1, 1, 0, 4\)"),
])
def test_bad_input_is_rejected_with_a_clear_message(x, padding, mode, message):
    with pytest.raises(ValueError, match="pad2d: " + message):
        pad2d(x, padding, mode)


@pytest.mark.parametrize("args, message", [
    ((0, 1, 1, "zeros"), "size must be an int >= 1, got 0"),
    ((4, -1, 1, "zeros"), "before must be an int >= 0, got -1"),
    ((4, 1, 2.0, "zeros"), "after must be an int >= 0, got 2.0"),
    ((4, 1, 1, "wrap"), "mode must be one of"),
    ((4, 4, 0, "reflect"), r"reflect padding must be smaller than the input's size 4, got padding \(4, 0\)"),
    ((4, 0, 5, "symmetric"), r"symmetric padding must be at most the input's size 4"),
])
def test_padding_indices_bad_input(args, message):
    with pytest.raises(ValueError, match="padding_indices: " + message):
        padding_indices(*args)
