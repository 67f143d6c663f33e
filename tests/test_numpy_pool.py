"""NumPy max and average pooling (naive and fast) and max-unpooling, checked against torch.

Forward values and dx against torch.nn.functional.max_pool2d / avg_pool2d with autograd in
float64 to 1e-10 over awkward geometries (random continuous data, so no ties); every
backward against centred differences; the documented tie rule (first maximum in row-major
order) against torch; the argmax indices and max-unpooling against
F.max_pool2d(return_indices=True) / F.max_unpool2d; bad inputs rejected with a message that
names the argument.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.gradcheck import numerical_gradient
from cnnbook.numpy_ops.pooling import (
    avg_pool2d_backward,
    avg_pool2d_backward_naive,
    avg_pool2d_forward,
    avg_pool2d_forward_naive,
    max_pool2d_backward,
    max_pool2d_backward_naive,
    max_pool2d_forward,
    max_pool2d_forward_naive,
    max_pool2d_forward_with_indices,
    max_unpool2d,
)
from harness import assert_close, rng, torch_leaf

OPS = {
    # id: (forward, backward, torch function)
    "max-fast": (max_pool2d_forward, max_pool2d_backward, F.max_pool2d),
    "max-naive": (max_pool2d_forward_naive, max_pool2d_backward_naive, F.max_pool2d),
    "avg-fast": (avg_pool2d_forward, avg_pool2d_backward, F.avg_pool2d),
    "avg-naive": (avg_pool2d_forward_naive, avg_pool2d_backward_naive, F.avg_pool2d),
}

# id: (x shape, keyword arguments)
CASES = {
    "2x2_default_stride": ((2, 3, 6, 8), dict(kernel_size=2)),
    "batch1_odd_size_not_dividing": ((1, 2, 7, 7), dict(kernel_size=2)),
    "3x3_stride2_padding1_overlapping": ((2, 2, 9, 8), dict(kernel_size=3, stride=2, padding=1)),
    "2x3_pairs": ((2, 3, 7, 9), dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 1))),
    "3x1_stride_pair": ((2, 2, 8, 5), dict(kernel_size=(3, 1), stride=(2, 1), padding=(1, 0))),
    "stride3_not_dividing": ((1, 2, 10, 11), dict(kernel_size=(2, 3), stride=3)),
    "stride1_overlapping": ((2, 2, 5, 6), dict(kernel_size=3, stride=1)),
    "1x1_stride2": ((2, 3, 5, 6), dict(kernel_size=1, stride=2)),
    "global": ((2, 3, 4, 5), dict(kernel_size=(4, 5))),
    "stride_larger_than_kernel": ((2, 2, 9, 9), dict(kernel_size=2, stride=3, padding=1)),
}


def torch_pool(torch_fn, x, kwargs):
    xt = torch_leaf(x)
    out = torch_fn(xt, **kwargs)
    dout = rng(1).standard_normal(tuple(out.shape))
    out.backward(torch.from_numpy(dout))
    return out, dout, xt.grad


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("case", list(CASES))
def test_pool_matches_torch(case, op):
    forward, backward, torch_fn = OPS[op]
    x_shape, kwargs = CASES[case]
    x = rng(0).standard_normal(x_shape)
    out_t, dout, dx_t = torch_pool(torch_fn, x, kwargs)
    out, cache = forward(x, **kwargs)
    assert_close(out, out_t, name="out")
    assert_close(backward(dout, cache), dx_t, name="dx")


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_caches_are_interchangeable(kind):
    x_shape, kwargs = CASES["3x3_stride2_padding1_overlapping"]
    x = rng(0).standard_normal(x_shape)
    fast_forward, fast_backward, torch_fn = OPS[f"{kind}-fast"]
    naive_forward, naive_backward, _ = OPS[f"{kind}-naive"]
    _, dout, dx_t = torch_pool(torch_fn, x, kwargs)
    assert_close(fast_backward(dout, naive_forward(x, **kwargs)[1]), dx_t, name="dx")
    assert_close(naive_backward(dout, fast_forward(x, **kwargs)[1]), dx_t, name="dx")


@pytest.mark.parametrize("op", list(OPS))
def test_float32_stays_float32(op):
    forward, backward, torch_fn = OPS[op]
    x = rng(2).standard_normal((2, 3, 6, 7)).astype(np.float32)
    out, cache = forward(x, kernel_size=3, stride=2, padding=1)
    dx = backward(np.ones_like(out), cache)
    assert (out.dtype, dx.dtype) == (np.float32, np.float32)
    expected = torch_fn(torch.from_numpy(x), kernel_size=3, stride=2, padding=1)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("kwargs", [dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1)),
                                    dict(kernel_size=3, stride=1)], ids=["pairs", "overlapping"])
def test_pool_backward_matches_centred_differences(op, kwargs):
    forward, backward, _ = OPS[op]
    g = rng(3)
    x = g.standard_normal((2, 2, 5, 6))
    out, cache = forward(x, **kwargs)
    dout = g.standard_normal(out.shape)
    numeric = numerical_gradient(lambda v: float(np.sum(forward(v, **kwargs)[0] * dout)), x.copy())
    np.testing.assert_allclose(backward(dout, cache), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("op", ["max-fast", "max-naive"])
@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                    dict(kernel_size=(2, 3), stride=(1, 2))], ids=["2x2", "3x3_overlap", "2x3"])
def test_max_pool_ties_go_to_the_first_maximum_like_torch(op, kwargs):
    """With ties, the whole gradient goes to the first maximum in row-major window order."""
    forward, backward, _ = OPS[op]
    x = np.round(rng(4).random((2, 2, 6, 6)) * 2) / 2  # values in {0, 0.5, 1, ...}: many ties
    x[0, 0] = 1.0  # a channel where every window is all ties
    out_t, dout, dx_t = torch_pool(F.max_pool2d, x, kwargs)
    out, cache = forward(x, **kwargs)
    assert_close(out, out_t, name="out")
    assert_close(backward(dout, cache), dx_t, name="dx")


def test_max_pool_tie_rule_by_hand():
    x = np.ones((1, 1, 2, 2))
    out, cache = max_pool2d_forward(x, kernel_size=2)
    dx = max_pool2d_backward(np.full(out.shape, 5.0), cache)
    assert np.array_equal(dx, [[[[5.0, 0.0], [0.0, 0.0]]]])


# ---------------------------------------------------------------------- bad inputs

X = np.zeros((2, 3, 6, 6))

BAD_FORWARD = {
    # id: (x, keyword arguments, regex the message must match)
    "x_3d": (np.zeros((3, 6, 6)), dict(kernel_size=2), r"x must be 4-D \(N, C, H, W\), got shape \(3, 6, 6\)"),
    "x_integer": (X.astype(np.int32), dict(kernel_size=2), r"x must be a floating-point array, got dtype int32"),
    "x_empty": (np.zeros((2, 0, 6, 6)), dict(kernel_size=2), r"x must have non-zero sizes .*got shape \(2, 0, 6, 6\)"),
    "kernel_zero": (X, dict(kernel_size=0), r"kernel_size must be positive, got 0"),
    "kernel_not_int": (X, dict(kernel_size=2.5), r"kernel_size must be an int or a pair of ints \(h, w\), got 2.5"),
    "stride_zero": (X, dict(kernel_size=2, stride=(0, 1)), r"stride must be positive, got \(0, 1\)"),
    "padding_negative": (X, dict(kernel_size=2, padding=-1), r"padding must be at least 0, got -1"),
    "padding_over_half_kernel": (X, dict(kernel_size=(4, 2), padding=(2, 2)), r"padding must be at most half of kernel_size \(4, 2\), got padding \(2, 2\)"),
    "kernel_larger_than_input": (X, dict(kernel_size=(7, 2)), r"effective kernel size \(7, 2\) is larger than the padded input \(6, 6\) \(input shape \(2, 3, 6, 6\)\)"),
}


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("case", list(BAD_FORWARD))
def test_pool_forward_rejects_bad_input(case, op):
    forward, _, _ = OPS[op]
    x, kwargs, message = BAD_FORWARD[case]
    with pytest.raises(ValueError, match=rf"^{op.split('-')[0]}_pool2d: " + message):
        forward(x, **kwargs)


@pytest.mark.parametrize("op", list(OPS))
def test_pool_backward_rejects_bad_input(op):
    forward, backward, _ = OPS[op]
    kind = op.split("-")[0]
    out, cache = forward(X, kernel_size=2)  # out (2, 3, 3, 3)
    name = f"{kind}_pool2d_backward"
    with pytest.raises(ValueError, match=rf"^{name}: dout must have shape \(2, 3, 3, 3\), got shape \(2, 3, 3, 2\)"):
        backward(np.zeros((2, 3, 3, 2)), cache)
    with pytest.raises(ValueError, match=rf"^{name}: dout must be 4-D \(N, C, OH, OW\), got shape \(3, 3\)"):
        backward(np.zeros((3, 3)), cache)
    other = "avg" if kind == "max" else "max"
    _, other_cache = OPS[f"{other}-fast"][0](X, kernel_size=2)
    with pytest.raises(ValueError, match=rf"^{name}: cache must be the Pool2dCache of a {kind} pooling .*got {other}"):
        backward(out, other_cache)


# ---------------------------------------------------------------------- indices and max-unpooling


@pytest.mark.parametrize("case", list(CASES))
def test_indices_match_torch(case):
    x_shape, kwargs = CASES[case]
    x = rng(0).standard_normal(x_shape)
    out_t, indices_t = F.max_pool2d(torch.from_numpy(x), **kwargs, return_indices=True)
    out, indices, cache = max_pool2d_forward_with_indices(x, **kwargs)
    assert_close(out, out_t, name="out")
    assert_close(indices, indices_t, name="indices", tol=0)
    assert cache.kind == "max"  # usable by the backward pass
    dout = rng(1).standard_normal(out.shape)
    assert_close(max_pool2d_backward(dout, cache), max_pool2d_backward(dout, max_pool2d_forward(x, **kwargs)[1]))


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                    dict(kernel_size=(2, 3), stride=(1, 2))], ids=["2x2", "3x3_overlap", "2x3"])
def test_indices_of_ties_are_the_first_maximum_like_torch(kwargs):
    x = np.round(rng(4).random((2, 2, 6, 6)) * 2) / 2  # many ties
    x[0, 0] = 1.0  # every window all ties
    _, indices_t = F.max_pool2d(torch.from_numpy(x), **kwargs, return_indices=True)
    assert_close(max_pool2d_forward_with_indices(x, **kwargs)[1], indices_t, name="indices", tol=0)


def test_indices_by_hand():
    x = np.array([[1.0, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])[None, None]
    out, indices, _ = max_pool2d_forward_with_indices(x, kernel_size=2)
    assert np.array_equal(out[0, 0], [[6, 8], [3, 4]])
    assert np.array_equal(indices[0, 0], [[5, 7], [8, 15]])  # row * 4 + column


# id: (x shape, keyword arguments of the pooling, output_size given to unpool or None)
UNPOOL_CASES = {
    "2x2_tiles_exactly": ((2, 3, 6, 8), dict(kernel_size=2), None),
    "odd_input_needs_output_size": ((1, 2, 7, 9), dict(kernel_size=2), (7, 9)),
    "odd_input_4d_output_size": ((1, 2, 7, 9), dict(kernel_size=2), (1, 2, 7, 9)),
    "overlapping_3x3_stride2_padding1": ((2, 2, 9, 8), dict(kernel_size=3, stride=2, padding=1), (9, 8)),
    "pairs": ((2, 3, 7, 9), dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 1)), (7, 9)),
    "stride_larger_than_kernel": ((1, 2, 10, 11), dict(kernel_size=2, stride=3), (10, 11)),
}


@pytest.mark.parametrize("case", list(UNPOOL_CASES))
def test_max_unpool_matches_torch(case):
    x_shape, kwargs, output_size = UNPOOL_CASES[case]
    x = rng(0).standard_normal(x_shape)
    out_t, indices_t = F.max_pool2d(torch.from_numpy(x), **kwargs, return_indices=True)
    expected = F.max_unpool2d(out_t, indices_t, **kwargs, output_size=output_size)
    out, indices, _ = max_pool2d_forward_with_indices(x, **kwargs)
    assert_close(max_unpool2d(out, indices, **kwargs, output_size=output_size), expected, name="unpooled")


def test_max_unpool_of_arbitrary_values_matches_torch():
    """Unpooling scatters any values (e.g. a decoder's feature map), not only the maxima."""
    x = rng(5).standard_normal((2, 3, 6, 8))
    _, indices_t = F.max_pool2d(torch.from_numpy(x), kernel_size=2, return_indices=True)
    values = rng(6).standard_normal(tuple(indices_t.shape))
    expected = F.max_unpool2d(torch.from_numpy(values), indices_t, kernel_size=2)
    assert_close(max_unpool2d(values, indices_t.numpy(), kernel_size=2), expected, name="unpooled")


def test_max_unpool_by_hand_keeps_maxima_and_zeros_the_rest():
    x = np.array([[1.0, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])[None, None]
    out, indices, _ = max_pool2d_forward_with_indices(x, kernel_size=2)
    expected = np.array([[0.0, 0, 0, 0], [0, 6, 0, 8], [3, 0, 0, 0], [0, 0, 0, 4]])
    assert np.array_equal(max_unpool2d(out, indices, kernel_size=2)[0, 0], expected)


def test_max_unpool_float32_stays_float32():
    x = rng(2).standard_normal((1, 2, 6, 6)).astype(np.float32)
    out, indices, _ = max_pool2d_forward_with_indices(x, kernel_size=2)
    assert max_unpool2d(out, indices, kernel_size=2).dtype == np.float32


UNPOOL_X = np.zeros((1, 2, 3, 3))
UNPOOL_I = np.zeros((1, 2, 3, 3), dtype=np.int64)

BAD_UNPOOL = {
    # id: (x, indices, keyword arguments, regex the message must match)
    "x_3d": (np.zeros((2, 3, 3)), UNPOOL_I, dict(kernel_size=2), r"x must be 4-D \(N, C, H, W\), got shape \(2, 3, 3\)"),
    "x_integer": (UNPOOL_I, UNPOOL_I, dict(kernel_size=2), r"x must be a floating-point array, got dtype int64"),
    "indices_float": (UNPOOL_X, UNPOOL_X, dict(kernel_size=2), r"indices must be an integer array, got dtype float64"),
    "indices_wrong_shape": (UNPOOL_X, np.zeros((1, 2, 3, 2), dtype=np.int64), dict(kernel_size=2),
                            r"indices must have shape \(1, 2, 3, 3\), got shape \(1, 2, 3, 2\)"),
    "index_too_large": (UNPOOL_X, np.full((1, 2, 3, 3), 36), dict(kernel_size=2),
                        r"indices must lie in 0 \.\. 35 \(output size \(6, 6\)\), got 36"),
    "index_negative": (UNPOOL_X, np.full((1, 2, 3, 3), -1), dict(kernel_size=2),
                       r"indices must lie in 0 \.\. 35 \(output size \(6, 6\)\), got -1"),
    "output_size_too_large": (UNPOOL_X, UNPOOL_I, dict(kernel_size=2, output_size=(8, 6)),
                              r"output_size \(8, 6\) is impossible .*dimension 0 must be between 4 and 8 \(exclusive\)"),
    "output_size_wrong_length": (UNPOOL_X, UNPOOL_I, dict(kernel_size=2, output_size=(6, 6, 6)),
                                 r"output_size must be \(H, W\) or \(N, C, H, W\) ints, got \(6, 6, 6\)"),
    "kernel_zero": (UNPOOL_X, UNPOOL_I, dict(kernel_size=0), r"kernel_size must be positive, got 0"),
    "padding_negative": (UNPOOL_X, UNPOOL_I, dict(kernel_size=2, padding=-1), r"padding must be at least 0, got -1"),
}


@pytest.mark.parametrize("case", list(BAD_UNPOOL))
def test_max_unpool_rejects_bad_input(case):
    x, indices, kwargs, message = BAD_UNPOOL[case]
    with pytest.raises(ValueError, match=r"^max_unpool2d: " + message):
        max_unpool2d(x, indices, **kwargs)


def test_max_pool_with_indices_rejects_bad_input():
    with pytest.raises(ValueError, match=r"^max_pool2d: x must be 4-D \(N, C, H, W\), got shape \(6, 6\)"):
        max_pool2d_forward_with_indices(np.zeros((6, 6)), kernel_size=2)


def test_max_unpool_without_output_size_fails_like_torch_when_the_default_is_too_small():
    """7 rows pooled this way give 4, which unpool by default to 6 rows: too few for a maximum in row 6."""
    x = rng(0).standard_normal((1, 1, 7, 9))
    x[0, 0, 6, 8] = 10.0  # a maximum in the last row, outside the default 6 x 8 output
    out_t, indices_t = F.max_pool2d(torch.from_numpy(x), kernel_size=(2, 3), stride=(2, 1),
                                    padding=(1, 1), return_indices=True)
    with pytest.raises(RuntimeError, match="invalid max index"):
        F.max_unpool2d(out_t, indices_t, kernel_size=(2, 3), stride=(2, 1), padding=(1, 1))
    with pytest.raises(ValueError, match=r"^max_unpool2d: indices must lie in 0 \.\. 53 \(output size \(6, 9\)\), got 62"):
        max_unpool2d(out_t.numpy(), indices_t.numpy(), kernel_size=(2, 3), stride=(2, 1), padding=(1, 1))
