"""Checks for the neural-network recap exercises (chapter 2).

Five exercises, each graded by one check that prints a PASS/FAIL line per case:

    check_normal_equation(fn)        normal_equation(X, y) -> theta (D,)
    check_logistic_gradient(fn)      logistic_gradient(X, y, theta) -> grad (D,)
    check_gradient_descent(fn)       gradient_descent(X, y, lr, steps) -> theta (D,)
    check_softmax_cross_entropy(fn)  softmax_cross_entropy(logits, labels) -> (loss, dlogits)
    check_mlp_backward(fn)           mlp_backward(X, y, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)

Conventions: X (N, D) already holds a column of ones where a model needs a bias; the
logistic loss is the mean over the N samples,

    J(theta) = -(1/N) sum_i [y_i log pi_i + (1 - y_i) log(1 - pi_i)],  pi = sigmoid(X theta),

so its gradient is (1/N) X^T (pi - y). The softmax cross-entropy is the mean over the rows
of the (N, K) logits. The MLP uses torch's weight layout, W (out_features, in_features):

    z1 = X W1^T + b1,  h = relu(z1),  z2 = h W2^T + b2,  loss = mean cross-entropy(z2, y).

Expected answers come from independent oracles: ``numpy.linalg.lstsq`` for the normal
equation, torch autograd for every gradient, a ``torch.optim.SGD`` loop for gradient
descent. The ``diagnose_*`` functions recognise typical mistakes (a sum instead of a mean,
a flipped sign, a forgotten sigmoid or ReLU mask, softmax over the wrong axis, overflow,
a (D, 1) column instead of a (D,) vector, a bias gradient summed over the wrong axis).

An instructor's grader also runs each check on hidden cases, e.g.
``check_normal_equation(fn, cases=normal_equation_hidden_cases(rng))``: for each exercise,
``NAME_hidden_cases(rng)`` draws random inputs of the same kinds as the public cases from
the given ``numpy.random.Generator`` and grades them with the same oracle.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from cnnbook.exercises.core import Case, CheckResult, close_to, run_check
from cnnbook.numpy_ops.activations import sigmoid_forward
from cnnbook.numpy_ops.losses import softmax

MLP_NAMES = ("dW1", "db1", "dW2", "db2")

# The lecture's cricket data (after G. W. Pierce, "The Songs of Insects", 1948):
# chirps per second of a striped ground cricket and the air temperature in degrees Fahrenheit.
CRICKET_CHIRPS = np.array([20.0, 19.8, 18.4, 17.1, 15.5, 17.1, 15.4, 16.2, 15.0, 17.2, 16.0, 17.0, 14.4])
CRICKET_TEMPERATURE = np.array([88.6, 93.3, 84.3, 80.6, 75.2, 82.0, 69.4, 83.3, 79.6, 82.6, 80.6, 83.5, 76.3])


# ------------------------------------------------------------------------ helpers


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return sigmoid_forward(z)[0]  # the package's overflow-free sigmoid


def _softmax(z: np.ndarray, axis: int = 1) -> np.ndarray:
    return softmax(z, axis=axis)  # the package's stable softmax


def _column_hint(got: np.ndarray, expected: np.ndarray) -> Optional[str]:
    """A hint when a (D,) answer came back as a (D, 1) column or a (1, D) row."""
    d = expected.shape[0]
    if got.shape in ((d, 1), (1, d)):
        values = " (the values are right)" if close_to(got.ravel(), expected) else ""
        return (f"return a 1-D array of shape ({d},), not {got.shape}{values}: keep y 1-D "
                "(no reshape(-1, 1)) or flatten the result with .ravel()")
    return None


def _as_tensor(array):
    import torch

    return torch.tensor(np.asarray(array, dtype=np.float64), dtype=torch.float64)


INTEGER_LABELS_HINT = "the result must be a float array even when y holds integers"


def _draw(rng: np.random.Generator, low: int, high: int) -> int:
    """A Python int drawn uniformly from low..high (both included)."""
    return int(rng.integers(low, high + 1))


def _draw_rate(rng: np.random.Generator, low: float, high: float) -> float:
    """A learning rate (or other hyperparameter) drawn uniformly, rounded to 2 decimals."""
    return round(float(rng.uniform(low, high)), 2)


def _design(rng: np.random.Generator, n: int, features: int, scale: float = 1.0) -> np.ndarray:
    """(N, 1 + features) design matrix: a column of ones, then scaled standard normals."""
    return np.column_stack([np.ones(n), scale * rng.standard_normal((n, features))])


def _binary_labels(rng: np.random.Generator, n: int) -> np.ndarray:
    """(N,) float labels in {0, 1}, both classes present whenever N >= 2."""
    y = rng.integers(0, 2, size=n).astype(np.float64)
    y[:2] = [0.0, 1.0][: n]
    return y


def _hidden(name: str) -> str:
    return "hidden: " + name


# ------------------------------------------------------------- normal equation


def lstsq_solution(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The least-squares solution theta (D,) of X theta ~ y, by ``numpy.linalg.lstsq``."""
    theta, *_ = np.linalg.lstsq(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64),
                                rcond=None)
    return theta


NORMAL_EQUATION_HINT = ("theta = (X^T X)^(-1) X^T y, with matrix products (@) and a matrix "
                        "inverse (np.linalg.inv) or, better, np.linalg.solve(X.T @ X, X.T @ y)")
THETA_SHAPE_HINT = "theta has one entry per column of X: shape (D,)"
NOISE_FREE_HINT = "when y = X theta exactly, the normal equation returns that theta"
ONES_ONLY_HINT = "with X a single column of ones, X^T X = [[N]] and X^T y = [sum(y)]"
SQUARE_SYSTEM_HINT = ("a square invertible X gives theta = X^(-1) y; the normal equation "
                      "agrees")


def _normal_equation_case(name: str, x: np.ndarray, y: np.ndarray, hint: str) -> Case:
    return Case(name, (x, y), lstsq_solution(x, y), hint)


def normal_equation_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``normal_equation`` (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    cricket = np.column_stack([np.ones(len(CRICKET_CHIRPS)), CRICKET_CHIRPS])

    random_x = _design(rng, 20, 3)
    random_y = rng.standard_normal(20)
    exact_x = np.column_stack([np.ones(9), rng.uniform(-2, 2, size=(9, 2))])
    exact_y = exact_x @ np.array([2.0, -1.0, 0.5])
    ones_x = np.ones((6, 1))
    ones_y = rng.normal(3.0, 1.0, size=6)
    square_x = _design(rng, 3, 2)
    square_y = rng.standard_normal(3)
    int_x = np.column_stack([np.ones(8), rng.integers(-5, 6, size=(8, 2))]).astype(np.float64)
    int_y = rng.integers(0, 10, size=8)

    case = _normal_equation_case
    return [
        case("the lecture's cricket data: N=13, D=2", cricket, CRICKET_TEMPERATURE.copy(),
             NORMAL_EQUATION_HINT),
        case("random N=20, D=4", random_x, random_y, THETA_SHAPE_HINT),
        case("noise-free data: recovers theta = [2, -1, 0.5]", exact_x, exact_y, NOISE_FREE_HINT),
        case("D=1, only the column of ones: theta = [mean(y)]", ones_x, ones_y, ONES_ONLY_HINT),
        case("N = D = 3: a square system, the fit passes through every point", square_x, square_y,
             SQUARE_SYSTEM_HINT),
        case("integer labels y", int_x, int_y, INTEGER_LABELS_HINT),
    ]


def _well_conditioned(draw: Callable[[], np.ndarray], max_condition: float = 100.0) -> np.ndarray:
    """Call ``draw()`` until it returns a design matrix X with cond(X) < max_condition.

    Keeps (X^T X)^(-1), the formula students use, as accurate as the lstsq oracle.
    """
    while True:
        x = draw()
        if np.linalg.cond(x) < max_condition:
            return x


def normal_equation_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """6 random cases for the grader, drawn from ``rng`` only; expected values by lstsq.

    Randomizes N and D, the data and the true theta, one case of each public kind: a noisy
    line (D=2, like the cricket data), random N x D data, noise-free data with a random
    theta, a column of ones only (D=1), a square system (N = D), integer features and
    integer labels y (int64). Every X has cond(X) < 100.
    """
    n = _draw(rng, 8, 20)
    chirps = rng.uniform(12.0, 22.0, size=n)
    line_x = np.column_stack([np.ones(n), chirps])
    line_y = rng.uniform(20, 40) + rng.uniform(1, 4) * chirps + rng.normal(0, 3, size=n)
    cases = [_normal_equation_case(_hidden(f"a noisy line: N={n}, D=2"), line_x, line_y,
                                   NORMAL_EQUATION_HINT)]

    n, d = _draw(rng, 12, 30), _draw(rng, 3, 5)
    random_x = _well_conditioned(lambda: _design(rng, n, d - 1))
    cases.append(_normal_equation_case(_hidden(f"random N={n}, D={d}"), random_x,
                                       rng.standard_normal(n), THETA_SHAPE_HINT))

    n, d = _draw(rng, 6, 12), _draw(rng, 2, 4)
    exact_x = _well_conditioned(
        lambda: np.column_stack([np.ones(n), rng.uniform(-2, 2, size=(n, d - 1))]))
    theta = np.round(rng.uniform(-3, 3, size=d), 1) + 0.0  # + 0.0: no -0.0 in the name
    cases.append(_normal_equation_case(
        _hidden(f"noise-free data N={n}: recovers theta = {theta.tolist()}"), exact_x,
        exact_x @ theta, NOISE_FREE_HINT))

    n = _draw(rng, 4, 10)
    cases.append(_normal_equation_case(
        _hidden(f"D=1, only the column of ones, N={n}: theta = [mean(y)]"), np.ones((n, 1)),
        rng.normal(rng.uniform(-5, 5), 1.0, size=n), ONES_ONLY_HINT))

    d = _draw(rng, 2, 4)
    square_x = _well_conditioned(lambda: _design(rng, d, d - 1))
    cases.append(_normal_equation_case(
        _hidden(f"N = D = {d}: a square system, the fit passes through every point"), square_x,
        rng.standard_normal(d), SQUARE_SYSTEM_HINT))

    n, features = _draw(rng, 6, 12), _draw(rng, 1, 3)
    int_x = _well_conditioned(lambda: np.column_stack(
        [np.ones(n), rng.integers(-5, 6, size=(n, features))]).astype(np.float64))
    cases.append(_normal_equation_case(_hidden(f"integer labels y: N={n}, D={features + 1}"),
                                       int_x, rng.integers(0, 10, size=n), INTEGER_LABELS_HINT))
    return cases


def diagnose_normal_equation(case: Case, got: np.ndarray) -> Optional[str]:
    """Recognise typical mistakes in a ``normal_equation`` answer; return a hint or None."""
    x, y = (np.asarray(a, dtype=np.float64) for a in case.args)
    n, d = x.shape
    expected = case.expected
    hint = _column_hint(got, expected)
    if hint:
        return hint
    if got.shape == (d + 1,):
        return "X already holds the column of ones: do not add another one; theta has shape (D,)"
    if got.shape in ((d, n), (n, d)) and n != d:
        return "you returned (X^T X)^(-1) X^T: multiply it by y to get theta (D,)"
    if got.shape == (d, d):
        return "theta is a vector of shape (D,): multiply (X^T X)^(-1) by X^T y, not only by X^T X"
    if got.shape != (d,):
        return f"theta has one entry per column of X: shape ({d},)"
    gram = x.T @ x
    with np.errstate(divide="ignore", invalid="ignore"):
        elementwise = (1.0 / gram) @ (x.T @ y)
    if close_to(got, elementwise):
        return ("1 / (X.T @ X) takes the reciprocal of each entry; the normal equation needs the "
                "matrix inverse np.linalg.inv(X.T @ X), or np.linalg.solve(X.T @ X, X.T @ y)")
    return None


def check_normal_equation(student_fn: Callable, *,
                          cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(X, y) -> theta``, the least-squares fit by the normal equation.

    theta = (X^T X)^(-1) X^T y for X (N, D) (with its column of ones) and y (N,); theta is (D,).
    Prints one PASS/FAIL line per case and a summary; never raises. ``cases``: run these
    cases (e.g. ``normal_equation_hidden_cases(rng)``) instead of the public ones.
    """
    if cases is None:
        cases = normal_equation_cases()
    return run_check(student_fn, cases, title="normal_equation",
                     diagnose=diagnose_normal_equation)


# ----------------------------------------------------------- logistic gradient


def torch_logistic_loss_and_gradient(X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> Tuple[float, np.ndarray]:
    """Mean logistic loss and its gradient (D,) at ``theta``, by torch autograd.

    Torch equivalent: torch.nn.functional.binary_cross_entropy_with_logits(X @ theta, y).
    """
    import torch.nn.functional as F

    t = _as_tensor(theta).requires_grad_(True)
    loss = F.binary_cross_entropy_with_logits(_as_tensor(X) @ t, _as_tensor(y))
    loss.backward()
    return float(loss.detach()), t.grad.numpy()


ZERO_THETA_HINT = "grad = X.T @ (sigmoid(X @ theta) - y) / N"
GRADIENT_SHAPES_HINT = ("pi = sigmoid(X @ theta) has shape (N,); grad = X.T @ (pi - y) / N "
                        "has shape (D,)")
ONE_SAMPLE_GRADIENT_HINT = "with one sample the gradient is x_1 * (pi_1 - y_1)"
BIAS_GRADIENT_HINT = "with X a column of ones the gradient is [mean(pi - y)]"
STABLE_SIGMOID_HINT = "compute the sigmoid so that it stays finite for large |X theta|"


def _logistic_case(name: str, x, y, theta, hint: str) -> Case:
    return Case(name, (x, y, theta), torch_logistic_loss_and_gradient(x, y, theta)[1], hint)


def logistic_gradient_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``logistic_gradient`` (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    small_x = np.array([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5]])
    small_y = np.array([1.0, 0.0, 0.0])
    random_x, random_y = _design(rng, 12, 2), _binary_labels(rng, 12)
    one_x, one_y = _design(rng, 1, 3), np.array([1.0])
    bias_x, bias_y = np.ones((7, 1)), _binary_labels(rng, 7)
    sure_x, sure_y = _design(rng, 6, 2, scale=10.0), _binary_labels(rng, 6)
    int_x, int_y = _design(rng, 5, 1), rng.integers(0, 2, size=5)
    int_y[:2] = [0, 1]

    case = _logistic_case
    return [
        case("small example N=3, D=2, theta = 0 (every pi = 0.5)", small_x, small_y, np.zeros(2),
             ZERO_THETA_HINT),
        case("random N=12, D=3", random_x, random_y, rng.standard_normal(3), GRADIENT_SHAPES_HINT),
        case("N=1: a single sample", one_x, one_y, rng.standard_normal(4),
             ONE_SAMPLE_GRADIENT_HINT),
        case("D=1: bias only (X is a column of ones)", bias_x, bias_y, np.array([0.3]),
             BIAS_GRADIENT_HINT),
        case("confident predictions: |X theta| up to about 50", sure_x, sure_y,
             np.array([0.5, 2.0, -1.5]), STABLE_SIGMOID_HINT),
        case("integer labels y", int_x, int_y, np.array([-0.2, 0.7]), INTEGER_LABELS_HINT),
    ]


def logistic_gradient_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """6 random cases for the grader, drawn from ``rng`` only; expected values by autograd.

    Randomizes N, D, X, y and theta, one case of each public kind: theta = 0 on a small
    data set, random N x D data, a single sample (N=1), a bias only (D=1), confident
    predictions (features scaled by 10, |X theta| in the tens), integer labels (int64).
    """
    n = _draw(rng, 3, 5)
    small_x = np.column_stack([np.ones(n), np.round(rng.uniform(-2, 2, size=n), 1)])
    cases = [_logistic_case(_hidden(f"small example N={n}, D=2, theta = 0 (every pi = 0.5)"),
                            small_x, _binary_labels(rng, n), np.zeros(2), ZERO_THETA_HINT)]

    n, d = _draw(rng, 8, 20), _draw(rng, 2, 5)
    cases.append(_logistic_case(_hidden(f"random N={n}, D={d}"), _design(rng, n, d - 1),
                                _binary_labels(rng, n), rng.standard_normal(d),
                                GRADIENT_SHAPES_HINT))

    d = _draw(rng, 2, 5)
    cases.append(_logistic_case(_hidden(f"N=1: a single sample, D={d}"), _design(rng, 1, d - 1),
                                rng.integers(0, 2, size=1).astype(np.float64),
                                rng.standard_normal(d), ONE_SAMPLE_GRADIENT_HINT))

    n = _draw(rng, 4, 10)
    cases.append(_logistic_case(_hidden(f"D=1: bias only (X is a column of ones), N={n}"),
                                np.ones((n, 1)), _binary_labels(rng, n),
                                np.array([_draw_rate(rng, -1.0, 1.0)]), BIAS_GRADIENT_HINT))

    n = _draw(rng, 4, 8)
    sure_x = _design(rng, n, 2, scale=10.0)
    sure_theta = rng.choice([-1.0, 1.0], size=3) * rng.uniform(0.5, 2.5, size=3)
    reach = float(np.max(np.abs(sure_x @ sure_theta)))
    cases.append(_logistic_case(_hidden(f"confident predictions: |X theta| up to {reach:.0f}"),
                                sure_x, _binary_labels(rng, n), sure_theta, STABLE_SIGMOID_HINT))

    n, features = _draw(rng, 4, 8), _draw(rng, 1, 2)
    int_y = _binary_labels(rng, n).astype(np.int64)
    cases.append(_logistic_case(_hidden(f"integer labels y: N={n}, D={features + 1}"),
                                _design(rng, n, features), int_y,
                                rng.standard_normal(features + 1), INTEGER_LABELS_HINT))
    return cases


def diagnose_logistic_gradient(case: Case, got: np.ndarray) -> Optional[str]:
    """Recognise typical mistakes in a ``logistic_gradient`` answer; return a hint or None."""
    x, y, theta = (np.asarray(a, dtype=np.float64) for a in case.args)
    n, d = x.shape
    hint = _column_hint(got, case.expected)
    if hint:
        return hint
    if got.shape == (n,) and n != d:
        return "you returned one value per sample (pi - y): multiply by X^T, grad = X.T @ (pi - y) / N"
    if got.shape != (d,):
        return f"the gradient has one entry per parameter: shape ({d},)"
    z = x @ theta
    pi = _sigmoid(z)
    right = x.T @ (pi - y) / n
    candidates = [
        (-right, "sign flipped: the loss gradient is X^T (pi - y) / N; X^T (y - pi) / N is the "
                 "gradient of the log-likelihood, which grows in the opposite direction"),
        (x.T @ (z - y) / n, "you forgot the sigmoid: pi = sigmoid(X theta) = 1 / (1 + exp(-X theta)), "
                            "not X theta"),
        (x.T @ (_sigmoid(-z) - y) / n, "sigmoid(z) = 1 / (1 + exp(-z)): check the sign inside exp"),
        (x.T @ ((pi - y) * pi * (1 - pi)) / n,
         "drop the factor pi (1 - pi): with the cross-entropy loss the sigmoid's derivative cancels"),
    ]
    if n > 1:
        candidates[:0] = [
            (n * right, f"you summed over the N = {n} samples: the loss is a mean, so divide by N"),
            (-n * right, "sign flipped (use pi - y, not y - pi) and summed instead of averaged "
                         "(divide by N)"),
            (x.T @ (z - y), "you forgot the sigmoid (pi = sigmoid(X theta)) and summed instead of "
                            "averaged (divide by N)"),
        ]
    for candidate, hint in candidates:
        if not close_to(candidate, right) and close_to(got, candidate):
            return hint
    return None


def check_logistic_gradient(student_fn: Callable, *,
                            cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(X, y, theta) -> grad``, the gradient of the mean logistic loss.

    grad = (1/N) X^T (sigmoid(X theta) - y), shape (D,). Prints one PASS/FAIL line per case
    and a summary; never raises. ``cases``: run these cases (e.g.
    ``logistic_gradient_hidden_cases(rng)``) instead of the public ones.
    """
    if cases is None:
        cases = logistic_gradient_cases()
    return run_check(student_fn, cases, title="logistic_gradient",
                     diagnose=diagnose_logistic_gradient)


# ------------------------------------------------------------ gradient descent


def torch_gradient_descent(X: np.ndarray, y: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """Logistic regression trained by ``torch.optim.SGD`` from theta = 0 for ``steps`` steps.

    Each step: loss = binary_cross_entropy_with_logits(X @ theta, y) (mean), backward, step.
    Returns theta (D,) as a float64 array.
    """
    import torch
    import torch.nn.functional as F

    x_t, y_t = _as_tensor(X), _as_tensor(y)
    theta = torch.zeros(x_t.shape[1], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([theta], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        F.binary_cross_entropy_with_logits(x_t @ theta, y_t).backward()
        optimizer.step()
    return theta.detach().numpy().copy()


def _numpy_descent(x, y, lr, steps, *, sign=1.0, scale=1.0, link=_sigmoid) -> np.ndarray:
    """Plain gradient descent with a deliberate mistake, for diagnosis only."""
    theta = np.zeros(x.shape[1])
    for _ in range(max(steps, 0)):
        theta = theta - sign * lr * scale * x.T @ (link(x @ theta) - y) / len(y)
    return theta


ZERO_STEPS_HINT = "start from theta = np.zeros(D) and return it unchanged when steps = 0"
ONE_STEP_HINT = "one update: theta = theta - lr * X.T @ (sigmoid(X @ theta) - y) / N"
FULL_BATCH_HINT = ("each of the `steps` updates uses the full-batch mean gradient at the "
                   "current theta")
BIAS_ONLY_HINT = "with a bias only, theta moves towards log({positive:g} / {negative:g})"
ONE_SAMPLE_DESCENT_HINT = "with one sample the mean over N is that sample's gradient"


def _two_clouds(rng: np.random.Generator, n: int, shift: float) -> Tuple[np.ndarray, np.ndarray]:
    """X (N, 3) with a column of ones and y (N,): N/2 points of each class, 2-D Gaussian
    clouds centred at -shift (label 0) and +shift (label 1); N even."""
    y = np.repeat([0.0, 1.0], n // 2)
    features = rng.standard_normal((n, 2)) + shift * (2 * y[:, None] - 1)
    return np.column_stack([np.ones(n), features]), y


def _descent_case(name: str, x, y, lr: float, steps: int, hint: str) -> Case:
    return Case(name, (x, y, lr, steps), torch_gradient_descent(x, y, lr, steps), hint)


def gradient_descent_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``gradient_descent`` (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    x_small, y_small = _two_clouds(rng, 8, 1.0)
    x_blobs, y_blobs = _two_clouds(rng, 40, 1.5)
    x_bias, y_bias = np.ones((10, 1)), np.array([1.0] * 7 + [0.0] * 3)
    x_one, y_one = np.array([[1.0, 0.5, -2.0]]), np.array([1.0])
    x_int, y_int = _two_clouds(rng, 12, 1.0)
    y_int = y_int.astype(np.int64)

    case = _descent_case
    return [
        case("steps = 0: theta stays at zeros", x_small, y_small, 0.5, 0, ZERO_STEPS_HINT),
        case("one step from zeros: theta = -lr * X^T (0.5 - y) / N", x_small, y_small, 0.5, 1,
             ONE_STEP_HINT),
        case("two 2-D clouds, N=40, lr=0.5, 100 steps", x_blobs, y_blobs, 0.5, 100,
             FULL_BATCH_HINT),
        case("D=1 (bias only), 70% positives, lr=1.0, 50 steps", x_bias, y_bias, 1.0, 50,
             BIAS_ONLY_HINT.format(positive=0.7, negative=0.3)),
        case("N=1: a single sample, lr=0.1, 10 steps", x_one, y_one, 0.1, 10,
             ONE_SAMPLE_DESCENT_HINT),
        case("integer labels, lr=2.0, 30 steps", x_int, y_int, 2.0, 30, INTEGER_LABELS_HINT),
    ]


def gradient_descent_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """6 random cases for the grader, drawn from ``rng`` only; expected values by torch SGD.

    Randomizes the data (two Gaussian clouds of random size and separation), the learning
    rate (0.05 to 2.5) and the number of steps (up to 150), one case of each public kind:
    steps = 0, a single step, a long run, a bias only (D=1) with a random share of
    positives, a single sample (N=1), integer labels (int64).
    """
    cases = []
    for steps, hint in ((0, ZERO_STEPS_HINT), (1, ONE_STEP_HINT)):
        n, lr = 2 * _draw(rng, 3, 6), _draw_rate(rng, 0.1, 1.0)
        x, y = _two_clouds(rng, n, rng.uniform(0.5, 1.5))
        about = "theta stays at zeros" if steps == 0 else "one step from zeros"
        cases.append(_descent_case(_hidden(f"steps = {steps}: {about}, N={n}, lr={lr}"),
                                   x, y, lr, steps, hint))

    n, lr, steps = 2 * _draw(rng, 10, 20), _draw_rate(rng, 0.1, 1.0), _draw(rng, 50, 150)
    x, y = _two_clouds(rng, n, rng.uniform(1.0, 2.0))
    cases.append(_descent_case(_hidden(f"two 2-D clouds, N={n}, lr={lr}, {steps} steps"),
                               x, y, lr, steps, FULL_BATCH_HINT))

    n, lr, steps = _draw(rng, 12, 30), _draw_rate(rng, 0.5, 1.5), _draw(rng, 20, 80)
    positives = _draw(rng, 1, n - 1)
    y = rng.permutation(np.repeat([1.0, 0.0], [positives, n - positives]))
    share = round(positives / n, 2)
    cases.append(_descent_case(
        _hidden(f"D=1 (bias only), {positives} of {n} positive, lr={lr}, {steps} steps"),
        np.ones((n, 1)), y, lr, steps,
        BIAS_ONLY_HINT.format(positive=share, negative=round(1 - share, 2))))

    d, lr, steps = _draw(rng, 2, 4), _draw_rate(rng, 0.05, 0.5), _draw(rng, 5, 20)
    cases.append(_descent_case(_hidden(f"N=1: a single sample, D={d}, lr={lr}, {steps} steps"),
                               _design(rng, 1, d - 1), np.array([float(rng.integers(0, 2))]),
                               lr, steps, ONE_SAMPLE_DESCENT_HINT))

    n, lr, steps = 2 * _draw(rng, 4, 8), _draw_rate(rng, 1.0, 2.5), _draw(rng, 10, 40)
    x, y = _two_clouds(rng, n, 1.0)
    cases.append(_descent_case(_hidden(f"integer labels, N={n}, lr={lr}, {steps} steps"),
                               x, y.astype(np.int64), lr, steps, INTEGER_LABELS_HINT))
    return cases


def diagnose_gradient_descent(case: Case, got: np.ndarray) -> Optional[str]:
    """Recognise typical mistakes in a ``gradient_descent`` answer; return a hint or None."""
    x, y = (np.asarray(a, dtype=np.float64) for a in case.args[:2])
    lr, steps = case.args[2], case.args[3]
    n, d = x.shape
    hint = _column_hint(got, case.expected)
    if hint:
        return hint
    if got.shape != (d,):
        return f"return only the final theta, shape ({d},)"
    if steps == 0 and np.any(got != 0):
        return "with steps = 0 no update happens: return the starting point np.zeros(D)"
    candidates = [
        (_numpy_descent(x, y, lr, steps, sign=-1.0),
         "gradient ascent: the update is theta = theta - lr * grad (step against the gradient)"),
        (_numpy_descent(x, y, lr, steps - 1), f"you took {steps - 1} steps instead of {steps}: "
                                              "run the loop exactly `steps` times (range(steps))"),
        (_numpy_descent(x, y, lr, steps + 1), f"you took {steps + 1} steps instead of {steps}: "
                                              "run the loop exactly `steps` times (range(steps))"),
        (_numpy_descent(x, y, lr, steps, link=lambda z: z),
         "you forgot the sigmoid: pi = sigmoid(X theta), not X theta"),
    ]
    if n > 1:
        candidates.insert(1, (_numpy_descent(x, y, lr, steps, scale=n),
                              f"you used the summed gradient (N = {n} times too large): the loss "
                              "is a mean, so divide X^T (pi - y) by N"))
    for candidate, hint in candidates:
        if not close_to(candidate, case.expected) and close_to(got, candidate):
            return hint
    return None


def check_gradient_descent(student_fn: Callable, *,
                           cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(X, y, lr, steps) -> theta``: full-batch GD on the mean logistic loss.

    Starting from theta = 0, repeat ``steps`` times: theta -= lr * X^T (sigmoid(X theta) - y) / N.
    Prints one PASS/FAIL line per case and a summary; never raises. ``cases``: run these
    cases (e.g. ``gradient_descent_hidden_cases(rng)``) instead of the public ones.
    """
    if cases is None:
        cases = gradient_descent_cases()
    return run_check(student_fn, cases, title="gradient_descent",
                     diagnose=diagnose_gradient_descent)


# ------------------------------------------------------- softmax cross-entropy


def torch_softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> Tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(logits) and its gradient (N, K), by torch autograd.

    Torch equivalent: torch.nn.functional.cross_entropy(logits, labels).
    """
    import torch
    import torch.nn.functional as F

    z = _as_tensor(logits).requires_grad_(True)
    loss = F.cross_entropy(z, torch.as_tensor(np.asarray(labels, dtype=np.int64)))
    loss.backward()
    return float(loss.detach()), z.grad.numpy()


SOFTMAX_FORMULA_HINT = ("loss = mean over rows of -log softmax(row)[label]; "
                        "dlogits = (softmax - onehot) / N")
ROWS_HINT = "softmax normalises each row (axis=1) over the K classes"
ONE_SAMPLE_LOSS_HINT = "with one sample the mean is that sample's loss"
TWO_CLASSES_HINT = "two classes work like any other K"
EQUAL_LOGITS_HINT = "equal logits give the uniform distribution: every probability is 1 / K"
OVERFLOW_HINT = "subtract each row's maximum before np.exp: softmax(z) = softmax(z - max(z))"
UNDERFLOW_HINT = ("compute log-softmax directly: (z - m) - log(sum(exp(z - m))) with "
                  "m = max(z)")


def _softmax_case(name: str, logits: np.ndarray, labels: Sequence[int], hint: str) -> Case:
    labels = np.asarray(labels, dtype=np.int64)
    return Case(name, (logits, labels), torch_softmax_cross_entropy(logits, labels), hint,
                output_names=("loss", "dlogits"))


def softmax_cross_entropy_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``softmax_cross_entropy`` (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    case = _softmax_case
    return [
        case("small example N=2, K=3", np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -0.3]]), [0, 2],
             SOFTMAX_FORMULA_HINT),
        case("random N=6, K=4", rng.standard_normal((6, 4)), rng.integers(0, 4, size=6), ROWS_HINT),
        case("N=1: a single sample", rng.standard_normal((1, 3)), [1], ONE_SAMPLE_LOSS_HINT),
        case("K=2: two classes, N=5", rng.standard_normal((5, 2)), [0, 1, 1, 0, 1],
             TWO_CLASSES_HINT),
        case("all logits equal: loss = log K", np.zeros((4, 5)), [0, 1, 2, 4], EQUAL_LOGITS_HINT),
        case("large logits (around 1000): exp overflows without the max subtraction",
             np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1003.0], [800.0, 0.0, 799.0]]),
             [2, 0, 2], OVERFLOW_HINT),
        case("a label with probability about e^-2000: log(softmax) would be log(0)",
             np.array([[1000.0, 0.0, -1000.0], [3.0, 1.0, 2.0]]), [2, 0], UNDERFLOW_HINT),
    ]


def softmax_cross_entropy_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """7 random cases for the grader, drawn from ``rng`` only; expected values by autograd.

    Randomizes N, K, the logits and the labels (int64), one case of each public kind: a
    small example, random N x K logits, a single sample (N=1), two classes (K=2), all
    logits equal to a random constant (loss = log K), large logits (rows around +-800 to
    +-1200, where np.exp overflows; every label's probability stays reasonable) and a label
    whose probability underflows to 0 (e^-1600 or less).
    """
    def labels(n: int, k: int) -> np.ndarray:
        return rng.integers(0, k, size=n)

    n, k = _draw(rng, 2, 3), _draw(rng, 3, 4)
    cases = [_softmax_case(_hidden(f"small example N={n}, K={k}"),
                           np.round(rng.uniform(-3, 3, size=(n, k)), 1), labels(n, k),
                           SOFTMAX_FORMULA_HINT)]

    n, k = _draw(rng, 4, 10), _draw(rng, 3, 6)
    cases.append(_softmax_case(_hidden(f"random N={n}, K={k}"), 2 * rng.standard_normal((n, k)),
                               labels(n, k), ROWS_HINT))

    k = _draw(rng, 2, 6)
    cases.append(_softmax_case(_hidden(f"N=1: a single sample, K={k}"),
                               rng.standard_normal((1, k)), labels(1, k), ONE_SAMPLE_LOSS_HINT))

    n = _draw(rng, 3, 8)
    cases.append(_softmax_case(_hidden(f"K=2: two classes, N={n}"), rng.standard_normal((n, 2)),
                               labels(n, 2), TWO_CLASSES_HINT))

    n, k, level = _draw(rng, 2, 6), _draw(rng, 2, 6), round(float(rng.uniform(-5, 5)), 1)
    cases.append(_softmax_case(_hidden(f"all {n}x{k} logits equal to {level:g}: loss = log {k}"),
                               np.full((n, k), level), labels(n, k), EQUAL_LOGITS_HINT))

    n, k = _draw(rng, 2, 4), _draw(rng, 3, 4)
    signs = np.concatenate([[1.0, -1.0], rng.choice([-1.0, 1.0], size=n - 2)])  # both kinds
    levels = signs * rng.uniform(800, 1200, size=n)
    cases.append(_softmax_case(
        _hidden(f"large logits (around +-{np.mean(np.abs(levels)):.0f}), N={n}, K={k}: exp "
                "overflows without the max subtraction"),
        levels[:, None] + rng.uniform(-3, 3, size=(n, k)), labels(n, k), OVERFLOW_HINT))

    k, spread = _draw(rng, 3, 4), float(rng.uniform(800, 1500))
    extreme_row = np.concatenate([[spread, -spread], rng.uniform(-spread, spread, size=k - 2)])
    logits = np.vstack([rng.permutation(extreme_row), 3 * rng.standard_normal(k)])
    unlikely = int(np.argmin(logits[0]))  # -spread: the label with p ~ e^(-2 spread)
    cases.append(_softmax_case(
        _hidden(f"a label with probability about e^-{2 * spread:.0f}, K={k}: log(softmax) "
                "would be log(0)"),
        logits, [unlikely, int(rng.integers(0, k))], UNDERFLOW_HINT))
    return cases


def diagnose_softmax_cross_entropy(case: Case, got) -> Optional[str]:
    """Recognise typical mistakes in a ``softmax_cross_entropy`` answer; return a hint or None."""
    logits, labels = np.asarray(case.args[0], dtype=np.float64), np.asarray(case.args[1])
    n, k = logits.shape
    loss, dlogits = case.expected
    got_loss, got_d = got[0], got[1]
    loss_array = np.asarray(got_loss) if hasattr(got_loss, "shape") else None
    if loss_array is not None and loss_array.size == n and n > 1 and loss_array.ndim >= 1:
        return "return the mean loss over the N samples as one number, not one loss per sample"
    try:
        got_loss = float(got_loss)
    except (TypeError, ValueError):
        return "return the loss as a single number (a Python float)"
    got_d_array = np.asarray(got_d) if isinstance(got_d, np.ndarray) else None
    finite_d = got_d_array is None or got_d_array.dtype.kind not in "fc" or np.all(np.isfinite(got_d_array))
    if not np.isfinite(got_loss) or not finite_d:
        stable_probs = _softmax(logits)
        with np.errstate(divide="ignore"):
            log_of_softmax = np.log(stable_probs[np.arange(n), labels])
        if np.any(np.isinf(log_of_softmax)) and np.isinf(got_loss):
            return ("log(softmax) underflows to log(0) = -inf for a very unlikely label: compute "
                    "log-softmax directly as (z - m) - log(sum(exp(z - m))) with m = the row maximum")
        return ("exp overflowed (inf or NaN): subtract each row's maximum before np.exp; "
                "softmax(z) = softmax(z - max(z)) does not change the result")
    onehot = np.eye(k)[labels]
    probs = _softmax(logits)
    if np.isclose(got_loss, loss, rtol=1e-6, atol=1e-8):
        if got_d_array is None or got_d_array.shape != (n, k):
            return None
        candidates = [
            (dlogits * n, "dlogits is missing the 1/N: the loss is a mean, so dlogits = (softmax - onehot) / N"),
            (-dlogits, "sign flipped: dlogits = (softmax - onehot) / N, not (onehot - softmax) / N"),
            (probs / n, "subtract the one-hot labels: dlogits = (softmax - onehot) / N"),
            (probs - onehot / n, "divide the whole difference by N: (softmax - onehot) / N"),
        ]
        for candidate, hint in candidates:
            if not close_to(candidate, dlogits) and close_to(got_d_array, candidate):
                return hint
        if n > 1 and not close_to(_softmax(logits, axis=0), probs):
            wrong_axis = (_softmax(logits, axis=0) - onehot) / n
            if close_to(got_d_array, wrong_axis):
                return "softmax normalises each row (axis=1, over the K classes), not each column (axis=0)"
        return None
    if n > 1 and np.isclose(got_loss, n * loss, rtol=1e-6):
        return f"you summed the losses of the N = {n} samples: take the mean (divide by N)"
    if np.isclose(got_loss, -loss, rtol=1e-6) and loss != 0:
        return "sign: the loss is -log(probability of the label), a number >= 0"
    if n > 1:
        with np.errstate(divide="ignore"):
            column_probs = _softmax(logits, axis=0)
            wrong_axis = -np.mean(np.log(column_probs[np.arange(n), labels]))
        if np.isfinite(wrong_axis) and np.isclose(got_loss, wrong_axis, rtol=1e-6):
            return "softmax normalises each row (axis=1, over the K classes), not each column (axis=0)"
    return None


def check_softmax_cross_entropy(student_fn: Callable, *,
                                cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(logits, labels) -> (loss, dlogits)``: mean softmax cross-entropy.

    loss = -(1/N) sum_i log softmax(logits_i)[labels_i];  dlogits = (softmax - onehot) / N.
    Prints one PASS/FAIL line per case and a summary; never raises. ``cases``: run these
    cases (e.g. ``softmax_cross_entropy_hidden_cases(rng)``) instead of the public ones.
    """
    if cases is None:
        cases = softmax_cross_entropy_cases()
    return run_check(student_fn, cases, title="softmax_cross_entropy",
                     diagnose=diagnose_softmax_cross_entropy)


# ---------------------------------------------------------------- MLP backward


def torch_mlp_gradients(X, y, W1, b1, W2, b2) -> Tuple[np.ndarray, ...]:
    """Gradients (dW1, db1, dW2, db2) of the two-layer ReLU MLP's mean loss, by torch autograd.

    loss = cross_entropy(relu(X W1^T + b1) W2^T + b2, y), mean over the N rows.
    """
    import torch
    import torch.nn.functional as F

    params = [_as_tensor(p).requires_grad_(True) for p in (W1, b1, W2, b2)]
    w1, c1, w2, c2 = params
    hidden = torch.relu(F.linear(_as_tensor(X), w1, c1))  # (N, H)
    loss = F.cross_entropy(F.linear(hidden, w2, c2), torch.as_tensor(np.asarray(y, dtype=np.int64)))
    loss.backward()
    return tuple(p.grad.numpy() for p in params)


BACKWARD_STEPS_HINT = ("go backwards: dz2 = (softmax - onehot) / N, dW2 = dz2.T @ h, "
                       "dh = dz2 @ W2, dz1 = dh * (z1 > 0), dW1 = dz1.T @ X")
OUTER_PRODUCT_HINT = ("with one sample each gradient is an outer product of a delta and an "
                      "input")
INACTIVE_RELU_HINT = "an inactive ReLU unit (z1 <= 0) passes no gradient back"
WEIGHT_SHAPES_HINT = ("the weight gradients have the shapes of the weights: "
                      "(out_features, in_features)")
SQUARE_MLP_HINT = ("dW1 = dz1.T @ X has W1's shape (H, D); the biases' gradients sum over the "
                   "batch axis 0")


def _random_network(rng: np.random.Generator, n: int, d: int, h: int, k: int,
                    bias_shift: float = 0.0):
    """Random (X (N, D), y (N,), W1 (H, D), b1 (H,), W2 (K, H), b2 (K,)).

    Redraws X, W1 and b1 until every hidden pre-activation is at least 0.05 away from 0,
    where ReLU has no derivative; ``bias_shift`` is added to b1.
    """
    while True:
        x = rng.standard_normal((n, d))
        w1 = rng.standard_normal((h, d))
        b1 = 0.5 * rng.standard_normal(h) + bias_shift
        if np.min(np.abs(x @ w1.T + b1)) > 0.05:
            break
    w2 = rng.standard_normal((k, h))
    b2 = 0.5 * rng.standard_normal(k)
    y = rng.integers(0, k, size=n)
    return x, y, w1, b1, w2, b2


def _mlp_case(name: str, args, hint: str) -> Case:
    return Case(name, args, torch_mlp_gradients(*args), hint, output_names=MLP_NAMES)


def mlp_backward_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``mlp_backward`` (deterministic for a given seed).

    Every hidden pre-activation is at least 0.05 away from 0, where ReLU has no derivative.
    """
    rng = np.random.default_rng(seed)
    case = _mlp_case
    return [
        case("N=4, D=3, H=5, K=2", _random_network(rng, 4, 3, 5, 2), BACKWARD_STEPS_HINT),
        case("N=1: a single sample, D=2, H=3, K=3", _random_network(rng, 1, 2, 3, 3),
             OUTER_PRODUCT_HINT),
        case("N=6, D=2, H=4, K=3, over half of the ReLUs inactive",
             _random_network(rng, 6, 2, 4, 3, bias_shift=0.6), INACTIVE_RELU_HINT),
        case("D=1, H=2, K=2", _random_network(rng, 5, 1, 2, 2), WEIGHT_SHAPES_HINT),
        case("square: N = D = H = K = 3", _random_network(rng, 3, 3, 3, 3), SQUARE_MLP_HINT),
    ]


def mlp_backward_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """5 random cases for the grader, drawn from ``rng`` only; expected values by autograd.

    Randomizes N, D, H, K (up to 8) and the network, one case of each public kind: a general
    network, a single sample (N=1), one with 50% to 90% of the hidden units inactive, a
    single input feature (D=1), a square one (N = D = H = K, from 2 to 4). Every hidden
    pre-activation is at least 0.05 away from 0, where ReLU has no derivative.
    """
    def network(n: int, d: int, h: int, k: int, bias_shift: float = 0.0):
        return _random_network(rng, n, d, h, k, bias_shift)

    n, d, h, k = _draw(rng, 3, 6), _draw(rng, 2, 4), _draw(rng, 3, 6), _draw(rng, 2, 4)
    cases = [_mlp_case(_hidden(f"N={n}, D={d}, H={h}, K={k}"), network(n, d, h, k),
                       BACKWARD_STEPS_HINT)]

    d, h, k = _draw(rng, 2, 4), _draw(rng, 2, 5), _draw(rng, 2, 4)
    cases.append(_mlp_case(_hidden(f"N=1: a single sample, D={d}, H={h}, K={k}"),
                           network(1, d, h, k), OUTER_PRODUCT_HINT))

    n, d, h, k = _draw(rng, 4, 8), _draw(rng, 2, 3), _draw(rng, 3, 5), _draw(rng, 2, 4)
    while True:
        args = network(n, d, h, k, bias_shift=-0.6)
        x, _, w1, b1, *_ = args
        inactive = float(np.mean(x @ w1.T + b1 <= 0))
        if 0.5 <= inactive <= 0.9:
            break
    cases.append(_mlp_case(_hidden(f"N={n}, D={d}, H={h}, K={k}, {inactive:.0%} of the ReLUs "
                                   "inactive"), args, INACTIVE_RELU_HINT))

    n, h, k = _draw(rng, 3, 8), _draw(rng, 2, 4), _draw(rng, 2, 3)
    cases.append(_mlp_case(_hidden(f"D=1, N={n}, H={h}, K={k}"), network(n, 1, h, k),
                           WEIGHT_SHAPES_HINT))

    size = _draw(rng, 2, 4)
    cases.append(_mlp_case(_hidden(f"square: N = D = H = K = {size}"),
                           network(size, size, size, size), SQUARE_MLP_HINT))
    return cases


def _mlp_candidates(X, y, W1, b1, W2, b2):
    """The right gradients and typical wrong ones, each with its hint (for diagnosis only)."""
    n = X.shape[0]
    k = W2.shape[0]
    onehot = np.eye(k)[y]

    def backward(activation: str = "relu", mask: bool = True, scale: float = 1.0, sign: float = 1.0,
                 bias_axis: int = 0):
        z1 = X @ W1.T + b1  # (N, H)
        h = np.maximum(z1, 0) if activation == "relu" else np.tanh(z1)
        z2 = h @ W2.T + b2  # (N, K)
        dz2 = sign * scale * (_softmax(z2) - onehot) / n  # (N, K)
        dh = dz2 @ W2  # (N, H)
        if activation == "tanh":
            dz1 = dh * (1 - h ** 2)
        else:
            dz1 = dh * (z1 > 0) if mask else dh
        return dz1.T @ X, dz1.sum(axis=bias_axis), dz2.T @ h, dz2.sum(axis=bias_axis)

    right = backward()
    wrong = [
        (backward(mask=False), "you forgot the ReLU mask in the backward pass: dz1 = dh * (z1 > 0), "
                               "since an inactive unit passes no gradient"),
        (backward(scale=n), f"every gradient is N = {n} times too large: the loss is a mean, so "
                            "dz2 = (softmax - onehot) / N"),
        (backward(sign=-1.0), "sign flipped: dz2 = (softmax - onehot) / N, not (onehot - softmax) / N"),
        (backward(activation="tanh"), "the hidden activation here is ReLU, not tanh: h = max(z1, 0)"),
        (backward(bias_axis=1), "the bias gradient sums over the batch axis: db = dz.sum(axis=0), "
                                "one entry per unit"),
    ]
    return right, wrong


def diagnose_mlp_backward(case: Case, got) -> Optional[str]:
    """Recognise typical mistakes in an ``mlp_backward`` answer; return a hint or None."""
    X, y, W1, b1, W2, b2 = case.args
    n, h, k = X.shape[0], W1.shape[0], W2.shape[0]
    got = list(got)
    for name, units, value in (("db1", h, got[1]), ("db2", k, got[3])):
        shape = getattr(value, "shape", None)
        if shape == (n,) and n != units:
            return (f"{name} has one entry per sample: sum over the batch axis instead, "
                    f"{name} = dz.sum(axis=0), shape ({units},)")
        if shape in ((1, units), (units, 1)):
            return f"return {name} with shape ({units},), not {shape}: drop keepdims / flatten it"
    right, wrong = _mlp_candidates(X, y, W1, b1, W2, b2)
    for candidate, hint in wrong:
        if all(close_to(g, c) for g, c in zip(got, candidate)) and not all(
                close_to(r, c) for r, c in zip(right, candidate)):
            return hint
    for name, want, have, layer in zip(MLP_NAMES, right, got, ("W1", "b1", "W2", "b2")):
        if getattr(have, "ndim", 0) == 2 and have.shape == want.T.shape and have.shape != want.shape:
            return (f"{name} must have the shape of {layer}, (out_features, in_features) = "
                    f"{want.shape}: e.g. dW1 = dz1.T @ X, not X.T @ dz1")
    return None


def check_mlp_backward(student_fn: Callable, *,
                       cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(X, y, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)`` for a ReLU MLP.

    Forward: z1 = X W1^T + b1, h = relu(z1), z2 = h W2^T + b2, loss = mean cross-entropy.
    Prints one PASS/FAIL line per case and a summary; never raises. ``cases``: run these
    cases (e.g. ``mlp_backward_hidden_cases(rng)``) instead of the public ones.
    """
    if cases is None:
        cases = mlp_backward_cases()
    return run_check(student_fn, cases, title="mlp_backward",
                     diagnose=diagnose_mlp_backward)
