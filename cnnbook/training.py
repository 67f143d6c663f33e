"""A small, transparent training loop for the torch chapters: fit, evaluate, early stopping.

The bundled digits fit in memory, so the loop keeps whole tensors on the device and draws
mini-batches by a seeded permutation: no DataLoader workers, identical runs on a CPU.
Everything a chapter switches on (a scheduler, a batch transform for augmentation, early
stopping, gradient noise, a per-epoch callback) is one keyword of :func:`fit`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from cnnbook.data.mnist import load_mnist, mnist_statistics
from cnnbook.device import get_device

Pair = Tuple[torch.Tensor, torch.Tensor]
# Learning-rate schedulers that change the rate after every batch, not every epoch.
PER_BATCH_SCHEDULERS = (torch.optim.lr_scheduler.OneCycleLR, torch.optim.lr_scheduler.CyclicLR)
GRAD_NOISE_DECAY = 0.55  # gamma of the annealed noise variance eta / (1 + t)^gamma


def mnist_tensors(
    *, normalize: bool = True, device: Optional[Union[str, torch.device]] = None
) -> Tuple[Pair, Pair]:
    """The bundled digits as tensors on ``device``: ((x_train, y_train), (x_test, y_test)).

    x: float32 (N, 1, 28, 28), pixels in [0, 1], or standardised with the training mean and
    standard deviation when ``normalize``; y: int64 (N,). N is 4,000 (train) and 1,000 (test).
    """
    device = get_device() if device is None else torch.device(device)
    mean, std = mnist_statistics() if normalize else (0.0, 1.0)
    pairs = []
    for split in ("train", "test"):
        x, y = load_mnist(split)
        images = (x.astype(np.float32) / 255.0 - mean) / std
        pairs.append(
            (
                torch.from_numpy(images).unsqueeze(1).to(device),
                torch.from_numpy(y).to(device),
            )
        )
    return pairs[0], pairs[1]


@dataclass
class History:
    """Per-epoch records of one :func:`fit` run (index 0 is epoch 1).

    train_loss / train_acc are averaged over the epoch's mini-batches while training (in
    train mode, so with dropout active); test_loss / test_acc are measured after the epoch
    in eval mode. ``lr`` is the learning rate of the first parameter group at the end of
    the epoch and ``seconds`` the epoch's wall time (training plus evaluation).
    """

    train_loss: List[float] = field(default_factory=list)
    train_acc: List[float] = field(default_factory=list)
    test_loss: List[float] = field(default_factory=list)
    test_acc: List[float] = field(default_factory=list)
    lr: List[float] = field(default_factory=list)
    seconds: List[float] = field(default_factory=list)
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        return len(self.test_loss)

    @property
    def best_epoch(self) -> int:
        """The epoch (counted from 1) with the lowest test loss."""
        if not self.test_loss:
            raise ValueError("History.best_epoch: no epoch has been recorded yet")
        return int(np.argmin(self.test_loss)) + 1

    @property
    def total_seconds(self) -> float:
        return float(sum(self.seconds))


class EarlyStopping:
    """Stop when the monitored loss has not improved by ``min_delta`` for ``patience`` epochs.

    Call :meth:`step` with the epoch's held-out loss; it returns True when training should
    stop. ``best_state`` keeps a copy of the model's weights at the best epoch when a model
    is passed, so they can be restored with ``model.load_state_dict(stopper.best_state)``.
    """

    def __init__(self, patience: int, min_delta: float = 0.0) -> None:
        if not isinstance(patience, int) or isinstance(patience, bool) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be a positive int, got {patience!r}")
        if not isinstance(min_delta, (int, float)) or min_delta < 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}")
        self.patience = patience
        self.min_delta = float(min_delta)
        self.best = math.inf
        self.best_epoch = 0
        self.epoch = 0
        self.bad_epochs = 0
        self.best_state: Optional[dict] = None

    def step(self, loss: float, model: Optional[nn.Module] = None) -> bool:
        self.epoch += 1
        if loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.bad_epochs = float(loss), self.epoch, 0
            if model is not None:
                self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience


@torch.no_grad()
def evaluate(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    batch_size: int = 1000,
    device: Optional[Union[str, torch.device]] = None,
) -> Tuple[float, float]:
    """Mean cross-entropy loss and accuracy (a fraction in [0, 1]) of ``model`` on (x, y).

    The model is put in eval mode (batch-norm running statistics, no dropout) and back into
    the mode it was in.
    """
    _check_pair((x, y), "evaluate", "(x, y)")
    device = next(model.parameters()).device if device is None else torch.device(device)
    was_training = model.training
    model.eval()
    total_loss, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        xb = x[start : start + batch_size].to(device)
        yb = y[start : start + batch_size].to(device)
        logits = model(xb)
        total_loss += F.cross_entropy(logits, yb, reduction="sum").item()
        correct += (logits.argmax(1) == yb).sum().item()
    model.train(was_training)
    return total_loss / len(x), correct / len(x)


def _check_pair(pair, op: str, name: str) -> None:
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
        raise ValueError(f"{op}: {name} must be a pair (x, y) of tensors, got {type(pair).__name__}")
    x, y = pair
    if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise ValueError(
            f"{op}: {name} must hold torch tensors, got ({type(x).__name__}, {type(y).__name__})"
        )
    if x.ndim != 4 or y.ndim != 1 or len(x) != len(y) or len(x) == 0:
        raise ValueError(
            f"{op}: {name} must be x (N, C, H, W) and y (N,) with the same N > 0, "
            f"got {tuple(x.shape)} and {tuple(y.shape)}"
        )


def fit(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    train: Pair,
    test: Pair,
    *,
    epochs: int,
    batch_size: int = 64,
    seed: int = 0,
    scheduler=None,
    transform: Optional[Callable[[torch.Tensor], torch.Tensor]] = None,
    early_stopping: Optional[EarlyStopping] = None,
    grad_noise: float = 0.0,
    callback: Optional[Callable[[int, nn.Module, History], None]] = None,
    device: Optional[Union[str, torch.device]] = None,
    verbose: bool = True,
) -> History:
    """Train ``model`` with cross-entropy for ``epochs`` epochs; evaluate on ``test`` each epoch.

    Args:
        model: a torch module mapping x (B, C, H, W) to logits (B, classes); moved to device.
        optimizer: a torch optimizer over the model's parameters.
        train, test: (x (N, C, H, W) float, y (N,) int64) tensors. ``test`` is the held-out
            set measured after every epoch (pass a validation split when early stopping,
            so the test set stays unseen).
        epochs: the number of passes over ``train``.
        batch_size: examples per step; the last, smaller batch of an epoch is kept.
        seed: seeds the shuffling (and the gradient noise), so runs are repeatable.
        scheduler: a torch lr scheduler, stepped after every epoch (with the test loss for
            ReduceLROnPlateau) or after every batch for OneCycleLR and CyclicLR.
        transform: applied to each training batch x (B, C, H, W) on the device, e.g. a
            torchvision v2 augmentation (note: a v2 transform called on a batch draws one
            random setting for the whole batch).
        early_stopping: an :class:`EarlyStopping`, fed the test loss after each epoch.
        grad_noise: eta of annealed Gaussian gradient noise (Neelakantan et al., 2015): each
            gradient gets noise of variance eta / (1 + t)^0.55 at step t; 0 disables it.
        callback: called as ``callback(epoch, model, history)`` after each epoch.
        verbose: print one line per epoch.

    Returns:
        The :class:`History` of the run.
    """
    _check_pair(train, "fit", "train")
    _check_pair(test, "fit", "test")
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"fit: batch_size must be a positive int, got {batch_size!r}")
    if not isinstance(grad_noise, (int, float)) or grad_noise < 0:
        raise ValueError(f"fit: grad_noise must be a number >= 0, got {grad_noise!r}")
    device = get_device() if device is None else torch.device(device)
    model.to(device)
    x_train, y_train = train[0].to(device), train[1].to(device)
    x_test, y_test = test[0].to(device), test[1].to(device)
    generator = torch.Generator().manual_seed(seed)
    per_batch = isinstance(scheduler, PER_BATCH_SCHEDULERS)
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    history, step = History(), 0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(x_train), generator=generator).to(device)
        loss_sum, correct = 0.0, 0
        for first in range(0, len(order), batch_size):
            idx = order[first : first + batch_size]
            xb, yb = x_train[idx], y_train[idx]
            if transform is not None:
                xb = transform(xb)
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if grad_noise > 0:
                _add_gradient_noise(model, grad_noise, step, generator)
            optimizer.step()
            if per_batch:
                scheduler.step()
            step += 1
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
        test_loss, test_acc = evaluate(model, x_test, y_test)
        if scheduler is not None and not per_batch:
            scheduler.step(test_loss) if plateau else scheduler.step()
        history.train_loss.append(loss_sum / len(order))
        history.train_acc.append(correct / len(order))
        history.test_loss.append(test_loss)
        history.test_acc.append(test_acc)
        history.lr.append(optimizer.param_groups[0]["lr"])
        history.seconds.append(time.perf_counter() - start)
        if verbose:
            print(
                f"epoch {epoch:3d}  train loss {history.train_loss[-1]:.4f} "
                f"acc {history.train_acc[-1]:.2%}  |  test loss {test_loss:.4f} "
                f"acc {test_acc:.2%}  |  lr {history.lr[-1]:.2g}  {history.seconds[-1]:.1f} s"
            )
        if callback is not None:
            callback(epoch, model, history)
        if early_stopping is not None and early_stopping.step(test_loss, model):
            history.stopped_early = True
            if verbose:
                print(
                    f"early stop after epoch {epoch}: no improvement for "
                    f"{early_stopping.patience} epochs (best epoch {early_stopping.best_epoch})"
                )
            break
    return history


def _add_gradient_noise(model: nn.Module, eta: float, step: int, generator: torch.Generator) -> None:
    """Add N(0, eta / (1 + step)^0.55) noise to every parameter gradient, in place."""
    std = math.sqrt(eta / (1 + step) ** GRAD_NOISE_DECAY)
    for p in model.parameters():
        if p.grad is not None:
            noise = torch.randn(p.grad.shape, generator=generator, dtype=p.grad.dtype)
            p.grad.add_(noise.to(p.grad.device), alpha=std)
