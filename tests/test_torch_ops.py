"""cnnbook.torch_ops against torch.nn.functional: forward values and autograd gradients.

Both sides run in float64 on copies of the same inputs; outputs and the gradient with
respect to every input must agree to 1e-10 (shape, dtype, values, via tests/harness.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook import torch_ops
from harness import assert_close, rng, torch_leaf


def compare_with_torch(ours, theirs, arrays, *, tol=1e-10, seed=1):
    """Run ``ours(*leaves)`` and ``theirs(*leaves)`` on fresh leaves made from ``arrays``.

    ``None`` entries pass through (e.g. no bias). Checks the outputs, then backpropagates
    the same random upstream gradient through both and checks every input's gradient.
    """
    ours_in = [None if a is None else torch_leaf(a) for a in arrays]
    theirs_in = [None if a is None else torch_leaf(a) for a in arrays]
    out, expected = ours(*ours_in), theirs(*theirs_in)
    assert_close(out, expected, name="forward", tol=tol)
    upstream = torch.tensor(rng(seed).standard_normal(tuple(expected.shape)), dtype=torch.float64)
    out.backward(upstream)
    expected.backward(upstream)
    for i, (a, b) in enumerate(zip(ours_in, theirs_in)):
        if a is not None:
            assert_close(a.grad, b.grad, name=f"gradient of input {i}", tol=tol)


# --------------------------------------------------------------------------- conv2d

# (x shape, w shape, with bias, keyword arguments)
CONV_CASES = [
    pytest.param((1, 3, 7, 7), (4, 3, 3, 3), True, {}, id="batch1"),
    pytest.param((2, 3, 8, 6), (5, 3, 2, 4), True, dict(stride=(2, 1), padding=(1, 2)), id="nonsquare"),
    pytest.param((2, 2, 10, 9), (3, 2, 3, 3), True, dict(stride=2), id="stride-not-dividing"),
    pytest.param((2, 2, 11, 8), (3, 2, 3, 2), True, dict(stride=(3, 2), padding=1), id="stride-3-2"),
    pytest.param((2, 3, 11, 9), (4, 3, 3, 2), True, dict(dilation=(2, 3), padding=(2, 1)), id="dilation-pair"),
    pytest.param((2, 4, 6, 7), (6, 2, 3, 3), True, dict(groups=2, padding=1), id="groups2"),
    pytest.param((2, 3, 6, 6), (3, 1, 3, 3), True, dict(groups=3, stride=2, padding=1), id="depthwise"),
    pytest.param((1, 3, 5, 5), (6, 1, 3, 3), True, dict(groups=3), id="depthwise-multiplier2"),
    pytest.param((2, 5, 4, 3), (7, 5, 1, 1), True, {}, id="1x1"),
    pytest.param((2, 3, 7, 5), (4, 3, 3, 3), False, dict(stride=2, padding=1), id="no-bias"),
    pytest.param((2, 2, 4, 5), (3, 2, 4, 5), True, {}, id="kernel-equals-input"),
    pytest.param((3, 4, 9, 7), (4, 2, 2, 3), False,
                 dict(stride=(2, 3), padding=(1, 0), dilation=(2, 1), groups=2), id="everything"),
]


@pytest.mark.parametrize("x_shape, w_shape, bias, kwargs", CONV_CASES)
def test_conv2d_matches_torch(x_shape, w_shape, bias, kwargs):
    g = rng(0)
    arrays = [g.standard_normal(x_shape), g.standard_normal(w_shape),
              g.standard_normal(w_shape[0]) if bias else None]
    compare_with_torch(
        lambda x, w, b: torch_ops.conv2d(x, w, b, **kwargs),
        lambda x, w, b: F.conv2d(x, w, b, **kwargs),
        arrays,
    )


def test_conv2d_gradcheck():
    g = rng(2)
    x, w, b = (torch_leaf(g.standard_normal(s)) for s in [(1, 2, 5, 6), (4, 1, 2, 3), (4,)])
    fn = lambda x, w, b: torch_ops.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)
    assert torch.autograd.gradcheck(fn, (x, w, b))


# -------------------------------------------------------------------------- pooling

# (x shape, keyword arguments)
POOL_CASES = [
    pytest.param((1, 2, 6, 6), dict(kernel_size=2), id="batch1-default-stride"),
    pytest.param((2, 3, 7, 9), dict(kernel_size=3, stride=2), id="overlapping-not-dividing"),
    pytest.param((2, 2, 7, 8), dict(kernel_size=(2, 3), stride=(1, 2)), id="nonsquare"),
    pytest.param((2, 2, 5, 6), dict(kernel_size=3, stride=2, padding=1), id="padding"),
    pytest.param((1, 3, 6, 5), dict(kernel_size=(4, 2), stride=(3, 1), padding=(2, 1)), id="padding-pair"),
    pytest.param((2, 2, 5, 5), dict(kernel_size=1, stride=2), id="1x1"),
    pytest.param((2, 2, 4, 6), dict(kernel_size=(4, 6)), id="global"),
]


@pytest.mark.parametrize("x_shape, kwargs", POOL_CASES)
@pytest.mark.parametrize("ours, theirs", [(torch_ops.max_pool2d, F.max_pool2d),
                                          (torch_ops.avg_pool2d, F.avg_pool2d)],
                         ids=["max", "avg"])
def test_pool2d_matches_torch(ours, theirs, x_shape, kwargs):
    compare_with_torch(lambda x: ours(x, **kwargs), lambda x: theirs(x, **kwargs),
                       [rng(3).standard_normal(x_shape)])


@pytest.mark.parametrize("op", [torch_ops.max_pool2d, torch_ops.avg_pool2d], ids=["max", "avg"])
def test_pool2d_gradcheck(op):
    x = torch_leaf(rng(4).standard_normal((1, 2, 5, 4)))
    assert torch.autograd.gradcheck(lambda x: op(x, kernel_size=(3, 2), stride=(2, 1), padding=1), (x,))


def test_max_pool2d_padding_never_wins():
    x = torch.full((1, 1, 3, 3), -5.0, dtype=torch.float64)
    assert torch.all(torch_ops.max_pool2d(x, kernel_size=2, padding=1) == -5.0)


# ---------------------------------------------------------------------- activations

ACTIVATIONS = [
    pytest.param(torch_ops.relu, F.relu, id="relu"),
    pytest.param(torch_ops.sigmoid, torch.sigmoid, id="sigmoid"),
    pytest.param(torch_ops.tanh, torch.tanh, id="tanh"),
    pytest.param(torch_ops.softplus, F.softplus, id="softplus"),
]


@pytest.mark.parametrize("ours, theirs", ACTIVATIONS)
def test_activation_matches_torch(ours, theirs):
    x = rng(5).standard_normal((2, 3, 4, 5)) * 4
    compare_with_torch(ours, theirs, [x])


@pytest.mark.parametrize("ours, theirs", ACTIVATIONS)
def test_activation_extreme_inputs(ours, theirs):
    """Huge magnitudes, the threshold of softplus and exact zeros: no inf/nan, torch's values."""
    x = np.array([-1000.0, -745.0, -50.0, -20.0, -1e-8, 0.0, 1e-8, 19.999, 20.0, 20.001, 50.0, 1000.0])
    compare_with_torch(ours, theirs, [x])


@pytest.mark.parametrize("ours, theirs", ACTIVATIONS)
def test_activation_special_values(ours, theirs):
    x = torch.tensor([float("nan"), float("-inf"), float("inf"), 0.0], dtype=torch.float64)
    assert_close(ours(x), theirs(x))  # nan stays nan, infinities saturate


@pytest.mark.parametrize("ours, theirs", ACTIVATIONS)
def test_activation_keeps_float32(ours, theirs):
    x = torch.linspace(-30, 30, 61, dtype=torch.float32)
    out = ours(x)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, theirs(x), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- linear

@pytest.mark.parametrize("x_shape, w_shape, bias", [
    pytest.param((1, 4), (3, 4), True, id="batch1"),
    pytest.param((5, 7), (2, 7), True, id="batch"),
    pytest.param((6,), (3, 6), True, id="1-D"),
    pytest.param((2, 3, 5), (4, 5), True, id="extra-leading-axis"),
    pytest.param((5, 7), (2, 7), False, id="no-bias"),
])
def test_linear_matches_torch(x_shape, w_shape, bias):
    g = rng(6)
    arrays = [g.standard_normal(x_shape), g.standard_normal(w_shape),
              g.standard_normal(w_shape[0]) if bias else None]
    compare_with_torch(torch_ops.linear, F.linear, arrays)


# -------------------------------------------------------------------- cross_entropy

@pytest.mark.parametrize("n, k, scale", [
    pytest.param(1, 3, 1.0, id="batch1"),
    pytest.param(8, 10, 1.0, id="batch"),
    pytest.param(4, 1, 1.0, id="one-class"),
    pytest.param(6, 5, 1000.0, id="huge-logits"),
])
def test_cross_entropy_matches_torch(n, k, scale):
    g = rng(7)
    logits = g.standard_normal((n, k)) * scale
    target = torch.tensor(g.integers(0, k, size=n))
    compare_with_torch(lambda z: torch_ops.cross_entropy(z, target),
                       lambda z: F.cross_entropy(z, target), [logits])


def test_cross_entropy_int32_target():
    logits = torch_leaf(rng(8).standard_normal((3, 4)))
    target = torch.tensor([0, 3, 1], dtype=torch.int32)
    assert_close(torch_ops.cross_entropy(logits, target), F.cross_entropy(logits, target.long()))


# -------------------------------------------------------------------------- dropout

@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_matches_torch_mask_for_same_seed(p):
    """With the same seed our mask is the one F.dropout draws on the CPU."""
    x = rng(9).standard_normal((4, 3, 5, 6))
    ours_in, theirs_in = torch_leaf(x), torch_leaf(x)
    out = torch_ops.dropout(ours_in, p, generator=torch.Generator().manual_seed(123))
    state = torch.get_rng_state()
    try:
        torch.manual_seed(123)
        expected = F.dropout(theirs_in, p)
    finally:
        torch.set_rng_state(state)
    assert_close(out, expected)
    out.sum().backward()
    expected.sum().backward()
    assert_close(ours_in.grad, theirs_in.grad, name="gradient")


def test_dropout_statistics_and_scaling():
    p = 0.3
    x = torch.ones(200_000, dtype=torch.float64)
    out = torch_ops.dropout(x, p, generator=torch.Generator().manual_seed(0))
    kept = out != 0
    assert abs(kept.double().mean().item() - (1 - p)) < 0.005
    assert torch.allclose(out[kept], torch.full_like(out[kept], 1 / (1 - p)))
    assert abs(out.mean().item() - 1.0) < 0.01  # inverted dropout keeps the expectation


def test_dropout_reproducible_with_generator():
    x = torch.randn(50, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    a = torch_ops.dropout(x, 0.5, generator=torch.Generator().manual_seed(7))
    b = torch_ops.dropout(x, 0.5, generator=torch.Generator().manual_seed(7))
    c = torch_ops.dropout(x, 0.5, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_dropout_eval_and_edge_probabilities():
    x = torch_leaf(rng(10).standard_normal((3, 4)))
    assert torch.equal(torch_ops.dropout(x, 0.5, training=False), x)
    assert torch.equal(torch_ops.dropout(x, 0.0), x)
    dropped = torch_ops.dropout(x, 1.0)
    assert torch.equal(dropped, torch.zeros_like(x))
    dropped.sum().backward()
    assert torch.equal(x.grad, torch.zeros_like(x))


# ----------------------------------------------------------------------- batch_norm

@pytest.mark.parametrize("x_shape", [(6, 4), (1, 3, 4, 5), (3, 2, 3, 2)], ids=["2-D", "batch1-4-D", "4-D"])
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "no-affine"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batch_norm_matches_torch(x_shape, affine, training):
    g = rng(11)
    c = x_shape[1]
    x = g.standard_normal(x_shape) * 3 + 1
    gamma, beta = (g.standard_normal(c), g.standard_normal(c)) if affine else (None, None)
    mean0, var0 = g.standard_normal(c), g.uniform(0.5, 2.0, c)
    ours_stats = [torch.tensor(mean0), torch.tensor(var0)]
    theirs_stats = [torch.tensor(mean0), torch.tensor(var0)]
    compare_with_torch(
        lambda x, w, b: torch_ops.batch_norm(x, *ours_stats, w, b, training=training, momentum=0.1, eps=1e-5),
        lambda x, w, b: F.batch_norm(x, *theirs_stats, w, b, training=training, momentum=0.1, eps=1e-5),
        [x, gamma, beta],
    )
    assert_close(ours_stats[0], theirs_stats[0], name="running_mean")
    assert_close(ours_stats[1], theirs_stats[1], name="running_var")
    if not training:
        assert_close(ours_stats[0], torch.tensor(mean0), name="running_mean untouched in eval")


def test_batch_norm_training_without_running_stats():
    x = rng(12).standard_normal((5, 3, 2, 2))
    compare_with_torch(lambda x: torch_ops.batch_norm(x, None, None, training=True),
                       lambda x: F.batch_norm(x, None, None, training=True), [x])


# ----------------------------------------------------------------------- bad inputs

X = torch.zeros(2, 4, 8, 8, dtype=torch.float64)
W = torch.zeros(6, 4, 3, 3, dtype=torch.float64)

BAD_INPUTS = [
    pytest.param(lambda: torch_ops.conv2d(X[0], W), r"conv2d: x must be 4-D \(N, C, H, W\), got shape \(4, 8, 8\)",
                 id="conv-x-ndim"),
    pytest.param(lambda: torch_ops.conv2d(X, W[0]), r"conv2d: w must be 4-D .*got shape \(4, 3, 3\)",
                 id="conv-w-ndim"),
    pytest.param(lambda: torch_ops.conv2d(X, W[:, :3]), r"w must have shape .*\(F, 4, KH, KW\).*got shape \(6, 3, 3, 3\)",
                 id="conv-channel-mismatch"),
    pytest.param(lambda: torch_ops.conv2d(X, W[:, :1], groups=3), r"groups=3 must divide .*C=4",
                 id="conv-groups-not-dividing"),
    pytest.param(lambda: torch_ops.conv2d(X, W, torch.zeros(5, dtype=torch.float64)),
                 r"b must have shape \(6,\), got shape \(5,\)", id="conv-bias-shape"),
    pytest.param(lambda: torch_ops.conv2d(X, torch.zeros(6, 4, 9, 3, dtype=torch.float64)),
                 r"conv2d: effective kernel size \(9, 3\) is larger than the padded input \(8, 8\)",
                 id="conv-kernel-too-large"),
    pytest.param(lambda: torch_ops.conv2d(X, W, dilation=(5, 1)),
                 r"effective kernel size \(11, 3\) is larger", id="conv-dilated-kernel-too-large"),
    pytest.param(lambda: torch_ops.conv2d(X, W, stride=0), r"conv2d: stride must be positive, got 0",
                 id="conv-zero-stride"),
    pytest.param(lambda: torch_ops.conv2d(X, W, padding=-1), r"conv2d: padding must be at least 0, got -1",
                 id="conv-negative-padding"),
    pytest.param(lambda: torch_ops.conv2d(X, W.float()), r"w must have the dtype of x \(torch.float64\)",
                 id="conv-dtype-mismatch"),
    pytest.param(lambda: torch_ops.conv2d(X.numpy(), W), r"x must be a torch.Tensor, got ndarray",
                 id="conv-numpy-input"),
    pytest.param(lambda: torch_ops.max_pool2d(X, kernel_size=(2, 2, 2)),
                 r"max_pool2d: kernel_size must be an int or a pair", id="pool-kernel-triple"),
    pytest.param(lambda: torch_ops.max_pool2d(X, kernel_size=2, stride=(1, -1)),
                 r"max_pool2d: stride must be positive, got \(1, -1\)", id="pool-negative-stride"),
    pytest.param(lambda: torch_ops.avg_pool2d(X, kernel_size=3, padding=2),
                 r"avg_pool2d: padding must be at most half of kernel_size", id="pool-padding-too-large"),
    pytest.param(lambda: torch_ops.avg_pool2d(X, kernel_size=(9, 2)),
                 r"avg_pool2d: effective kernel size \(9, 2\) is larger than the padded input \(8, 8\)",
                 id="pool-window-too-large"),
    pytest.param(lambda: torch_ops.max_pool2d(X[0, 0], kernel_size=2),
                 r"max_pool2d: x must be 4-D \(N, C, H, W\), got shape \(8, 8\)", id="pool-x-ndim"),
    pytest.param(lambda: torch_ops.linear(X[0, 0], torch.zeros(3, 5, dtype=torch.float64)),
                 r"linear: w must have shape \(D_out, D_in\) = \(D_out, 8\).*got shape \(3, 5\)",
                 id="linear-feature-mismatch"),
    pytest.param(lambda: torch_ops.cross_entropy(X[0, 0], torch.zeros(7, dtype=torch.long)),
                 r"cross_entropy: target must have shape \(N,\) = \(8,\).*got shape \(7,\)",
                 id="ce-batch-mismatch"),
    pytest.param(lambda: torch_ops.cross_entropy(X[0, 0], torch.full((8,), 8)),
                 r"class indices in \[0, 8\).*got values in \[8, 8\]", id="ce-target-out-of-range"),
    pytest.param(lambda: torch_ops.cross_entropy(X[0, 0], torch.zeros(8)),
                 r"target must hold integer class indices, got dtype torch.float32", id="ce-float-target"),
    pytest.param(lambda: torch_ops.dropout(X, 1.5), r"dropout: p must be a probability in \[0, 1\], got 1.5",
                 id="dropout-p"),
    pytest.param(lambda: torch_ops.batch_norm(X, torch.zeros(3, dtype=torch.float64), torch.ones(4, dtype=torch.float64)),
                 r"batch_norm: running_mean must have shape \(4,\), got shape \(3,\)", id="bn-stats-shape"),
    pytest.param(lambda: torch_ops.batch_norm(X[:, :, 0, 0][:1], None, None, training=True),
                 r"more than 1 value per channel, got x of shape \(1, 4\)", id="bn-one-value"),
    pytest.param(lambda: torch_ops.batch_norm(X[0], None, None, training=True),
                 r"x must be 2-D \(N, C\) or 4-D \(N, C, H, W\), got shape \(4, 8, 8\)", id="bn-x-ndim"),
    pytest.param(lambda: torch_ops.relu(torch.arange(3)), r"relu: x must be a floating-point array, got dtype torch.int64",
                 id="relu-int"),
]


@pytest.mark.parametrize("call, message", BAD_INPUTS)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ------------------------------------------------------------------------------ GPU

@pytest.mark.gpu
class TestOnCuda:
    """The same ops on a CUDA device agree with the CPU and keep their output there."""

    TOL = {torch.float32: 1e-4, torch.float64: 1e-10}

    def check(self, fn, *inputs, dtype):
        cpu = [t.to(dtype) if t.is_floating_point() else t for t in inputs]
        gpu = [t.to("cuda") for t in cpu]
        out_cpu, out_gpu = fn(*cpu), fn(*gpu)
        assert out_gpu.device.type == "cuda"
        torch.testing.assert_close(out_gpu.cpu(), out_cpu, rtol=self.TOL[dtype], atol=self.TOL[dtype])
        return gpu

    @pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
    def test_conv2d(self, dtype):
        g = torch.Generator().manual_seed(0)
        x, w, b = (torch.randn(s, generator=g, dtype=torch.float64) for s in [(4, 6, 17, 13), (8, 3, 3, 2), (8,)])
        x_gpu, w_gpu, _ = self.check(
            lambda x, w, b: torch_ops.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
            x, w, b, dtype=dtype)
        x_gpu.requires_grad_(True)
        torch_ops.conv2d(x_gpu, w_gpu, groups=2).sum().backward()
        assert x_gpu.grad.device.type == "cuda"

    @pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
    @pytest.mark.parametrize("op", [torch_ops.max_pool2d, torch_ops.avg_pool2d], ids=["max", "avg"])
    def test_pooling(self, op, dtype):
        x = torch.randn(3, 4, 11, 10, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        self.check(lambda x: op(x, kernel_size=3, stride=2, padding=1), x, dtype=dtype)

    @pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
    @pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
    def test_batch_norm(self, training, dtype):
        g = torch.Generator().manual_seed(2)
        x = torch.randn(4, 3, 5, 6, generator=g, dtype=torch.float64)
        stats = {"cpu": (torch.zeros(3, dtype=dtype), torch.ones(3, dtype=dtype)),
                 "cuda": (torch.zeros(3, dtype=dtype, device="cuda"), torch.ones(3, dtype=dtype, device="cuda"))}
        self.check(lambda x: torch_ops.batch_norm(x, *stats[x.device.type], training=training), x, dtype=dtype)
        for cpu_stat, gpu_stat in zip(stats["cpu"], stats["cuda"]):
            assert gpu_stat.device.type == "cuda"
            torch.testing.assert_close(gpu_stat.cpu(), cpu_stat, rtol=self.TOL[dtype], atol=self.TOL[dtype])

    @pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
    def test_cross_entropy(self, dtype):
        g = torch.Generator().manual_seed(3)
        logits = torch.randn(16, 10, generator=g, dtype=torch.float64) * 5
        target = torch.randint(0, 10, (16,), generator=g)
        self.check(torch_ops.cross_entropy, logits, target, dtype=dtype)

    def test_dropout_with_cuda_generator(self):
        x = torch.ones(1000, device="cuda")
        out = torch_ops.dropout(x, 0.5, generator=torch.Generator(device="cuda").manual_seed(0))
        assert out.device.type == "cuda"
        assert set(out.unique().tolist()) <= {0.0, 2.0}
