"""NumPy convolution (naive and fast) and im2col/col2im, checked against torch.

Forward values and dx/dw/db against torch.nn.functional.conv2d with autograd in float64 to
1e-10, over awkward geometries; every backward also against centred differences; im2col and
col2im against torch's unfold/fold and against each other (adjoint); bad inputs rejected with
a message that names the argument and what it got.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.gradcheck import numerical_gradient
from cnnbook.numpy_ops.conv import (
    Conv2dCache,
    col2im,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
    im2col,
)
from harness import assert_close, rng, torch_leaf

VARIANTS = {
    "fast": (conv2d_forward, conv2d_backward),
    "naive": (conv2d_forward_naive, conv2d_backward_naive),
}

# id: (x shape, w shape, bias?, keyword arguments)
CASES = {
    "basic": ((2, 3, 7, 7), (4, 3, 3, 3), True, {}),
    "batch1_padding": ((1, 3, 5, 6), (2, 3, 3, 3), True, dict(padding=1)),
    "kernel_2x3_pairs": ((2, 2, 7, 9), (3, 2, 2, 3), True, dict(stride=(2, 1), padding=(1, 2))),
    "kernel_3x1": ((2, 3, 6, 5), (4, 3, 3, 1), True, dict(padding=(1, 0))),
    "stride2_not_dividing": ((2, 3, 8, 9), (2, 3, 3, 3), True, dict(stride=2)),
    "stride3_not_dividing": ((1, 2, 10, 11), (2, 2, 2, 2), True, dict(stride=3, padding=1)),
    "dilation2": ((2, 2, 9, 10), (3, 2, 3, 3), True, dict(dilation=2, padding=2)),
    "dilation_pair_stride_pair": ((2, 2, 9, 8), (3, 2, 2, 3), True, dict(stride=(1, 2), dilation=(2, 1))),
    "groups2": ((2, 4, 6, 7), (6, 2, 3, 3), True, dict(groups=2, padding=1)),
    "groups2_strided": ((1, 4, 7, 6), (4, 2, 2, 3), True, dict(groups=2, stride=(2, 1))),
    "depthwise": ((2, 3, 7, 6), (3, 1, 3, 3), True, dict(groups=3, padding=1)),
    "depthwise_multiplier2": ((2, 3, 6, 6), (6, 1, 3, 2), False, dict(groups=3, stride=2)),
    "1x1": ((2, 5, 4, 6), (3, 5, 1, 1), True, {}),
    "1x1_stride2": ((2, 5, 5, 6), (3, 5, 1, 1), False, dict(stride=2)),
    "no_bias": ((2, 3, 6, 5), (2, 3, 3, 2), False, dict(padding=(2, 1))),
    "kernel_covers_input": ((2, 2, 4, 5), (3, 2, 4, 5), True, {}),
    "full_width_kernel_stride1": ((2, 2, 6, 5), (2, 2, 2, 5), True, dict(padding=(1, 0))),
    "non_square_input_big_padding": ((1, 2, 3, 8), (2, 2, 3, 3), True, dict(padding=(2, 3))),
}


def torch_conv(x, w, b, kwargs):
    """Output and gradients of torch's conv2d for the upstream gradient dout (seeded)."""
    xt, wt = torch_leaf(x), torch_leaf(w)
    bt = torch_leaf(b) if b is not None else None
    out = F.conv2d(xt, wt, bt, **kwargs)
    dout = rng(1).standard_normal(tuple(out.shape))
    out.backward(torch.from_numpy(dout))
    return out, dout, xt.grad, wt.grad, (bt.grad if bt is not None else None)


def make_inputs(case, seed=0):
    x_shape, w_shape, has_bias, kwargs = CASES[case]
    g = rng(seed)
    x = g.standard_normal(x_shape)
    w = g.standard_normal(w_shape)
    b = g.standard_normal(w_shape[0]) if has_bias else None
    return x, w, b, kwargs


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("case", list(CASES))
def test_conv2d_matches_torch(case, variant):
    forward, backward = VARIANTS[variant]
    x, w, b, kwargs = make_inputs(case)
    out_t, dout, dx_t, dw_t, db_t = torch_conv(x, w, b, kwargs)

    out, cache = forward(x, w, b, **kwargs)
    assert_close(out, out_t, name="out")
    dx, dw, db = backward(dout, cache)
    assert_close(dx, dx_t, name="dx")
    assert_close(dw, dw_t, name="dw")
    if b is None:
        assert db is None
    else:
        assert_close(db, db_t, name="db")


@pytest.mark.parametrize("case", ["kernel_2x3_pairs", "dilation2", "depthwise", "groups2_strided"])
def test_caches_are_interchangeable(case):
    """The fast backward accepts the naive forward's cache (it rebuilds cols) and vice versa."""
    x, w, b, kwargs = make_inputs(case)
    _, dout, dx_t, dw_t, db_t = torch_conv(x, w, b, kwargs)
    for forward, backward in [(conv2d_forward_naive, conv2d_backward), (conv2d_forward, conv2d_backward_naive)]:
        _, cache = forward(x, w, b, **kwargs)
        dx, dw, db = backward(dout, cache)
        assert_close(dx, dx_t, name="dx")
        assert_close(dw, dw_t, name="dw")
        assert_close(db, db_t, name="db")


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_float32_stays_float32(variant):
    forward, backward = VARIANTS[variant]
    g = rng(3)
    x = g.standard_normal((2, 4, 6, 5)).astype(np.float32)
    w = g.standard_normal((4, 2, 3, 2)).astype(np.float32)
    b = g.standard_normal(4).astype(np.float32)
    out, cache = forward(x, w, b, padding=1, groups=2)
    dx, dw, db = backward(np.ones_like(out), cache)
    assert (out.dtype, dx.dtype, dw.dtype, db.dtype) == (np.float32,) * 4
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), padding=1, groups=2)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-5, atol=1e-5)


def test_fast_outputs_are_contiguous_and_inputs_untouched():
    x, w, b, kwargs = make_inputs("groups2")
    x0, w0, b0 = x.copy(), w.copy(), b.copy()
    out, cache = conv2d_forward(x, w, b, **kwargs)
    dx, dw, db = conv2d_backward(np.ones_like(out), cache)
    assert all(a.flags.c_contiguous for a in (out, dx, dw, db))
    assert np.array_equal(x, x0) and np.array_equal(w, w0) and np.array_equal(b, b0)


# ---------------------------------------------------------------------- numerical gradients

TINY = {
    # id: (x shape, w shape, keyword arguments); small enough for centred differences
    "stride_pad_pairs": ((2, 2, 4, 5), (3, 2, 2, 3), dict(stride=(2, 1), padding=(1, 0))),
    "dilation": ((1, 2, 5, 5), (2, 2, 2, 2), dict(dilation=(2, 1), padding=1)),
    "groups": ((1, 4, 4, 4), (4, 2, 3, 1), dict(groups=2, padding=(1, 0))),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("case", list(TINY))
def test_conv2d_backward_matches_centred_differences(case, variant):
    forward, backward = VARIANTS[variant]
    x_shape, w_shape, kwargs = TINY[case]
    g = rng(4)
    x, w, b = g.standard_normal(x_shape), g.standard_normal(w_shape), g.standard_normal(w_shape[0])
    out, cache = forward(x, w, b, **kwargs)
    dout = g.standard_normal(out.shape)
    dx, dw, db = backward(dout, cache)

    def loss(x_, w_, b_):
        return float(np.sum(forward(x_, w_, b_, **kwargs)[0] * dout))

    for name, analytic, numeric in [
        ("dx", dx, numerical_gradient(lambda v: loss(v, w, b), x.copy())),
        ("dw", dw, numerical_gradient(lambda v: loss(x, v, b), w.copy())),
        ("db", db, numerical_gradient(lambda v: loss(x, w, v), b.copy())),
    ]:
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8, err_msg=name)


# ---------------------------------------------------------------------- im2col / col2im

UNFOLD_CASES = {
    # id: (x shape, keyword arguments)
    "3x3": ((2, 3, 5, 6), dict(kernel_size=3)),
    "2x3_stride_pad_pairs": ((2, 2, 7, 6), dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 2))),
    "dilated_strided": ((1, 2, 9, 8), dict(kernel_size=(3, 2), stride=2, dilation=(2, 3), padding=1)),
    "1x1": ((3, 4, 3, 5), dict(kernel_size=1)),
}


@pytest.mark.parametrize("case", list(UNFOLD_CASES))
def test_im2col_matches_torch_unfold(case):
    x_shape, kwargs = UNFOLD_CASES[case]
    x = rng(5).standard_normal(x_shape)
    cols = im2col(x, **kwargs)  # (C*KH*KW, N*OH*OW)
    unfolded = F.unfold(torch.from_numpy(x), **kwargs)  # (N, C*KH*KW, OH*OW)
    n, ckk, l = unfolded.shape
    assert_close(cols.reshape(ckk, n, l).transpose(1, 0, 2), unfolded, name="cols")


@pytest.mark.parametrize("case", list(UNFOLD_CASES))
def test_col2im_matches_torch_fold_and_is_adjoint(case):
    x_shape, kwargs = UNFOLD_CASES[case]
    g = rng(6)
    x = g.standard_normal(x_shape)
    cols_shape = im2col(x, **kwargs).shape
    y = g.standard_normal(cols_shape)
    back = col2im(y, x_shape, **kwargs)
    n, ckk, l = x_shape[0], cols_shape[0], cols_shape[1] // x_shape[0]
    folded = F.fold(torch.from_numpy(y.reshape(ckk, n, l).transpose(1, 0, 2).copy()), x_shape[2:], **kwargs)
    assert_close(back, folded, name="col2im")
    # <im2col(x), y> == <x, col2im(y)>
    np.testing.assert_allclose(np.sum(im2col(x, **kwargs) * y), np.sum(x * back), rtol=1e-12)


@pytest.mark.parametrize("case", ["basic", "kernel_2x3_pairs", "dilation_pair_stride_pair", "1x1_stride2"])
def test_conv_as_one_matrix_product_of_im2col(case):
    x, w, b, kwargs = make_inputs(case)
    f, (n, _, _, _) = w.shape[0], x.shape
    cols = im2col(x, w.shape[2:], **kwargs)
    out = (w.reshape(f, -1) @ cols).reshape(f, n, -1)  # (F, N, OH*OW)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), **kwargs)
    assert_close(out.transpose(1, 0, 2).reshape(expected.shape), expected, name="im2col conv")


# ---------------------------------------------------------------------- bad inputs

GOOD_X, GOOD_W, GOOD_B = np.zeros((2, 4, 8, 8)), np.zeros((6, 4, 3, 3)), np.zeros(6)

BAD_FORWARD = {
    # id: (x, w, b, keyword arguments, regex the message must match)
    "x_3d": (np.zeros((4, 8, 8)), GOOD_W, None, {}, r"x must be 4-D \(N, C, H, W\), got shape \(4, 8, 8\)"),
    "w_3d": (GOOD_X, np.zeros((6, 4, 3)), None, {}, r"w must be 4-D .*got shape \(6, 4, 3\)"),
    "b_2d": (GOOD_X, GOOD_W, np.zeros((6, 1)), {}, r"b must be 1-D \(F,\), got shape \(6, 1\)"),
    "b_wrong_length": (GOOD_X, GOOD_W, np.zeros(5), {}, r"b must have shape \(6,\), got shape \(5,\)"),
    "channel_mismatch": (GOOD_X, np.zeros((6, 3, 3, 3)), None, {}, r"w must have shape .*\(6, 4, 3, 3\).*got w of shape \(6, 3, 3, 3\)"),
    "channel_mismatch_groups": (GOOD_X, GOOD_W, None, dict(groups=2), r"w must have shape .*\(6, 2, 3, 3\).*got w of shape \(6, 4, 3, 3\)"),
    "C_not_divisible": (np.zeros((2, 3, 8, 8)), np.zeros((4, 1, 3, 3)), None, dict(groups=2), r"groups=2 must divide the C=3 channels of x, got x of shape \(2, 3, 8, 8\)"),
    "F_not_divisible": (GOOD_X, np.zeros((3, 2, 3, 3)), None, dict(groups=2), r"groups=2 must divide the F=3 filters of w, got w of shape \(3, 2, 3, 3\)"),
    "stride_zero": (GOOD_X, GOOD_W, None, dict(stride=0), r"stride must be positive, got 0"),
    "dilation_pair_zero": (GOOD_X, GOOD_W, None, dict(dilation=(1, 0)), r"dilation must be positive, got \(1, 0\)"),
    "padding_negative": (GOOD_X, GOOD_W, None, dict(padding=-1), r"padding must be at least 0, got -1"),
    "groups_zero": (GOOD_X, GOOD_W, None, dict(groups=0), r"groups must be an int >= 1, got 0"),
    "kernel_too_large": (np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 5, 3)), None, {}, r"effective kernel size \(5, 3\) is larger than the padded input \(4, 4\) \(input shape \(1, 1, 4, 4\)\)"),
    "dilated_kernel_too_large": (np.zeros((1, 1, 6, 6)), np.zeros((1, 1, 3, 3)), None, dict(dilation=3), r"effective kernel size \(7, 7\) is larger than the padded input \(6, 6\)"),
    "integer_x": (np.zeros((2, 4, 8, 8), dtype=np.int64), GOOD_W, None, {}, r"x must be a floating-point array, got dtype int64"),
    "w_dtype_mismatch": (GOOD_X, GOOD_W.astype(np.float32), None, {}, r"w must have the dtype of x \(float64\), got dtype float32"),
    "empty_x": (np.zeros((2, 4, 0, 8)), GOOD_W, None, {}, r"x must have non-zero sizes .*got shape \(2, 4, 0, 8\)"),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("case", list(BAD_FORWARD))
def test_conv2d_forward_rejects_bad_input(case, variant):
    forward, _ = VARIANTS[variant]
    x, w, b, kwargs, message = BAD_FORWARD[case]
    with pytest.raises(ValueError, match=r"^conv2d: " + message):
        forward(x, w, b, **kwargs)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_conv2d_backward_rejects_bad_input(variant):
    forward, backward = VARIANTS[variant]
    out, cache = forward(np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)))  # out (2, 4, 3, 3)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 4, 3, 3\), got shape \(2, 4, 3, 4\)"):
        backward(np.zeros((2, 4, 3, 4)), cache)
    with pytest.raises(ValueError, match=r"dout must be 4-D \(N, F, OH, OW\), got shape \(4, 3, 3\)"):
        backward(np.zeros((4, 3, 3)), cache)
    with pytest.raises(ValueError, match=r"cache must be the Conv2dCache .*got tuple"):
        backward(out, (out, cache))
    assert isinstance(cache, Conv2dCache)


def test_im2col_and_col2im_reject_bad_input():
    with pytest.raises(ValueError, match=r"im2col: x must be 4-D \(N, C, H, W\), got shape \(5, 5\)"):
        im2col(np.zeros((5, 5)), 3)
    with pytest.raises(ValueError, match=r"im2col: kernel_size must be positive, got \(0, 2\)"):
        im2col(np.zeros((1, 1, 5, 5)), (0, 2))
    with pytest.raises(ValueError, match=r"col2im: cols must have shape \(9, 18\), got shape \(9, 17\)"):
        col2im(np.zeros((9, 17)), (2, 1, 5, 5), 3)
    with pytest.raises(ValueError, match=r"col2im: x_shape must be a tuple \(N, C, H, W\), got \(5, 5\)"):
        col2im(np.zeros((9, 9)), (5, 5), 3)
