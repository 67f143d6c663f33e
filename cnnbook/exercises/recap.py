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


# ------------------------------------------------------------- normal equation


def lstsq_solution(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The least-squares solution theta (D,) of X theta ~ y, by ``numpy.linalg.lstsq``."""
    theta, *_ = np.linalg.lstsq(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64),
                                rcond=None)
    return theta


def normal_equation_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``normal_equation`` (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    cricket = np.column_stack([np.ones(len(CRICKET_CHIRPS)), CRICKET_CHIRPS])

    random_x = np.column_stack([np.ones(20), rng.standard_normal((20, 3))])
    random_y = rng.standard_normal(20)
    exact_x = np.column_stack([np.ones(9), rng.uniform(-2, 2, size=(9, 2))])
    exact_y = exact_x @ np.array([2.0, -1.0, 0.5])
    ones_x = np.ones((6, 1))
    ones_y = rng.normal(3.0, 1.0, size=6)
    square_x = np.column_stack([np.ones(3), rng.standard_normal((3, 2))])
    square_y = rng.standard_normal(3)
    int_x = np.column_stack([np.ones(8), rng.integers(-5, 6, size=(8, 2))]).astype(np.float64)
    int_y = rng.integers(0, 10, size=8)

    def case(name: str, x: np.ndarray, y: np.ndarray, hint: str) -> Case:
        return Case(name, (x, y), lstsq_solution(x, y), hint)

    return [
        case("the lecture's cricket data: N=13, D=2", cricket, CRICKET_TEMPERATURE.copy(),
             "theta = (X^T X)^(-1) X^T y, with matrix products (@) and a matrix inverse "
             "(np.linalg.inv) or, better, np.linalg.solve(X.T @ X, X.T @ y)"),
        case("random N=20, D=4", random_x, random_y,
             "theta has one entry per column of X: shape (D,)"),
        case("noise-free data: recovers theta = [2, -1, 0.5]", exact_x, exact_y,
             "when y = X theta exactly, the normal equation returns that theta"),
        case("D=1, only the column of ones: theta = [mean(y)]", ones_x, ones_y,
             "with X a single column of ones, X^T X = [[N]] and X^T y = [sum(y)]"),
        case("N = D = 3: a square system, the fit passes through every point", square_x, square_y,
             "a square invertible X gives theta = X^(-1) y; the normal equation agrees"),
        case("integer labels y", int_x, int_y,
             "the result must be a float array even when y holds integers"),
    ]


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


def check_normal_equation(student_fn: Callable) -> CheckResult:
    """Check ``student_fn(X, y) -> theta``, the least-squares fit by the normal equation.

    theta = (X^T X)^(-1) X^T y for X (N, D) (with its column of ones) and y (N,); theta is (D,).
    Prints one PASS/FAIL line per case and a summary; never raises.
    """
    return run_check(student_fn, normal_equation_cases(), title="normal_equation",
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


def logistic_gradient_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``logistic_gradient`` (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)

    def design(n: int, features: int, scale: float = 1.0) -> np.ndarray:
        return np.column_stack([np.ones(n), scale * rng.standard_normal((n, features))])

    def labels(n: int) -> np.ndarray:
        y = rng.integers(0, 2, size=n).astype(np.float64)
        y[:2] = [0.0, 1.0][: n]  # both classes present whenever n >= 2
        return y

    small_x = np.array([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5]])
    small_y = np.array([1.0, 0.0, 0.0])
    random_x, random_y = design(12, 2), labels(12)
    one_x, one_y = design(1, 3), np.array([1.0])
    bias_x, bias_y = np.ones((7, 1)), labels(7)
    sure_x, sure_y = design(6, 2, scale=10.0), labels(6)
    int_x, int_y = design(5, 1), rng.integers(0, 2, size=5)
    int_y[:2] = [0, 1]

    def case(name: str, x, y, theta, hint: str) -> Case:
        return Case(name, (x, y, theta), torch_logistic_loss_and_gradient(x, y, theta)[1], hint)

    return [
        case("small example N=3, D=2, theta = 0 (every pi = 0.5)", small_x, small_y, np.zeros(2),
             "grad = X.T @ (sigmoid(X @ theta) - y) / N"),
        case("random N=12, D=3", random_x, random_y, rng.standard_normal(3),
             "pi = sigmoid(X @ theta) has shape (N,); grad = X.T @ (pi - y) / N has shape (D,)"),
        case("N=1: a single sample", one_x, one_y, rng.standard_normal(4),
             "with one sample the gradient is x_1 * (pi_1 - y_1)"),
        case("D=1: bias only (X is a column of ones)", bias_x, bias_y, np.array([0.3]),
             "with X a column of ones the gradient is [mean(pi - y)]"),
        case("confident predictions: |X theta| up to about 50", sure_x, sure_y, np.array([0.5, 2.0, -1.5]),
             "compute the sigmoid so that it stays finite for large |X theta|"),
        case("integer labels y", int_x, int_y, np.array([-0.2, 0.7]),
             "the result must be a float array even when y holds integers"),
    ]


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


def check_logistic_gradient(student_fn: Callable) -> CheckResult:
    """Check ``student_fn(X, y, theta) -> grad``, the gradient of the mean logistic loss.

    grad = (1/N) X^T (sigmoid(X theta) - y), shape (D,). Prints one PASS/FAIL line per case
    and a summary; never raises.
    """
    return run_check(student_fn, logistic_gradient_cases(), title="logistic_gradient",
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


def gradient_descent_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``gradient_descent`` (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)

    def blobs(n: int, shift: float) -> Tuple[np.ndarray, np.ndarray]:
        y = np.repeat([0.0, 1.0], n // 2)
        features = rng.standard_normal((n, 2)) + shift * (2 * y[:, None] - 1)
        return np.column_stack([np.ones(n), features]), y

    x_small, y_small = blobs(8, 1.0)
    x_blobs, y_blobs = blobs(40, 1.5)
    x_bias, y_bias = np.ones((10, 1)), np.array([1.0] * 7 + [0.0] * 3)
    x_one, y_one = np.array([[1.0, 0.5, -2.0]]), np.array([1.0])
    x_int, y_int = blobs(12, 1.0)
    y_int = y_int.astype(np.int64)

    def case(name: str, x, y, lr: float, steps: int, hint: str) -> Case:
        return Case(name, (x, y, lr, steps), torch_gradient_descent(x, y, lr, steps), hint)

    return [
        case("steps = 0: theta stays at zeros", x_small, y_small, 0.5, 0,
             "start from theta = np.zeros(D) and return it unchanged when steps = 0"),
        case("one step from zeros: theta = -lr * X^T (0.5 - y) / N", x_small, y_small, 0.5, 1,
             "one update: theta = theta - lr * X.T @ (sigmoid(X @ theta) - y) / N"),
        case("two 2-D clouds, N=40, lr=0.5, 100 steps", x_blobs, y_blobs, 0.5, 100,
             "each of the `steps` updates uses the full-batch mean gradient at the current theta"),
        case("D=1 (bias only), 70% positives, lr=1.0, 50 steps", x_bias, y_bias, 1.0, 50,
             "with a bias only, theta moves towards log(0.7 / 0.3)"),
        case("N=1: a single sample, lr=0.1, 10 steps", x_one, y_one, 0.1, 10,
             "with one sample the mean over N is that sample's gradient"),
        case("integer labels, lr=2.0, 30 steps", x_int, y_int, 2.0, 30,
             "the result must be a float array even when y holds integers"),
    ]


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


def check_gradient_descent(student_fn: Callable) -> CheckResult:
    """Check ``student_fn(X, y, lr, steps) -> theta``: full-batch GD on the mean logistic loss.

    Starting from theta = 0, repeat ``steps`` times: theta -= lr * X^T (sigmoid(X theta) - y) / N.
    Prints one PASS/FAIL line per case and a summary; never raises.
    """
    return run_check(student_fn, gradient_descent_cases(), title="gradient_descent",
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


def softmax_cross_entropy_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``softmax_cross_entropy`` (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    names = ("loss", "dlogits")

    def case(name: str, logits: np.ndarray, labels: Sequence[int], hint: str) -> Case:
        labels = np.asarray(labels, dtype=np.int64)
        return Case(name, (logits, labels), torch_softmax_cross_entropy(logits, labels), hint,
                    output_names=names)

    return [
        case("small example N=2, K=3", np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -0.3]]), [0, 2],
             "loss = mean over rows of -log softmax(row)[label]; dlogits = (softmax - onehot) / N"),
        case("random N=6, K=4", rng.standard_normal((6, 4)), rng.integers(0, 4, size=6),
             "softmax normalises each row (axis=1) over the K classes"),
        case("N=1: a single sample", rng.standard_normal((1, 3)), [1],
             "with one sample the mean is that sample's loss"),
        case("K=2: two classes, N=5", rng.standard_normal((5, 2)), [0, 1, 1, 0, 1],
             "two classes work like any other K"),
        case("all logits equal: loss = log K", np.zeros((4, 5)), [0, 1, 2, 4],
             "equal logits give the uniform distribution: every probability is 1 / K"),
        case("large logits (around 1000): exp overflows without the max subtraction",
             np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1003.0], [800.0, 0.0, 799.0]]),
             [2, 0, 2],
             "subtract each row's maximum before np.exp: softmax(z) = softmax(z - max(z))"),
        case("a label with probability about e^-2000: log(softmax) would be log(0)",
             np.array([[1000.0, 0.0, -1000.0], [3.0, 1.0, 2.0]]), [2, 0],
             "compute log-softmax directly: (z - m) - log(sum(exp(z - m))) with m = max(z)"),
    ]


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


def check_softmax_cross_entropy(student_fn: Callable) -> CheckResult:
    """Check ``student_fn(logits, labels) -> (loss, dlogits)``: mean softmax cross-entropy.

    loss = -(1/N) sum_i log softmax(logits_i)[labels_i];  dlogits = (softmax - onehot) / N.
    Prints one PASS/FAIL line per case and a summary; never raises.
    """
    return run_check(student_fn, softmax_cross_entropy_cases(), title="softmax_cross_entropy",
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


def mlp_backward_cases(seed: int = 0) -> List[Case]:
    """The public cases of ``mlp_backward`` (deterministic for a given seed).

    Every hidden pre-activation is at least 0.05 away from 0, where ReLU has no derivative.
    """
    rng = np.random.default_rng(seed)

    def network(n: int, d: int, h: int, k: int, bias_shift: float = 0.0):
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

    def case(name: str, args, hint: str) -> Case:
        return Case(name, args, torch_mlp_gradients(*args), hint, output_names=MLP_NAMES)

    return [
        case("N=4, D=3, H=5, K=2", network(4, 3, 5, 2),
             "go backwards: dz2 = (softmax - onehot) / N, dW2 = dz2.T @ h, dh = dz2 @ W2, "
             "dz1 = dh * (z1 > 0), dW1 = dz1.T @ X"),
        case("N=1: a single sample, D=2, H=3, K=3", network(1, 2, 3, 3),
             "with one sample each gradient is an outer product of a delta and an input"),
        case("N=6, D=2, H=4, K=3, over half of the ReLUs inactive", network(6, 2, 4, 3, bias_shift=0.6),
             "an inactive ReLU unit (z1 <= 0) passes no gradient back"),
        case("D=1, H=2, K=2", network(5, 1, 2, 2),
             "the weight gradients have the shapes of the weights: (out_features, in_features)"),
        case("square: N = D = H = K = 3", network(3, 3, 3, 3),
             "dW1 = dz1.T @ X has W1's shape (H, D); the biases' gradients sum over the batch axis 0"),
    ]


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


def check_mlp_backward(student_fn: Callable) -> CheckResult:
    """Check ``student_fn(X, y, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)`` for a ReLU MLP.

    Forward: z1 = X W1^T + b1, h = relu(z1), z2 = h W2^T + b2, loss = mean cross-entropy.
    Prints one PASS/FAIL line per case and a summary; never raises.
    """
    return run_check(student_fn, mlp_backward_cases(), title="mlp_backward",
                     diagnose=diagnose_mlp_backward)
