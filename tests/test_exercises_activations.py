"""The activation exercise checks: sigmoid and ELU, each with its derivative.

Each check must accept the reference solution, reject each typical wrong answer (the
naive formula that overflows included) with the hint that names the mistake, never
raise, and keep its output compact.
"""

import numpy as np
import pytest
import torch

from cnnbook.exercises.activations import (
    check_elu_and_grad,
    check_sigmoid_and_grad,
    elu_and_grad_cases,
    sigmoid_and_grad_cases,
)
from cnnbook.exercises.core import CheckResult
from harness import assert_fails_with_hint

# ---------------------------------------------------------------------- reference solutions


def sigmoid_and_grad(x):
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    s = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return s, s * (1.0 - s)


def elu_and_grad(x, alpha):
    e = np.exp(np.minimum(x, 0.0))  # exp only sees arguments <= 0
    y = np.where(x > 0, x, alpha * (e - 1.0))
    return y, np.where(x > 0, 1.0, alpha * e)


# ---------------------------------------------------------------------- typical wrong answers


def naive_sigmoid(x):
    s = 1.0 / (1.0 + np.exp(-x))  # overflows for x < -709
    return s, s * (1.0 - s)


def naive_sigmoid_other_form(x):
    e = np.exp(x)  # overflows for x > 709, and then inf / inf = nan
    s = e / (1.0 + e)
    return s, s * (1.0 - s)


def where_both_branches(x):
    s = np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))
    return s, s * (1.0 - s)


def sigmoid_of_minus_x(x):
    s, _ = sigmoid_and_grad(-x)
    return s, s * (1.0 - s)


def tanh_instead(x):
    t = np.tanh(x)
    return t, 1.0 - t * t


def derivative_is_s(x):
    s, _ = sigmoid_and_grad(x)
    return s, s.copy()


def derivative_with_x(x):
    s, _ = sigmoid_and_grad(x)
    return s, x * (1.0 - x)


def derivative_of_tanh(x):
    s, _ = sigmoid_and_grad(x)
    return s, 1.0 - s * s


def derivative_negative(x):
    s, ds = sigmoid_and_grad(x)
    return s, -ds


def swapped(x):
    s, ds = sigmoid_and_grad(x)
    return ds, s


def only_s(x):
    return sigmoid_and_grad(x)[0]


def sigmoid_torch(x):
    return tuple(torch.from_numpy(a) for a in sigmoid_and_grad(x))


def sigmoid_in_place(x):
    s, ds = sigmoid_and_grad(x)
    x[...] = s
    return s, ds


def stub(*args):
    raise NotImplementedError


def raises(*args):
    return [][0]


def returns_none(*args):
    return None


def elu_where_overflows(x, alpha):
    y = np.where(x > 0, x, alpha * (np.exp(x) - 1.0))
    return y, np.where(x > 0, 1.0, alpha * np.exp(x))


def elu_no_alpha(x, alpha):
    return elu_and_grad(x, 1.0)[0], elu_and_grad(x, alpha)[1]


def elu_no_minus_one(x, alpha):
    y, dy = elu_and_grad(x, alpha)
    return np.where(x > 0, x, y + alpha), dy


def elu_grad_no_alpha(x, alpha):
    y, _ = elu_and_grad(x, alpha)
    return y, elu_and_grad(x, 1.0)[1]


def elu_grad_keeps_minus_one(x, alpha):
    y, _ = elu_and_grad(x, alpha)
    return y, np.where(x > 0, 1.0, y)


def elu_grad_at_zero(x, alpha):
    y, dy = elu_and_grad(x, alpha)
    return y, np.where(x >= 0, 1.0, dy)


def elu_relu_grad(x, alpha):
    y, _ = elu_and_grad(x, alpha)
    return y, (x > 0).astype(np.float64)


def elu_swapped(x, alpha):
    y, dy = elu_and_grad(x, alpha)
    return dy, y


CHECKS = {
    "sigmoid_and_grad": (check_sigmoid_and_grad, sigmoid_and_grad, sigmoid_and_grad_cases),
    "elu_and_grad": (check_elu_and_grad, elu_and_grad, elu_and_grad_cases),
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_reference_passes_every_case(capsys, name):
    check, reference, make_cases = CHECKS[name]
    n = len(make_cases())
    result = check(reference)
    out = capsys.readouterr().out
    assert isinstance(result, CheckResult)
    assert result.all_passed and result.passed == result.total == n
    assert "FAIL" not in out and out.count("PASS") == n
    assert f"{name}: {n}/{n} cases passed ({n}/{n} points)" in out


def test_expected_values_are_the_known_ones():
    """The oracle agrees with values known by hand: sigmoid(0) = 1/2, slope 1/4; ELU at 0."""
    (case,) = [c for c in sigmoid_and_grad_cases() if c.name.startswith("x = 0")]
    assert case.expected[0][0] == 0.5 and case.expected[1][0] == 0.25
    (case,) = [c for c in elu_and_grad_cases() if c.name.startswith("x = 0")]
    np.testing.assert_array_equal(case.expected[0], [0.0, 0.0])
    np.testing.assert_array_equal(case.expected[1], [1.5, 1.5])


WRONG = [
    # (check name, wrong answer, text of the message, text of the hint)
    ("sigmoid_and_grad", naive_sigmoid, "raised FloatingPointError: overflow encountered in exp",
     "exp only ever sees arguments <= 0"),
    ("sigmoid_and_grad", naive_sigmoid_other_form, "raised FloatingPointError", "np.exp(-np.abs(x))"),
    ("sigmoid_and_grad", where_both_branches, "raised FloatingPointError",
     "np.where evaluates both branches"),
    ("sigmoid_and_grad", sigmoid_of_minus_x, "s: shape (7,) is right but values differ",
     "that is sigmoid(-x)"),
    ("sigmoid_and_grad", tanh_instead, "values differ", "that is tanh(x)"),
    ("sigmoid_and_grad", derivative_is_s, "ds: shape", "ds is the sigmoid itself"),
    ("sigmoid_and_grad", derivative_with_x, "ds: shape", "uses x"),
    ("sigmoid_and_grad", derivative_of_tanh, "ds: shape", "derivative of tanh"),
    ("sigmoid_and_grad", derivative_negative, "ds: shape", "the sign of ds is wrong"),
    ("sigmoid_and_grad", swapped, "values differ", "s and ds are swapped"),
    ("sigmoid_and_grad", only_s, "expected a tuple of 2 values (s, ds)", "return s, ds"),
    ("sigmoid_and_grad", sigmoid_torch, "returned a torch.Tensor", "not a torch tensor"),
    ("sigmoid_and_grad", sigmoid_in_place, "modified its input in place (argument 1)",
     "do not write into the input"),
    ("sigmoid_and_grad", stub, "not implemented yet", "NotImplementedError"),
    ("sigmoid_and_grad", raises, "raised IndexError", ""),
    ("sigmoid_and_grad", returns_none, "returned None", "`return`"),
    ("elu_and_grad", elu_where_overflows, "raised FloatingPointError: overflow encountered in exp",
     "np.expm1(np.minimum(x, 0))"),
    ("elu_and_grad", elu_no_alpha, "y: shape", "multiplied by alpha = 0.5"),
    ("elu_and_grad", elu_no_minus_one, "y: shape", "the -1 is missing"),
    ("elu_and_grad", elu_grad_no_alpha, "dy: shape", "alpha = 0.5 is missing"),
    ("elu_and_grad", elu_grad_keeps_minus_one, "dy: shape", "the -1 disappears"),
    ("elu_and_grad", elu_grad_at_zero, "dy: shape", "test x > 0, not x >= 0"),
    ("elu_and_grad", elu_relu_grad, "dy: shape", "not 0 (that is ReLU's)"),
    ("elu_and_grad", elu_swapped, "values differ", "y and dy are swapped"),
    ("elu_and_grad", stub, "not implemented yet", "NotImplementedError"),
]


@pytest.mark.parametrize("name, student_fn, message, hint", WRONG,
                         ids=[f"{w[0]}-{w[1].__name__}" for w in WRONG])
def test_typical_wrong_answers_fail_with_their_hint(capsys, name, student_fn, message, hint):
    check, _, make_cases = CHECKS[name]
    n = len(make_cases())
    result = check(student_fn)
    out = capsys.readouterr().out
    assert_fails_with_hint(out, result, name, n, message, hint)


def test_overflow_fails_only_the_large_cases(capsys):
    """The naive sigmoid is right for moderate x: only the cases with |x| > 709 fail."""
    result = check_sigmoid_and_grad(naive_sigmoid)
    failed = [c.name for c in result.cases if not c.passed]
    assert failed == ["large negative x down to -1000", "|x| up to 1000, both signs, (2, 5)"]
    result = check_elu_and_grad(elu_where_overflows)
    assert [c.name for c in result.cases if not c.passed] == ["|x| up to 1000, both signs"]
    result = check_elu_and_grad(elu_grad_at_zero)
    assert [c.name for c in result.cases if not c.passed] == ["x = 0 exactly, alpha = 1.5"]
    capsys.readouterr()


def test_strict_mode_does_not_leak(capsys):
    """After a check, NumPy's error settings are the caller's again."""
    before = np.geterr()
    check_sigmoid_and_grad(naive_sigmoid)
    assert np.geterr() == before
    capsys.readouterr()


@pytest.mark.parametrize("name", list(CHECKS))
@pytest.mark.parametrize("student_fn", [
    42,
    None,
    lambda *args: "a string",
    lambda *args: (np.array(["a"]), np.array(["b"])),
    lambda *args: (np.zeros((2, 2, 2)), np.zeros(3)),
    lambda *args: (_ for _ in ()).throw(SystemExit(1)),
    lambda: 0,  # wrong number of parameters
], ids=["int", "None", "str", "str-arrays", "wrong-shapes", "SystemExit", "no-parameter"])
def test_check_never_raises_on_exotic_answers(capsys, name, student_fn):
    check, _, make_cases = CHECKS[name]
    result = check(student_fn)
    out = capsys.readouterr().out
    assert result.passed == 0 and out.count("FAIL") == len(make_cases())


@pytest.mark.parametrize("name", list(CHECKS))
def test_output_stays_compact_for_large_wrong_answers(capsys, name):
    CHECKS[name][0](lambda *args: (np.ones((500, 500)), np.ones((500, 500))))
    assert len(capsys.readouterr().out) < 4000
