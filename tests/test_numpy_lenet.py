"""NumpyLeNet5 against the torch LeNet5: forward, loss, gradients, optimizer steps, bad input.

The torch model is the oracle: weights are copied from a seeded torch LeNet5 in float64,
then the NumPy logits, loss and every parameter gradient must equal torch autograd's to
1e-10; a few SGD steps with cnnbook.numpy_ops.optim.SGD must equal torch.optim.SGD's.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.gradcheck import numerical_gradient
from cnnbook.models.lenet import LeNet5
from cnnbook.models.numpy_lenet import NumpyLeNet5
from harness import assert_close, rng

CONFIGS = [
    # activation, pool, num_classes, batch size
    ("relu", "max", 10, 3),
    ("relu", "max", 10, 1),
    ("tanh", "avg", 7, 2),
    ("sigmoid", "max", 10, 2),
]


def torch_and_numpy(activation="relu", pool="max", num_classes=10, seed=0):
    torch.manual_seed(seed)
    model = LeNet5(num_classes, activation=activation, pool=pool).double()
    return model, NumpyLeNet5.from_torch(model, dtype=np.float64)


def batch(n, num_classes=10, seed=0):
    g = rng(seed)
    return g.standard_normal((n, 1, 28, 28)), g.integers(0, num_classes, size=n)


@pytest.mark.parametrize("activation, pool, num_classes, n", CONFIGS)
def test_forward_loss_and_gradients_match_torch(activation, pool, num_classes, n):
    model, net = torch_and_numpy(activation, pool, num_classes)
    x, y = batch(n, num_classes)
    logits_t = model(torch.from_numpy(x))
    loss_t = F.cross_entropy(logits_t, torch.from_numpy(y))
    loss_t.backward()

    assert_close(net.forward(x), logits_t, name="logits")
    loss, grads = net.loss_and_grads(x, y)
    assert isinstance(loss, float)
    np.testing.assert_allclose(loss, loss_t.item(), rtol=1e-10, atol=1e-10)
    assert len(grads) == len(net.params) == 10
    for name, g, p in zip(net.param_names, grads, model.parameters()):
        assert_close(g, p.grad, name=f"d{name}")


def test_parameter_order_and_state_dict_keys_follow_torch():
    model, net = torch_and_numpy()
    assert list(net.state_dict()) == list(model.state_dict())
    for p, (key, value) in zip(net.params, model.state_dict().items()):
        assert_close(p, value, name=key)
    assert net.num_parameters == sum(p.numel() for p in model.parameters()) == 61706


def test_to_torch_round_trip():
    _, net = torch_and_numpy(activation="tanh", pool="avg", num_classes=5)
    model = net.to_torch()
    assert isinstance(model, LeNet5)
    x, _ = batch(2)
    assert_close(net.forward(x), model(torch.from_numpy(x)), name="logits after to_torch")
    net32 = NumpyLeNet5()
    assert next(net32.to_torch().parameters()).dtype == torch.float32


def test_load_state_dict_keeps_array_identity():
    model, _ = torch_and_numpy(seed=1)
    net = NumpyLeNet5(dtype=np.float64, seed=5)
    arrays = list(net.params)
    net.load_state_dict(model.state_dict())
    assert all(a is b for a, b in zip(arrays, net.params))
    assert_close(net.params[4], model.state_dict()["classifier.1.weight"], name="fc1.weight")


def test_gradients_match_centred_differences():
    _, net = torch_and_numpy(activation="tanh")
    x, y = batch(2)
    _, grads = net.loss_and_grads(x, y)
    for index in (1, 3, 9):  # conv1.bias, conv2.bias, fc3.bias: small enough to probe every entry
        numeric = numerical_gradient(lambda _: net.loss_and_grads(x, y)[0], net.params[index])
        np.testing.assert_allclose(grads[index], numeric, rtol=1e-6, atol=1e-8)


def test_init_is_seeded_and_uses_torch_default_bounds():
    a, b, c = NumpyLeNet5(seed=0), NumpyLeNet5(seed=0), NumpyLeNet5(seed=1)
    assert all(np.array_equal(p, q) for p, q in zip(a.params, b.params))
    assert not np.array_equal(a.params[0], c.params[0])
    assert all(p.dtype == np.float32 for p in a.params)
    torch.manual_seed(0)
    model = LeNet5()
    torch_params = [q.detach().numpy() for q in model.parameters()]
    for i in range(0, 10, 2):  # a weight and the bias that follows it share fan_in
        bound = 1.0 / np.sqrt(np.prod(a.params[i].shape[1:]))  # torch: kaiming-uniform, a = sqrt(5)
        for j in (i, i + 1):
            assert np.abs(a.params[j]).max() <= bound, a.param_names[j]
            assert np.abs(torch_params[j]).max() <= bound * (1 + 1e-6), a.param_names[j]
            if a.params[j].size >= 100:  # large draws come close to the bound, like torch's
                assert np.abs(a.params[j]).max() >= 0.95 * bound, a.param_names[j]
                assert abs(a.params[j].std() - torch_params[j].std()) < 0.1 * bound


def test_float32_forward_keeps_float32():
    net = NumpyLeNet5()
    x, y = batch(4)
    logits = net.forward(x)  # float64 input is cast to the model's dtype
    assert logits.dtype == np.float32
    _, grads = net.loss_and_grads(x.astype(np.float32), y)
    assert all(g.dtype == np.float32 for g in grads)
    assert net.predict(x).shape == (4,) and net.predict(x).dtype == np.int64


def test_predict_and_evaluate_agree_with_forward():
    _, net = torch_and_numpy()
    x, y = batch(7)
    logits = net.forward(x)
    assert np.array_equal(net.predict(x, batch_size=3), logits.argmax(1))
    loss, acc = net.evaluate(x, y, batch_size=3)
    expected = F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(y)).item()
    np.testing.assert_allclose(loss, expected, rtol=1e-10)
    assert acc == np.mean(logits.argmax(1) == y)


@pytest.mark.parametrize("momentum, nesterov, weight_decay", [(0.0, False, 0.0), (0.9, False, 5e-4), (0.9, True, 0.0)])
def test_sgd_steps_match_torch_optim(momentum, nesterov, weight_decay):
    from cnnbook.numpy_ops.optim import SGD

    model, net = torch_and_numpy()
    opt_t = torch.optim.SGD(model.parameters(), lr=0.05, momentum=momentum, nesterov=nesterov,
                            weight_decay=weight_decay)
    opt_n = SGD(net.params, lr=0.05, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
    for step in range(4):
        x, y = batch(5, seed=10 + step)
        opt_t.zero_grad()
        F.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        opt_t.step()
        _, grads = net.loss_and_grads(x, y)
        opt_n.step(grads)
    for name, p, q in zip(net.param_names, net.params, model.parameters()):
        assert_close(p, q, name=f"{name} after 4 steps")


# ---------------------------------------------------------------------- bad input

@pytest.mark.parametrize(
    "x, message",
    [
        (np.zeros((1, 28, 28)), "x must be 4-D (N, 1, 28, 28), got shape (1, 28, 28)"),
        (np.zeros((2, 3, 28, 28)), "x must have shape (N, 1, 28, 28) with N >= 1, got (2, 3, 28, 28)"),
        (np.zeros((2, 1, 32, 32)), "got (2, 1, 32, 32)"),
        (np.zeros((0, 1, 28, 28)), "got (0, 1, 28, 28)"),
        (np.zeros((2, 1, 28, 28), dtype=np.uint8), "x must be a floating-point array, got dtype uint8"),
        ([[0.0]], "x must be an array of shape (N, 1, 28, 28), got list"),
    ],
)
def test_bad_x(x, message):
    with pytest.raises(ValueError, match="NumpyLeNet5") as info:
        NumpyLeNet5().forward(x)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_classes=0), "num_classes must be a positive int, got 0"),
        (dict(activation="gelu"), "activation must be one of ['relu', 'sigmoid', 'tanh'], got 'gelu'"),
        (dict(pool="lp"), "pool must be 'max' or 'avg', got 'lp'"),
        (dict(dtype=np.float16), "dtype must be float32 or float64, got float16"),
    ],
)
def test_bad_constructor_arguments(kwargs, message):
    with pytest.raises(ValueError) as info:
        NumpyLeNet5(**kwargs)
    assert message in str(info.value)


def test_backward_errors():
    net = NumpyLeNet5()
    with pytest.raises(ValueError, match="call forward"):
        net.backward(np.zeros((2, 10), dtype=np.float32))
    net.forward(np.zeros((2, 1, 28, 28), dtype=np.float32))
    with pytest.raises(ValueError, match=r"dlogits must have shape \(2, 10\), got \(3, 10\)"):
        net.backward(np.zeros((3, 10), dtype=np.float32))
    with pytest.raises(ValueError, match="dlogits must be a floating-point array"):
        net.backward(np.zeros((2, 10), dtype=np.int64))


def test_loss_rejects_bad_labels():
    with pytest.raises(ValueError, match="target"):
        NumpyLeNet5().loss_and_grads(np.zeros((2, 1, 28, 28)), np.array([0, 10]))


def test_torch_conversion_errors():
    with pytest.raises(ValueError, match="model must be a LeNet5, got Linear"):
        NumpyLeNet5.from_torch(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="model must have norm=None, got BatchNorm2d"):
        NumpyLeNet5.from_torch(LeNet5(norm="batch"))
    with pytest.raises(ValueError, match="model must have dropout=0, got 0.5"):
        NumpyLeNet5.from_torch(LeNet5(dropout=0.5))
    with pytest.raises(ValueError, match="activation must be one of .* got 'gelu'"):
        NumpyLeNet5.from_torch(LeNet5(activation="gelu"))
    net = NumpyLeNet5()
    state = LeNet5().state_dict()
    with pytest.raises(ValueError, match=r"features.0.weight \(conv1.weight\) must have shape \(6, 1, 5, 5\), got \(6, 1, 3, 3\)"):
        net.load_state_dict({**state, "features.0.weight": torch.zeros(6, 1, 3, 3)})
    del state["classifier.7.bias"]
    with pytest.raises(ValueError, match=r"state has no key 'classifier.7.bias' \(fc3.bias\)"):
        net.load_state_dict(state)
    with pytest.raises(ValueError, match="state must be a dict, got list"):
        net.load_state_dict([])
