"""NumPy reference layers other than convolution/pooling, checked against torch.

Activations, linear, softmax/cross-entropy, dropout and batch norm: forward values and
backward gradients against torch (autograd) in float64 to 1e-10, for the naive and the
fast variant; every backward also against centred differences; numerical stability at
large magnitudes; and bad inputs rejected with a message naming the argument.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.gradcheck import numerical_gradient
from cnnbook.numpy_ops import activations as act
from cnnbook.numpy_ops import dropout as drop
from cnnbook.numpy_ops import linear as lin
from cnnbook.numpy_ops import losses as loss
from cnnbook.numpy_ops import normalization as norm
from harness import assert_close, rng, torch_leaf

VARIANTS = ["fast", "naive"]


def check_gradient(analytic: np.ndarray, f, x: np.ndarray) -> None:
    """Compare an analytic gradient with centred differences of the scalar function f at x."""
    numeric = numerical_gradient(f, x, h=1e-6)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------- activations

ACTIVATIONS = {
    # name: (fast forward, fast backward, naive forward, naive backward, torch function)
    name: (
        getattr(act, f"{name}_forward"), getattr(act, f"{name}_backward"),
        getattr(act, f"{name}_forward_naive"), getattr(act, f"{name}_backward_naive"),
        torch_fn,
    )
    for name, torch_fn in [("relu", torch.relu), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh),
                           ("softplus", F.softplus)]
}


def activation_pair(name: str, variant: str):
    fwd, bwd, fwd_naive, bwd_naive, torch_fn = ACTIVATIONS[name]
    return (fwd, bwd, torch_fn) if variant == "fast" else (fwd_naive, bwd_naive, torch_fn)


def check_activation_against_torch(x: np.ndarray, name: str, variant: str) -> None:
    forward, backward, torch_fn = activation_pair(name, variant)
    dout = rng(1).normal(size=x.shape)
    out, cache = forward(x)
    dx = backward(dout, cache)
    xt = torch_leaf(x)
    out_t = torch_fn(xt)
    out_t.backward(torch.from_numpy(dout))
    assert_close(out, out_t, name=f"{name} out")
    assert_close(dx, xt.grad, name=f"{name} dx")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(1,), (1, 1), (4, 7), (2, 3, 4, 5)])
def test_activation_matches_torch(name, variant, shape):
    x = 3 * rng(0).normal(size=shape)
    x.flat[0] = 0.0  # the kink of ReLU: torch's gradient there is 0
    check_activation_against_torch(x, name, variant)


LARGE = np.array(
    [-1000.0, -100.0, -30.0, -20.5, -20.0, -1e-3, 0.0, 1e-3, 19.9, 20.0, 20.5, 30.0, 100.0, 1000.0]
)


@pytest.mark.filterwarnings("error")  # an overflow warning from NumPy fails the test
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_large_inputs_are_stable(name, variant):
    forward, backward, _ = activation_pair(name, variant)
    out, cache = forward(LARGE)
    dx = backward(np.ones_like(LARGE), cache)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    check_activation_against_torch(LARGE, name, variant)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("beta, threshold", [(2.0, 5.0), (0.5, 20.0), (1.0, 1.0)])
def test_softplus_beta_threshold_match_torch(variant, beta, threshold):
    forward = act.softplus_forward if variant == "fast" else act.softplus_forward_naive
    backward = act.softplus_backward if variant == "fast" else act.softplus_backward_naive
    x = np.concatenate([4 * rng(2).normal(size=20), LARGE])
    dout = rng(3).normal(size=x.shape)
    out, cache = forward(x, beta=beta, threshold=threshold)
    xt = torch_leaf(x)
    out_t = F.softplus(xt, beta=beta, threshold=threshold)
    out_t.backward(torch.from_numpy(dout))
    assert_close(out, out_t, name="softplus out")
    assert_close(backward(dout, cache), xt.grad, name="softplus dx")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_numerical_gradient(name, variant):
    forward, backward, _ = activation_pair(name, variant)
    x = rng(4).normal(size=(3, 4))
    x[np.abs(x) < 1e-2] = 0.5  # keep centred differences away from ReLU's kink
    dout = rng(5).normal(size=x.shape)
    dx = backward(dout, forward(x)[1])
    check_gradient(dx, lambda z: np.sum(forward(z)[0] * dout), x)


def test_activation_variants_share_the_cache():
    x = rng(6).normal(size=(3, 5))
    dout = rng(7).normal(size=x.shape)
    for fwd, bwd, fwd_naive, bwd_naive, _ in ACTIVATIONS.values():
        assert_close(bwd_naive(dout, fwd(x)[1]), bwd(dout, fwd_naive(x)[1]), name="mixed variants")


# --------------------------------------------------------------------------- linear


def linear_pair(variant: str):
    if variant == "fast":
        return lin.linear_forward, lin.linear_backward
    return lin.linear_forward_naive, lin.linear_backward_naive


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("n, in_features, out_features", [(1, 1, 1), (1, 5, 3), (4, 3, 7), (6, 8, 2)])
def test_linear_matches_torch(variant, bias, n, in_features, out_features):
    forward, backward = linear_pair(variant)
    g = rng(10)
    x = g.normal(size=(n, in_features))
    w = g.normal(size=(out_features, in_features))
    b = g.normal(size=out_features) if bias else None
    dout = g.normal(size=(n, out_features))
    out, cache = forward(x, w, b)
    dx, dw, db = backward(dout, cache)

    xt, wt = torch_leaf(x), torch_leaf(w)
    bt = torch_leaf(b) if bias else None
    out_t = F.linear(xt, wt, bt)
    out_t.backward(torch.from_numpy(dout))
    assert_close(out, out_t, name="linear out")
    assert_close(dx, xt.grad, name="linear dx")
    assert_close(dw, wt.grad, name="linear dw")
    if bias:
        assert_close(db, bt.grad, name="linear db")
    else:
        assert db is None


@pytest.mark.parametrize("variant", VARIANTS)
def test_linear_numerical_gradient(variant):
    forward, backward = linear_pair(variant)
    g = rng(11)
    x, w, b = g.normal(size=(3, 4)), g.normal(size=(5, 4)), g.normal(size=5)
    dout = g.normal(size=(3, 5))
    dx, dw, db = backward(dout, forward(x, w, b)[1])
    check_gradient(dx, lambda z: np.sum(forward(z, w, b)[0] * dout), x)
    check_gradient(dw, lambda z: np.sum(forward(x, z, b)[0] * dout), w)
    check_gradient(db, lambda z: np.sum(forward(x, w, z)[0] * dout), b)


# --------------------------------------------------------------------------- losses


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("shape, axis", [((5,), 0), ((4, 6), 1), ((4, 6), 0), ((4, 6), -1), ((2, 3, 4), 1)])
def test_softmax_and_log_softmax_match_torch(shape, axis):
    x = 5 * rng(20).normal(size=shape)
    x.flat[0], x.flat[-1] = 1000.0, -1000.0  # large magnitudes: must not overflow
    xt = torch.from_numpy(x)
    assert_close(loss.softmax(x, axis=axis), F.softmax(xt, dim=axis), name="softmax")
    assert_close(loss.log_softmax(x, axis=axis), F.log_softmax(xt, dim=axis), name="log_softmax")


def cross_entropy_pair(variant: str):
    if variant == "fast":
        return loss.cross_entropy_forward, loss.cross_entropy_backward
    return loss.cross_entropy_forward_naive, loss.cross_entropy_backward_naive


def check_cross_entropy_against_torch(logits, target, variant, dloss=1.0):
    forward, backward = cross_entropy_pair(variant)
    value, cache = forward(logits, target)
    dlogits = backward(cache, dloss)
    lt = torch_leaf(logits)
    value_t = F.cross_entropy(lt, torch.from_numpy(target.astype(np.int64)))
    (value_t * dloss).backward()
    assert_close(np.asarray(value), value_t, name="cross_entropy loss")
    assert_close(dlogits, lt.grad, name="cross_entropy dlogits")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("n, c", [(1, 1), (1, 4), (5, 3), (8, 10)])
@pytest.mark.parametrize("target_dtype", [np.int64, np.int32, np.uint8])
@pytest.mark.parametrize("dloss", [1.0, 2.5])
def test_cross_entropy_matches_torch(variant, n, c, target_dtype, dloss):
    g = rng(21)
    logits = 3 * g.normal(size=(n, c))
    target = g.integers(0, c, size=n).astype(target_dtype)
    check_cross_entropy_against_torch(logits, target, variant, dloss)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("variant", VARIANTS)
def test_cross_entropy_large_logits_are_stable(variant):
    logits = np.array(
        [[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, -1000.0], [0.0, 0.0, 1000.0]]
    )
    target = np.array([1, 2, 0, 2])
    value, cache = cross_entropy_pair(variant)[0](logits, target)
    assert np.isfinite(value)
    check_cross_entropy_against_torch(logits, target, variant)


@pytest.mark.parametrize("variant", VARIANTS)
def test_cross_entropy_numerical_gradient(variant):
    forward, backward = cross_entropy_pair(variant)
    g = rng(22)
    logits, target = g.normal(size=(4, 5)), g.integers(0, 5, size=4)
    dlogits = backward(forward(logits, target)[1], 0.7)
    check_gradient(dlogits, lambda z: 0.7 * forward(z, target)[0], logits)


# -------------------------------------------------------------------------- dropout


def dropout_pair(variant: str):
    if variant == "fast":
        return drop.dropout_forward, drop.dropout_backward
    return drop.dropout_forward_naive, drop.dropout_backward_naive


@pytest.mark.parametrize("variant", VARIANTS)
def test_dropout_same_seed_same_mask(variant):
    forward, _ = dropout_pair(variant)
    x = rng(30).normal(size=(4, 5, 3))
    out_a, (mask_a, _) = forward(x, 0.4, seed=7)
    out_b, (mask_b, _) = forward(x, 0.4, seed=7)
    out_c, (mask_c, _) = forward(x, 0.4, rng=np.random.default_rng(7))
    out_d, _ = forward(x, 0.4, seed=8)
    np.testing.assert_array_equal(out_a, out_b)
    np.testing.assert_array_equal(mask_a, mask_b)
    np.testing.assert_array_equal(mask_a, mask_c)  # seed=s and rng=default_rng(s) agree
    assert not np.array_equal(out_a, out_d)


def test_dropout_generator_advances_and_variants_agree():
    x = rng(31).normal(size=(6, 7))
    generator = np.random.default_rng(3)
    first, _ = drop.dropout_forward(x, 0.5, rng=generator)
    second, _ = drop.dropout_forward(x, 0.5, rng=generator)
    assert not np.array_equal(first, second)  # the Generator moved on
    for seed in range(3):
        naive, _ = drop.dropout_forward_naive(x, 0.3, seed=seed)
        assert_close(naive, drop.dropout_forward(x, 0.3, seed=seed)[0], name="naive vs fast dropout")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("p", [0.0, 0.5, 1.0])
def test_dropout_eval_is_identity(variant, p):
    forward, backward = dropout_pair(variant)
    x = rng(32).normal(size=(3, 4))
    dout = rng(33).normal(size=x.shape)
    out, cache = forward(x, p, training=False, seed=0)
    xt = torch_leaf(x)
    out_t = F.dropout(xt, p, training=False)
    out_t.backward(torch.from_numpy(dout))
    assert_close(out, out_t, name="dropout eval out")
    assert_close(backward(dout, cache), xt.grad, name="dropout eval dx")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("p", [0.0, 1.0])
def test_dropout_deterministic_probabilities_match_torch(variant, p):
    # p = 0 keeps everything and p = 1 drops everything: torch is deterministic there too
    forward, backward = dropout_pair(variant)
    x = rng(34).normal(size=(2, 3, 4))
    dout = rng(35).normal(size=x.shape)
    out, cache = forward(x, p, seed=0)
    xt = torch_leaf(x)
    out_t = F.dropout(xt, p, training=True)
    out_t.backward(torch.from_numpy(dout))
    assert_close(out, out_t, name="dropout out")
    assert_close(backward(dout, cache), xt.grad, name="dropout dx")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("shape", [(1,), (1, 8), (3, 2, 5, 4)])
def test_dropout_follows_torch_formula_with_our_mask(variant, p, shape):
    """Torch's RNG differs, so apply torch's formula x * keep / (1 - p) with our keep mask."""
    forward, backward = dropout_pair(variant)
    x = rng(36).normal(size=shape)
    dout = rng(37).normal(size=shape)
    out, cache = forward(x, p, seed=11)
    keep = cache[0] != 0
    np.testing.assert_array_equal(out[~keep], 0.0)
    xt = torch_leaf(x)
    out_t = xt * torch.from_numpy(keep).to(torch.float64).div_(1 - p)
    out_t.backward(torch.from_numpy(dout))
    assert_close(out, out_t, name="dropout out")
    assert_close(backward(dout, cache), xt.grad, name="dropout dx (same mask)")


def test_dropout_preserves_the_expected_value():
    # Fixed seed, so this cannot flake; the tolerance is ~7 standard errors of the mean.
    x = np.ones(200_000)
    for p in (0.2, 0.5, 0.8):
        out, (mask, _) = drop.dropout_forward(x, p, seed=123)
        standard_error = np.sqrt(p / (1 - p) / x.size)
        assert abs(out.mean() - 1.0) < 7 * standard_error
        assert abs(np.mean(mask != 0) - (1 - p)) < 0.01


@pytest.mark.parametrize("variant", VARIANTS)
def test_dropout_numerical_gradient(variant):
    forward, backward = dropout_pair(variant)
    x = rng(38).normal(size=(3, 4))
    dout = rng(39).normal(size=x.shape)
    dx = backward(dout, forward(x, 0.5, seed=5)[1])
    check_gradient(dx, lambda z: np.sum(forward(z, 0.5, seed=5)[0] * dout), x)


# ----------------------------------------------------------------------- batch norm


def batch_norm_pair(variant: str):
    if variant == "fast":
        return norm.batch_norm_forward, norm.batch_norm_backward
    return norm.batch_norm_forward_naive, norm.batch_norm_backward_naive


def batch_norm_inputs(shape, seed=40):
    g = rng(seed)
    c = shape[1]
    x = 2 * g.normal(size=shape) + 0.5
    gamma, beta = g.normal(size=c), g.normal(size=c)
    running_mean, running_var = g.normal(size=c), g.uniform(0.5, 2.0, size=c)
    return x, gamma, beta, running_mean, running_var


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("momentum", [0.1, 0.3])
@pytest.mark.parametrize("shape", [(2, 3), (5, 1), (7, 4), (1, 4, 2, 3), (3, 2, 4, 5), (2, 3, 1, 1)])
def test_batch_norm_matches_torch(variant, training, momentum, shape):
    forward, backward = batch_norm_pair(variant)
    x, gamma, beta, running_mean, running_var = batch_norm_inputs(shape)
    dout = rng(41).normal(size=shape)
    rm_t, rv_t = torch.from_numpy(running_mean.copy()), torch.from_numpy(running_var.copy())
    out, cache = forward(x, gamma, beta, running_mean, running_var, training=training, momentum=momentum)
    dx, dgamma, dbeta = backward(dout, cache)

    xt, gt, bt = torch_leaf(x), torch_leaf(gamma), torch_leaf(beta)
    out_t = F.batch_norm(xt, rm_t, rv_t, gt, bt, training=training, momentum=momentum, eps=1e-5)
    out_t.backward(torch.from_numpy(dout))
    assert_close(out, out_t, name="batch_norm out")
    assert_close(dx, xt.grad, name="batch_norm dx")
    assert_close(dgamma, gt.grad, name="batch_norm dgamma")
    assert_close(dbeta, bt.grad, name="batch_norm dbeta")
    assert_close(running_mean, rm_t, name="running_mean")  # updated in place by both
    assert_close(running_var, rv_t, name="running_var")


@pytest.mark.parametrize("variant", VARIANTS)
def test_batch_norm_eval_leaves_running_stats_and_accepts_batch_one(variant):
    forward, _ = batch_norm_pair(variant)
    x, gamma, beta, running_mean, running_var = batch_norm_inputs((1, 3))
    before = (running_mean.copy(), running_var.copy())
    out, _ = forward(x, gamma, beta, running_mean, running_var, training=False, eps=1e-3)
    expected = F.batch_norm(
        torch.from_numpy(x), torch.from_numpy(before[0]), torch.from_numpy(before[1]),
        torch.from_numpy(gamma), torch.from_numpy(beta), training=False, eps=1e-3,
    )
    assert_close(out, expected)
    np.testing.assert_array_equal(running_mean, before[0])
    np.testing.assert_array_equal(running_var, before[1])


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (2, 2, 3, 2)])
def test_batch_norm_numerical_gradient(variant, training, shape):
    forward, backward = batch_norm_pair(variant)
    x, gamma, beta, running_mean, running_var = batch_norm_inputs(shape, seed=42)
    dout = rng(43).normal(size=shape)

    def f(x_, gamma_, beta_):  # fresh running statistics on every call
        out, _ = forward(x_, gamma_, beta_, running_mean.copy(), running_var.copy(), training=training)
        return np.sum(out * dout)

    _, cache = forward(x, gamma, beta, running_mean.copy(), running_var.copy(), training=training)
    dx, dgamma, dbeta = backward(dout, cache)
    check_gradient(dx, lambda z: f(z, gamma, beta), x)
    check_gradient(dgamma, lambda z: f(x, z, beta), gamma)
    check_gradient(dbeta, lambda z: f(x, gamma, z), beta)


# ----------------------------------------------------------------------- bad inputs

X23 = rng(50).normal(size=(2, 3))
C3 = np.ones(3)


def _bad_input_cases():
    """(id, call, fast op, naive op, pattern): ``call(op)`` applies one variant to a bad input."""
    relu_cache = act.relu_forward(X23)[1]
    softplus_cache = act.softplus_forward(X23)[1]
    lin_cache = lin.linear_forward(X23, np.ones((4, 3)))[1]
    ce_cache = loss.cross_entropy_forward(X23, np.array([0, 2]))[1]
    drop_cache = drop.dropout_forward(X23, 0.5, seed=0)[1]
    bn_cache = norm.batch_norm_forward(X23, C3, C3, C3.copy(), C3.copy())[1]
    logits43 = rng(51).normal(size=(4, 3))

    return [
        ("relu-int-x", lambda f: f(np.arange(6)), act.relu_forward, act.relu_forward_naive,
         r"relu: x must be a floating-point array, got dtype int"),
        ("relu-dout-shape", lambda f: f(X23.T, relu_cache), act.relu_backward, act.relu_backward_naive,
         r"relu_backward: dout must have shape \(2, 3\), got shape \(3, 2\)"),
        ("softplus-beta", lambda f: f(X23, beta=0.0), act.softplus_forward, act.softplus_forward_naive,
         r"softplus: beta must be a positive number, got 0.0"),
        ("softplus-dout-shape", lambda f: f(np.ones((2, 3, 1)), softplus_cache),
         act.softplus_backward, act.softplus_backward_naive,
         r"softplus_backward: dout must have shape \(2, 3\), got shape \(2, 3, 1\)"),
        ("linear-x-ndim", lambda f: f(np.ones((2, 3, 4)), np.ones((5, 4))),
         lin.linear_forward, lin.linear_forward_naive,
         r"linear: x must be 2-D \(N, in_features\), got shape \(2, 3, 4\)"),
        ("linear-w-mismatch", lambda f: f(np.ones((2, 4)), np.ones((3, 5))),
         lin.linear_forward, lin.linear_forward_naive,
         r"linear: w must have in_features = 4 .*x of shape \(2, 4\), got w of shape \(3, 5\)"),
        ("linear-w-ndim", lambda f: f(np.ones((2, 4)), np.ones(4)),
         lin.linear_forward, lin.linear_forward_naive,
         r"linear: w must be 2-D \(out_features, in_features\), got shape \(4,\)"),
        ("linear-b-shape", lambda f: f(np.ones((2, 4)), np.ones((3, 4)), np.ones(4)),
         lin.linear_forward, lin.linear_forward_naive,
         r"linear: b must have shape \(3,\), got shape \(4,\)"),
        ("linear-dout-shape", lambda f: f(np.ones((2, 3)), lin_cache),
         lin.linear_backward, lin.linear_backward_naive,
         r"linear_backward: dout must have shape \(2, 4\), got shape \(2, 3\)"),
        ("softmax-axis", lambda f: f(X23, axis=2), loss.softmax, loss.log_softmax,
         r"softmax: axis must be an int in \[-2, 2\) for x of shape \(2, 3\), got 2"),
        ("ce-logits-ndim", lambda f: f(np.ones(3), np.array([0])),
         loss.cross_entropy_forward, loss.cross_entropy_forward_naive,
         r"cross_entropy: logits must be 2-D \(N, C\), got shape \(3,\)"),
        ("ce-target-range", lambda f: f(logits43, np.array([0, 1, 3, 2])),
         loss.cross_entropy_forward, loss.cross_entropy_forward_naive,
         r"cross_entropy: target must hold class indices in \[0, 3\) .*got values in \[0, 3\]"),
        ("ce-target-negative", lambda f: f(logits43, np.array([0, -1, 2, 2])),
         loss.cross_entropy_forward, loss.cross_entropy_forward_naive,
         r"cross_entropy: target must hold class indices in \[0, 3\) .*got values in \[-1, 2\]"),
        ("ce-target-float", lambda f: f(logits43, np.array([0.0, 1.0, 2.0, 1.0])),
         loss.cross_entropy_forward, loss.cross_entropy_forward_naive,
         r"cross_entropy: target must hold integer class indices, got dtype float64 \(shape \(4,\)\)"),
        ("ce-target-length", lambda f: f(logits43, np.array([0, 1, 2])),
         loss.cross_entropy_forward, loss.cross_entropy_forward_naive,
         r"cross_entropy: target must have shape \(4,\) to match logits of shape \(4, 3\), got shape \(3,\)"),
        ("ce-dloss-shape", lambda f: f(ce_cache, np.ones(2)),
         loss.cross_entropy_backward, loss.cross_entropy_backward_naive,
         r"cross_entropy_backward: dloss must be a finite scalar, got shape \(2,\)"),
        ("dropout-p-high", lambda f: f(X23, 1.5), drop.dropout_forward, drop.dropout_forward_naive,
         r"dropout: p must be a probability in \[0, 1\], got 1.5"),
        ("dropout-p-negative", lambda f: f(X23, -0.1), drop.dropout_forward, drop.dropout_forward_naive,
         r"dropout: p must be a probability in \[0, 1\], got -0.1"),
        ("dropout-seed-and-rng", lambda f: f(X23, 0.5, seed=1, rng=np.random.default_rng(1)),
         drop.dropout_forward, drop.dropout_forward_naive, r"dropout: pass either seed or rng, not both"),
        ("dropout-dout-shape", lambda f: f(np.ones((3, 2)), drop_cache),
         drop.dropout_backward, drop.dropout_backward_naive,
         r"dropout_backward: dout must have shape \(2, 3\), got shape \(3, 2\)"),
        ("bn-x-ndim", lambda f: f(np.ones((2, 3, 4)), C3, C3, C3.copy(), C3.copy()),
         norm.batch_norm_forward, norm.batch_norm_forward_naive,
         r"batch_norm: x must be 2-D \(N, C\) or 4-D \(N, C, H, W\), got shape \(2, 3, 4\)"),
        ("bn-gamma-shape", lambda f: f(X23, np.ones(4), C3, C3.copy(), C3.copy()),
         norm.batch_norm_forward, norm.batch_norm_forward_naive,
         r"batch_norm: gamma must have shape \(3,\), got shape \(4,\)"),
        ("bn-running-var-shape", lambda f: f(np.ones((2, 3, 4, 4)), C3, C3, C3.copy(), np.ones((1, 3))),
         norm.batch_norm_forward, norm.batch_norm_forward_naive,
         r"batch_norm: running_var must have shape \(3,\), got shape \(1, 3\)"),
        ("bn-one-value-per-channel", lambda f: f(np.ones((1, 3)), C3, C3, C3.copy(), C3.copy()),
         norm.batch_norm_forward, norm.batch_norm_forward_naive,
         r"batch_norm: expected more than 1 value per channel when training, got x of shape \(1, 3\)"),
        ("bn-momentum", lambda f: f(X23, C3, C3, C3.copy(), C3.copy(), momentum=1.5),
         norm.batch_norm_forward, norm.batch_norm_forward_naive,
         r"batch_norm: momentum must be a number in \[0, 1\], got 1.5"),
        ("bn-dout-shape", lambda f: f(np.ones((2, 4)), bn_cache),
         norm.batch_norm_backward, norm.batch_norm_backward_naive,
         r"batch_norm_backward: dout must have shape \(2, 3\), got shape \(2, 4\)"),
    ]


BAD_INPUT_CASES = _bad_input_cases()


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(
    "call, fast, naive, pattern",
    [case[1:] for case in BAD_INPUT_CASES],
    ids=[case[0] for case in BAD_INPUT_CASES],
)
def test_bad_input_is_rejected(variant, call, fast, naive, pattern):
    with pytest.raises(ValueError, match=pattern):
        call(fast if variant == "fast" else naive)
