"""The pooling exercise checks: max/avg pooling forward and backward on one (H, W) array.

Each check must accept the reference solution, reject each typical wrong answer with the
hint that names the mistake, never raise, and keep its output compact. The hidden cases (a
grader's, from its own seed) must be random, reproducible, right (checked here against
torch, numerical gradients and the reference solutions), passed by the references and
failed by wrong or memorised answers.
"""

import re
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.exercises.core import CheckResult
from cnnbook.exercises.pooling import (
    LECTURE_INPUT,
    LECTURE_MAX_RESULT,
    avg_pool2d_backward_cases,
    avg_pool2d_backward_hidden_cases,
    avg_pool2d_cases,
    avg_pool2d_hidden_cases,
    check_avg_pool2d,
    check_avg_pool2d_backward,
    check_max_pool2d,
    check_max_pool2d_backward,
    max_pool2d_backward_cases,
    max_pool2d_backward_hidden_cases,
    max_pool2d_cases,
    max_pool2d_hidden_cases,
)
from cnnbook.gradcheck import numerical_gradient_array
from harness import (
    assert_fails_with_hint,
    assert_hidden_cases_depend_on_the_rng_only,
    assert_memorised_answers_fail_hidden_cases,
    assert_reference_passes_hidden_cases,
    public_answers_cheat,
    seeded_cases,
)

# ---------------------------------------------------------------------- reference solutions


def out_size(n, k, s):
    return (n - k) // s + 1


def max_pool2d(x, kernel_size, stride):
    x = np.asarray(x, dtype=np.float64)
    k, s = kernel_size, stride
    out = np.zeros((out_size(x.shape[0], k, s), out_size(x.shape[1], k, s)))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = x[i * s:i * s + k, j * s:j * s + k].max()
    return out


def avg_pool2d(x, kernel_size, stride):
    x = np.asarray(x, dtype=np.float64)
    k, s = kernel_size, stride
    out = np.zeros((out_size(x.shape[0], k, s), out_size(x.shape[1], k, s)))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = x[i * s:i * s + k, j * s:j * s + k].mean()
    return out


def max_pool2d_backward(x, dout, kernel_size, stride):
    x = np.asarray(x, dtype=np.float64)
    k, s = kernel_size, stride
    dx = np.zeros(x.shape)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[i * s:i * s + k, j * s:j * s + k]
            p, q = np.unravel_index(np.argmax(window), window.shape)  # first maximum
            dx[i * s + p, j * s + q] += dout[i, j]
    return dx


def avg_pool2d_backward(x, dout, kernel_size, stride):
    k, s = kernel_size, stride
    dx = np.zeros(np.shape(x))
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dx[i * s:i * s + k, j * s:j * s + k] += dout[i, j] / (k * k)
    return dx


# ---------------------------------------------------------------------- typical wrong answers


def pool_with(reduce, x, k, s, rows, cols):
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = reduce(x[i * s:i * s + k, j * s:j * s + k])
    return out


def forgot_plus_one(x, k, s):
    return pool_with(np.max, x, k, s, (x.shape[0] - k) // s, (x.shape[1] - k) // s)


def ignores_stride(x, k, s):
    return pool_with(np.max, x, k, 1, x.shape[0] - k + 1, x.shape[1] - k + 1)


def ceil_mode(x, k, s):
    rows, cols = (-(-(n - k) // s) + 1 for n in x.shape)
    return pool_with(np.max, x, k, s, rows, cols)  # slices clip at the edge


def avg_instead_of_max(x, k, s):
    return avg_pool2d(x, k, s)


def max_starts_at_zero(x, k, s):
    return np.maximum(max_pool2d(x, k, s), 0.0)


def max_transposed(x, k, s):
    return max_pool2d(x, k, s).T


def max_instead_of_avg(x, k, s):
    return max_pool2d(x, k, s)


def window_sum(x, k, s):
    return avg_pool2d(x, k, s) * k * k


def divides_by_k(x, k, s):
    return avg_pool2d(x, k, s) * k


def avg_integer_output(x, k, s):
    out = np.zeros((out_size(x.shape[0], k, s), out_size(x.shape[1], k, s)), dtype=np.asarray(x).dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = x[i * s:i * s + k, j * s:j * s + k].mean()
    return out


def returns_torch(x, k, s):
    return F.max_pool2d(torch.tensor(np.asarray(x, dtype=np.float64))[None, None], k, s)[0, 0]


def returns_list(x, k, s):
    return max_pool2d(x, k, s).tolist()


def returns_none(x, k, s):
    max_pool2d(x, k, s)


def stub(*args):
    raise NotImplementedError


def raises(x, k, s):
    return x[x.shape[0] + 3, 0]


def mutates_input(x, k, s):
    out = max_pool2d(x, k, s)
    x[...] = 0
    return out


def max_overwrites(x, dout, k, s):
    dx = np.zeros(np.shape(x))
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[i * s:i * s + k, j * s:j * s + k]
            p, q = np.unravel_index(np.argmax(window), window.shape)
            dx[i * s + p, j * s + q] = dout[i, j]  # = instead of +=
    return dx


def max_to_every_tie(x, dout, k, s):
    dx = np.zeros(np.shape(x))
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[i * s:i * s + k, j * s:j * s + k]
            dx[i * s:i * s + k, j * s:j * s + k] += dout[i, j] * (window == window.max())
    return dx


def max_splits_ties(x, dout, k, s):
    dx = np.zeros(np.shape(x))
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[i * s:i * s + k, j * s:j * s + k]
            is_max = window == window.max()
            dx[i * s:i * s + k, j * s:j * s + k] += dout[i, j] * is_max / is_max.sum()
    return dx


def max_to_last_tie(x, dout, k, s):
    dx = np.zeros(np.shape(x))
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[i * s:i * s + k, j * s:j * s + k]
            p, q = np.argwhere(window == window.max())[-1]
            dx[i * s + p, j * s + q] += dout[i, j]
    return dx


def max_skips_last_row(x, dout, k, s):
    return max_pool2d_backward(x, np.vstack([dout[:-1], np.zeros_like(dout[-1:])]), k, s)


def max_dout_shaped(x, dout, k, s):
    return dout * 1.0


def max_backward_transposed(x, dout, k, s):
    return max_pool2d_backward(x, dout, k, s).T


def avg_gradient_for_max(x, dout, k, s):
    return avg_pool2d_backward(x, dout, k, s)


def max_backward_returns_torch(x, dout, k, s):
    return torch.from_numpy(max_pool2d_backward(x, dout, k, s))


def avg_overwrites(x, dout, k, s):
    dx = np.zeros(np.shape(x))
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dx[i * s:i * s + k, j * s:j * s + k] = dout[i, j] / (k * k)
    return dx


def avg_no_division(x, dout, k, s):
    return avg_pool2d_backward(x, dout, k, s) * k * k


def max_gradient_for_avg(x, dout, k, s):
    return max_pool2d_backward(x, dout, k, s)


def avg_integer_dx(x, dout, k, s):
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dx[i * s:i * s + k, j * s:j * s + k] += (dout[i, j] / (k * k)).astype(dx.dtype)
    return dx


def avg_skips_last_column(x, dout, k, s):
    return avg_pool2d_backward(x, np.hstack([dout[:, :-1], np.zeros_like(dout[:, -1:])]), k, s)


CHECKS = {
    # name: (check, reference, cases)
    "max_pool2d": (check_max_pool2d, max_pool2d, max_pool2d_cases),
    "avg_pool2d": (check_avg_pool2d, avg_pool2d, avg_pool2d_cases),
    "max_pool2d_backward": (check_max_pool2d_backward, max_pool2d_backward, max_pool2d_backward_cases),
    "avg_pool2d_backward": (check_avg_pool2d_backward, avg_pool2d_backward, avg_pool2d_backward_cases),
}


# ---------------------------------------------------------------------- oracles and cases


def test_lecture_result_agrees_with_torch_and_by_hand():
    x = torch.tensor(LECTURE_INPUT)[None, None]
    np.testing.assert_array_equal(F.max_pool2d(x, 2, 2)[0, 0].numpy(), LECTURE_MAX_RESULT)
    np.testing.assert_array_equal(F.avg_pool2d(x, 2, 2)[0, 0].numpy(), [[3.25, 5.25], [2.0, 2.0]])


@pytest.mark.parametrize("name", list(CHECKS))
def test_cases_are_deterministic_and_cover_awkward_shapes(name):
    _, _, make_cases = CHECKS[name]
    first, second = make_cases(), make_cases()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.expected, b.expected)
    geometry = [(np.shape(c.args[0]), c.args[-2], c.args[-1]) for c in first]
    assert any(h != w for (h, w), _, _ in geometry), "a non-square input"
    assert any(s < k for _, k, s in geometry), "overlapping windows"
    assert any(s > k for _, k, s in geometry), "a stride larger than the window"
    assert any((h - k) % s or (w - k) % s for (h, w), k, s in geometry), "a stride that does not divide"


@pytest.mark.parametrize("name", ["max_pool2d_backward", "avg_pool2d_backward"])
def test_backward_oracle_agrees_with_numerical_gradients(name):
    kind = name.split("_")[0]
    pool = max_pool2d if kind == "max" else avg_pool2d
    for case in CHECKS[name][2]():
        x, dout, k, s = case.args
        if "ties" in case.name:
            continue  # not differentiable at ties: the rule is torch's convention
        numeric = numerical_gradient_array(lambda v: pool(v, k, s), np.asarray(x, dtype=np.float64), dout)
        np.testing.assert_allclose(case.expected, numeric, rtol=1e-6, atol=1e-8, err_msg=case.name)


def test_overlapping_backward_cases_really_accumulate():
    for case in max_pool2d_backward_cases():
        x, dout, k, s = case.args
        if s < k:
            assert not np.allclose(case.expected, max_overwrites(x, dout, k, s)), case.name


def test_tie_case_follows_torch_first_maximum_rule():
    (case,) = [c for c in max_pool2d_backward_cases() if "ties" in c.name]
    x, dout, k, s = case.args
    np.testing.assert_array_equal(case.expected, [[1, 0, 0, 0], [0, 0, 2, 0], [3, 0, 4, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(case.expected, max_pool2d_backward(x, dout, k, s))


def test_only_one_backward_case_has_ties():
    tied = []
    for case in max_pool2d_backward_cases():
        x, dout, k, s = case.args
        x = np.asarray(x)
        for i in range(dout.shape[0]):
            for j in range(dout.shape[1]):
                window = x[i * s:i * s + k, j * s:j * s + k]
                if np.count_nonzero(window == window.max()) > 1:
                    tied.append(case.name)
    assert set(tied) == {"ties: every window has several maxima, 4x4, 2/2"}


# ---------------------------------------------------------------------- the checks


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


WRONG = [
    # (check name, wrong answer, text of the message, text of the hint)
    ("max_pool2d", forgot_plus_one, "expected shape (2, 2), got shape (1, 1)", "output shape off by one: OH = floor((H - K) / S) + 1"),
    ("max_pool2d", ignores_stride, "expected shape (3, 4), got shape (5, 7)", "moved one pixel at a time"),
    ("max_pool2d", ceil_mode, "expected shape (2, 3), got shape (3, 4)", "floor, not ceil"),
    ("max_pool2d", avg_instead_of_max, "values differ", "average of each window instead of its maximum"),
    ("max_pool2d", max_starts_at_zero, "values differ", "running maximum started at 0"),
    ("max_pool2d", max_transposed, "expected shape (3, 4), got shape (4, 3)", "transpose of the expected one"),
    ("max_pool2d", returns_torch, "returned a torch.Tensor", "not a torch tensor"),
    ("max_pool2d", returns_list, "returned a list", "return a NumPy array"),
    ("max_pool2d", returns_none, "returned None", "`return`"),
    ("max_pool2d", stub, "not implemented yet", "NotImplementedError"),
    ("max_pool2d", raises, "raised IndexError", ""),
    ("max_pool2d", mutates_input, "modified its input in place (argument 1)", "do not write into the input"),
    ("avg_pool2d", max_instead_of_avg, "values differ", "maximum of each window instead of its average"),
    ("avg_pool2d", window_sum, "values differ", "that is the window's sum: divide it by the window's area K*K = 4"),
    ("avg_pool2d", divides_by_k, "values differ", "not by K = 2"),
    ("avg_pool2d", avg_integer_output, "expected a floating-point array", "float dtype"),
    ("max_pool2d_backward", max_overwrites, "values differ", "dx[...] += ..., not dx[...] = ..."),
    ("max_pool2d_backward", max_to_every_tie, "values differ", "went to every entry equal to the maximum"),
    ("max_pool2d_backward", max_splits_ties, "values differ", "split among tied maxima"),
    ("max_pool2d_backward", max_to_last_tie, "values differ", "went to the last tied maximum"),
    ("max_pool2d_backward", max_skips_last_row, "values differ", "last row or column of windows got no gradient"),
    ("max_pool2d_backward", max_dout_shaped, "expected shape (4, 4), got shape (2, 2)", "not of the output gradient dout"),
    ("max_pool2d_backward", max_backward_transposed, "expected shape (6, 8), got shape (8, 6)", "transpose of the expected one"),
    ("max_pool2d_backward", avg_gradient_for_max, "values differ", "that is the gradient of average pooling"),
    ("max_pool2d_backward", max_backward_returns_torch, "returned a torch.Tensor", "not a torch tensor"),
    ("max_pool2d_backward", stub, "not implemented yet", "NotImplementedError"),
    ("avg_pool2d_backward", avg_overwrites, "values differ", "dx[...] += ..., not dx[...] = ..."),
    ("avg_pool2d_backward", avg_no_division, "values differ", "divide the gradient by the window's area K*K = 4"),
    ("avg_pool2d_backward", max_gradient_for_avg, "values differ", "that is the gradient of max pooling"),
    ("avg_pool2d_backward", avg_integer_dx, "expected a floating-point array", "float dtype"),
    ("avg_pool2d_backward", avg_skips_last_column, "values differ", "last row or column of windows got no gradient"),
    ("avg_pool2d_backward", stub, "not implemented yet", "NotImplementedError"),
]


@pytest.mark.parametrize("name, student_fn, message, hint", WRONG,
                         ids=[f"{w[0]}-{w[1].__name__}" for w in WRONG])
def test_typical_wrong_answers_fail_with_their_hint(capsys, name, student_fn, message, hint):
    check, _, make_cases = CHECKS[name]
    n = len(make_cases())
    result = check(student_fn)
    out = capsys.readouterr().out
    assert_fails_with_hint(out, result, name, n, message, hint)


def test_hints_are_specific_to_the_cases_they_concern(capsys):
    """Overwriting only fails where windows overlap; the tie rule only where there are ties."""
    result = check_max_pool2d_backward(max_overwrites)
    failed = {c.name for c in result.cases if not c.passed}
    assert failed == {"overlapping 3/2 on 7x9: shared maxima, gradients add up",
                      "3x3 window, stride 1, 5x6: heavy overlap"}
    result = check_max_pool2d_backward(max_to_every_tie)
    assert [c.name for c in result.cases if not c.passed] == ["ties: every window has several maxima, 4x4, 2/2"]
    capsys.readouterr()


def test_off_by_one_hint_names_the_numbers(capsys):
    check_max_pool2d(forgot_plus_one)
    assert "floor((6 - 2) / 2) + 1 = 3 rows" in capsys.readouterr().out


@pytest.mark.parametrize("name", list(CHECKS))
@pytest.mark.parametrize("student_fn", [
    42,
    None,
    lambda *args: "a string",
    lambda *args: np.array(["a", "b"]),
    lambda *args: np.zeros((2, 2, 2)),
    lambda *args: (_ for _ in ()).throw(SystemExit(1)),
    lambda x: x,  # wrong number of parameters
], ids=["int", "None", "str", "str-array", "3d", "SystemExit", "one-parameter"])
def test_check_never_raises_on_exotic_answers(capsys, name, student_fn):
    check, _, make_cases = CHECKS[name]
    result = check(student_fn)
    out = capsys.readouterr().out
    assert result.passed == 0 and out.count("FAIL") == len(make_cases())


@pytest.mark.parametrize("name", list(CHECKS))
def test_output_stays_compact_for_large_wrong_answers(capsys, name):
    CHECKS[name][0](lambda *args: np.ones((500, 500)))
    assert len(capsys.readouterr().out) < 4000


# ---------------------------------------------------------------------- hidden cases

HIDDEN = {
    "max_pool2d": max_pool2d_hidden_cases,
    "avg_pool2d": avg_pool2d_hidden_cases,
    "max_pool2d_backward": max_pool2d_backward_hidden_cases,
    "avg_pool2d_backward": avg_pool2d_backward_hidden_cases,
}
SEEDS = (1, 2, 3)


hidden_cases = seeded_cases(HIDDEN, cache=False)  # the generation is timed below


memorised = public_answers_cheat  # the public answer for a public input, else the first one


def no_first_input_repeats(first, other):
    """No first argument of ``other``'s cases equals one of ``first``'s."""
    return not any(np.array_equal(a.args[0], b.args[0]) for a in first for b in other)


def windows_with_ties(x, k, s):
    """How many windows of x have their maximum more than once."""
    x, ties = np.asarray(x), 0
    for i in range(out_size(x.shape[0], k, s)):
        for j in range(out_size(x.shape[1], k, s)):
            window = x[i * s:i * s + k, j * s:j * s + k]
            ties += np.count_nonzero(window == window.max()) > 1
    return ties


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(CHECKS))
def test_reference_passes_every_hidden_case(capsys, name, seed):
    check, reference, _ = CHECKS[name]
    assert_reference_passes_hidden_cases(check, reference, hidden_cases(name, seed), name,
                                         lambda: capsys.readouterr().out)


@pytest.mark.parametrize("name", list(CHECKS))
def test_hidden_cases_depend_on_the_generator_only(name):
    assert_hidden_cases_depend_on_the_rng_only(HIDDEN[name], (7, 8, 9),
                                               differ=no_first_input_repeats)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_hidden_forward_answers_agree_with_torch_and_the_reference(name, seed):
    pool, reference = (F.max_pool2d, max_pool2d) if name == "max_pool2d" else (F.avg_pool2d, avg_pool2d)
    for case in hidden_cases(name, seed):
        x, k, s = case.args
        by_torch = pool(torch.tensor(np.asarray(x, dtype=np.float64))[None, None], k, s)[0, 0].numpy()
        np.testing.assert_allclose(case.expected, by_torch, rtol=1e-12, atol=1e-12, err_msg=case.name)
        np.testing.assert_allclose(case.expected, reference(x, k, s), rtol=1e-12, atol=1e-12,
                                   err_msg=case.name)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["max_pool2d_backward", "avg_pool2d_backward"])
def test_hidden_backward_answers_agree_with_numerical_gradients(name, seed):
    pool = max_pool2d if name.startswith("max") else avg_pool2d
    for case in hidden_cases(name, seed):
        x, dout, k, s = case.args
        if "ties" in case.name:
            continue  # not differentiable at ties: see the next test
        numeric = numerical_gradient_array(lambda v: pool(v, k, s), np.asarray(x, dtype=np.float64), dout)
        np.testing.assert_allclose(case.expected, numeric, rtol=1e-6, atol=1e-8, err_msg=case.name)


@pytest.mark.parametrize("seed", SEEDS)
def test_only_the_hidden_tie_case_has_ties_and_it_follows_the_first_maximum_rule(seed):
    for case in hidden_cases("max_pool2d_backward", seed):
        x, dout, k, s = case.args
        ties = windows_with_ties(x, k, s)
        if "ties" in case.name:
            assert ties == dout.size, "every window has several maxima"
            np.testing.assert_array_equal(case.expected, max_pool2d_backward(x, dout, k, s))
            assert not np.allclose(case.expected, max_to_last_tie(x, dout, k, s))
        else:
            assert ties == 0, case.name


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["max_pool2d_backward", "avg_pool2d_backward"])
def test_overlapping_hidden_backward_cases_really_accumulate(name, seed):
    overwrites = max_overwrites if name.startswith("max") else avg_overwrites
    overlapping = [case for case in hidden_cases(name, seed) if case.args[3] < case.args[2]]
    assert len(overlapping) >= 2
    for case in overlapping:
        assert not np.allclose(case.expected, overwrites(*case.args)), case.name


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(CHECKS))
def test_hidden_cases_cover_the_public_edge_cases(name, seed):
    cases = hidden_cases(name, seed)
    geometry = [(np.shape(c.args[0]), c.args[-2], c.args[-1]) for c in cases]
    assert any(h != w for (h, w), _, _ in geometry), "a non-square input"
    assert any(s < k for _, k, s in geometry), "overlapping windows"
    assert any(s > k for _, k, s in geometry), "a stride larger than the window"
    assert any((h - k) % s or (w - k) % s for (h, w), k, s in geometry), "a stride that does not divide"
    if name != "max_pool2d_backward":  # the public cases' ties take its place there
        assert any(k == h == w for (h, w), k, _ in geometry), "a global window"
    assert any(np.array_equal(c.args[0], np.round(c.args[0])) for c in cases), "integer values"
    if name.startswith("avg"):
        assert any(np.asarray(c.args[0]).dtype.kind == "i" for c in cases), "an integer dtype"
    if name == "max_pool2d":
        assert any(np.all(np.asarray(c.args[0]) < 0) for c in cases), "an all-negative input"


@pytest.mark.parametrize("name", list(CHECKS))
def test_hidden_cases_are_small_and_quick(name):
    _, reference, _ = CHECKS[name]
    for seed in range(5):
        start = time.perf_counter()
        cases = hidden_cases(name, seed)
        assert time.perf_counter() - start < 2.0
        for case in cases:
            assert max(np.size(a) for a in case.args + (case.expected,)) <= 2000, case.name
            assert case.expected.dtype == np.float64, case.name
            start = time.perf_counter()
            reference(*case.args)
            assert time.perf_counter() - start < 0.1, case.name


@pytest.mark.parametrize("name", list(CHECKS))
def test_memorised_public_answers_fail_every_hidden_case(capsys, name):
    check, _, public_cases = CHECKS[name]
    assert_memorised_answers_fail_hidden_cases(check, memorised(public_cases()),
                                               [hidden_cases(name, seed) for seed in SEEDS])
    capsys.readouterr()


@pytest.mark.parametrize("name, student_fn, hint", [(name, fn, hint) for name, fn, _, hint in WRONG],
                         ids=[f"{w[0]}-{w[1].__name__}" for w in WRONG])
def test_typical_wrong_answers_fail_hidden_cases_with_their_hint(capsys, name, student_fn, hint):
    check = CHECKS[name][0]
    general_hint = re.sub(r" = \d+$", "", hint)  # "... K*K = 4" names a public case's window
    for seed in SEEDS:
        result = check(student_fn, cases=hidden_cases(name, seed))
        out = capsys.readouterr().out
        assert not result.all_passed
        assert general_hint in out
        assert f"{name}: {result.passed}/{result.total} cases passed" in out
