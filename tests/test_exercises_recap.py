"""The recap exercises' checks: references pass, typical mistakes fail with their hint.

Each check must accept the reference solution, reject each typical wrong answer with the
hint that names the mistake, and never raise whatever the student's function does.
"""

import numpy as np
import pytest
import torch

from cnnbook.exercises.core import CheckResult
from cnnbook.exercises.recap import (
    CRICKET_CHIRPS,
    CRICKET_TEMPERATURE,
    check_gradient_descent,
    check_logistic_gradient,
    check_mlp_backward,
    check_normal_equation,
    check_softmax_cross_entropy,
    gradient_descent_cases,
    logistic_gradient_cases,
    lstsq_solution,
    mlp_backward_cases,
    normal_equation_cases,
    softmax_cross_entropy_cases,
    torch_gradient_descent,
    torch_logistic_loss_and_gradient,
    torch_mlp_gradients,
    torch_softmax_cross_entropy,
)
from cnnbook.gradcheck import numerical_gradient, relative_error

# --------------------------------------------------------------- references


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def normal_equation(X, y):
    return np.linalg.inv(X.T @ X) @ X.T @ y


def logistic_gradient(X, y, theta):
    return X.T @ (sigmoid(X @ theta) - y) / X.shape[0]


def gradient_descent(X, y, lr, steps):
    theta = np.zeros(X.shape[1])
    for _ in range(steps):
        theta = theta - lr * logistic_gradient(X, y, theta)
    return theta


def softmax_cross_entropy(logits, labels):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), labels] -= 1
    return -log_probs[np.arange(n), labels].mean(), dlogits / n


def mlp_backward(X, y, W1, b1, W2, b2):
    z1 = X @ W1.T + b1
    h = np.maximum(z1, 0)
    _, dz2 = softmax_cross_entropy(h @ W2.T + b2, y)
    dz1 = (dz2 @ W2) * (z1 > 0)
    return dz1.T @ X, dz1.sum(axis=0), dz2.T @ h, dz2.sum(axis=0)


CHECKS = {
    "normal_equation": (check_normal_equation, normal_equation, normal_equation_cases),
    "logistic_gradient": (check_logistic_gradient, logistic_gradient, logistic_gradient_cases),
    "gradient_descent": (check_gradient_descent, gradient_descent, gradient_descent_cases),
    "softmax_cross_entropy": (check_softmax_cross_entropy, softmax_cross_entropy,
                              softmax_cross_entropy_cases),
    "mlp_backward": (check_mlp_backward, mlp_backward, mlp_backward_cases),
}


def run(title, student_fn, capsys):
    check = CHECKS[title][0]
    result = check(student_fn)
    out = capsys.readouterr().out
    assert isinstance(result, CheckResult)
    assert out.count("PASS") + out.count("FAIL") == result.total
    assert all(len(line) < 400 for line in out.splitlines())
    return result, out


@pytest.mark.parametrize("title", list(CHECKS))
def test_reference_passes_every_case(capsys, title):
    _, reference, cases = CHECKS[title]
    result, out = run(title, reference, capsys)
    n = len(cases())
    assert result.all_passed and result.total == n and n >= 5
    assert "FAIL" not in out
    assert f"{title}: {n}/{n} cases passed ({n}/{n} points)" in out


@pytest.mark.parametrize("title", list(CHECKS))
def test_cases_are_deterministic(title):
    cases = CHECKS[title][2]
    for a, b in zip(cases(), cases()):
        assert a.name == b.name
        for u, v in zip(a.args, b.args):
            np.testing.assert_array_equal(u, v)
        expected_a = a.expected if isinstance(a.expected, tuple) else (a.expected,)
        expected_b = b.expected if isinstance(b.expected, tuple) else (b.expected,)
        for u, v in zip(expected_a, expected_b):
            np.testing.assert_array_equal(u, v)


# ------------------------------------------------------------ oracles


def test_lstsq_oracle_agrees_with_torch_and_the_lecture_fit():
    X = np.column_stack([np.ones(len(CRICKET_CHIRPS)), CRICKET_CHIRPS])
    theta = lstsq_solution(X, CRICKET_TEMPERATURE)
    torch_theta = torch.linalg.lstsq(torch.tensor(X), torch.tensor(CRICKET_TEMPERATURE)[:, None]).solution
    np.testing.assert_allclose(theta, torch_theta[:, 0].numpy(), rtol=1e-10)
    # Slope and intercept by the textbook formulas of simple regression.
    x, y = CRICKET_CHIRPS, CRICKET_TEMPERATURE
    slope = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2)
    np.testing.assert_allclose(theta, [y.mean() - slope * x.mean(), slope], rtol=1e-10)


def test_logistic_oracle_agrees_with_numerical_gradient():
    for case in logistic_gradient_cases():
        X, y, theta = (np.asarray(a, dtype=np.float64) for a in case.args)

        def loss(t):
            z = X @ t
            return np.mean(np.logaddexp(0, z) - y * z)  # -log-likelihood per sample, stable

        grad = numerical_gradient(loss, theta.copy())
        assert relative_error(grad, case.expected) < 1e-6 or np.abs(grad - case.expected).max() < 1e-9
        assert np.isclose(torch_logistic_loss_and_gradient(X, y, theta)[0], loss(theta))


def test_sgd_oracle_first_step_matches_the_formula():
    case = gradient_descent_cases()[1]
    X, y, lr, steps = case.args
    assert steps == 1
    np.testing.assert_allclose(case.expected, -lr * X.T @ (0.5 - y) / len(y), rtol=1e-12)
    np.testing.assert_array_equal(gradient_descent_cases()[0].expected, np.zeros(3))
    # The bias-only case approaches the log-odds of the positive rate.
    bias = torch_gradient_descent(np.ones((10, 1)), np.array([1.0] * 7 + [0.0] * 3), 1.0, 2000)
    np.testing.assert_allclose(bias, [np.log(0.7 / 0.3)], rtol=1e-6)


def test_softmax_oracle_agrees_with_numerical_gradient_and_log_k():
    for case in softmax_cross_entropy_cases()[:5]:
        logits, labels = case.args
        loss, dlogits = case.expected

        def f(z):
            m = z.max(axis=1, keepdims=True)
            lse = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
            return np.mean(lse - z[np.arange(len(labels)), labels])

        assert np.isclose(f(logits), loss)
        assert relative_error(numerical_gradient(f, logits.copy()), dlogits) < 1e-6
    uniform = softmax_cross_entropy_cases()[4]
    assert np.isclose(uniform.expected[0], np.log(5))
    huge = softmax_cross_entropy_cases()[6]
    assert np.isclose(huge.expected[0], (2000 + (np.log(1 + np.exp(-2) + np.exp(-1)))) / 2)


def test_mlp_oracle_agrees_with_numerical_gradients():
    for case in mlp_backward_cases():
        X, y, W1, b1, W2, b2 = case.args
        params = [W1.copy(), b1.copy(), W2.copy(), b2.copy()]

        def loss(_):
            z1 = X @ params[0].T + params[1]
            z2 = np.maximum(z1, 0) @ params[2].T + params[3]
            m = z2.max(axis=1, keepdims=True)
            lse = (m + np.log(np.exp(z2 - m).sum(axis=1, keepdims=True)))[:, 0]
            return np.mean(lse - z2[np.arange(len(y)), y])

        for param, expected in zip(params, case.expected):
            assert relative_error(numerical_gradient(loss, param), expected) < 1e-5
        assert torch_mlp_gradients(*case.args)[0].shape == W1.shape


def test_mlp_cases_cover_inactive_units_and_awkward_shapes():
    cases = mlp_backward_cases()
    shapes = [(c.args[0].shape[0], c.args[0].shape[1], c.args[2].shape[0], c.args[4].shape[0]) for c in cases]
    assert any(n == 1 for n, *_ in shapes) and any(d == 1 for _, d, *_ in shapes)
    assert (3, 3, 3, 3) in shapes
    for case in cases:
        X, _, W1, b1, *_ = case.args
        assert np.min(np.abs(X @ W1.T + b1)) > 0.05
    X, _, W1, b1, *_ = cases[2].args
    assert 0.3 < np.mean(X @ W1.T + b1 <= 0) < 0.9


# ------------------------------------------------------- normal_equation mistakes


def ne_column(X, y):
    return normal_equation(X, y.reshape(-1, 1))


def ne_extra_ones(X, y):
    X = np.column_stack([np.ones(len(y)), X])  # singular X^T X: only a pseudo-inverse works
    return np.linalg.pinv(X) @ y


def ne_no_y(X, y):
    return np.linalg.inv(X.T @ X) @ X.T


def ne_elementwise_inverse(X, y):
    return (1 / (X.T @ X)) @ X.T @ y


def ne_integer(X, y):
    return np.round(normal_equation(X, y)).astype(int)


@pytest.mark.parametrize("student_fn, message, hint", [
    (ne_column, "got shape (2, 1)", "return a 1-D array of shape (2,), not (2, 1) (the values are right)"),
    (ne_extra_ones, "got shape (3,)", "X already holds the column of ones"),
    (ne_no_y, "expected shape (2,), got shape (2, 13)", "multiply it by y"),
    (ne_elementwise_inverse, "values differ", "reciprocal of each entry"),
    (ne_integer, "expected a floating-point array", "float dtype"),
], ids=lambda v: getattr(v, "__name__", None))
def test_normal_equation_mistakes(capsys, student_fn, message, hint):
    result, out = run("normal_equation", student_fn, capsys)
    assert not result.all_passed
    assert message in out and hint in out, out


# ----------------------------------------------------- logistic_gradient mistakes


def lg_sum(X, y, theta):
    return X.T @ (sigmoid(X @ theta) - y)


def lg_sign(X, y, theta):
    return X.T @ (y - sigmoid(X @ theta)) / len(y)


def lg_no_sigmoid(X, y, theta):
    return X.T @ (X @ theta - y) / len(y)


def lg_column(X, y, theta):
    return logistic_gradient(X, y, theta).reshape(-1, 1)


def lg_per_sample(X, y, theta):
    return sigmoid(X @ theta) - y


def lg_sigmoid_derivative(X, y, theta):
    pi = sigmoid(X @ theta)
    return X.T @ ((pi - y) * pi * (1 - pi)) / len(y)


def lg_exp_sign(X, y, theta):
    return X.T @ (1 / (1 + np.exp(X @ theta)) - y) / len(y)


@pytest.mark.parametrize("student_fn, message, hint", [
    (lg_sum, "values differ", "you summed over the N = 3 samples: the loss is a mean, so divide by N"),
    (lg_sign, "values differ", "sign flipped: the loss gradient is X^T (pi - y) / N"),
    (lg_no_sigmoid, "values differ", "you forgot the sigmoid"),
    (lg_column, "got shape (2, 1)", "return a 1-D array of shape (2,), not (2, 1)"),
    (lg_per_sample, "expected shape (3,), got shape (12,)", "one value per sample"),
    (lg_sigmoid_derivative, "values differ", "drop the factor pi (1 - pi)"),
    (lg_exp_sign, "values differ", "check the sign inside exp"),
], ids=lambda v: getattr(v, "__name__", None))
def test_logistic_gradient_mistakes(capsys, student_fn, message, hint):
    result, out = run("logistic_gradient", student_fn, capsys)
    assert not result.all_passed
    assert message in out and hint in out, out


def test_summed_gradient_is_right_for_one_sample(capsys):
    result, _ = run("logistic_gradient", lg_sum, capsys)
    by_name = {case.name: case for case in result.cases}
    assert by_name["N=1: a single sample"].passed
    assert not by_name["random N=12, D=3"].passed


# ------------------------------------------------------ gradient_descent mistakes


def gd_ascent(X, y, lr, steps):
    theta = np.zeros(X.shape[1])
    for _ in range(steps):
        theta = theta + lr * logistic_gradient(X, y, theta)
    return theta


def gd_sum(X, y, lr, steps):
    theta = np.zeros(X.shape[1])
    for _ in range(steps):
        theta = theta - lr * X.T @ (sigmoid(X @ theta) - y)
    return theta


def gd_one_extra_step(X, y, lr, steps):
    return gradient_descent(X, y, lr, steps + 1)


def gd_one_step_short(X, y, lr, steps):
    return gradient_descent(X, y, lr, max(steps - 1, 0))


def gd_no_sigmoid(X, y, lr, steps):
    theta = np.zeros(X.shape[1])
    for _ in range(steps):
        theta = theta - lr * X.T @ (X @ theta - y) / len(y)
    return theta


def gd_column(X, y, lr, steps):
    return gradient_descent(X, y, lr, steps)[:, None]


def gd_history(X, y, lr, steps):
    return gradient_descent(X, y, lr, steps), []


@pytest.mark.parametrize("student_fn, message, hint", [
    (gd_ascent, "values differ", "gradient ascent"),
    (gd_sum, "values differ", "you used the summed gradient (N = 8 times too large)"),
    (gd_one_extra_step, "values differ", "you took 2 steps instead of 1"),
    (gd_one_step_short, "values differ", "you took 0 steps instead of 1"),
    (gd_no_sigmoid, "values differ", "you forgot the sigmoid"),
    (gd_column, "got shape (3, 1)", "return a 1-D array of shape (3,)"),
    (gd_history, "returned a tuple, expected a NumPy array", "return a NumPy array"),
], ids=lambda v: getattr(v, "__name__", None))
def test_gradient_descent_mistakes(capsys, student_fn, message, hint):
    result, out = run("gradient_descent", student_fn, capsys)
    assert not result.all_passed
    assert message in out and hint in out, out


def test_extra_step_with_zero_steps_names_the_starting_point(capsys):
    _, out = run("gradient_descent", gd_one_extra_step, capsys)
    assert "with steps = 0 no update happens" in out


# ------------------------------------------------- softmax_cross_entropy mistakes


def sce_naive(logits, labels):
    n = logits.shape[0]
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    d = p.copy()
    d[np.arange(n), labels] -= 1
    return -np.log(p[np.arange(n), labels]).mean(), d / n


def sce_log_of_softmax(logits, labels):
    n = logits.shape[0]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    d = p.copy()
    d[np.arange(n), labels] -= 1
    return -np.log(p[np.arange(n), labels]).mean(), d / n


def sce_sum(logits, labels):
    loss, d = softmax_cross_entropy(logits, labels)
    return loss * len(labels), d * len(labels)


def sce_grad_not_divided(logits, labels):
    loss, d = softmax_cross_entropy(logits, labels)
    return loss, d * len(labels)


def sce_grad_sign(logits, labels):
    loss, d = softmax_cross_entropy(logits, labels)
    return loss, -d


def sce_no_onehot(logits, labels):
    loss, _ = softmax_cross_entropy(logits, labels)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return loss, p / p.sum(axis=1, keepdims=True) / len(labels)


def sce_wrong_axis(logits, labels):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=0, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    d = np.exp(log_probs)
    d[np.arange(n), labels] -= 1
    return -log_probs[np.arange(n), labels].mean(), d / n


def sce_per_sample_loss(logits, labels):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    _, d = softmax_cross_entropy(logits, labels)
    return -log_probs[np.arange(n), labels], d


def sce_only_loss(logits, labels):
    return softmax_cross_entropy(logits, labels)[0]


def sce_transposed(logits, labels):
    loss, d = softmax_cross_entropy(logits, labels)
    return loss, d.T


@pytest.mark.parametrize("student_fn, message, hint", [
    (sce_naive, "loss: expected", "exp overflowed (inf or NaN): subtract each row's maximum"),
    (sce_log_of_softmax, "loss: expected", "log(softmax) underflows to log(0) = -inf"),
    (sce_sum, "loss: expected", "you summed the losses of the N = 2 samples"),
    (sce_grad_not_divided, "dlogits: shape (2, 3) is right but values differ", "missing the 1/N"),
    (sce_grad_sign, "dlogits: shape (2, 3) is right but values differ", "sign flipped"),
    (sce_no_onehot, "dlogits: shape (2, 3) is right but values differ", "subtract the one-hot labels"),
    (sce_wrong_axis, "loss: expected", "not each column (axis=0)"),
    (sce_per_sample_loss, "loss: returned array", "not one loss per sample"),
    (sce_only_loss, "expected a tuple of 2 values (loss, dlogits)", "return loss, dlogits"),
    (sce_transposed, "dlogits: expected shape (2, 3), got shape (3, 2)", "transpose"),
], ids=lambda v: getattr(v, "__name__", None))
def test_softmax_cross_entropy_mistakes(capsys, student_fn, message, hint):
    with np.errstate(all="ignore"):
        result, out = run("softmax_cross_entropy", student_fn, capsys)
    assert not result.all_passed
    assert message in out and hint in out, out


def test_naive_softmax_fails_only_the_large_logit_cases(capsys):
    with np.errstate(all="ignore"):
        result, _ = run("softmax_cross_entropy", sce_naive, capsys)
    failed = [case.name for case in result.cases if not case.passed]
    assert len(failed) == 2 and all("1000" in name or "e^-2000" in name for name in failed)


def test_log_of_stable_softmax_fails_only_the_underflow_case(capsys):
    with np.errstate(all="ignore"):
        result, _ = run("softmax_cross_entropy", sce_log_of_softmax, capsys)
    failed = [case for case in result.cases if not case.passed]
    assert [case.name for case in failed] == ["a label with probability about e^-2000: log(softmax) would be log(0)"]


# ---------------------------------------------------------- mlp_backward mistakes


def mlp_no_mask(X, y, W1, b1, W2, b2):
    z1 = X @ W1.T + b1
    h = np.maximum(z1, 0)
    _, dz2 = softmax_cross_entropy(h @ W2.T + b2, y)
    dz1 = dz2 @ W2
    return dz1.T @ X, dz1.sum(axis=0), dz2.T @ h, dz2.sum(axis=0)


def mlp_sum(X, y, W1, b1, W2, b2):
    return tuple(g * X.shape[0] for g in mlp_backward(X, y, W1, b1, W2, b2))


def mlp_sign(X, y, W1, b1, W2, b2):
    return tuple(-g for g in mlp_backward(X, y, W1, b1, W2, b2))


def mlp_tanh(X, y, W1, b1, W2, b2):
    h = np.tanh(X @ W1.T + b1)
    _, dz2 = softmax_cross_entropy(h @ W2.T + b2, y)
    dz1 = (dz2 @ W2) * (1 - h ** 2)
    return dz1.T @ X, dz1.sum(axis=0), dz2.T @ h, dz2.sum(axis=0)


def mlp_bias_axis(X, y, W1, b1, W2, b2):
    z1 = X @ W1.T + b1
    h = np.maximum(z1, 0)
    _, dz2 = softmax_cross_entropy(h @ W2.T + b2, y)
    dz1 = (dz2 @ W2) * (z1 > 0)
    return dz1.T @ X, dz1.sum(axis=1), dz2.T @ h, dz2.sum(axis=1)


def mlp_keepdims(X, y, W1, b1, W2, b2):
    dw1, db1, dw2, db2 = mlp_backward(X, y, W1, b1, W2, b2)
    return dw1, db1[None, :], dw2, db2[None, :]


def mlp_transposed(X, y, W1, b1, W2, b2):
    dw1, db1, dw2, db2 = mlp_backward(X, y, W1, b1, W2, b2)
    return dw1.T, db1, dw2.T, db2


def mlp_transposed_wrong_values(X, y, W1, b1, W2, b2):
    dw1, db1, dw2, db2 = mlp_backward(X, y, W1, b1, W2, b2)
    return 2 * dw1.T, db1, dw2, db2


def mlp_three_values(X, y, W1, b1, W2, b2):
    return mlp_backward(X, y, W1, b1, W2, b2)[:3]


@pytest.mark.parametrize("student_fn, message, hint", [
    (mlp_no_mask, "dW1: shape (5, 3) is right but values differ", "you forgot the ReLU mask"),
    (mlp_sum, "dW1: shape (5, 3) is right but values differ", "N = 4 times too large"),
    (mlp_sign, "dW1: shape (5, 3) is right but values differ", "sign flipped"),
    (mlp_tanh, "dW1: shape (5, 3) is right but values differ", "ReLU, not tanh"),
    (mlp_bias_axis, "db1: expected shape (5,), got shape (4,)", "db1 = dz.sum(axis=0), shape (5,)"),
    (mlp_keepdims, "db1: expected shape (5,), got shape (1, 5)", "drop keepdims"),
    (mlp_transposed, "dW1: expected shape (5, 3), got shape (3, 5)", "transpose of the expected one"),
    (mlp_transposed_wrong_values, "dW1: expected shape (5, 3), got shape (3, 5)",
     "dW1 must have the shape of W1, (out_features, in_features) = (5, 3)"),
    (mlp_three_values, "returned 3 value(s), expected 4 (dW1, db1, dW2, db2)",
     "return dW1, db1, dW2, db2"),
], ids=lambda v: getattr(v, "__name__", None))
def test_mlp_backward_mistakes(capsys, student_fn, message, hint):
    result, out = run("mlp_backward", student_fn, capsys)
    assert not result.all_passed
    assert message in out and hint in out, out


def test_square_case_catches_a_transposed_gradient(capsys):
    result, _ = run("mlp_backward", mlp_transposed, capsys)
    square = [case for case in result.cases if case.name.startswith("square")][0]
    assert not square.passed and "values differ" in square.message and "transpose" in square.hint


def test_bias_axis_mistake_in_the_square_case_is_named(capsys):
    result, _ = run("mlp_backward", mlp_bias_axis, capsys)
    square = [case for case in result.cases if case.name.startswith("square")][0]
    assert not square.passed and "sums over the batch axis" in square.hint


# ------------------------------------------------------ exotic answers, every check


def stub(*args):
    raise NotImplementedError


def raises(*args):
    return args[0][1000, 1000]


def returns_none(*args):
    return None


def returns_torch(*args):
    return torch.zeros(3)


def returns_list(*args):
    return [0.0, 0.0]


def mutates(*args):
    args[0][...] = 0
    return np.zeros(2)


@pytest.mark.parametrize("title", list(CHECKS))
@pytest.mark.parametrize("student_fn, message", [
    (stub, "not implemented yet"),
    (raises, "raised IndexError"),
    (returns_none, "returned None"),
    (returns_torch, "torch"),
    (returns_list, ""),  # "returned a list" or, for the tuple checks, "returned 2 value(s)"
    (mutates, "modified its input in place (argument 1)"),
    (42, "expected a function"),
    (lambda: 0, "raised TypeError"),
    (lambda *a: "text", ""),
    (lambda *a: np.array(["a"]), ""),
    (lambda *a: (_ for _ in ()).throw(SystemExit(1)), "raised SystemExit"),
    (lambda *a: np.ones((300, 300)), ""),
], ids=lambda v: getattr(v, "__name__", str(v)[:20]))
def test_checks_never_raise_on_exotic_answers(capsys, title, student_fn, message):
    result, out = run(title, student_fn, capsys)
    assert result.passed == 0 and out.count("FAIL") == result.total
    assert message in out
    assert len(out) < 6000
