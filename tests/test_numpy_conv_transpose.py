"""NumPy transposed convolution, checked against torch.nn.functional.conv_transpose2d.

Forward values and dx/dw/db against torch autograd in float64 to 1e-10, over awkward
geometries (batch 1, non-square kernels, strides, output padding, dilation, padding); the
backward also against centred differences; the matrix identity with conv2d (transposed
conv = conv2d's input gradient); bad inputs rejected with a message that names the argument.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.gradcheck import numerical_gradient_array
from cnnbook.numpy_ops.conv import conv2d_backward, conv2d_forward
from cnnbook.numpy_ops.conv_transpose import (
    ConvTranspose2dCache,
    conv_transpose2d_backward,
    conv_transpose2d_forward,
)
from harness import assert_close, rng, torch_leaf

# id: (x shape, w shape, bias?, keyword arguments)
CASES = {
    "basic": ((2, 3, 4, 4), (3, 2, 3, 3), True, {}),
    "batch1_no_bias": ((1, 2, 3, 5), (2, 4, 3, 3), False, {}),
    "stride2": ((2, 3, 3, 4), (3, 2, 3, 3), True, dict(stride=2)),
    "stride2_padding1_output_padding1": ((2, 2, 4, 3), (2, 3, 3, 3), True,
                                         dict(stride=2, padding=1, output_padding=1)),
    "kernel4_stride2_padding1": ((1, 2, 5, 5), (2, 2, 4, 4), True, dict(stride=2, padding=1)),
    "non_square_kernel_pairs": ((2, 2, 3, 4), (2, 3, 2, 3), True,
                                dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0))),
    "stride3_output_padding2": ((1, 2, 3, 2), (2, 2, 3, 2), True,
                                dict(stride=3, padding=2, output_padding=2)),
    "dilation2": ((2, 2, 4, 3), (2, 3, 3, 3), True, dict(dilation=2, padding=1)),
    "dilation_output_padding_stride1": ((1, 2, 3, 4), (2, 2, 3, 2), True,
                                        dict(dilation=2, output_padding=1)),
    "1x1_stride2": ((2, 3, 3, 3), (3, 4, 1, 1), False, dict(stride=2, output_padding=1)),
    "single_pixel": ((1, 1, 1, 1), (1, 2, 3, 2), True, {}),
}


def make_inputs(case, seed=0):
    x_shape, w_shape, has_bias, kwargs = CASES[case]
    g = rng(seed)
    x = g.standard_normal(x_shape)
    w = g.standard_normal(w_shape)
    b = g.standard_normal(w_shape[1]) if has_bias else None
    return x, w, b, kwargs


def torch_conv_transpose(x, w, b, kwargs):
    xt, wt = torch_leaf(x), torch_leaf(w)
    bt = torch_leaf(b) if b is not None else None
    out = F.conv_transpose2d(xt, wt, bt, **kwargs)
    dout = rng(1).standard_normal(tuple(out.shape))
    out.backward(torch.from_numpy(dout))
    return out, dout, xt.grad, wt.grad, (bt.grad if bt is not None else None)


@pytest.mark.parametrize("case", list(CASES))
def test_conv_transpose2d_matches_torch(case):
    x, w, b, kwargs = make_inputs(case)
    out_t, dout, dx_t, dw_t, db_t = torch_conv_transpose(x, w, b, kwargs)

    out, cache = conv_transpose2d_forward(x, w, b, **kwargs)
    assert_close(out, out_t, name="out")
    dx, dw, db = conv_transpose2d_backward(dout, cache)
    assert_close(dx, dx_t, name="dx")
    assert_close(dw, dw_t, name="dw")
    if b is None:
        assert db is None
    else:
        assert_close(db, db_t, name="db")


@pytest.mark.parametrize("case", ["stride2_padding1_output_padding1", "non_square_kernel_pairs",
                                  "dilation_output_padding_stride1"])
def test_backward_matches_numerical_gradients(case):
    x, w, b, kwargs = make_inputs(case, seed=2)
    out, cache = conv_transpose2d_forward(x, w, b, **kwargs)
    dout = rng(3).standard_normal(out.shape)
    dx, dw, db = conv_transpose2d_backward(dout, cache)

    num_dx = numerical_gradient_array(lambda z: conv_transpose2d_forward(z, w, b, **kwargs)[0], x.copy(), dout)
    num_dw = numerical_gradient_array(lambda z: conv_transpose2d_forward(x, z, b, **kwargs)[0], w.copy(), dout)
    num_db = numerical_gradient_array(lambda z: conv_transpose2d_forward(x, w, z, **kwargs)[0], b.copy(), dout)
    np.testing.assert_allclose(dx, num_dx, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dw, num_dw, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(db, num_db, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("stride, padding, dilation", [
    ((1, 1), (0, 0), (1, 1)), ((2, 2), (0, 0), (1, 1)), ((2, 2), (1, 1), (1, 1)), ((1, 3), (0, 1), (2, 2)),
])
def test_forward_is_the_input_gradient_of_conv2d(stride, padding, dilation):
    """conv_transpose2d(y, w) = dL/dz of conv2d(z, w) for dL/dout = y: the adjoint identity."""
    g = rng(4)
    z = g.standard_normal((2, 3, 10, 11))  # the conv2d input: (N, C_out of the transpose, H, W)
    w = g.standard_normal((4, 3, 3, 2))  # conv2d (F, C, KH, KW) = the transpose's (C_in, C_out, KH, KW)
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    y_fwd, cache = conv2d_forward(z, w, **kwargs)
    y = g.standard_normal(y_fwd.shape)
    dz, _, _ = conv2d_backward(y, cache)
    # output_padding: the rows/columns of z that the strided conv2d never reached
    output_padding = tuple(
        size - ((o - 1) * s - 2 * p + d * (k - 1) + 1)
        for size, o, s, p, d, k in zip((10, 11), y.shape[2:], stride, padding, dilation, (3, 2))
    )
    out, _ = conv_transpose2d_forward(y, w, output_padding=output_padding, **kwargs)
    assert_close(out, dz, name="conv_transpose2d vs conv2d input gradient")


def test_float32_stays_float32():
    g = rng(5)
    x = g.standard_normal((2, 3, 4, 5)).astype(np.float32)
    w = g.standard_normal((3, 2, 3, 3)).astype(np.float32)
    b = g.standard_normal(2).astype(np.float32)
    out, cache = conv_transpose2d_forward(x, w, b, stride=2, padding=1, output_padding=1)
    dx, dw, db = conv_transpose2d_backward(np.ones_like(out), cache)
    assert (out.dtype, dx.dtype, dw.dtype, db.dtype) == (np.float32,) * 4
    expected = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b),
                                  stride=2, padding=1, output_padding=1)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-5, atol=1e-5)


def test_inputs_are_not_modified():
    x, w, b, kwargs = make_inputs("stride2_padding1_output_padding1")
    copies = [x.copy(), w.copy(), b.copy()]
    out, cache = conv_transpose2d_forward(x, w, b, **kwargs)
    dout = np.ones_like(out)
    conv_transpose2d_backward(dout, cache)
    for before, after in zip(copies, [x, w, b]):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(dout, np.ones_like(out))


X = np.zeros((2, 3, 4, 4))
W = np.zeros((3, 2, 3, 3))


@pytest.mark.parametrize("args, kwargs, message", [
    ((np.zeros((3, 4, 4)), W), {}, "x must be 4-D (N, C_in, H, W), got shape (3, 4, 4)"),
    ((X, np.zeros((3, 2, 3))), {}, "w must be 4-D (C_in, C_out, KH, KW), got shape (3, 2, 3)"),
    ((X, np.zeros((2, 3, 3, 3))), {}, "w must have shape (C_in, C_out, KH, KW) with C_in = 3"),
    ((X.astype(int), W.astype(int)), {}, "x must be a floating-point array, got dtype int64"),
    ((X, W.astype(np.float32)), {}, "w must have the dtype of x (float64), got dtype float32"),
    ((X, W, np.zeros(3)), {}, "b must have shape (2,), got shape (3,)"),
    ((X, W, np.zeros((2, 1))), {}, "b must be 1-D (C_out,), got shape (2, 1)"),
    ((np.zeros((2, 0, 4, 4)), np.zeros((0, 2, 3, 3))), {}, "x must have non-zero sizes"),
    ((X, W), dict(stride=0), "stride must be positive, got 0"),
    ((X, W), dict(padding=-1), "padding must be at least 0, got -1"),
    ((X, W), dict(dilation=(1, 0)), "dilation must be positive, got (1, 0)"),
    ((X, W), dict(stride=2.0), "stride must be an int or a pair of ints (h, w), got 2.0"),
    ((X, W), dict(output_padding=1), "output_padding must be smaller than stride or dilation"),
    ((X, W), dict(stride=2, output_padding=2), "output_padding must be smaller than stride or dilation"),
    ((X, W), dict(padding=4), "the output would be empty"),
])
def test_bad_input_is_rejected_with_a_clear_message(args, kwargs, message):
    with pytest.raises(ValueError) as error:
        conv_transpose2d_forward(*args, **kwargs)
    assert message in str(error.value)
    assert str(error.value).startswith("conv_transpose2d:")


def test_backward_rejects_a_wrong_dout_or_cache():
    x, w, b, kwargs = make_inputs("stride2")
    out, cache = conv_transpose2d_forward(x, w, b, **kwargs)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 2, 7, 9\), got shape \(2, 2, 7, 8\)"):
        conv_transpose2d_backward(np.zeros((2, 2, 7, 8)), cache)
    with pytest.raises(ValueError, match=r"dout must be 4-D"):
        conv_transpose2d_backward(np.zeros((2, 7, 9)), cache)
    with pytest.raises(ValueError, match="cache must be the ConvTranspose2dCache .* got tuple"):
        conv_transpose2d_backward(out, (x, w))
    assert isinstance(cache, ConvTranspose2dCache)
