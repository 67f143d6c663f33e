"""The recap exercises' checks: references pass, typical mistakes fail with their hint.

Each check must accept the reference solution, reject each typical wrong answer with the
hint that names the mistake, and never raise whatever the student's function does.
"""

import time

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
    gradient_descent_hidden_cases,
    logistic_gradient_cases,
    logistic_gradient_hidden_cases,
    lstsq_solution,
    mlp_backward_cases,
    mlp_backward_hidden_cases,
    normal_equation_cases,
    normal_equation_hidden_cases,
    softmax_cross_entropy_cases,
    softmax_cross_entropy_hidden_cases,
    torch_gradient_descent,
    torch_logistic_loss_and_gradient,
    torch_mlp_gradients,
    torch_softmax_cross_entropy,
)
from cnnbook.gradcheck import numerical_gradient, relative_error
from harness import (
    assert_hidden_cases_depend_on_the_rng_only,
    assert_memorised_answers_fail_hidden_cases,
    assert_reference_passes_hidden_cases,
    memorising_cheat,
    not_a_public_case,
    seeded_cases,
)

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


HIDDEN = {
    "normal_equation": normal_equation_hidden_cases,
    "logistic_gradient": logistic_gradient_hidden_cases,
    "gradient_descent": gradient_descent_hidden_cases,
    "softmax_cross_entropy": softmax_cross_entropy_hidden_cases,
    "mlp_backward": mlp_backward_hidden_cases,
}
SEEDS = (1, 2, 3)
SOURCES = ("public", *SEEDS)  # the public cases, or the hidden ones for a seed


hidden = seeded_cases(HIDDEN)  # each seed's cases generated once (checks never modify them)


def cases_from(title, source):
    return CHECKS[title][2]() if source == "public" else hidden(title, source)


def run(title, student_fn, capsys, cases=None):
    check = CHECKS[title][0]
    result = check(student_fn) if cases is None else check(student_fn, cases=cases)
    out = capsys.readouterr().out
    assert isinstance(result, CheckResult)
    assert out.count("PASS") + out.count("FAIL") == result.total
    assert all(len(line) < 400 for line in out.splitlines())
    return result, out


def checked_by_run(title, capsys):
    """``check(fn, cases=...)`` that goes through run() (and its checks of the report), and
    ``out_of()``, what that check printed last."""
    outputs = []

    def check(student_fn, cases=None):
        result, out = run(title, student_fn, capsys, cases=cases)
        outputs.append(out)
        return result

    return check, lambda: outputs[-1]


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


@pytest.mark.parametrize("source", SOURCES)
def test_lstsq_oracle_agrees_with_torch_on_every_case(source):
    for case in cases_from("normal_equation", source):
        X, y = (torch.tensor(np.asarray(a, dtype=np.float64)) for a in case.args)
        np.testing.assert_allclose(case.expected, torch.linalg.lstsq(X, y[:, None]).solution[:, 0],
                                   rtol=1e-9, atol=1e-12)
        if "noise-free" in case.name or "square" in case.name:  # an exact fit
            np.testing.assert_allclose(X.numpy() @ case.expected, y.numpy(), atol=1e-9)
        if "only the column of ones" in case.name:
            np.testing.assert_allclose(case.expected, [y.mean()], rtol=1e-12)


@pytest.mark.parametrize("source", SOURCES)
def test_logistic_oracle_agrees_with_numerical_gradient(source):
    for case in cases_from("logistic_gradient", source):
        X, y, theta = (np.asarray(a, dtype=np.float64) for a in case.args)

        def loss(t):
            z = X @ t
            return np.mean(np.logaddexp(0, z) - y * z)  # -log-likelihood per sample, stable

        grad = numerical_gradient(loss, theta.copy())
        assert relative_error(grad, case.expected) < 1e-6 or np.abs(grad - case.expected).max() < 1e-9
        assert np.isclose(torch_logistic_loss_and_gradient(X, y, theta)[0], loss(theta))


@pytest.mark.parametrize("source", SOURCES)
def test_sgd_oracle_first_step_matches_the_formula(source):
    zero, one = cases_from("gradient_descent", source)[:2]
    X, y, lr, steps = one.args
    assert steps == 1 and zero.args[3] == 0
    np.testing.assert_allclose(one.expected, -lr * X.T @ (0.5 - y) / len(y), rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_array_equal(zero.expected, np.zeros(zero.args[0].shape[1]))
    # The bias-only case approaches the log-odds of the positive rate.
    bias = torch_gradient_descent(np.ones((10, 1)), np.array([1.0] * 7 + [0.0] * 3), 1.0, 2000)
    np.testing.assert_allclose(bias, [np.log(0.7 / 0.3)], rtol=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_sgd_cases_agree_with_a_numpy_loop(seed):
    for case in hidden("gradient_descent", seed):
        X, y, lr, steps = case.args
        theta = np.zeros(X.shape[1])
        for _ in range(steps):
            theta -= lr * X.T @ (1 / (1 + np.exp(-X @ theta)) - y) / len(y)
        np.testing.assert_allclose(case.expected, theta, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("source", SOURCES)
def test_softmax_oracle_agrees_with_numerical_gradient(source):
    for case in cases_from("softmax_cross_entropy", source):
        logits, labels = case.args
        if np.abs(logits).max() > 100:  # the overflow cases: finite differences lose the digits
            continue
        loss, dlogits = case.expected

        def f(z):
            m = z.max(axis=1, keepdims=True)
            lse = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
            return np.mean(lse - z[np.arange(len(labels)), labels])

        assert np.isclose(f(logits), loss)
        assert relative_error(numerical_gradient(f, logits.copy()), dlogits) < 1e-6


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_softmax_cases_agree_with_torch_and_log_k(seed):
    cases = hidden("softmax_cross_entropy", seed)
    for case in cases:
        logits = torch.tensor(case.args[0], requires_grad=True)
        loss = torch.nn.functional.cross_entropy(logits, torch.tensor(case.args[1]))
        loss.backward()
        assert np.isclose(case.expected[0], loss.item(), rtol=1e-12)
        np.testing.assert_allclose(case.expected[1], logits.grad.numpy(), rtol=1e-9, atol=1e-15)
    uniform = [case for case in cases if "logits equal" in case.name][0]
    assert np.isclose(uniform.expected[0], np.log(uniform.args[0].shape[1]))
    large = [case for case in cases if "large logits" in case.name][0]
    assert np.abs(large.args[0]).min() > 790 and large.expected[0] < 10
    assert (large.args[0].max(axis=1) > 0).any() and (large.args[0].max(axis=1) < 0).any()
    tiny = [case for case in cases if "log(0)" in case.name][0]
    row, label = tiny.args[0][0], tiny.args[1][0]
    assert row.max() - row[label] > 1500 and tiny.expected[0] > 750


def test_softmax_oracle_gives_log_k_and_the_huge_loss():
    uniform = softmax_cross_entropy_cases()[4]
    assert np.isclose(uniform.expected[0], np.log(5))
    huge = softmax_cross_entropy_cases()[6]
    assert np.isclose(huge.expected[0], (2000 + (np.log(1 + np.exp(-2) + np.exp(-1)))) / 2)


@pytest.mark.parametrize("source", SOURCES)
def test_mlp_oracle_agrees_with_numerical_gradients(source):
    for case in cases_from("mlp_backward", source):
        X, y, W1, b1, W2, b2 = case.args
        params = [W1.copy(), b1.copy(), W2.copy(), b2.copy()]

        def loss(_):
            z1 = X @ params[0].T + params[1]
            z2 = np.maximum(z1, 0) @ params[2].T + params[3]
            m = z2.max(axis=1, keepdims=True)
            lse = (m + np.log(np.exp(z2 - m).sum(axis=1, keepdims=True)))[:, 0]
            return np.mean(lse - z2[np.arange(len(y)), y])

        for param, expected in zip(params, case.expected):
            numerical = numerical_gradient(loss, param)
            # elementwise relative error, or the absolute one for entries near 0
            assert (relative_error(numerical, expected) < 1e-5
                    or np.abs(numerical - expected).max() < 1e-8)
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


# ------------------------------------------------------------------ hidden cases


def hard_coded(title):
    """A function that looks up the public answers: passes the public cases, knows nothing else."""
    return memorising_cheat([(case.args, case.expected) for case in CHECKS[title][2]()],
                            not_a_public_case)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("title", list(CHECKS))
def test_reference_passes_every_hidden_case(capsys, title, seed):
    check, out_of = checked_by_run(title, capsys)
    assert_reference_passes_hidden_cases(check, CHECKS[title][1], hidden(title, seed), title,
                                         out_of)


@pytest.mark.parametrize("title", list(CHECKS))
def test_hidden_cases_depend_on_the_rng_state_only(title):
    assert_hidden_cases_depend_on_the_rng_only(HIDDEN[title], (7, 8))


@pytest.mark.parametrize("title", list(CHECKS))
def test_hidden_cases_are_small_and_fast_to_grade(title):
    def generation_time():
        started = time.perf_counter()
        HIDDEN[title](np.random.default_rng(1))
        return time.perf_counter() - started

    assert min(generation_time(), generation_time()) < 2.0  # best of two: the machine is shared
    cases = hidden(title, 1)
    public_hints = {case.hint for case in CHECKS[title][2]()}
    for case in cases:
        assert case.name.startswith("hidden: ")
        assert sum(np.size(a) for a in case.args) <= 200
        # the hints of the public cases; the bias-only one names the drawn share of positives
        assert (case.hint in public_hints
                or case.hint.startswith("with a bias only, theta moves towards log(")), case.hint


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_cases_cover_the_public_kinds(seed):
    def names(title):
        return " | ".join(case.name for case in hidden(title, seed))

    def args(title):
        return [case.args for case in hidden(title, seed)]

    assert any(x.shape == (1, 1) or x.shape[1] == 1 for x, _ in args("normal_equation"))
    assert any(x.shape[0] == x.shape[1] for x, _ in args("normal_equation"))
    for title in ("normal_equation", "logistic_gradient", "gradient_descent"):
        assert any(a[1].dtype.kind == "i" for a in args(title)), title
    assert any(x.shape[0] == 1 for x, *_ in args("logistic_gradient"))
    assert any(x.shape[1] == 1 for x, *_ in args("logistic_gradient"))
    assert max(np.abs(x @ theta).max() for x, _, theta in args("logistic_gradient")) > 15
    assert [steps for *_, steps in args("gradient_descent")][:2] == [0, 1]
    assert any(x.shape[0] == 1 for x, *_ in args("gradient_descent"))
    assert len({lr for _, _, lr, _ in args("gradient_descent")}) > 1
    logits = [z for z, _ in args("softmax_cross_entropy")]
    assert any(z.shape[0] == 1 for z in logits) and any(z.shape[1] == 2 for z in logits)
    assert all(labels.dtype == np.int64 for _, labels in args("softmax_cross_entropy"))
    assert "exp overflows" in names("softmax_cross_entropy")
    shapes = [(x.shape[0], x.shape[1], w1.shape[0], w2.shape[0])
              for x, _, w1, _, w2, _ in args("mlp_backward")]
    assert any(n == 1 for n, *_ in shapes) and any(d == 1 for _, d, *_ in shapes)
    assert any(len(set(shape)) == 1 for shape in shapes), "a square network"
    for x, _, w1, b1, *_ in args("mlp_backward"):
        assert np.min(np.abs(x @ w1.T + b1)) > 0.05
    assert max(np.mean(x @ w1.T + b1 <= 0) for x, _, w1, b1, *_ in args("mlp_backward")) >= 0.5


WRONG_ANSWERS = [  # (title, typical wrong answer, a piece of its hint)
    ("normal_equation", ne_column, "return a 1-D array of shape"),
    ("normal_equation", ne_extra_ones, "X already holds the column of ones"),
    ("normal_equation", ne_no_y, "multiply it by y"),
    ("normal_equation", ne_elementwise_inverse, "reciprocal of each entry"),
    ("normal_equation", ne_integer, "float dtype"),
    ("logistic_gradient", lg_sum, "you summed over the N ="),
    ("logistic_gradient", lg_sign, "sign flipped"),
    ("logistic_gradient", lg_no_sigmoid, "you forgot the sigmoid"),
    ("logistic_gradient", lg_column, "return a 1-D array of shape"),
    ("logistic_gradient", lg_per_sample, "one value per sample"),
    ("logistic_gradient", lg_sigmoid_derivative, "drop the factor pi (1 - pi)"),
    ("logistic_gradient", lg_exp_sign, "check the sign inside exp"),
    ("gradient_descent", gd_ascent, "gradient ascent"),
    ("gradient_descent", gd_sum, "you used the summed gradient"),
    ("gradient_descent", gd_one_extra_step, "with steps = 0 no update happens"),
    ("gradient_descent", gd_one_step_short, "you took 0 steps instead of 1"),
    ("gradient_descent", gd_no_sigmoid, "you forgot the sigmoid"),
    ("gradient_descent", gd_column, "return a 1-D array of shape"),
    ("gradient_descent", gd_history, "return a NumPy array"),
    ("softmax_cross_entropy", sce_naive, "exp overflowed"),
    ("softmax_cross_entropy", sce_log_of_softmax, "log(softmax) underflows"),
    ("softmax_cross_entropy", sce_sum, "you summed the losses"),
    ("softmax_cross_entropy", sce_grad_not_divided, "missing the 1/N"),
    ("softmax_cross_entropy", sce_grad_sign, "sign flipped"),
    ("softmax_cross_entropy", sce_no_onehot, "subtract the one-hot labels"),
    ("softmax_cross_entropy", sce_wrong_axis, "not each column (axis=0)"),
    ("softmax_cross_entropy", sce_per_sample_loss, "not one loss per sample"),
    ("softmax_cross_entropy", sce_only_loss, "return loss, dlogits"),
    ("softmax_cross_entropy", sce_transposed, "transpose"),
    ("mlp_backward", mlp_no_mask, "you forgot the ReLU mask"),
    ("mlp_backward", mlp_sum, "times too large"),
    ("mlp_backward", mlp_sign, "sign flipped"),
    ("mlp_backward", mlp_tanh, "ReLU, not tanh"),
    ("mlp_backward", mlp_bias_axis, "batch axis"),
    ("mlp_backward", mlp_keepdims, "drop keepdims"),
    ("mlp_backward", mlp_transposed, "transpose"),
    ("mlp_backward", mlp_transposed_wrong_values, "must have the shape of W1"),
    ("mlp_backward", mlp_three_values, "return dW1, db1, dW2, db2"),
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("title, student_fn, hint", WRONG_ANSWERS,
                         ids=lambda v: getattr(v, "__name__", None))
def test_typical_wrong_answers_fail_hidden_cases_with_their_hint(capsys, title, student_fn, hint,
                                                                 seed):
    with np.errstate(all="ignore"):
        result, out = run(title, student_fn, capsys, cases=hidden(title, seed))
    assert not result.all_passed
    assert hint in out, out
    assert out.count("FAIL  hidden: ") == result.total - result.passed


@pytest.mark.parametrize("seed", SEEDS)
def test_naive_softmaxes_fail_only_the_large_logit_hidden_cases(capsys, seed):
    cases = hidden("softmax_cross_entropy", seed)
    with np.errstate(all="ignore"):
        naive, _ = run("softmax_cross_entropy", sce_naive, capsys, cases=cases)
        log_of_softmax, _ = run("softmax_cross_entropy", sce_log_of_softmax, capsys, cases=cases)
    assert [case.passed for case in naive.cases] == [True] * (len(cases) - 2) + [False, False]
    assert [case.passed for case in log_of_softmax.cases] == [True] * (len(cases) - 1) + [False]


@pytest.mark.parametrize("seed", SEEDS)
def test_summed_gradient_passes_only_the_single_sample_hidden_case(capsys, seed):
    result, _ = run("logistic_gradient", lg_sum, capsys, cases=hidden("logistic_gradient", seed))
    assert [case.name for case in result.cases if case.passed] == [
        case.name for case in hidden("logistic_gradient", seed) if case.args[0].shape[0] == 1]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("title", list(CHECKS))
def test_hard_coded_public_answers_fail_every_hidden_case(capsys, title, seed):
    check, out_of = checked_by_run(title, capsys)
    assert_memorised_answers_fail_hidden_cases(check, hard_coded(title), [hidden(title, seed)],
                                               out_of=out_of, reason="raised KeyError")


@pytest.mark.parametrize("title", list(CHECKS))
def test_explicit_public_cases_behave_like_the_default(capsys, title):
    check, _, public = CHECKS[title]
    check(stub)
    default = capsys.readouterr().out
    check(stub, cases=public())
    assert capsys.readouterr().out == default
    assert check(stub, cases=None).total == len(public())
    capsys.readouterr()
