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
    elu_and_grad_hidden_cases,
    sigmoid_and_grad_cases,
    sigmoid_and_grad_hidden_cases,
)
from cnnbook.exercises.core import CheckResult
from harness import (
    assert_fails_with_hint,
    assert_hidden_cases_depend_on_the_rng_only,
    assert_memorised_answers_fail_hidden_cases,
    assert_reference_passes_hidden_cases,
    memorising_cheat,
    seeded_cases,
)

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


# ---------------------------------------------------------------------- hidden cases

HIDDEN = {"sigmoid_and_grad": sigmoid_and_grad_hidden_cases,
          "elu_and_grad": elu_and_grad_hidden_cases}
SEEDS = (11, 2024, 987654321)
# exp(x) overflows float64 beyond this
EXP_LIMIT = np.log(np.finfo(np.float64).max)
# Hints and messages of WRONG that name a public case's numbers: their general part
HIDDEN_TEXT = {
    sigmoid_of_minus_x: ("s: shape", "that is sigmoid(-x)"),
    elu_no_alpha: ("y: shape", "the negative branch must be multiplied by alpha = "),
    elu_grad_no_alpha: ("dy: shape", "for x <= 0 the derivative is alpha * exp(x): alpha = "),
}


hidden = seeded_cases(HIDDEN)


def memorizer(name):
    """Returns the public answers for the public inputs (looked up by x), and otherwise
    the sigmoid's values at x = 0 for every element."""
    return memorising_cheat([(case.args[0], case.expected) for case in CHECKS[name][2]()],
                            lambda x, *rest: (np.full_like(x, 0.5), np.full_like(x, 0.25)),
                            key=lambda x, *rest: x)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(CHECKS))
def test_reference_passes_the_hidden_cases(capsys, name, seed):
    check, reference = CHECKS[name][:2]
    assert_reference_passes_hidden_cases(check, reference, hidden(name, seed), name,
                                         lambda: capsys.readouterr().out)


@pytest.mark.parametrize("name", list(CHECKS))
def test_hidden_cases_depend_on_the_rng_only(name):
    assert_hidden_cases_depend_on_the_rng_only(HIDDEN[name], SEEDS[:2])


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_sigmoid_cases_cover_the_public_kinds(seed):
    xs = [c.args[0] for c in hidden("sigmoid_and_grad", seed)]
    assert any(np.any(x == 0) for x in xs), "an exact 0"
    assert {x.ndim for x in xs} == {1, 2, 3}
    assert any(np.all(np.abs(x) >= 15) and np.all(np.abs(x) <= 60) for x in xs), "saturated"
    assert any(x.min() < -EXP_LIMIT and x.max() < 0 for x in xs), "only large negative"
    assert any(x.max() > EXP_LIMIT and x.min() > 0 for x in xs), "only large positive"
    assert any(x.min() < -EXP_LIMIT and x.max() > EXP_LIMIT for x in xs), "both signs"
    assert max(np.abs(x).max() for x in xs) <= 1000


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_elu_cases_cover_the_public_kinds(seed):
    cases = hidden("elu_and_grad", seed)
    alphas = {c.args[1] for c in cases}
    assert len(alphas) > 1 and all(abs(a - 1) >= 0.2 and a > 0 for a in alphas)
    xs = [c.args[0] for c in cases]
    assert {x.ndim for x in xs} == {1, 2, 3}
    assert any(np.any((x == 0) & np.signbit(x)) and np.any((x == 0) & ~np.signbit(x))
               for x in xs), "0.0 and -0.0"
    assert any(x.max() <= -20 and x.min() >= -1000 for x in xs), "saturated at -alpha"
    assert any(x.min() < -EXP_LIMIT and x.max() > EXP_LIMIT for x in xs), "both overflows"


def test_hidden_cases_differ_in_shape_between_seeds():
    for name in CHECKS:
        shapes = [tuple(c.args[0].shape for c in hidden(name, seed)) for seed in SEEDS]
        assert len(set(shapes)) == len(SEEDS)


@pytest.mark.parametrize("name", list(CHECKS))
def test_hidden_expected_values_are_torchs(name):
    """torch.special.expit / torch.nn.ELU with torch.autograd.grad, written out here; and
    the derivative identities s' = s (1 - s), elu' = elu + alpha for x <= 0."""
    for case in hidden(name, SEEDS[0]):
        x = torch.tensor(case.args[0], requires_grad=True)
        if name == "sigmoid_and_grad":
            y = torch.special.expit(x)
        else:
            y = torch.nn.ELU(alpha=case.args[1])(x)
        (dy,) = torch.autograd.grad(y.sum(), x)
        y, dy = y.detach().numpy(), dy.numpy()
        np.testing.assert_allclose(case.expected[0], y, rtol=1e-14, atol=0, err_msg=case.name)
        np.testing.assert_allclose(case.expected[1], dy, rtol=1e-14, atol=0, err_msg=case.name)
        if name == "sigmoid_and_grad":
            np.testing.assert_allclose(dy, y * (1 - y), rtol=1e-12, atol=1e-300)
        else:
            negative = case.args[0] <= 0
            np.testing.assert_allclose(dy[negative], y[negative] + case.args[1], rtol=1e-12,
                                       atol=1e-12)


@pytest.mark.parametrize("name, student_fn, message, hint", WRONG,
                         ids=[f"{w[0]}-{w[1].__name__}" for w in WRONG])
def test_typical_wrong_answers_fail_the_hidden_cases(capsys, name, student_fn, message, hint):
    check, _, _ = CHECKS[name]
    message, hint = HIDDEN_TEXT.get(student_fn, (message, hint))
    cases = list(hidden(name, SEEDS[0]))
    result = check(student_fn, cases=cases)
    out = capsys.readouterr().out
    assert_fails_with_hint(out, result, name, len(cases), message, hint)


def test_overflow_fails_only_the_large_hidden_cases(capsys):
    """As in public: the naive sigmoid fails exactly the cases with x < -709.78, the ELU
    whose np.where overflows exactly those with x > 709.78, the x >= 0 test the zeros."""
    for seed in SEEDS:
        cases = hidden("sigmoid_and_grad", seed)
        result = check_sigmoid_and_grad(naive_sigmoid, cases=list(cases))
        assert [c.passed for c in result.cases] == [c.args[0].min() > -EXP_LIMIT for c in cases]
        cases = hidden("elu_and_grad", seed)
        result = check_elu_and_grad(elu_where_overflows, cases=list(cases))
        assert [c.passed for c in result.cases] == [c.args[0].max() < EXP_LIMIT for c in cases]
        result = check_elu_and_grad(elu_grad_at_zero, cases=list(cases))
        assert [c.passed for c in result.cases] == [not np.any(c.args[0] == 0) for c in cases]
    capsys.readouterr()


@pytest.mark.parametrize("name", list(CHECKS))
def test_memorized_public_answers_fail_the_hidden_cases(capsys, name):
    assert_memorised_answers_fail_hidden_cases(CHECKS[name][0], memorizer(name),
                                               [hidden(name, seed) for seed in SEEDS])
    capsys.readouterr()
