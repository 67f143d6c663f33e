"""The NumPy optimizers against torch.optim, step for step, in float64.

Each configuration runs at least 100 steps on the Rosenbrock function and on a small
two-layer network; after every step the parameters must agree with torch's to 1e-10
(relative). The NumPy side gets its gradients from its own parameters (analytic for
Rosenbrock, torch autograd evaluated at the NumPy values for the network), so any drift
in the update rule would compound over the run and show.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cnnbook.numpy_ops import optim

STEPS = 120
TOL = 1e-10

CONFIGS = [
    ("SGD", dict(lr=1e-3)),
    ("SGD", dict(lr=1e-3, momentum=0.9)),
    ("SGD", dict(lr=1e-3, momentum=0.9, dampening=0.1)),
    ("SGD", dict(lr=1e-3, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=1e-3, momentum=0.5, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01)),
    ("RMSprop", dict(lr=1e-2)),
    ("RMSprop", dict(lr=1e-3, momentum=0.9, centered=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=1e-3, alpha=0.9, centered=True)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), weight_decay=0.1)),
    ("Adam", dict(lr=1e-2, amsgrad=True)),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.3, amsgrad=True)),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CONFIGS)]


def rosenbrock_grad(p: np.ndarray) -> np.ndarray:
    """Gradient of f(x, y) = (1 - x)^2 + 100 (y - x^2)^2."""
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def rosenbrock_torch(p: torch.Tensor) -> torch.Tensor:
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_rosenbrock_matches_torch(name, kwargs):
    start = np.array([-1.2, 1.0])
    ours = start.copy()
    opt = getattr(optim, name)([ours], **kwargs)
    theirs = torch.tensor(start, requires_grad=True)
    ref = getattr(torch.optim, name)([theirs], foreach=False, **kwargs)
    for step in range(STEPS):
        opt.step([rosenbrock_grad(ours)])
        ref.zero_grad()
        rosenbrock_torch(theirs).backward()
        ref.step()
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=TOL, atol=TOL,
                                   err_msg=f"{name} {kwargs}: step {step + 1}")
    assert not np.allclose(ours, start), "the optimizer did not move"


def _net_loss(w1, b1, w2, b2, x, y):
    """Mean squared error of a tanh two-layer network: (N, 3) -> (N, 2)."""
    return ((torch.tanh(x @ w1.T + b1) @ w2.T + b2 - y) ** 2).mean()


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_small_network_matches_torch(name, kwargs):
    rng = np.random.default_rng(0)
    shapes = [(4, 3), (4,), (2, 4), (2,)]
    start = [rng.normal(size=s) for s in shapes]
    x, y = torch.tensor(rng.normal(size=(16, 3))), torch.tensor(rng.normal(size=(16, 2)))
    ours = [a.copy() for a in start]
    opt = getattr(optim, name)(ours, **kwargs)
    theirs = [torch.tensor(a, requires_grad=True) for a in start]
    ref = getattr(torch.optim, name)(theirs, foreach=False, **kwargs)
    for step in range(STEPS):
        at_ours = [torch.tensor(a, requires_grad=True) for a in ours]
        _net_loss(*at_ours, x, y).backward()
        opt.step([t.grad.numpy() for t in at_ours])
        ref.zero_grad()
        _net_loss(*theirs, x, y).backward()
        ref.step()
        for i, (a, t) in enumerate(zip(ours, theirs)):
            np.testing.assert_allclose(a, t.detach().numpy(), rtol=TOL, atol=TOL,
                                       err_msg=f"{name} {kwargs}: param {i}, step {step + 1}")


def test_defaults_match_torch():
    for name in ("SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW"):
        ours = getattr(optim, name)([np.zeros(1)])
        theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
        for key, value in theirs.items():
            if hasattr(ours, key):
                assert getattr(ours, key) == (tuple(value) if key == "betas" else value), (name, key)


def test_changing_lr_between_steps_matches_torch_scheduler():
    ours = np.array([-1.2, 1.0])
    opt = optim.SGD([ours], lr=1e-3, momentum=0.9)
    theirs = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    ref = torch.optim.SGD([theirs], lr=1e-3, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(ref, step_size=10, gamma=0.5)
    for step in range(50):
        opt.lr = 1e-3 * 0.5 ** (step // 10)
        opt.step([rosenbrock_grad(ours)])
        ref.zero_grad()
        rosenbrock_torch(theirs).backward()
        ref.step()
        sched.step()
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=TOL, atol=TOL)


def test_none_gradient_skips_parameter_like_torch():
    a, b = np.ones(3), np.ones(2)
    opt = optim.Adam([a, b], lr=0.1)
    opt.step([np.ones(3), None])
    np.testing.assert_array_equal(b, np.ones(2))
    assert opt.state[1] == {}
    assert opt.state[0]["step"] == 1


def test_updates_in_place_and_keeps_dtype():
    w = np.ones((2, 2), dtype=np.float32)
    before = w
    optim.SGD([w], lr=0.5).step([np.ones((2, 2), dtype=np.float64)])
    assert w is before and w.dtype == np.float32
    np.testing.assert_array_equal(w, np.full((2, 2), 0.5, dtype=np.float32))


def test_gradient_array_is_not_modified():
    w, g = np.ones(3), np.full(3, 2.0)
    optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.5).step([g])
    optim.Adam([w], weight_decay=0.5).step([g])
    np.testing.assert_array_equal(g, np.full(3, 2.0))


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: optim.SGD(np.ones(3)), "list of arrays"),
        (lambda: optim.SGD([]), "empty list"),
        (lambda: optim.SGD([np.ones(3, dtype=int)]), r"params\[0\] must be a float ndarray"),
        (lambda: optim.SGD([[1.0, 2.0]]), r"params\[0\] must be a float ndarray, got list"),
        (lambda: optim.SGD([np.ones(2)], lr=-1), "lr must be a number >= 0"),
        (lambda: optim.SGD([np.ones(2)], momentum=-0.1), "momentum"),
        (lambda: optim.SGD([np.ones(2)], nesterov=True), "nesterov=True needs momentum > 0"),
        (lambda: optim.SGD([np.ones(2)], momentum=0.9, dampening=0.1, nesterov=True), "dampening = 0"),
        (lambda: optim.Adam([np.ones(2)], betas=(0.9,)), "betas must be a pair"),
        (lambda: optim.Adam([np.ones(2)], betas=(1.0, 0.999)), r"betas\[0\] must be a number >= 0.0 and < 1.0"),
        (lambda: optim.Adadelta([np.ones(2)], rho=1.5), "rho"),
        (lambda: optim.RMSprop([np.ones(2)], eps="1e-8"), "eps"),
    ],
)
def test_bad_arguments_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_read_only_parameter_is_rejected():
    w = np.ones(3)
    w.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        optim.Adam([w])


def test_bad_gradients_are_named():
    opt = optim.Adam([np.ones(3), np.ones(2)])
    with pytest.raises(ValueError, match="got 1 gradients for 2 parameters"):
        opt.step([np.ones(3)])
    with pytest.raises(ValueError, match=r"grads\[1\] has shape \(3,\), expected .* \(2,\)"):
        opt.step([np.ones(3), np.ones(3)])
    opt.lr = -0.1
    with pytest.raises(ValueError, match="lr must be"):
        opt.step([np.ones(3), np.ones(2)])
