"""Checks for the batch-normalisation exercises (chapter 6).

Two exercises, both in training mode, for x of shape (N, D) (a fully connected layer's
input, D features) or (N, C, H, W) (a convolutional layer's input, C channels):

    batch_norm_forward(x, gamma, beta, running_mean, running_var, momentum, eps)
        -> (out, new_running_mean, new_running_var)
    batch_norm_backward(dout, x, gamma, eps) -> (dx, dgamma, dbeta)

Statistics are per feature / per channel: over the axis N for (N, D) input and over the
axes (N, H, W) for (N, C, H, W) input, so each channel pools m = N (or N H W) values.
With mu and sigma^2 the mean and the *biased* variance (divide by m) of a channel,

    xhat = (x - mu) / sqrt(sigma^2 + eps),   out = gamma xhat + beta,
    new_running_mean = (1 - momentum) running_mean + momentum mu,
    new_running_var  = (1 - momentum) running_var  + momentum sigma^2 m / (m - 1),

the running variance using the *unbiased* estimate, exactly as ``torch.nn.BatchNorm``.
gamma, beta, running_mean, running_var and the two returned running statistics have shape
(C,) (or (D,)). The forward function must not write into its arguments: it returns the new
running statistics as new arrays (torch updates its buffers in place; here the check wants
the values back). The backward function receives x and recomputes what it needs, and
returns dx (the shape of x) and dgamma, dbeta of shape (C,).

The expected answers come from torch in float64: ``torch.nn.functional.batch_norm`` in
training mode for the forward pass and its running-statistics update, torch autograd
through the same call for the backward pass. The package's own
``cnnbook.numpy_ops.batch_norm_forward/backward`` play no part. The ``_diagnose_*``
functions recognise typical mistakes (unbiased variance for normalising, biased variance
for the running estimate, a forgotten eps, statistics over the wrong axes, momentum
reversed, running statistics not updated, a backward pass missing the paths through the
mean or the variance, a dgamma built from x instead of xhat).

An instructor's grader also runs each check on hidden cases, e.g.
``check_batch_norm_forward(fn, cases=batch_norm_forward_hidden_cases(rng))``: random
shapes, momentum, eps and data of the same kinds as the public cases, from the same oracle.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from cnnbook.exercises.core import Case, CheckResult, close_to, run_check

FORWARD_NAMES = ("out", "running_mean", "running_var")
BACKWARD_NAMES = ("dx", "dgamma", "dbeta")


# --------------------------------------------------------------------------- oracles


def torch_batch_norm_train(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, running_mean: np.ndarray,
    running_var: np.ndarray, momentum: float, eps: float,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training-mode batch norm by torch in float64: (out, new_running_mean, new_running_var).

    Torch equivalent: torch.nn.functional.batch_norm(x, running_mean, running_var, gamma,
    beta, training=True, momentum=momentum, eps=eps) (which updates the buffers in place).
    """
    import torch
    import torch.nn.functional as F

    def t(a):
        return torch.tensor(np.asarray(a, dtype=np.float64))

    rm, rv = t(running_mean), t(running_var)
    out = F.batch_norm(t(x), rm, rv, t(gamma), t(beta), training=True, momentum=momentum,
                       eps=eps)
    return out.numpy(), rm.numpy(), rv.numpy()


def torch_batch_norm_grads(
    dout: np.ndarray, x: np.ndarray, gamma: np.ndarray, eps: float
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dgamma, dbeta) of training-mode batch norm for upstream ``dout``, by torch autograd."""
    import torch
    import torch.nn.functional as F

    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    gt = torch.tensor(np.asarray(gamma, dtype=np.float64), requires_grad=True)
    bt = torch.zeros_like(gt, requires_grad=True)
    out = F.batch_norm(xt, None, None, gt, bt, training=True, eps=eps)
    out.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
    return xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


# --------------------------------------------------------------------------- cases


def _channel_shape(ndim: int) -> Tuple[int, ...]:
    """Shape that broadcasts a (C,) vector against x: (1, C) or (1, C, 1, 1)."""
    return (1, -1) if ndim == 2 else (1, -1, 1, 1)


def _inputs(rng: np.random.Generator, shape, *, offset=0.0, scale=1.0, small_channel=False):
    """x of ``shape`` with per-channel offsets and scales, and random gamma, beta (C,)."""
    c = shape[1]
    centres = offset + rng.normal(0.0, 2.0, c)
    spreads = scale * rng.uniform(0.5, 3.0, c)
    if small_channel:
        spreads[0] = 0.03  # a channel that barely varies: eps matters there
    x = (rng.standard_normal(shape) * spreads.reshape(_channel_shape(len(shape)))
         + centres.reshape(_channel_shape(len(shape))))
    gamma = rng.uniform(0.5, 2.0, c) * rng.choice([-1.0, 1.0], c)
    beta = rng.normal(0.0, 1.0, c)
    return x, gamma, beta


# (name, shape, momentum, eps, fresh running statistics, small channel, hint)
FORWARD_GEOMETRIES = [
    ("(N, D) = (6, 3), fresh running statistics", (6, 3), 0.1, 1e-5, True, False,
     "one mean and variance per column (feature), over the N rows"),
    ("(N, D) = (8, 4), momentum 0.3, running statistics already set", (8, 4), 0.3, 1e-5,
     False, False, "new = (1 - momentum) * old + momentum * batch statistic"),
    ("(N, D) = (2, 5): the smallest batch, m/(m-1) = 2", (2, 5), 0.1, 1e-5, False, False,
     "normalise with the biased variance (divide by m); the running variance stores the "
     "unbiased one (divide by m - 1)"),
    ("(N, D) = (4, 4): square, so wrong axes keep the shape", (4, 4), 0.1, 1e-5, False,
     False, "average over the batch axis 0 (down each column), not along each row"),
    ("(N, C, H, W) = (2, 3, 4, 5)", (2, 3, 4, 5), 0.1, 1e-5, False, False,
     "for images, each channel's statistics pool the N*H*W values of that channel"),
    ("(N, C, H, W) = (1, 2, 3, 3): batch of one image", (1, 2, 3, 3), 0.2, 1e-5, False,
     False, "with N = 1 a channel still has H*W = 9 values to average"),
    ("(N, C, H, W) = (3, 1, 2, 6): one channel", (3, 1, 2, 6), 0.1, 1e-5, True, False,
     "gamma, beta and the running statistics have shape (C,) = (1,)"),
    ("(N, D) = (5, 3), eps = 0.1, a nearly constant feature", (5, 3), 0.1, 0.1, False,
     True, "eps goes inside the square root: (x - mu) / sqrt(var + eps)"),
]


def _forward_case(rng: np.random.Generator, name: str, shape, momentum: float, eps: float,
                  fresh: bool, small: bool, hint: str) -> Case:
    """A forward case for one geometry (see FORWARD_GEOMETRIES), data drawn from ``rng``."""
    x, gamma, beta = _inputs(rng, shape, offset=1.0, small_channel=small)
    c = shape[1]
    if fresh:
        running_mean, running_var = np.zeros(c), np.ones(c)
    else:
        running_mean, running_var = rng.normal(0.0, 1.0, c), rng.uniform(0.5, 2.0, c)
    args = (x, gamma, beta, running_mean, running_var, momentum, eps)
    return Case(name, args, torch_batch_norm_train(*args), hint, output_names=FORWARD_NAMES)


def batch_norm_forward_cases(seed: int = 0) -> List[Case]:
    """Public cases: args (x, gamma, beta, running_mean, running_var, momentum, eps)."""
    rng = np.random.default_rng(seed)
    return [_forward_case(rng, *geometry) for geometry in FORWARD_GEOMETRIES]


# (name, shape, eps, small channel, hint)
BACKWARD_GEOMETRIES = [
    ("(N, D) = (5, 3)", (5, 3), 1e-5, False,
     "dx has three terms: the direct path, the path through the mean, the path through "
     "the variance"),
    ("(N, D) = (2, 4): the smallest batch", (2, 4), 1e-5, False,
     "the batch statistics depend on x: every x_i influences every output of its feature"),
    ("(N, D) = (4, 4): square", (4, 4), 1e-5, False,
     "dgamma and dbeta sum over the batch axis 0, one value per feature"),
    ("(N, C, H, W) = (2, 3, 4, 5)", (2, 3, 4, 5), 1e-5, False,
     "for images, sums run over N, H and W of each channel, and m = N*H*W"),
    ("(N, C, H, W) = (1, 2, 3, 4): batch of one image", (1, 2, 3, 4), 1e-5, False,
     "with N = 1 each channel still has m = H*W values"),
    ("(N, D) = (6, 2), eps = 0.1, a nearly constant feature", (6, 2), 0.1, True,
     "use the same sqrt(var + eps) as the forward pass"),
]


def _backward_case(rng: np.random.Generator, name: str, shape, eps: float, small: bool,
                   hint: str) -> Case:
    """A backward case for one geometry (see BACKWARD_GEOMETRIES), data drawn from ``rng``."""
    x, gamma, _ = _inputs(rng, shape, offset=1.0, small_channel=small)
    dout = rng.standard_normal(shape)
    args = (dout, x, gamma, eps)
    return Case(name, args, torch_batch_norm_grads(*args), hint, output_names=BACKWARD_NAMES)


def batch_norm_backward_cases(seed: int = 0) -> List[Case]:
    """Public cases: args (dout, x, gamma, eps); expected (dx, dgamma, dbeta)."""
    rng = np.random.default_rng(seed + 1)
    return [_backward_case(rng, *geometry) for geometry in BACKWARD_GEOMETRIES]


# --------------------------------------------------------------------------- hidden cases

# Ranges of the hidden cases. Momentum stays below 0.5, where a reversed momentum would
# give the right answer; a large eps comes with a nearly constant feature, as in public.
MOMENTUM = (0.05, 0.45)
EPS_EXPONENT = (-6.0, -3.0)
LARGE_EPS = (0.05, 0.3)


class _RandomGeometry:
    """Random sizes, momentum and eps for the hidden cases, all drawn from one Generator."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def size(self, low: int, high: int) -> int:
        return int(self.rng.integers(low, high + 1))

    def momentum(self) -> float:
        return round(float(self.rng.uniform(*MOMENTUM)), 2)

    def eps(self) -> float:
        return float(f"{10 ** self.rng.uniform(*EPS_EXPONENT):.2g}")

    def large_eps(self) -> float:
        return round(float(self.rng.uniform(*LARGE_EPS)), 2)

    def matrix(self, n=(3, 10), d=(2, 6)) -> Tuple[int, int]:
        return self.size(*n), self.size(*d)

    def image(self, n=(2, 3), c=(2, 4)) -> Tuple[int, int, int, int]:
        return self.size(*n), self.size(*c), self.size(2, 5), self.size(2, 6)


def batch_norm_forward_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Eight random cases, one of the kind of each public case (with its hint), from ``rng``.

    Random (N, D) and (N, C, H, W) shapes (N = 2, N = D, N = 1 and C = 1 among them),
    momentum in [0.05, 0.45], eps from 1e-6 to 1e-3 (one case 0.05 to 0.3 with a nearly
    constant feature), fresh or random running statistics, random data, gamma and beta.
    """
    r = _RandomGeometry(rng)
    square = r.size(3, 6)
    # (name, shape, momentum, eps, fresh running statistics, small channel), in the order
    # of FORWARD_GEOMETRIES
    mirrors = [
        ("(N, D) = {shape}, momentum {momentum:g}, fresh running statistics", r.matrix(),
         r.momentum(), r.eps(), True, False),
        ("(N, D) = {shape}, momentum {momentum:g}, running statistics already set",
         r.matrix(), r.momentum(), r.eps(), False, False),
        ("(N, D) = {shape}, momentum {momentum:g}: the smallest batch, m/(m-1) = 2",
         r.matrix(n=(2, 2)), r.momentum(), r.eps(), False, False),
        ("(N, D) = {shape}, momentum {momentum:g}: square, so wrong axes keep the shape",
         (square, square), r.momentum(), r.eps(), False, False),
        ("(N, C, H, W) = {shape}, momentum {momentum:g}", r.image(), r.momentum(), r.eps(),
         False, False),
        ("(N, C, H, W) = {shape}, momentum {momentum:g}: batch of one image",
         r.image(n=(1, 1)), r.momentum(), r.eps(), False, False),
        ("(N, C, H, W) = {shape}, momentum {momentum:g}: one channel", r.image(c=(1, 1)),
         r.momentum(), r.eps(), True, False),
        ("(N, D) = {shape}, eps = {eps:g}, a nearly constant feature", r.matrix(),
         r.momentum(), r.large_eps(), False, True),
    ]
    return [_forward_case(rng, "hidden: " + name.format(shape=shape, momentum=momentum, eps=eps),
                          shape, momentum, eps, fresh, small, public[-1])
            for (name, shape, momentum, eps, fresh, small), public
            in zip(mirrors, FORWARD_GEOMETRIES)]


def batch_norm_backward_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Six random cases, one of the kind of each public case (with its hint), from ``rng``.

    Random (N, D) and (N, C, H, W) shapes (N = 2, N = D and N = 1 among them), eps from
    1e-6 to 1e-3 (one case 0.05 to 0.3 with a nearly constant feature), random data, gamma
    and upstream gradient.
    """
    r = _RandomGeometry(rng)
    square = r.size(3, 6)
    # (name, shape, eps, small channel), in the order of BACKWARD_GEOMETRIES
    mirrors = [
        ("(N, D) = {shape}", r.matrix(), r.eps(), False),
        ("(N, D) = {shape}: the smallest batch", r.matrix(n=(2, 2)), r.eps(), False),
        ("(N, D) = {shape}: square", (square, square), r.eps(), False),
        ("(N, C, H, W) = {shape}", r.image(), r.eps(), False),
        ("(N, C, H, W) = {shape}: batch of one image", r.image(n=(1, 1)), r.eps(), False),
        ("(N, D) = {shape}, eps = {eps:g}, a nearly constant feature", r.matrix(),
         r.large_eps(), True),
    ]
    return [_backward_case(rng, "hidden: " + name.format(shape=shape, eps=eps), shape, eps,
                           small, public[-1])
            for (name, shape, eps, small), public in zip(mirrors, BACKWARD_GEOMETRIES)]


# --------------------------------------------------------------------------- wrong variants


def _axes(ndim: int) -> Tuple[int, ...]:
    return (0,) if ndim == 2 else (0, 2, 3)


def _variant_forward(x, gamma, beta, running_mean, running_var, momentum, eps, *,
                     axes=None, norm_unbiased=False, running_unbiased=True, use_eps=True,
                     eps_outside=False, reversed_momentum=False, affine=True):
    """A (possibly wrong) training-mode batch norm: (out, running_mean, running_var)."""
    nd = x.ndim
    axes = _axes(nd) if axes is None else axes
    m = int(np.prod([x.shape[a] for a in axes]))
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    unbiased = var * m / max(m - 1, 1)
    var_norm = unbiased if norm_unbiased else var
    e = eps if use_eps else 0.0
    if eps_outside:
        xhat = (x - mean) / (np.sqrt(var_norm) + e)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            xhat = (x - mean) / np.sqrt(var_norm + e)
    if affine:
        out = gamma.reshape(_channel_shape(nd)) * xhat + beta.reshape(_channel_shape(nd))
    else:
        out = xhat
    keep = (1 - momentum, momentum) if not reversed_momentum else (momentum, 1 - momentum)
    batch_mean, batch_var = np.squeeze(mean, axis=axes), np.squeeze(var, axis=axes)
    if running_unbiased:
        batch_var = batch_var * m / max(m - 1, 1)
    if batch_mean.shape != np.shape(running_mean):  # wrong axes: no blending possible
        return out, batch_mean, batch_var
    return (out, keep[0] * running_mean + keep[1] * batch_mean,
            keep[0] * running_var + keep[1] * batch_var)


def _first_wrong(expected: Sequence[np.ndarray], got: Sequence) -> int:
    """Index of the first returned value that differs from the expected one (-1 if none)."""
    for i, (want, have) in enumerate(zip(expected, got)):
        if not close_to(have, want):
            return i
    return -1


def _stat_axes_text(nd: int) -> str:
    return ("axis 0 (the batch), giving one value per feature, shape (D,)" if nd == 2 else
            "axes (0, 2, 3) (batch, height, width), giving one value per channel, shape (C,)")


def _diagnose_forward(case: Case, got) -> Optional[str]:
    x, gamma, beta, running_mean, running_var, momentum, eps = case.args
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return None
    which = _first_wrong(case.expected, got)
    nd, c = x.ndim, x.shape[1]
    try:
        have = np.asarray(got[which], dtype=np.float64)
    except (TypeError, ValueError):
        return None
    args = (x, gamma, beta, running_mean, running_var, momentum, eps)
    if which == 0:
        if have.shape != x.shape:
            return f"out has the shape of x, {x.shape}"
        per_example = tuple(range(1, nd))
        variants = [
            ({"norm_unbiased": True},
             "you normalised with the unbiased variance (divide by m - 1): normalise with "
             "the biased batch variance (divide by m, np.var's default); only the running "
             "estimate uses m / (m - 1)"),
            ({"use_eps": False},
             "eps is missing: divide by sqrt(var + eps), not sqrt(var)"),
            ({"eps_outside": True},
             "eps goes inside the square root: sqrt(var + eps), not sqrt(var) + eps"),
            ({"affine": False},
             "you returned the normalised xhat: scale by gamma and shift by beta, "
             "out = gamma * xhat + beta (per channel)"),
            ({"axes": per_example},
             f"the statistics were computed per example (over axes {per_example}); batch "
             f"norm averages over {_stat_axes_text(nd)}"),
        ]
        if nd == 4:
            variants += [
                ({"axes": (0,)},
                 "the statistics were taken over the batch axis only (one per channel and "
                 "pixel): average over axes (0, 2, 3), one mean and variance per channel"),
                ({"axes": (2, 3)},
                 "that is instance norm (per example and channel, over H, W): batch norm "
                 "also averages over the batch, axes (0, 2, 3)"),
            ]
        for kwargs, hint in variants:
            if close_to(have, _variant_forward(*args, **kwargs)[0]):
                return hint
        if close_to(have, _variant_forward(x, beta, gamma, running_mean, running_var,
                                         momentum, eps)[0]):
            return "gamma and beta are swapped: gamma scales, beta shifts"
        return None
    name = FORWARD_NAMES[which]
    old = running_mean if which == 1 else running_var
    if have.shape != (c,):
        if have.shape == (x.shape[0],):
            return (f"{name} has one value per example: the statistics must be averaged "
                    f"over {_stat_axes_text(nd)}")
        return f"{name} has shape (C,) = ({c},): average over {_stat_axes_text(nd)}"
    if close_to(have, old):
        return (f"{name} was returned unchanged: update it with the batch statistic, "
                f"new = (1 - momentum) * old + momentum * batch value")
    wrong = {
        "reversed": _variant_forward(*args, reversed_momentum=True),
        "biased": _variant_forward(*args, running_unbiased=False),
        "replaced": _variant_forward(*args[:5], 1.0, eps),
    }
    if close_to(have, wrong["reversed"][which]):
        return ("momentum is reversed: torch's momentum is the weight of the NEW batch, "
                "new = (1 - momentum) * old + momentum * batch value")
    if which == 2 and close_to(have, wrong["biased"][2]):
        m = x.size // c
        return (f"the running variance stores the unbiased estimate: multiply the batch "
                f"variance by m / (m - 1) = {m}/{m - 1} before mixing it in")
    if close_to(have, wrong["replaced"][which]):
        return (f"{name} was replaced by the batch statistic: blend it with the old value, "
                "new = (1 - momentum) * old + momentum * batch value")
    return None


def _variant_grads(dout, x, gamma, eps, *, detach_mean=False, detach_var=False,
                   unbiased=False, use_eps=True, use_gamma=True):
    """Gradients of a (possibly wrong) batch norm by torch autograd: (dx, dgamma, dbeta)."""
    import torch

    nd = x.ndim
    axes = list(_axes(nd))
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    gt = torch.tensor(np.asarray(gamma, dtype=np.float64), requires_grad=True)
    bt = torch.zeros_like(gt, requires_grad=True)
    mean = xt.mean(dim=axes, keepdim=True)
    var = xt.var(dim=axes, keepdim=True, unbiased=unbiased)
    if detach_mean:
        mean = mean.detach()
    if detach_var:
        var = var.detach()
    xhat = (xt - mean) / torch.sqrt(var + (eps if use_eps else 0.0))
    g = gt if use_gamma else gt * 0 + 1  # keeps gt in the graph
    out = g.reshape(_channel_shape(nd)) * xhat + bt.reshape(_channel_shape(nd))
    out.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
    return xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


def _diagnose_backward(case: Case, got) -> Optional[str]:
    dout, x, gamma, eps = case.args
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return None
    which = _first_wrong(case.expected, got)
    nd, c = x.ndim, x.shape[1]
    try:
        have = np.asarray(got[which], dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if which == 0:
        if have.shape != x.shape:
            return f"dx has the shape of x, {x.shape}"
        variants = [
            ({"detach_mean": True, "detach_var": True},
             "that is the eval-mode gradient gamma * dout / sqrt(var + eps): in training "
             "mode the mean and the variance depend on x too, so dx also has a path "
             "through each of them (both are missing)"),
            ({"detach_var": True},
             "the path through the variance is missing: dx needs the term "
             "- xhat * mean(dxhat * xhat) as well as - mean(dxhat)"),
            ({"detach_mean": True},
             "the path through the mean is missing: dx needs the term - mean(dxhat) as "
             "well as - xhat * mean(dxhat * xhat)"),
            ({"use_gamma": False},
             "gamma is missing from dx: the gradient reaching xhat is dxhat = gamma * dout"),
            ({"use_eps": False},
             "eps is missing: use inv_std = 1 / sqrt(var + eps), as in the forward pass"),
            ({"unbiased": True},
             "the forward pass normalises with the biased variance (divide by m), so the "
             "backward pass must too"),
        ]
        for kwargs, hint in variants:
            if close_to(have, _variant_grads(dout, x, gamma, eps, **kwargs)[0]):
                return hint
        return None
    name = BACKWARD_NAMES[which]
    axes = _axes(nd)
    if have.shape != (c,):
        if have.shape == x.shape:
            return f"{name} must be summed over {_stat_axes_text(nd)}"
        if have.shape == (x.shape[0],):
            return f"{name} was summed per example: sum over {_stat_axes_text(nd)} instead"
        return f"{name} has shape (C,) = ({c},): sum over {_stat_axes_text(nd)}"
    if which == 1 and close_to(have, (dout * x).sum(axis=axes)):
        return "dgamma = sum(dout * xhat), with the normalised xhat, not the raw x"
    xhat = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(
        x.var(axis=axes, keepdims=True) + eps)
    if close_to(have, (dout if which == 2 else dout * xhat).mean(axis=axes)):
        return f"{name} is a sum over the batch (and pixels), not a mean"
    return None


# --------------------------------------------------------------------------- checks


def check_batch_norm_forward(student_fn: Callable, *,
                             cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(x, gamma, beta, running_mean, running_var, momentum, eps)``.

    The function computes training-mode batch norm of x (N, D) or (N, C, H, W) and returns
    ``(out, new_running_mean, new_running_var)`` without modifying its arguments; see the
    module docstring for the formulas. The oracle is torch.nn.functional.batch_norm in
    float64. Prints one PASS/FAIL line per case and a summary; never raises.
    ``cases``: run these instead of the public cases (e.g. a grader's
    ``batch_norm_forward_hidden_cases(rng)``).
    """
    cases = batch_norm_forward_cases() if cases is None else cases
    return run_check(student_fn, cases, title="batch_norm_forward",
                     diagnose=_diagnose_forward)


def check_batch_norm_backward(student_fn: Callable, *,
                              cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(dout, x, gamma, eps) -> (dx, dgamma, dbeta)``, training mode.

    dx has the shape of x (N, D) or (N, C, H, W); dgamma and dbeta have shape (C,). The
    oracle is torch autograd through torch.nn.functional.batch_norm in float64. Prints one
    PASS/FAIL line per case and a summary; never raises.
    ``cases``: run these instead of the public cases (e.g. a grader's
    ``batch_norm_backward_hidden_cases(rng)``).
    """
    cases = batch_norm_backward_cases() if cases is None else cases
    return run_check(student_fn, cases, title="batch_norm_backward",
                     diagnose=_diagnose_backward)
