"""Leaky ReLU, ELU and GELU (NumPy pairs and torch twins) against torch.nn.functional.

NumPy forward values and backward gradients are compared with torch autograd in float64
to 1e-10, backward passes also with centred differences (cnnbook.gradcheck); the torch
twins are compared with torch.nn.functional, values and gradients; large magnitudes must
give no overflow warning, inf or nan; bad inputs raise a ValueError naming the argument.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.torch_ops import activations as torch_ops
from cnnbook.gradcheck import numerical_gradient_array
from cnnbook.numpy_ops import activations as act
from harness import assert_close, rng, torch_leaf

# (id, numpy forward, numpy backward, torch twin, oracle, keyword arguments)
SETTINGS = [
    ("leaky-default", act.leaky_relu_forward, act.leaky_relu_backward, torch_ops.leaky_relu,
     F.leaky_relu, {}),
    ("leaky-0.2", act.leaky_relu_forward, act.leaky_relu_backward, torch_ops.leaky_relu,
     F.leaky_relu, {"negative_slope": 0.2}),
    ("leaky-negative-slope", act.leaky_relu_forward, act.leaky_relu_backward,
     torch_ops.leaky_relu, F.leaky_relu, {"negative_slope": -0.5}),
    ("elu-default", act.elu_forward, act.elu_backward, torch_ops.elu, F.elu, {}),
    ("elu-alpha-0.5", act.elu_forward, act.elu_backward, torch_ops.elu, F.elu, {"alpha": 0.5}),
    ("elu-alpha-2", act.elu_forward, act.elu_backward, torch_ops.elu, F.elu, {"alpha": 2.0}),
    ("gelu-exact", act.gelu_forward, act.gelu_backward, torch_ops.gelu, F.gelu, {}),
    ("gelu-tanh", act.gelu_forward, act.gelu_backward, torch_ops.gelu, F.gelu,
     {"approximate": "tanh"}),
]
IDS = [s[0] for s in SETTINGS]
LARGE = np.array([-1000.0, -100.0, -40.0, -20.0, -1e-3, 0.0, 1e-3, 20.0, 40.0, 100.0, 1000.0])


def oracle(torch_fn, x: np.ndarray, dout: np.ndarray, kwargs: dict):
    """Output and input gradient of torch.nn.functional's version, in float64."""
    xt = torch_leaf(x)
    out = torch_fn(xt, **kwargs)
    out.backward(torch.from_numpy(dout))
    return out.detach(), xt.grad


@pytest.mark.parametrize("shape", [(1,), (1, 1), (4, 7), (2, 3, 4, 5)])
@pytest.mark.parametrize("name, forward, backward, _twin, torch_fn, kwargs", SETTINGS, ids=IDS)
def test_numpy_pair_matches_torch(name, forward, backward, _twin, torch_fn, kwargs, shape):
    x = 3 * rng(0).normal(size=shape)
    x.flat[0] = 0.0  # the kink: torch's convention for the gradient at 0 must be matched
    dout = rng(1).normal(size=shape)
    out, cache = forward(x, **kwargs)
    expected_out, expected_dx = oracle(torch_fn, x, dout, kwargs)
    assert_close(out, expected_out, name=f"{name} out")
    assert_close(backward(dout, cache), expected_dx, name=f"{name} dx")


@pytest.mark.parametrize("name, forward, backward, _twin, torch_fn, kwargs", SETTINGS, ids=IDS)
def test_numpy_backward_matches_numerical_gradient(name, forward, backward, _twin, torch_fn,
                                                   kwargs):
    x = 2 * rng(2).normal(size=(3, 5))
    x[np.abs(x) < 1e-2] = 0.5  # centred differences must not straddle the kink at 0
    dout = rng(3).normal(size=x.shape)
    dx = backward(dout, forward(x, **kwargs)[1])
    numeric = numerical_gradient_array(lambda z: forward(z, **kwargs)[0], x, dout)
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.filterwarnings("error")  # an overflow warning from NumPy fails the test
@pytest.mark.parametrize("name, forward, backward, _twin, torch_fn, kwargs", SETTINGS, ids=IDS)
def test_numpy_large_inputs_are_stable(name, forward, backward, _twin, torch_fn, kwargs):
    dout = np.ones_like(LARGE)
    out, cache = forward(LARGE, **kwargs)
    dx = backward(dout, cache)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    expected_out, expected_dx = oracle(torch_fn, LARGE, dout, kwargs)
    assert_close(out, expected_out, name=f"{name} out")
    assert_close(dx, expected_dx, name=f"{name} dx")


@pytest.mark.parametrize("name, forward, backward, _twin, torch_fn, kwargs", SETTINGS, ids=IDS)
def test_numpy_keeps_float32(name, forward, backward, _twin, torch_fn, kwargs):
    x = np.linspace(-6, 6, 25, dtype=np.float32)
    out, cache = forward(x, **kwargs)
    dx = backward(np.ones_like(x), cache)
    assert out.dtype == np.float32 and dx.dtype == np.float32
    np.testing.assert_allclose(out, torch_fn(torch.from_numpy(x), **kwargs).numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, _forward, _backward, twin, torch_fn, kwargs", SETTINGS, ids=IDS)
@pytest.mark.parametrize("data", ["normal", "large"])
def test_torch_twin_matches_torch(name, _forward, _backward, twin, torch_fn, kwargs, data):
    x = 4 * rng(4).normal(size=(2, 3, 4)) if data == "normal" else LARGE.copy()
    x.flat[1] = 0.0
    ours_in, theirs_in = torch_leaf(x), torch_leaf(x)
    out, expected = twin(ours_in, **kwargs), torch_fn(theirs_in, **kwargs)
    assert_close(out, expected, name=f"{name} forward")
    upstream = torch.tensor(rng(5).normal(size=x.shape), dtype=torch.float64)
    out.backward(upstream)
    expected.backward(upstream)
    assert torch.all(torch.isfinite(ours_in.grad))
    assert_close(ours_in.grad, theirs_in.grad, name=f"{name} gradient")


@pytest.mark.parametrize("name, _forward, _backward, twin, torch_fn, kwargs", SETTINGS, ids=IDS)
def test_torch_twin_keeps_float32(name, _forward, _backward, twin, torch_fn, kwargs):
    x = torch.linspace(-30, 30, 61, dtype=torch.float32)
    out = twin(x, **kwargs)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, torch_fn(x, **kwargs), rtol=1e-5, atol=1e-6)


def test_defaults_match_torch():
    """negative_slope=0.01, alpha=1.0 and the exact GELU are the defaults, as in torch."""
    x = np.array([-2.0, -0.5, 0.5])
    assert_close(act.leaky_relu_forward(x)[0], F.leaky_relu(torch.from_numpy(x)))
    assert_close(act.elu_forward(x)[0], F.elu(torch.from_numpy(x)))
    assert_close(act.gelu_forward(x)[0], F.gelu(torch.from_numpy(x)))
    assert_close(torch_ops.gelu(torch.from_numpy(x)), F.gelu(torch.from_numpy(x)))


def test_gelu_tanh_is_close_to_exact_but_not_equal():
    x = np.linspace(-5, 5, 201)
    exact, tanh = act.gelu_forward(x)[0], act.gelu_forward(x, approximate="tanh")[0]
    gap = np.max(np.abs(exact - tanh))
    assert 1e-5 < gap < 1e-3


X23 = rng(6).normal(size=(2, 3))

BAD_INPUTS = [
    pytest.param(lambda: act.leaky_relu_forward(np.arange(3)),
                 r"leaky_relu: x must be a floating-point array, got dtype int", id="leaky-int"),
    pytest.param(lambda: act.leaky_relu_forward(X23, negative_slope="0.1"),
                 r"leaky_relu: negative_slope must be a finite number, got '0.1'",
                 id="leaky-slope-str"),
    pytest.param(lambda: act.leaky_relu_forward(X23, negative_slope=float("nan")),
                 r"leaky_relu: negative_slope must be a finite number, got nan",
                 id="leaky-slope-nan"),
    pytest.param(lambda: act.leaky_relu_backward(X23.T, act.leaky_relu_forward(X23)[1]),
                 r"leaky_relu_backward: dout must have shape \(2, 3\), got shape \(3, 2\)",
                 id="leaky-dout-shape"),
    pytest.param(lambda: act.elu_forward(X23, alpha=None),
                 r"elu: alpha must be a finite number, got None", id="elu-alpha-none"),
    pytest.param(lambda: act.elu_forward(np.ones(3, dtype=np.int32)),
                 r"elu: x must be a floating-point array, got dtype int32", id="elu-int"),
    pytest.param(lambda: act.elu_backward(np.ones(6), act.elu_forward(X23)[1]),
                 r"elu_backward: dout must have shape \(2, 3\), got shape \(6,\)",
                 id="elu-dout-shape"),
    pytest.param(lambda: act.gelu_forward(X23, approximate="erf"),
                 r"gelu: approximate must be 'none' or 'tanh', got 'erf'", id="gelu-approx"),
    pytest.param(lambda: act.gelu_backward(np.ones((3, 2)), act.gelu_forward(X23)[1]),
                 r"gelu_backward: dout must have shape \(2, 3\), got shape \(3, 2\)",
                 id="gelu-dout-shape"),
    pytest.param(lambda: act.gelu_backward(np.ones((2, 3), dtype=np.int64),
                                           act.gelu_forward(X23)[1]),
                 r"gelu_backward: dout must be a floating-point array, got dtype int64",
                 id="gelu-dout-int"),
    pytest.param(lambda: torch_ops.leaky_relu(np.ones(3)),
                 r"leaky_relu: x must be a torch.Tensor, got ndarray", id="torch-leaky-numpy"),
    pytest.param(lambda: torch_ops.leaky_relu(torch.ones(3), negative_slope=[0.1]),
                 r"leaky_relu: negative_slope must be a finite number, got \[0.1\]",
                 id="torch-leaky-slope"),
    pytest.param(lambda: torch_ops.elu(torch.arange(3)),
                 r"elu: x must be a floating-point array, got dtype torch.int64", id="torch-elu-int"),
    pytest.param(lambda: torch_ops.elu(torch.ones(3), alpha=float("inf")),
                 r"elu: alpha must be a finite number, got inf", id="torch-elu-alpha"),
    pytest.param(lambda: torch_ops.gelu(torch.ones(3), approximate="fast"),
                 r"gelu: approximate must be 'none' or 'tanh', got 'fast'", id="torch-gelu-approx"),
]


@pytest.mark.parametrize("call, message", BAD_INPUTS)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
