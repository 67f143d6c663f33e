"""Optimizers from scratch: SGD, Adagrad, Adadelta, RMSprop, Adam and AdamW on NumPy arrays.

Each class takes the list of parameter arrays it will update, with the same argument
names, defaults and update rules as ``torch.optim`` (the single-tensor ``foreach=False``
code path), so that on the same gradients the two agree step for step. ``step(grads)``
updates the arrays IN PLACE, the way ``optimizer.step()`` updates ``param.data``::

    params = [w, b]                       # float arrays, updated in place
    opt = Adam(params, lr=1e-3)
    for x, y in batches:
        loss, grads = model.loss_and_grads(x, y)   # grads: arrays shaped like params
        opt.step(grads)

``opt.lr`` may be changed between steps (a learning-rate schedule); ``opt.state[i]``
holds the buffers of parameter ``i`` under torch's names (``momentum_buffer``, ``sum``,
``square_avg``, ``acc_delta``, ``exp_avg``, ``exp_avg_sq``, ``step``). A gradient given as
``None`` leaves its parameter and state untouched, as in torch.

The update rules, with g the gradient after weight decay (g + wd * p), t the step count:

* SGD:      b = mu b + (1 - dampening) g  (b = g at the first step);  d = g + mu b (Nesterov)
            or d = b;   p -= lr d
* Adagrad:  s += g^2;   p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)
* Adadelta: v = rho v + (1 - rho) g^2;  d = sqrt(u + eps) / sqrt(v + eps) * g;
            u = rho u + (1 - rho) d^2;  p -= lr d
* RMSprop:  v = alpha v + (1 - alpha) g^2;  a = sqrt(v - m^2) if centered (m: mean of g)
            else sqrt(v);   p -= lr g / (a + eps)   (or a momentum buffer of that ratio)
* Adam:     m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;
            p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
* AdamW:    Adam without wd in g, and p *= 1 - lr wd before the update (decoupled decay).

Torch equivalent: ``torch.optim.SGD``, ``Adagrad``, ``Adadelta``, ``RMSprop``, ``Adam``, ``AdamW``.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

__all__ = ["Optimizer", "SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW"]


def _require_number(value, name: str, *, op: str, low: float = 0.0, high: Optional[float] = None,
                    high_open: bool = False) -> float:
    """Return ``value`` as a float in [low, high] (or [low, high) with ``high_open``)."""
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = math.isfinite(value) and value >= low
        if ok and high is not None:
            ok = value < high if high_open else value <= high
    if not ok:
        upper = "" if high is None else (f" and < {high}" if high_open else f" and <= {high}")
        raise ValueError(f"{op}: {name} must be a number >= {low}{upper}, got {value!r}")
    return value


class Optimizer:
    """Base class: holds the parameter list, the learning rate and per-parameter state.

    Subclasses implement ``_update(p, g, state)`` for one parameter array ``p`` (updated in
    place), its gradient ``g`` (a fresh array the subclass may overwrite) and its state dict.
    """

    def __init__(self, params: Sequence[np.ndarray], lr: float) -> None:
        op = type(self).__name__
        if isinstance(params, np.ndarray):
            raise ValueError(f"{op}: params must be a list of arrays, got a single ndarray; "
                             "wrap it in a list: [w]")
        params = list(params)
        if not params:
            raise ValueError(f"{op}: params is an empty list; give the arrays to optimize")
        for i, p in enumerate(params):
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                got = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
                raise ValueError(f"{op}: params[{i}] must be a float ndarray, got {got}")
            if not p.flags.writeable:
                raise ValueError(f"{op}: params[{i}] is read-only; the optimizer updates it in place")
        self.params: List[np.ndarray] = params
        self.lr = _require_number(lr, "lr", op=op)
        self.state: List[Dict[str, object]] = [{} for _ in params]

    def step(self, grads: Sequence[Optional[np.ndarray]]) -> None:
        """Update every parameter in place from its gradient (same order and shapes)."""
        op = f"{type(self).__name__}.step"
        grads = list(grads) if not isinstance(grads, np.ndarray) else [grads]
        if len(grads) != len(self.params):
            raise ValueError(f"{op}: got {len(grads)} gradients for {len(self.params)} parameters")
        self.lr = _require_number(self.lr, "lr", op=op)
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if g is None:
                continue
            g = np.asarray(g)
            if g.shape != p.shape:
                raise ValueError(f"{op}: grads[{i}] has shape {g.shape}, expected the shape "
                                 f"of params[{i}], {p.shape}")
            self._update(p, g.astype(p.dtype, copy=True), self.state[i])

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict) -> None:  # pragma: no cover
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum and weight decay.

    Args:
        params: arrays to optimize, updated in place.
        lr: learning rate.
        momentum: mu, the factor of the velocity buffer (0 disables momentum).
        dampening: the buffer adds (1 - dampening) g after the first step.
        weight_decay: L2 coefficient added to the gradient: g + weight_decay * p.
        nesterov: use the Nesterov look-ahead form d = g + mu b (needs momentum > 0 and
            dampening = 0).
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(params, lr)
        self.momentum = _require_number(momentum, "momentum", op="SGD")
        self.dampening = _require_number(dampening, "dampening", op="SGD", low=-math.inf)
        self.weight_decay = _require_number(weight_decay, "weight_decay", op="SGD")
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0, got "
                             f"momentum={momentum!r}, dampening={dampening!r}")

    def _update(self, p, g, state):
        if self.weight_decay:
            g += self.weight_decay * p
        if self.momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= self.momentum
                buf += (1 - self.dampening) * g
            g = g + self.momentum * buf if self.nesterov else buf
        p -= self.lr * g


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): per-coordinate steps lr / sqrt(sum of squared gradients).

    Args:
        lr: learning rate; lr_decay: the rate at step t is lr / (1 + (t - 1) lr_decay).
        weight_decay: L2 coefficient added to the gradient.
        initial_accumulator_value: starting value of the sum of squares.
        eps: added to sqrt(sum) in the denominator.
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> None:
        super().__init__(params, lr)
        self.lr_decay = _require_number(lr_decay, "lr_decay", op="Adagrad")
        self.weight_decay = _require_number(weight_decay, "weight_decay", op="Adagrad")
        self.initial_accumulator_value = _require_number(
            initial_accumulator_value, "initial_accumulator_value", op="Adagrad")
        self.eps = _require_number(eps, "eps", op="Adagrad")
        for p, state in zip(self.params, self.state):
            state["step"] = 0
            state["sum"] = np.full_like(p, self.initial_accumulator_value)

    def _update(self, p, g, state):
        state["step"] += 1
        if self.weight_decay:
            g += self.weight_decay * p
        clr = self.lr / (1 + (state["step"] - 1) * self.lr_decay)
        state["sum"] += g * g
        p -= clr * g / (np.sqrt(state["sum"]) + self.eps)


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): RMS of past updates over RMS of past gradients, times lr.

    Args:
        lr: a factor on the update (1.0 in the paper); rho: decay of both running averages.
        eps: added inside both square roots; weight_decay: L2 coefficient.
    """

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.rho = _require_number(rho, "rho", op="Adadelta", high=1.0)
        self.eps = _require_number(eps, "eps", op="Adadelta")
        self.weight_decay = _require_number(weight_decay, "weight_decay", op="Adadelta")

    def _update(self, p, g, state):
        if not state:
            state.update(step=0, square_avg=np.zeros_like(p), acc_delta=np.zeros_like(p))
        state["step"] += 1
        if self.weight_decay:
            g += self.weight_decay * p
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= self.rho
        square_avg += (1 - self.rho) * g * g
        delta = np.sqrt(acc_delta + self.eps) / np.sqrt(square_avg + self.eps) * g
        acc_delta *= self.rho
        acc_delta += (1 - self.rho) * delta * delta
        p -= self.lr * delta


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012): divide the gradient by a running RMS of recent gradients.

    Args:
        lr: learning rate; alpha: decay of the running mean of g^2; eps: added to the RMS.
        weight_decay: L2 coefficient; momentum: momentum on the scaled step (0 disables);
        centered: divide by the running standard deviation sqrt(E[g^2] - E[g]^2) instead.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False) -> None:
        super().__init__(params, lr)
        self.alpha = _require_number(alpha, "alpha", op="RMSprop")
        self.eps = _require_number(eps, "eps", op="RMSprop")
        self.weight_decay = _require_number(weight_decay, "weight_decay", op="RMSprop")
        self.momentum = _require_number(momentum, "momentum", op="RMSprop")
        self.centered = bool(centered)

    def _update(self, p, g, state):
        if not state:
            state.update(step=0, square_avg=np.zeros_like(p))
            if self.momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p)
            if self.centered:
                state["grad_avg"] = np.zeros_like(p)
        state["step"] += 1
        if self.weight_decay:
            g += self.weight_decay * p
        square_avg = state["square_avg"]
        square_avg *= self.alpha
        square_avg += (1 - self.alpha) * g * g
        if self.centered:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - self.alpha) * (g - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += self.eps
        if self.momentum > 0:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += g / avg
            p -= self.lr * buf
        else:
            p -= self.lr * g / avg


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): momentum and RMS scaling, both bias-corrected.

    Args:
        lr: learning rate; betas: (beta1, beta2), decay rates of the first and second
            moment estimates; eps: added to the corrected RMS in the denominator.
        weight_decay: L2 coefficient added to the gradient (coupled: it is rescaled by the
            RMS like the gradient; see AdamW for the decoupled form).
        amsgrad: divide by the running maximum of the second moment (Reddi et al., 2018).
    """

    _decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        super().__init__(params, lr)
        op = type(self).__name__
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise ValueError(f"{op}: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _require_number(betas[0], "betas[0]", op=op, high=1.0, high_open=True),
            _require_number(betas[1], "betas[1]", op=op, high=1.0, high_open=True),
        )
        self.eps = _require_number(eps, "eps", op=op)
        self.weight_decay = _require_number(weight_decay, "weight_decay", op=op)
        self.amsgrad = bool(amsgrad)

    def _update(self, p, g, state):
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
            if self.amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        beta1, beta2 = self.betas
        if self.weight_decay:
            if self._decoupled:
                p *= 1 - self.lr * self.weight_decay
            else:
                g += self.weight_decay * p
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (g - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * g * g
        second = exp_avg_sq
        if self.amsgrad:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            second = state["max_exp_avg_sq"]
        step_size = self.lr / (1 - beta1**t)
        denom = np.sqrt(second) / math.sqrt(1 - beta2**t) + self.eps
        p -= step_size * exp_avg / denom


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay p *= 1 - lr wd.

    Same arguments as :class:`Adam`; weight_decay defaults to 1e-2 as in torch.
    """

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
