"""The training loop: it learns, it is repeatable, and each switch does what it says."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnnbook.training import EarlyStopping, History, evaluate, fit, mnist_tensors


def tiny_task(n=256, seed=0):
    """A linearly separable 2-class task on 1x4x4 images."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 4, 4, generator=g)
    y = (x[:, 0, 0, 0] + x[:, 0, 3, 3] > 0).long()
    return (x[: n // 2], y[: n // 2]), (x[n // 2 :], y[n // 2 :])


def tiny_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 2))


def test_fit_learns_and_is_repeatable():
    train, test = tiny_task()
    runs = []
    for _ in range(2):
        model = tiny_model()
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        hist = fit(model, opt, train, test, epochs=5, batch_size=16, device="cpu", verbose=False)
        runs.append((hist, model[1].weight.detach().clone()))
    (h1, w1), (h2, w2) = runs
    assert h1.test_acc == h2.test_acc and torch.equal(w1, w2)
    assert h1.test_loss[-1] < h1.test_loss[0] and h1.test_acc[-1] > 0.9
    assert h1.epochs == 5 and len(h1.lr) == 5 and len(h1.seconds) == 5


def test_evaluate_matches_a_direct_computation():
    train, test = tiny_task()
    model = tiny_model()
    loss, acc = evaluate(model, *test, batch_size=7)
    logits = model(test[0])
    assert loss == pytest.approx(F.cross_entropy(logits, test[1]).item(), rel=1e-6)
    assert acc == pytest.approx((logits.argmax(1) == test[1]).float().mean().item())


def test_train_metrics_average_the_epochs_batches():
    train, test = tiny_task()
    model = tiny_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)  # nothing changes: train == eval numbers
    hist = fit(model, opt, train, train, epochs=1, batch_size=10, device="cpu", verbose=False)
    assert hist.train_loss[0] == pytest.approx(hist.test_loss[0], rel=1e-6)
    assert hist.train_acc[0] == pytest.approx(hist.test_acc[0])


def test_schedulers_step_per_epoch_per_batch_and_on_plateau():
    train, test = tiny_task()
    model = tiny_model()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    step = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    hist = fit(model, opt, train, test, epochs=3, scheduler=step, device="cpu", verbose=False)
    assert hist.lr == [0.5, 0.25, 0.125]

    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    one = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=2 * 8)
    fit(model, opt, train, test, epochs=2, batch_size=16, scheduler=one, device="cpu", verbose=False)
    assert one.last_epoch == 16  # 128 examples / 16 per batch = 8 steps per epoch

    class RecordingPlateau(torch.optim.lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics):
            seen.append(metrics)
            super().step(metrics)

    seen = []
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    plateau = RecordingPlateau(opt, factor=0.1, patience=0, threshold=10.0)  # never "improves"
    hist = fit(model, opt, train, test, epochs=3, scheduler=plateau, device="cpu", verbose=False)
    assert seen == hist.test_loss  # stepped with the held-out loss after each epoch
    assert hist.lr == pytest.approx([0.05, 0.005, 0.0005])  # cut x0.1 after every epoch


def test_early_stopping_counts_patience_and_keeps_best_weights():
    stopper = EarlyStopping(patience=2)
    model = tiny_model()
    decisions = [stopper.step(v, model) for v in [1.0, 0.8, 0.9, 0.85]]
    assert decisions == [False, False, False, True]
    assert stopper.best == 0.8 and stopper.best_epoch == 2
    assert set(stopper.best_state) == set(model.state_dict())

    train, test = tiny_task()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    hist = fit(model, opt, train, test, epochs=10, early_stopping=EarlyStopping(patience=3),
               device="cpu", verbose=False)
    assert hist.stopped_early and hist.epochs == 4


def test_transform_and_gradient_noise_are_applied():
    train, test = tiny_task()
    seen = []

    def transform(x):
        seen.append(x.shape)
        return -x

    model = tiny_model()
    fit(model, torch.optim.SGD(model.parameters(), lr=0.1), train, test, epochs=1,
        batch_size=32, transform=transform, device="cpu", verbose=False)
    assert seen == [torch.Size([32, 1, 4, 4])] * 4

    weights = []
    for noise in (0.0, 0.5, 0.5):
        model = tiny_model()
        fit(model, torch.optim.SGD(model.parameters(), lr=0.1), train, test, epochs=1,
            grad_noise=noise, device="cpu", verbose=False)
        weights.append(model[1].weight.detach().clone())
    assert not torch.equal(weights[0], weights[1])
    assert torch.equal(weights[1], weights[2])  # seeded noise


def test_callback_is_called_each_epoch():
    train, test = tiny_task()
    calls = []
    model = tiny_model()
    fit(model, torch.optim.SGD(model.parameters(), lr=0.1), train, test, epochs=3, device="cpu",
        verbose=False, callback=lambda e, m, h: calls.append((e, h.epochs)))
    assert calls == [(1, 1), (2, 2), (3, 3)]


def test_mnist_tensors_are_standardised_with_training_statistics():
    (xtr, ytr), (xte, yte) = mnist_tensors(device="cpu")
    assert xtr.shape == (4000, 1, 28, 28) and xte.shape == (1000, 1, 28, 28)
    assert xtr.dtype == torch.float32 and ytr.dtype == torch.int64
    assert abs(xtr.double().mean().item()) < 1e-5 and xtr.double().std().item() == pytest.approx(1, abs=1e-3)
    raw, _ = mnist_tensors(normalize=False, device="cpu")
    assert raw[0].min().item() == 0.0 and raw[0].max().item() == 1.0


def test_history_best_epoch():
    hist = History(test_loss=[0.5, 0.3, 0.4])
    assert hist.best_epoch == 2
    with pytest.raises(ValueError, match="no epoch"):
        History().best_epoch


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(epochs=0), "epochs must be a positive int"),
        (dict(epochs=1, batch_size=0), "batch_size must be a positive int"),
        (dict(epochs=1, grad_noise=-1), "grad_noise must be a number >= 0"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    train, test = tiny_task()
    model = tiny_model()
    with pytest.raises(ValueError, match=match):
        fit(model, torch.optim.SGD(model.parameters(), lr=0.1), train, test, **kwargs)


def test_bad_data_is_named():
    model = tiny_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    train, test = tiny_task()
    with pytest.raises(ValueError, match="train must be a pair"):
        fit(model, opt, train[0], test, epochs=1)
    with pytest.raises(ValueError, match="test must hold torch tensors"):
        fit(model, opt, train, (np.zeros((2, 1, 4, 4)), np.zeros(2)), epochs=1)
    with pytest.raises(ValueError, match=r"same N > 0, got \(128, 1, 4, 4\) and \(3,\)"):
        fit(model, opt, (train[0], train[1][:3]), test, epochs=1)
    with pytest.raises(ValueError, match="patience must be a positive int"):
        EarlyStopping(0)


@pytest.mark.gpu
def test_fit_trains_lenet_on_the_gpu_like_on_the_cpu():
    from cnnbook.models import LeNet5

    train, test = mnist_tensors(device="cpu")
    accs = {}
    for device in ("cpu", "cuda"):
        torch.manual_seed(0)
        model = LeNet5()
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        hist = fit(model, opt, train, test, epochs=4, device=device, verbose=False)
        assert next(model.parameters()).device.type == device
        accs[device] = hist.test_acc[-1]
    # GPU kernels (cuDNN, TF32) round differently and are not deterministic, so the two runs
    # drift apart (measured on an H100: 95.8% vs 91.4% after 4 epochs); both must learn.
    assert accs["cpu"] > 0.9 and accs["cuda"] > 0.85
