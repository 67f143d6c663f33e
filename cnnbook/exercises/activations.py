"""Checks for the activation-function exercises (chapter 5).

Two exercises, each an elementwise function on a float array ``x`` of any shape that
returns the activation and its derivative, both arrays shaped like ``x``:

    sigmoid_and_grad(x) -> (s, ds)        s = 1 / (1 + exp(-x)),  ds = s (1 - s)
    elu_and_grad(x, alpha) -> (y, dy)     y = x (x > 0), alpha (exp(x) - 1) (x <= 0)
                                          dy = 1 (x > 0), alpha exp(x) (x <= 0)

Both must work for |x| up to 1000 without any floating-point overflow: the student's
function runs with NumPy's overflow and invalid-operation errors raised as exceptions
(``np.errstate(over="raise", invalid="raise", divide="raise")``), so ``np.exp(1000)``
fails the case instead of printing a warning and returning inf or nan.

The expected answers come from torch in float64: ``torch.sigmoid`` / ``F.elu`` for the
values and autograd for the derivatives.

An instructor's grader also runs each check on hidden cases, e.g.
``check_elu_and_grad(fn, cases=elu_and_grad_hidden_cases(rng))``: random shapes, values
and alpha, of the same kinds as the public cases (x = 0, saturation, |x| up to 1000).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, List, Optional, Sequence

import numpy as np

from cnnbook.exercises.core import Case, CheckResult, run_check

OVERFLOW_HINT = ("exp(710) is already inf in float64: arrange the formula so that exp only "
                 "ever sees arguments <= 0")
SIGMOID_OVERFLOW_HINT = (OVERFLOW_HINT + "; with e = np.exp(-np.abs(x)), sigmoid is 1 / (1 + e) "
                         "for x >= 0 and e / (1 + e) for x < 0 (np.where evaluates both "
                         "branches for every x, so each must be safe everywhere)")
ELU_OVERFLOW_HINT = (OVERFLOW_HINT + "; np.where evaluates both branches for every x, so "
                     "compute the negative branch from np.minimum(x, 0), e.g. "
                     "alpha * np.expm1(np.minimum(x, 0))")


# --------------------------------------------------------------------------- oracles


def torch_sigmoid_and_grad(x: np.ndarray):
    """sigmoid(x) and its derivative, elementwise, by torch.sigmoid and autograd (float64)."""
    import torch

    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    s = torch.sigmoid(xt)
    s.sum().backward()  # d(sum s)/dx_i = sigmoid'(x_i): the derivative, elementwise
    return s.detach().numpy(), xt.grad.numpy()


def torch_elu_and_grad(x: np.ndarray, alpha: float):
    """elu(x) and its derivative, elementwise, by torch.nn.functional.elu and autograd."""
    import torch
    import torch.nn.functional as F

    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = F.elu(xt, alpha=alpha)
    y.sum().backward()
    return y.detach().numpy(), xt.grad.numpy()


# --------------------------------------------------------------------------- cases


def sigmoid_and_grad_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``sigmoid_and_grad``: args (x,), expected (s, ds)."""
    rng = np.random.default_rng(seed)
    inputs = [
        ("x = 0: sigmoid 1/2, slope 1/4", np.array([0.0]),
         "sigmoid(0) = 1/2 and its derivative there is its largest value, 1/4"),
        ("seven moderate values in [-4, 4]", np.linspace(-4.0, 4.0, 7),
         "s = 1 / (1 + exp(-x)) and ds = s * (1 - s)"),
        ("a (3, 4) array of normal values", 2.0 * rng.standard_normal((3, 4)),
         "work elementwise and keep the shape of x"),
        ("a (2, 3, 2) array", 3.0 * rng.standard_normal((2, 3, 2)),
         "work elementwise and keep the shape of x, whatever its number of axes"),
        ("saturated: |x| = 20 and 40", np.array([-40.0, -20.0, 20.0, 40.0]),
         "far from 0 the sigmoid is flat: s is close to 0 or 1 and ds close to 0"),
        ("large negative x down to -1000", np.array([-1000.0, -745.0, -710.0, -100.0]),
         SIGMOID_OVERFLOW_HINT),
        ("large positive x up to 1000", np.array([100.0, 710.0, 745.0, 1000.0]),
         SIGMOID_OVERFLOW_HINT),
        ("|x| up to 1000, both signs, (2, 5)",
         np.array([[-1000.0, -300.0, -1.5, 0.0, 2.5], [1000.0, 300.0, 1.5, -0.25, 0.25]]),
         SIGMOID_OVERFLOW_HINT),
    ]
    return [_sigmoid_case(*case) for case in inputs]


def _sigmoid_case(name: str, x: np.ndarray, hint: str) -> Case:
    return Case(name, (x,), torch_sigmoid_and_grad(x), hint, output_names=("s", "ds"))


def elu_and_grad_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``elu_and_grad``: args (x, alpha), expected (y, dy)."""
    rng = np.random.default_rng(seed)
    inputs = [
        ("alpha = 1, values in [-3, 3]", np.linspace(-3.0, 3.0, 7), 1.0,
         "y = x for x > 0 and alpha * (exp(x) - 1) otherwise; dy = 1 or alpha * exp(x)"),
        ("alpha = 0.5, a (3, 4) array", 2.0 * rng.standard_normal((3, 4)), 0.5,
         "alpha scales the negative branch of y, and so of dy"),
        ("alpha = 2, a (2, 2, 3) array", 2.0 * rng.standard_normal((2, 2, 3)), 2.0,
         "work elementwise and keep the shape of x"),
        ("x = 0 exactly, alpha = 1.5", np.array([0.0, -0.0]), 1.5,
         "x = 0 belongs to the negative branch (as in torch): y = 0 and dy = alpha"),
        ("large negative x: y saturates at -alpha", np.array([-1000.0, -50.0, -20.0]), 1.0,
         "for very negative x, exp(x) underflows to 0: y -> -alpha and dy -> 0"),
        ("|x| up to 1000, both signs", np.array([-1000.0, -1.0, 0.5, 710.0, 1000.0]), 1.0,
         ELU_OVERFLOW_HINT),
    ]
    return [_elu_case(*case) for case in inputs]


def _elu_case(name: str, x: np.ndarray, alpha: float, hint: str) -> Case:
    return Case(name, (x, alpha), torch_elu_and_grad(x, alpha), hint, output_names=("y", "dy"))


# --------------------------------------------------------------------------- hidden cases

# Hidden inputs beyond this magnitude overflow a naive exp (exp(709.8) is inf in float64).
OVERFLOW = 710.0
LARGEST = 1000.0


def _shape(rng: np.random.Generator, ndim: int) -> tuple:
    return tuple(int(n) for n in rng.integers(2, 5, ndim))


def _values(rng: np.random.Generator, n: int, low: float, high: float,
            signs: bool = False) -> np.ndarray:
    """n values drawn uniformly from [low, high], each with a random sign if ``signs``."""
    x = rng.uniform(low, high, n)
    return x * rng.choice([-1.0, 1.0], n) if signs else x


def _overwrite_at_random(rng: np.random.Generator, x: np.ndarray,
                         special: Sequence[float]) -> np.ndarray:
    """x (any shape) with the ``special`` values written at random distinct positions."""
    x = x.copy()
    where = rng.choice(x.size, len(special), replace=False)
    x.reshape(-1)[where] = special
    return x


def _both_overflows(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Values |x| <= 5 of both signs, four of them replaced by 710 <= |x| <= 1000: at least
    one x < -710 and one x > 710."""
    x = _values(rng, int(np.prod(shape)), 0.0, 5.0, signs=True).reshape(shape)
    signs = np.concatenate([[-1.0, 1.0], rng.choice([-1.0, 1.0], 2)])
    return _overwrite_at_random(rng, x, signs * _values(rng, 4, OVERFLOW, LARGEST))


def sigmoid_and_grad_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Seven random cases of the kinds of the public ones, drawn from ``rng`` only.

    Random sizes and shapes (1-D with an exact 0, 2-D, 3-D), random scales, saturated
    values 15 <= |x| <= 60, and values of both signs beyond +-710 up to +-1000.
    """
    n, spread = int(rng.integers(5, 10)), round(float(rng.uniform(2.0, 6.0)), 1)
    matrix, cube = _shape(rng, 2), _shape(rng, 3)
    mixed = (int(rng.integers(2, 4)), int(rng.integers(4, 7)))
    # three values beyond the overflow and two below it, in random order
    large = [np.concatenate([_values(rng, 3, OVERFLOW, LARGEST), _values(rng, 2, 1.0, 700.0)])
             for _ in range(2)]
    negatives, positives = -rng.permutation(large[0]), rng.permutation(large[1])
    inputs = [
        (f"hidden: {n} values in [-{spread:g}, {spread:g}], 0 among them",
         _overwrite_at_random(rng, _values(rng, n, -spread, spread), [0.0]),
         "sigmoid(0) = 1/2; s = 1 / (1 + exp(-x)) and ds = s * (1 - s)"),
        (f"hidden: a {matrix} array of normal values",
         rng.uniform(1.0, 3.0) * rng.standard_normal(matrix),
         "work elementwise and keep the shape of x"),
        (f"hidden: a {cube} array", rng.uniform(1.0, 4.0) * rng.standard_normal(cube),
         "work elementwise and keep the shape of x, whatever its number of axes"),
        ("hidden: saturated, 15 <= |x| <= 60", _values(rng, 6, 15.0, 60.0, signs=True),
         "far from 0 the sigmoid is flat: s is close to 0 or 1 and ds close to 0"),
        ("hidden: large negative x down to -1000", negatives, SIGMOID_OVERFLOW_HINT),
        ("hidden: large positive x up to 1000", positives, SIGMOID_OVERFLOW_HINT),
        (f"hidden: |x| up to 1000, both signs, {mixed}", _both_overflows(rng, mixed),
         SIGMOID_OVERFLOW_HINT),
    ]
    return [_sigmoid_case(*case) for case in inputs]


def _random_alpha(rng: np.random.Generator) -> float:
    """alpha in [0.2, 0.8] or [1.3, 3], 2 decimals: far enough from 1 to tell a missing alpha."""
    low, high = (0.2, 0.8) if rng.random() < 0.5 else (1.3, 3.0)
    return round(float(rng.uniform(low, high)), 2)


def elu_and_grad_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Six random cases of the kinds of the public ones, drawn from ``rng`` only.

    Each case has its own random alpha; random sizes and shapes (1-D, 2-D, 3-D), exact
    zeros (0.0 and -0.0) among random values, values down to -1000 where y saturates at
    -alpha, and values of both signs beyond +-710 up to +-1000.
    """
    n, spread = int(rng.integers(5, 10)), round(float(rng.uniform(2.0, 5.0)), 1)
    matrix, cube, zeros = _shape(rng, 2), _shape(rng, 3), int(rng.integers(4, 8))
    alphas = [_random_alpha(rng) for _ in range(6)]
    inputs = [
        (f"hidden: alpha = {alphas[0]:g}, {n} values in [-{spread:g}, {spread:g}]",
         np.sort(_values(rng, n, -spread, spread)), alphas[0],
         "y = x for x > 0 and alpha * (exp(x) - 1) otherwise; dy = 1 or alpha * exp(x)"),
        (f"hidden: alpha = {alphas[1]:g}, a {matrix} array",
         2.0 * rng.standard_normal(matrix), alphas[1],
         "alpha scales the negative branch of y, and so of dy"),
        (f"hidden: alpha = {alphas[2]:g}, a {cube} array",
         2.0 * rng.standard_normal(cube), alphas[2],
         "work elementwise and keep the shape of x"),
        (f"hidden: x = 0 exactly among {zeros} values, alpha = {alphas[3]:g}",
         _overwrite_at_random(rng, _values(rng, zeros, 0.1, 3.0, signs=True), [0.0, -0.0]),
         alphas[3],
         "x = 0 belongs to the negative branch (as in torch): y = 0 and dy = alpha"),
        (f"hidden: large negative x: y saturates at -alpha = {-alphas[4]:g}",
         -_values(rng, 4, 20.0, LARGEST), alphas[4],
         "for very negative x, exp(x) underflows to 0: y -> -alpha and dy -> 0"),
        (f"hidden: |x| up to 1000, both signs, alpha = {alphas[5]:g}",
         _both_overflows(rng, (int(rng.integers(5, 9)),)), alphas[5], ELU_OVERFLOW_HINT),
    ]
    return [_elu_case(*case) for case in inputs]


# --------------------------------------------------------------------------- typical mistakes


def _close(a: Any, b: np.ndarray) -> bool:
    return (isinstance(a, np.ndarray) and a.shape == b.shape
            and bool(np.allclose(a, b, rtol=1e-6, atol=1e-8)))


def _pair(got: Any):
    """(first, second) of a two-value answer as float arrays, or None."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return None
    try:
        return tuple(np.asarray(g, dtype=np.float64) for g in got)
    except Exception:
        return None


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _diagnose_sigmoid(case: Case, got: Any) -> Optional[str]:
    pair = _pair(got)
    if pair is None:
        return None
    (x,), (s, ds) = case.args, case.expected
    got_s, got_ds = pair
    if _close(got_s, ds) and _close(got_ds, s):
        return "s and ds are swapped: return s, ds in that order"
    if not _close(got_s, s):
        if _close(got_s, 1.0 - s):
            return "that is sigmoid(-x): the exponent is exp(-x), s = 1 / (1 + exp(-x))"
        if _close(got_s, np.tanh(x)):
            return "that is tanh(x), not the logistic sigmoid 1 / (1 + exp(-x))"
        return None
    with np.errstate(all="ignore"):
        if _close(got_ds, s):
            return "ds is the sigmoid itself: its derivative is s * (1 - s)"
        if _close(got_ds, x * (1.0 - x)):
            return "ds = x * (1 - x) uses x: the derivative is s * (1 - s), with s = sigmoid(x)"
        if _close(got_ds, 1.0 - s * s):
            return "1 - s**2 is the derivative of tanh; the sigmoid's is s * (1 - s)"
        if _close(got_ds, -s * (1.0 - s)):
            return "the sign of ds is wrong: the sigmoid increases, ds = s * (1 - s) > 0"
    return None


def _diagnose_elu(case: Case, got: Any) -> Optional[str]:
    pair = _pair(got)
    if pair is None:
        return None
    (x, alpha), (y, dy) = case.args, case.expected
    got_y, got_dy = pair
    with np.errstate(all="ignore"):
        if _close(got_y, dy) and _close(got_dy, y):
            return "y and dy are swapped: return y, dy in that order"
        if not _close(got_y, y):
            if _close(got_y, np.where(x > 0, x, np.expm1(np.minimum(x, 0)))):
                return f"the negative branch must be multiplied by alpha = {alpha}"
            if _close(got_y, np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0)))):
                return "the negative branch is alpha * (exp(x) - 1): the -1 is missing"
            return None
        negative = np.exp(np.minimum(x, 0))
        if _close(got_dy, np.where(x >= 0, 1.0, alpha * negative)):
            return ("at x = 0 use the negative branch, as torch does: dy = alpha there "
                    "(test x > 0, not x >= 0)")
        if _close(got_dy, np.where(x > 0, 1.0, negative)):
            return f"for x <= 0 the derivative is alpha * exp(x): alpha = {alpha} is missing"
        if _close(got_dy, np.where(x > 0, 1.0, alpha * np.expm1(np.minimum(x, 0)))):
            return "d/dx [alpha (exp(x) - 1)] = alpha * exp(x): the -1 disappears"
        if _close(got_dy, (x > 0).astype(np.float64)):
            return "for x <= 0 the derivative is alpha * exp(x), not 0 (that is ReLU's)"
    return None


# --------------------------------------------------------------------------- checks


def _strict_floats(student_fn: Any) -> Any:
    """Run ``student_fn`` with NumPy's overflow and invalid operations raised as errors."""
    if not callable(student_fn):
        return student_fn  # run_check reports that it is not a function

    @functools.wraps(student_fn)
    def strict(*args):
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            return student_fn(*args)

    return strict


def check_sigmoid_and_grad(student_fn: Callable, *,
                           cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(x) -> (s, ds)``, the sigmoid and its derivative; never raises.

    The function runs with NumPy overflow raised as an error, so the naive formula fails the
    cases with |x| > 709. Hints cover the overflow, sigmoid(-x), tanh instead of the sigmoid,
    the derivative written with x instead of s, tanh's derivative, and swapped outputs.
    ``cases``: run these instead of the public cases (e.g. a grader's
    ``sigmoid_and_grad_hidden_cases(rng)``).
    """
    cases = sigmoid_and_grad_cases() if cases is None else cases
    return run_check(_strict_floats(student_fn), cases, title="sigmoid_and_grad",
                     diagnose=_diagnose_sigmoid)


def check_elu_and_grad(student_fn: Callable, *,
                       cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(x, alpha) -> (y, dy)``, ELU and its derivative; never raises.

    The function runs with NumPy overflow raised as an error, so a ``np.where`` whose
    negative branch evaluates exp(1000) fails. Hints cover the overflow, a missing alpha,
    a missing -1, the derivative at x = 0 and ReLU's derivative.
    ``cases``: run these instead of the public cases (e.g. a grader's
    ``elu_and_grad_hidden_cases(rng)``).
    """
    cases = elu_and_grad_cases() if cases is None else cases
    return run_check(_strict_floats(student_fn), cases, title="elu_and_grad",
                     diagnose=_diagnose_elu)
