"""Checks for the optimizer exercises (chapter 6): one update step of six optimizers.

Each exercise is a pure function on NumPy arrays: it receives the parameters ``w``, the
gradient ``g`` at ``w``, the optimizer's state and its hyperparameters, and returns the
new parameters and the new state, without modifying its inputs. The state arrays have
the shape of ``w``; a fresh optimizer starts from zeros. The update rules are those of
``torch.optim`` (with weight decay 0), written in torch's form:

    momentum_step(w, g, v, lr, momentum) -> (w_new, v_new)
        v_new = momentum v + g;   w_new = w - lr v_new                      (SGD, momentum)
    nesterov_step(w, g, v, lr, momentum) -> (w_new, v_new)
        v_new = momentum v + g;   w_new = w - lr (g + momentum v_new)   (SGD, nesterov=True)
    adagrad_step(w, g, s, lr, eps) -> (w_new, s_new)
        s_new = s + g^2;          w_new = w - lr g / (sqrt(s_new) + eps)
    rmsprop_step(w, g, s, lr, alpha, eps) -> (w_new, s_new)
        s_new = alpha s + (1 - alpha) g^2;   w_new = w - lr g / (sqrt(s_new) + eps)
    adadelta_step(w, g, s, u, lr, rho, eps) -> (w_new, s_new, u_new)
        s_new = rho s + (1 - rho) g^2;   d = sqrt(u + eps) / sqrt(s_new + eps) g
        u_new = rho u + (1 - rho) d^2;   w_new = w - lr d
    adam_step(w, g, m, v, t, lr, beta1, beta2, eps) -> (w_new, m_new, v_new)
        m_new = beta1 m + (1 - beta1) g;   v_new = beta2 v + (1 - beta2) g^2
        w_new = w - lr (m_new / (1 - beta1^t)) / (sqrt(v_new / (1 - beta2^t)) + eps)
        where t = 1 for the first update.

The expected answers come from ``torch.optim`` in float64, an independent oracle: for a
single-step case, torch runs on a recorded sequence of random gradients, its state after
t - 1 steps becomes the case's input and its state after step t the answer. The last case
of every check iterates the student's function for 150 steps on the Rosenbrock function
from (-1.2, 1) and compares the whole path with the one ``torch.optim`` takes.

An instructor's grader also runs each check on hidden cases, e.g.
``check_adam_step(fn, cases=adam_step_hidden_cases(rng))``: single steps with random
shapes, step numbers t and hyperparameters, and a trajectory from a random start with
random hyperparameters, expected from ``torch.optim`` in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from cnnbook.exercises.core import Case, CheckResult, compare_tuples, run_check
from cnnbook.viz.trajectories import ROSENBROCK

RTOL, ATOL = 1e-6, 1e-8
TRAJECTORY_STEPS = 150
TRAJECTORY_START = (-1.2, 1.0)


# --------------------------------------------------------------------------- the exercises


@dataclass(frozen=True)
class _Exercise:
    """What a check needs to know about one optimizer exercise."""

    name: str
    torch_name: str                  # the torch.optim class
    state: Tuple[Tuple[str, str], ...]  # (argument name, torch state key), in argument order
    hyper: Tuple[str, ...]           # hyperparameter argument names, in order
    uses_t: bool = False
    torch_kwargs: Callable[[Dict[str, float]], Dict[str, Any]] = dict
    trajectory_hyper: Dict[str, float] = field(default_factory=dict)

    @property
    def output_names(self) -> Tuple[str, ...]:
        return ("w_new",) + tuple(f"{arg}_new" for arg, _ in self.state)

    def args(self, w, g, state: Sequence[np.ndarray], t: int, hyper: Dict[str, float]):
        return (w, g, *state, *((t,) if self.uses_t else ()), *(hyper[h] for h in self.hyper))

    def split(self, args):
        """(w, g, state list, t, hyper dict) from a case's argument tuple."""
        n = len(self.state)
        w, g, state = args[0], args[1], list(args[2:2 + n])
        rest = list(args[2 + n:])
        t = rest.pop(0) if self.uses_t else None
        return w, g, state, t, dict(zip(self.hyper, rest))


def _sgd_kwargs(nesterov: bool):
    return lambda h: dict(lr=h["lr"], momentum=h["momentum"], nesterov=nesterov)


EXERCISES: Dict[str, _Exercise] = {
    "momentum_step": _Exercise(
        "momentum_step", "SGD", (("v", "momentum_buffer"),), ("lr", "momentum"),
        torch_kwargs=_sgd_kwargs(False), trajectory_hyper=dict(lr=1e-3, momentum=0.9)),
    "nesterov_step": _Exercise(
        "nesterov_step", "SGD", (("v", "momentum_buffer"),), ("lr", "momentum"),
        torch_kwargs=_sgd_kwargs(True), trajectory_hyper=dict(lr=1e-3, momentum=0.9)),
    "adagrad_step": _Exercise(
        "adagrad_step", "Adagrad", (("s", "sum"),), ("lr", "eps"),
        torch_kwargs=lambda h: dict(lr=h["lr"], eps=h["eps"]),
        trajectory_hyper=dict(lr=0.5, eps=1e-10)),
    "rmsprop_step": _Exercise(
        "rmsprop_step", "RMSprop", (("s", "square_avg"),), ("lr", "alpha", "eps"),
        torch_kwargs=lambda h: dict(lr=h["lr"], alpha=h["alpha"], eps=h["eps"]),
        trajectory_hyper=dict(lr=0.01, alpha=0.99, eps=1e-8)),
    "adadelta_step": _Exercise(
        "adadelta_step", "Adadelta", (("s", "square_avg"), ("u", "acc_delta")),
        ("lr", "rho", "eps"),
        torch_kwargs=lambda h: dict(lr=h["lr"], rho=h["rho"], eps=h["eps"]),
        trajectory_hyper=dict(lr=1.0, rho=0.9, eps=1e-6)),
    "adam_step": _Exercise(
        "adam_step", "Adam", (("m", "exp_avg"), ("v", "exp_avg_sq")),
        ("lr", "beta1", "beta2", "eps"), uses_t=True,
        torch_kwargs=lambda h: dict(lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"]),
        trajectory_hyper=dict(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8)),
}


# --------------------------------------------------------------------------- the oracle


def torch_optimizer_run(name: str, w0: np.ndarray, grads: Sequence[np.ndarray],
                        **hyper: float) -> List[Tuple[np.ndarray, Tuple[np.ndarray, ...]]]:
    """Run ``torch.optim`` in float64 on a given sequence of gradients.

    Args:
        name: an exercise name, e.g. "adam_step" (it picks the torch optimizer).
        w0: the initial parameters, any shape.
        grads: the gradient fed to each step, each of the shape of ``w0``.
        **hyper: the exercise's hyperparameters (e.g. lr, beta1, beta2, eps).

    Returns:
        ``len(grads) + 1`` snapshots (w, state), before the first step and after each;
        ``state`` holds the exercise's state arrays in argument order (zeros before a
        buffer exists).

    Torch equivalent: this is ``torch.optim`` itself.
    """
    import torch

    ex = EXERCISES[name]
    w = torch.tensor(np.asarray(w0, dtype=np.float64))
    w.requires_grad_(True)
    opt = getattr(torch.optim, ex.torch_name)([w], **ex.torch_kwargs(hyper))

    def snapshot():
        state = opt.state[w]
        buffers = tuple(state[key].detach().numpy().copy() if key in state
                        else np.zeros(w.shape) for _, key in ex.state)
        return w.detach().numpy().copy(), buffers

    history = [snapshot()]
    for g in grads:
        w.grad = torch.tensor(np.asarray(g, dtype=np.float64))
        opt.step()
        history.append(snapshot())
    return history


def torch_rosenbrock_path(name: str, steps: int = TRAJECTORY_STEPS,
                          start: Sequence[float] = TRAJECTORY_START, **hyper: float) -> np.ndarray:
    """The (steps + 1, 2) path of ``torch.optim`` on the Rosenbrock function (autograd)."""
    import torch

    ex = EXERCISES[name]
    hyper = {**ex.trajectory_hyper, **hyper}
    w = torch.tensor(np.asarray(start, dtype=np.float64), requires_grad=True)
    opt = getattr(torch.optim, ex.torch_name)([w], **ex.torch_kwargs(hyper))
    path = [w.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        ROSENBROCK.f(w[0], w[1]).backward()
        opt.step()
        path.append(w.detach().numpy().copy())
    return np.array(path)


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Trajectory:
    """The argument of a trajectory case: iterate the step function on the Rosenbrock function."""

    steps: int
    start: Tuple[float, float]
    hyper: Tuple[Tuple[str, float], ...]

    def __repr__(self) -> str:
        return f"Trajectory({self.steps} steps on Rosenbrock from {self.start})"


def _single_step_settings(name: str):
    """(case name, shape, step t, gradient scale per element or None, hyper) of each case."""
    base = {
        "momentum_step": dict(lr=0.1, momentum=0.9),
        "nesterov_step": dict(lr=0.1, momentum=0.9),
        "adagrad_step": dict(lr=0.1, eps=1e-10),
        "rmsprop_step": dict(lr=0.01, alpha=0.99, eps=1e-8),
        "adadelta_step": dict(lr=0.5, rho=0.9, eps=1e-6),
        "adam_step": dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8),
    }[name]
    if name in ("momentum_step", "nesterov_step"):
        special = ("momentum 0.5, lr 0.3, step 3, w (2, 3)", (2, 3), 3, None,
                   dict(lr=0.3, momentum=0.5))
    else:
        # a large eps next to small gradients: where eps sits changes the answer
        special = ("large eps = 0.1 with small gradients, step 3, w (4,)", (4,), 3, 0.01,
                   {**base, "eps": 0.1})
    return [
        ("first step from a zero state (t = 1), w (5,)", (5,), 1, None, base),
        ("step 4 of a run, 2-D w (3, 4)", (3, 4), 4, None, base),
        special,
        ("one parameter, step 10, w (1,)", (1,), 10, None, base),
        ("gradients of very different sizes per element, step 6, w (3,)", (3,), 6,
         np.array([1e-3, 1.0, 1e3]), base),
    ]


def _settings_text(hyper: Dict[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in hyper.items())


def _single_step_case(ex: _Exercise, rng: np.random.Generator, case_name: str, shape,
                      t: int, scale, hyper: Dict[str, float]) -> Case:
    """A case for step ``t`` of a torch.optim run on random gradients (w and g of ``shape``).

    ``scale``: None, a number or an array broadcast against ``shape``, multiplying the
    standard normal gradients. Draws w0, then the t gradients, from ``rng``.
    """
    w0 = rng.standard_normal(shape)
    grads = [rng.standard_normal(shape) * (1.0 if scale is None else scale) for _ in range(t)]
    history = torch_optimizer_run(ex.name, w0, grads, **hyper)
    (w, state), (w_new, state_new) = history[t - 1], history[t]
    args = ex.args(w, grads[t - 1], state, t, hyper)
    return Case(case_name, args, (w_new, *state_new), output_names=ex.output_names)


def _trajectory_case(ex: _Exercise, case_name: str, spec: Trajectory,
                     path: Optional[np.ndarray] = None) -> Case:
    """A trajectory case; ``path`` is torch.optim's (computed here when not given)."""
    if path is None:
        path = torch_rosenbrock_path(ex.name, spec.steps, spec.start, **dict(spec.hyper))
    return Case(case_name, (spec,), path)


def optimizer_cases(name: str, seed: int = 0) -> List[Case]:
    """The public cases of the exercise ``name`` (e.g. "adam_step"); the last is a trajectory."""
    ex = EXERCISES[name]
    rng = np.random.default_rng(seed)
    cases = [_single_step_case(ex, rng, *setting) for setting in _single_step_settings(name)]
    hyper = ex.trajectory_hyper
    spec = Trajectory(TRAJECTORY_STEPS, TRAJECTORY_START, tuple(hyper.items()))
    # the start, TRAJECTORY_START, is in the module docstring: the name must fit one line
    cases.append(_trajectory_case(ex, f"{TRAJECTORY_STEPS} Rosenbrock steps "
                                      f"({_settings_text(hyper)}) vs torch.optim."
                                      f"{ex.torch_name}", spec))
    return cases


# --------------------------------------------------------------------------- hidden cases

# Hyperparameter ranges of the hidden cases, (kind, low, high) per argument: "log" draws
# log-uniformly (rounded to 3 significant digits), "decay" uniformly a factor below 1 such
# as a momentum, alpha, rho or beta (its distance to 1 rounded to 2 significant digits).
# Single steps take wide ranges; trajectories narrower ones, where the path on the
# Rosenbrock function stays finite and well conditioned.
STEP_RANGES: Dict[str, Dict[str, Tuple[str, float, float]]] = {
    "momentum_step": dict(lr=("log", 0.01, 0.5), momentum=("decay", 0.5, 0.95)),
    "nesterov_step": dict(lr=("log", 0.01, 0.5), momentum=("decay", 0.5, 0.95)),
    "adagrad_step": dict(lr=("log", 0.01, 0.5), eps=("log", 1e-10, 1e-7)),
    "rmsprop_step": dict(lr=("log", 1e-3, 0.1), alpha=("decay", 0.8, 0.999),
                         eps=("log", 1e-9, 1e-6)),
    "adadelta_step": dict(lr=("log", 0.1, 2.0), rho=("decay", 0.8, 0.99),
                          eps=("log", 1e-7, 1e-5)),
    "adam_step": dict(lr=("log", 1e-3, 0.1), beta1=("decay", 0.8, 0.95),
                      beta2=("decay", 0.99, 0.9999), eps=("log", 1e-9, 1e-7)),
}
TRAJECTORY_RANGES: Dict[str, Dict[str, Tuple[str, float, float]]] = {
    "momentum_step": dict(lr=("log", 2e-4, 1e-3), momentum=("decay", 0.8, 0.95)),
    "nesterov_step": dict(lr=("log", 2e-4, 1e-3), momentum=("decay", 0.8, 0.95)),
    "adagrad_step": dict(lr=("log", 0.1, 0.8), eps=("log", 1e-10, 1e-8)),
    "rmsprop_step": dict(lr=("log", 2e-3, 0.02), alpha=("decay", 0.9, 0.999),
                         eps=("log", 1e-9, 1e-7)),
    "adadelta_step": dict(lr=("log", 0.5, 2.0), rho=("decay", 0.8, 0.95),
                          eps=("log", 1e-7, 1e-5)),
    "adam_step": dict(lr=("log", 0.01, 0.1), beta1=("decay", 0.8, 0.95),
                      beta2=("decay", 0.99, 0.9999), eps=("log", 1e-9, 1e-7)),
}
# A large eps next to small gradients (the case where eps's place matters), as in public.
LARGE_EPS = (0.05, 0.3)
SMALL_GRADIENTS = (0.003, 0.03)
# Trajectories: start in this box, take a number of steps in this range.
START_BOX = ((-1.5, 1.5), (-0.5, 2.0))
STEP_COUNTS = (100, 150)
# A trajectory is kept when moving its start by START_NUDGE moves no later point by more
# than START_NUDGE * MAX_AMPLIFICATION: rounding differences between a correct NumPy step
# and torch's then stay far below the check's tolerance. Draws that fail are redrawn.
START_NUDGE = 1e-10
MAX_AMPLIFICATION = 100.0
MAX_DRAWS = 50


def _significant(value: float, digits: int) -> float:
    return float(f"{value:.{digits}g}")


def _random_hyper(rng: np.random.Generator,
                 ranges: Dict[str, Tuple[str, float, float]]) -> Dict[str, float]:
    """One value per hyperparameter from ``ranges`` (see STEP_RANGES), in their order."""
    hyper = {}
    for arg, (kind, low, high) in ranges.items():
        if kind == "log":
            hyper[arg] = _significant(10 ** rng.uniform(np.log10(low), np.log10(high)), 3)
        else:  # the outer rounding makes 1 - 0.42 print as 0.58, not 0.5800000000000001
            hyper[arg] = _significant(1.0 - _significant(1.0 - rng.uniform(low, high), 2), 12)
    return hyper


def _hidden_step_settings(name: str, rng: np.random.Generator):
    """The hidden analogues of :func:`_single_step_settings`, with random everything."""
    def hyper():
        return _random_hyper(rng, STEP_RANGES[name])

    def size(low, high):
        return int(rng.integers(low, high + 1))

    first_shape, matrix_shape, spread = (size(2, 8),), (size(2, 4), size(2, 5)), size(3, 5)
    if name in ("momentum_step", "nesterov_step"):
        special = ("a small momentum, step {t}, w {shape}", (size(2, 4),),
                   size(2, 5), None, {"lr": _significant(rng.uniform(0.1, 0.5), 3),
                                      "momentum": _significant(rng.uniform(0.3, 0.6), 2)})
    else:
        eps = _significant(rng.uniform(*LARGE_EPS), 2)
        special = ("large eps with small gradients, step {t}, w {shape}", (size(2, 6),),
                   size(2, 5), _significant(rng.uniform(*SMALL_GRADIENTS), 2),
                   {**hyper(), "eps": eps})
    settings = [
        ("first step from a zero state (t = 1), w {shape}", first_shape, 1, None, hyper()),
        ("step {t} of a run, 2-D w {shape}", matrix_shape, size(2, 8), None, hyper()),
        special,
        ("one parameter, step {t}, w {shape}", (1,), size(8, 15), None, hyper()),
        ("gradients of very different sizes per element, step {t}, w {shape}", (spread,),
         size(2, 8), 10.0 ** rng.uniform(-3.0, 3.0, spread), hyper()),
    ]
    return [(f"hidden: {text.format(t=t, shape=shape)}, {_settings_text(h)}", shape, t,
             scale, h) for text, shape, t, scale, h in settings]


def _well_conditioned(name: str, spec: Trajectory, path: np.ndarray) -> bool:
    """Whether ``path`` stays finite and bounded, moves, and is insensitive to rounding."""
    if not np.all(np.isfinite(path)) or np.max(np.abs(path)) > 10.0:
        return False
    if np.linalg.norm(path[-1] - path[0]) < 0.05:
        return False
    nudged = torch_rosenbrock_path(name, spec.steps,
                                   tuple(np.add(spec.start, START_NUDGE)), **dict(spec.hyper))
    return bool(np.max(np.abs(nudged - path)) <= START_NUDGE * MAX_AMPLIFICATION)


def _hidden_trajectory_case(ex: _Exercise, rng: np.random.Generator) -> Case:
    """A trajectory from a random start with random hyperparameters, redrawn until well
    conditioned (see MAX_AMPLIFICATION)."""
    for _ in range(MAX_DRAWS):
        start = tuple(round(float(rng.uniform(low, high)), 2) for low, high in START_BOX)
        hyper = _random_hyper(rng, TRAJECTORY_RANGES[ex.name])
        steps = int(rng.integers(STEP_COUNTS[0], STEP_COUNTS[1] + 1))
        spec = Trajectory(steps, start, tuple(hyper.items()))
        path = torch_rosenbrock_path(ex.name, steps, start, **hyper)
        if _well_conditioned(ex.name, spec, path):
            name = (f"hidden: {steps} Rosenbrock steps from ({start[0]:g}, {start[1]:g}) "
                    f"({_settings_text(hyper)}) vs torch.optim.{ex.torch_name}")
            return _trajectory_case(ex, name, spec, path)
    raise RuntimeError(f"{ex.name}: no well-conditioned trajectory in {MAX_DRAWS} draws")


def optimizer_hidden_cases(name: str, rng: np.random.Generator) -> List[Case]:
    """Hidden cases of the exercise ``name``: 5 random single steps and a random trajectory.

    Everything is drawn from ``rng``: shapes, step numbers t, hyperparameters (ranges in
    STEP_RANGES and TRAJECTORY_RANGES), gradients, the trajectory's start and length. The
    single steps mirror the public ones (first step, a 2-D w, a small momentum or a large
    eps with small gradients, one parameter, gradients of very different sizes).
    """
    ex = EXERCISES[name]
    cases = [_single_step_case(ex, rng, *setting) for setting in _hidden_step_settings(name, rng)]
    cases.append(_hidden_trajectory_case(ex, rng))
    return cases


def momentum_step_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Hidden cases of ``momentum_step`` (see :func:`optimizer_hidden_cases`)."""
    return optimizer_hidden_cases("momentum_step", rng)


def nesterov_step_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Hidden cases of ``nesterov_step`` (see :func:`optimizer_hidden_cases`)."""
    return optimizer_hidden_cases("nesterov_step", rng)


def adagrad_step_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Hidden cases of ``adagrad_step`` (see :func:`optimizer_hidden_cases`)."""
    return optimizer_hidden_cases("adagrad_step", rng)


def rmsprop_step_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Hidden cases of ``rmsprop_step`` (see :func:`optimizer_hidden_cases`)."""
    return optimizer_hidden_cases("rmsprop_step", rng)


def adadelta_step_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Hidden cases of ``adadelta_step`` (see :func:`optimizer_hidden_cases`)."""
    return optimizer_hidden_cases("adadelta_step", rng)


def adam_step_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Hidden cases of ``adam_step`` (see :func:`optimizer_hidden_cases`)."""
    return optimizer_hidden_cases("adam_step", rng)


# --------------------------------------------------------------------------- trajectories


@dataclass
class _Broken:
    """Why a trajectory could not be followed (a malformed return value)."""

    message: str
    hint: str


def iterate(ex: _Exercise, step_fn: Callable, spec: Trajectory):
    """Apply ``step_fn`` ``spec.steps`` times on the Rosenbrock function: the (n + 1, 2) path.

    Returns None if ``step_fn`` returns None, a :class:`_Broken` for another malformed
    answer; the path stops early if it leaves the finite numbers. Exceptions propagate.
    """
    hyper = dict(spec.hyper)
    w = np.array(spec.start, dtype=np.float64)
    state = [np.zeros(2) for _ in ex.state]
    path = [w.copy()]
    for t in range(1, spec.steps + 1):
        g = ROSENBROCK.grad(w)
        out = step_fn(*ex.args(w.copy(), g, [s.copy() for s in state], t, hyper))
        if out is None:
            return None
        if not isinstance(out, (tuple, list)) or len(out) != 1 + len(ex.state):
            return _Broken(f"at step {t} the function returned {type(out).__name__}, not a "
                           f"tuple of {1 + len(ex.state)} arrays",
                           f"end the function with: return {', '.join(ex.output_names)}")
        try:
            values = [np.asarray(v, dtype=np.float64) for v in out]
        except Exception:
            return _Broken(f"at step {t} the function returned values that are not arrays",
                           "return NumPy arrays")
        if any(v.shape != (2,) for v in values):
            return _Broken(f"at step {t} the function returned shapes "
                           f"{[v.shape for v in values]} for parameters of shape (2,)",
                           "every returned array has the shape of w")
        w, state = values[0], values[1:]
        path.append(w.copy())
        if not np.all(np.isfinite(w)):
            break
    return np.array(path)


def _dispatch(ex: _Exercise, student_fn: Callable) -> Callable:
    """A function that runs a trajectory case through ``student_fn`` and passes the others on."""

    def call(*args):
        if len(args) == 1 and isinstance(args[0], Trajectory):
            return iterate(ex, student_fn, args[0])
        return student_fn(*args)

    call.__name__ = getattr(student_fn, "__name__", "student_fn")
    return call


# --------------------------------------------------------------------------- typical mistakes


def _sqrt(x):
    with np.errstate(invalid="ignore"):
        return np.sqrt(x)


def _momentum_variants():
    def ema(w, g, v, lr, mu):
        v = mu * v + (1 - mu) * g
        return w - lr * v, v

    def old_buffer(w, g, v, lr, mu):
        return w - lr * v, mu * v + g

    def nesterov(w, g, v, lr, mu):
        v = mu * v + g
        return w - lr * (g + mu * v), v

    def lr_in_buffer(w, g, v, lr, mu):
        v = mu * v + lr * g
        return w - v, v

    return [
        (ema, "that is the EMA form v = μ v + (1 − μ) g (torch's dampening = 1 − momentum); "
              "this exercise uses torch's default form v = μ v + g, with no (1 − μ) factor"),
        (old_buffer, "update the buffer first (v_new = μ v + g), then move w with v_new"),
        (nesterov, "that is Nesterov's update; plain momentum moves by w − lr v_new"),
        (lr_in_buffer, "the buffer accumulates raw gradients (torch's convention): "
                       "v_new = μ v + g, and lr multiplies it only in w − lr v_new"),
    ]


def _nesterov_variants():
    def plain(w, g, v, lr, mu):
        v = mu * v + g
        return w - lr * v, v

    def ema(w, g, v, lr, mu):
        v = mu * v + (1 - mu) * g
        return w - lr * (g + mu * v), v

    # w - lr (g + mu v_old) is the same as w - lr v_new: plain momentum again
    return [
        (plain, "that is plain (heavy-ball) momentum, w − lr v_new (the same as stepping along "
                "g + μ v with the OLD buffer); Nesterov's look-ahead in torch's form steps "
                "along g + μ v_new with the updated buffer"),
        (ema, "no (1 − μ) factor: torch's buffer is v_new = μ v + g"),
    ]


def _adagrad_variants():
    def sum_of_g(w, g, s, lr, eps):
        s = s + g
        return w - lr * g / (_sqrt(s) + eps), s

    def eps_inside(w, g, s, lr, eps):
        s = s + g * g
        return w - lr * g / _sqrt(s + eps), s

    def no_sum(w, g, s, lr, eps):
        s = g * g
        return w - lr * g / (_sqrt(s) + eps), s

    def no_sqrt(w, g, s, lr, eps):
        s = s + g * g
        return w - lr * g / (s + eps), s

    return [
        (sum_of_g, "Adagrad accumulates the squared gradients, s_new = s + g², not g"),
        (eps_inside, "eps goes outside the square root in torch's Adagrad: sqrt(s_new) + eps"),
        (no_sum, "s is a running sum over all steps: add g² to the old s"),
        (no_sqrt, "divide by the square root of the sum, sqrt(s_new) + eps"),
    ]


def _rmsprop_variants():
    def no_one_minus(w, g, s, lr, a, eps):
        s = a * s + g * g
        return w - lr * g / (_sqrt(s) + eps), s

    def eps_inside(w, g, s, lr, a, eps):
        s = a * s + (1 - a) * g * g
        return w - lr * g / _sqrt(s + eps), s

    def old_average(w, g, s, lr, a, eps):
        return w - lr * g / (_sqrt(s) + eps), a * s + (1 - a) * g * g

    def adagrad(w, g, s, lr, a, eps):
        s = s + g * g
        return w - lr * g / (_sqrt(s) + eps), s

    return [
        (no_one_minus, "the (1 − α) factor is missing: s_new = α s + (1 − α) g²"),
        (eps_inside, "eps goes outside the square root in torch's RMSprop: sqrt(s_new) + eps"),
        (old_average, "update the average first, then divide by sqrt(s_new) + eps"),
        (adagrad, "that is Adagrad's growing sum; RMSprop keeps a decaying average "
                  "s_new = α s + (1 − α) g²"),
    ]


def _adadelta_parts(g, s, u, rho, eps, *, inside=True, one_minus=True, u_of_g=False):
    c = (1 - rho) if one_minus else 1.0
    s = rho * s + c * g * g
    if inside:
        d = _sqrt(u + eps) / _sqrt(s + eps) * g
    else:
        d = (_sqrt(u) + eps) / (_sqrt(s) + eps) * g
    u = rho * u + c * (g * g if u_of_g else d * d)
    return d, s, u


def _adadelta_variants():
    def eps_outside(w, g, s, u, lr, rho, eps):
        d, s, u = _adadelta_parts(g, s, u, rho, eps, inside=False)
        return w - lr * d, s, u

    def no_lr(w, g, s, u, lr, rho, eps):
        d, s, u = _adadelta_parts(g, s, u, rho, eps)
        return w - d, s, u

    def no_one_minus(w, g, s, u, lr, rho, eps):
        d, s, u = _adadelta_parts(g, s, u, rho, eps, one_minus=False)
        return w - lr * d, s, u

    def u_of_g(w, g, s, u, lr, rho, eps):
        d, s, u = _adadelta_parts(g, s, u, rho, eps, u_of_g=True)
        return w - lr * d, s, u

    return [
        (eps_outside, "Adadelta adds eps inside both square roots: "
                      "sqrt(u + eps) / sqrt(s_new + eps) g"),
        (no_lr, "multiply the step by lr: torch's Adadelta has lr (1.0 by default): "
                "w_new = w − lr d"),
        (no_one_minus, "the (1 − ρ) factors are missing from the two running averages"),
        (u_of_g, "u averages the squared updates d², not the squared gradients"),
    ]


def _adam_parts(w, g, m, v, t, lr, b1, b2, eps, *, correct=(True, True), exponent=0,
                inside=False, one_minus=True):
    m = b1 * m + ((1 - b1) if one_minus else 1.0) * g
    v = b2 * v + ((1 - b2) if one_minus else 1.0) * g * g
    n = t + exponent
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat = m / (1 - b1 ** n) if correct[0] else m
        v_hat = v / (1 - b2 ** n) if correct[1] else v
        denominator = _sqrt(v_hat + eps) if inside else _sqrt(v_hat) + eps
        return w - lr * m_hat / denominator, m, v


def _adam_variants():
    def variant(**kw):
        return lambda w, g, m, v, t, lr, b1, b2, eps: _adam_parts(w, g, m, v, t, lr, b1, b2,
                                                                 eps, **kw)

    return [
        (variant(correct=(False, False)),
         "the bias correction is missing: divide m_new by (1 − β1^t) and v_new by (1 − β2^t)"),
        (variant(exponent=-1),
         "t counts from 1: the first update uses 1 − β^1, so use the exponent t, not t − 1"),
        (variant(exponent=1),
         "t is already the number of this update (1 for the first): use β^t, not β^(t + 1)"),
        (variant(inside=True),
         "eps goes outside the square root in torch's Adam: sqrt(v̂) + eps"),
        (variant(one_minus=False),
         "the (1 − β) factors are missing: m_new = β1 m + (1 − β1) g, "
         "v_new = β2 v + (1 − β2) g²"),
        (variant(correct=(True, False)), "correct v_new as well: v̂ = v_new / (1 − β2^t)"),
        (variant(correct=(False, True)), "correct m_new as well: m̂ = m_new / (1 − β1^t)"),
    ]


VARIANTS = {
    "momentum_step": _momentum_variants,
    "nesterov_step": _nesterov_variants,
    "adagrad_step": _adagrad_variants,
    "rmsprop_step": _rmsprop_variants,
    "adadelta_step": _adadelta_variants,
    "adam_step": _adam_variants,
}


def _close(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))


def _all_close(got, candidate) -> bool:
    try:
        return len(got) == len(candidate) and all(_close(a, b) for a, b in zip(got, candidate))
    except Exception:
        return False


def _diagnose_step(ex: _Exercise, case: Case, got) -> Optional[str]:
    """A hint naming the typical mistake that ``got`` (a one-step answer) matches, if any."""
    if not isinstance(got, (tuple, list)) or len(got) != len(case.expected):
        return None
    expected = case.expected
    for wrong, hint in VARIANTS[ex.name]():
        if _all_close(got, wrong(*case.args)):
            return hint
    names = ex.output_names
    if len(names) > 1 and not _close(got[0], expected[0]):
        for k in range(1, len(names)):
            if _close(got[0], expected[k]) or _close(got[k], expected[0]):
                return (f"the values are in the wrong order: "
                        f"return {', '.join(names)} in this order")
    w = np.asarray(case.args[0], dtype=np.float64)
    if _close(got[0], 2 * w - expected[0]):
        return "w moved uphill: subtract the update from w (w_new = w − ...), do not add it"
    return None


def _first_difference(got: np.ndarray, expected: np.ndarray) -> int:
    n = min(len(got), len(expected))
    for k in range(n):
        if not np.allclose(got[k], expected[k], rtol=RTOL, atol=ATOL):
            return k
    return n


def _compare_trajectory(ex: _Exercise, case: Case, got) -> Tuple[str, str]:
    if isinstance(got, _Broken):
        return got.message, got.hint
    expected = case.expected
    if not isinstance(got, np.ndarray):
        return f"the trajectory could not be followed (got {type(got).__name__})", ""
    if got.shape == expected.shape and np.allclose(got, expected, rtol=RTOL, atol=ATOL):
        return "", ""
    k = _first_difference(got, expected)
    if len(got) < len(expected) and k == len(got):
        message = f"the path left the finite numbers (inf/NaN) at step {len(got) - 1}"
    else:
        gap = float(np.max(np.abs(got[k] - expected[k])))
        message = (f"the path leaves torch.optim's at step {k} (of {len(expected) - 1}): "
                   f"point {np.round(got[k], 6).tolist()} instead of "
                   f"{np.round(expected[k], 6).tolist()} (abs error {gap:.3g})")
    spec = case.args[0]
    for wrong, hint in VARIANTS[ex.name]():
        with np.errstate(all="ignore"):
            path = iterate(ex, wrong, spec)
        if isinstance(path, np.ndarray) and _close(got, path):
            return message, hint
    return message, ("the single-step cases above usually show the mistake; if they all pass, "
                     "look for state carried between calls (globals) or in-place updates")


def _compare(ex: _Exercise):
    def compare(case: Case, got) -> Tuple[str, str]:
        if isinstance(case.args[0], Trajectory):
            return _compare_trajectory(ex, case, got)
        message, hint = compare_tuples(case, case.expected, got, RTOL, ATOL, None)
        if message:
            hint = _diagnose_step(ex, case, got) or hint
        return message, hint

    return compare


# --------------------------------------------------------------------------- checks


def _check(name: str, student_fn: Any, cases: Optional[Sequence[Case]]) -> CheckResult:
    ex = EXERCISES[name]
    fn = _dispatch(ex, student_fn) if callable(student_fn) else student_fn
    cases = optimizer_cases(name) if cases is None else cases
    return run_check(fn, cases, title=name, rtol=RTOL, atol=ATOL, compare=_compare(ex))


def check_momentum_step(student_fn: Callable, *,
                        cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(w, g, v, lr, momentum) -> (w_new, v_new)``; never raises.

    Torch's form of heavy-ball momentum: v_new = momentum v + g, w_new = w − lr v_new,
    checked against ``torch.optim.SGD(momentum=...)`` on single steps and on a 150-step
    Rosenbrock trajectory. Hints cover the EMA form with (1 − momentum), the step taken
    with the old buffer, Nesterov's step, lr inside the buffer, a wrong return order.
    ``cases``: run these instead of the public cases (e.g. a grader's
    ``momentum_step_hidden_cases(rng)``).
    """
    return _check("momentum_step", student_fn, cases)


def check_nesterov_step(student_fn: Callable, *,
                        cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(w, g, v, lr, momentum) -> (w_new, v_new)``; never raises.

    Torch's form of Nesterov momentum: v_new = momentum v + g,
    w_new = w − lr (g + momentum v_new), against ``torch.optim.SGD(nesterov=True)``.
    Hints cover the plain momentum update and the old buffer used in the step.
    ``cases``: run these instead of the public cases (e.g. a grader's
    ``nesterov_step_hidden_cases(rng)``).
    """
    return _check("nesterov_step", student_fn, cases)


def check_adagrad_step(student_fn: Callable, *,
                       cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(w, g, s, lr, eps) -> (w_new, s_new)``; never raises.

    s_new = s + g², w_new = w − lr g / (sqrt(s_new) + eps), against ``torch.optim.Adagrad``.
    Hints cover summing g instead of g², eps inside the root, no running sum, no root.
    ``cases``: run these instead of the public cases (e.g. a grader's
    ``adagrad_step_hidden_cases(rng)``).
    """
    return _check("adagrad_step", student_fn, cases)


def check_rmsprop_step(student_fn: Callable, *,
                       cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(w, g, s, lr, alpha, eps) -> (w_new, s_new)``; never raises.

    s_new = α s + (1 − α) g², w_new = w − lr g / (sqrt(s_new) + eps), against
    ``torch.optim.RMSprop``. Hints cover a missing (1 − α), eps inside the root, the old
    average in the step, Adagrad's sum.
    ``cases``: run these instead of the public cases (e.g. a grader's
    ``rmsprop_step_hidden_cases(rng)``).
    """
    return _check("rmsprop_step", student_fn, cases)


def check_adadelta_step(student_fn: Callable, *,
                        cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(w, g, s, u, lr, rho, eps) -> (w_new, s_new, u_new)``; never raises.

    s_new = ρ s + (1 − ρ) g², d = sqrt(u + eps) / sqrt(s_new + eps) g,
    u_new = ρ u + (1 − ρ) d², w_new = w − lr d, against ``torch.optim.Adadelta``. Hints
    cover eps outside the roots, a missing lr, missing (1 − ρ), u averaging g² not d².
    ``cases``: run these instead of the public cases (e.g. a grader's
    ``adadelta_step_hidden_cases(rng)``).
    """
    return _check("adadelta_step", student_fn, cases)


def check_adam_step(student_fn: Callable, *,
                    cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(w, g, m, v, t, lr, beta1, beta2, eps) -> (w_new, m_new, v_new)``.

    Never raises. t is the number of this update (1 for the first). Against
    ``torch.optim.Adam`` on single steps and a 150-step Rosenbrock trajectory. Hints cover
    a forgotten bias correction, t counted from 0 (or t + 1), eps inside the root, missing
    (1 − β) factors, a correction of only m or only v, and a wrong return order.
    ``cases``: run these instead of the public cases (e.g. a grader's
    ``adam_step_hidden_cases(rng)``).
    """
    return _check("adam_step", student_fn, cases)
