"""The conv2d_output_size exercise check: the reference passes, typical mistakes get their hint."""

import math

import numpy as np
import pytest
import torch

from cnnbook.exercises.conv_arithmetic import (
    FORMULA,
    SETTINGS,
    check_conv2d_output_size,
    conv2d_output_size_cases,
    conv2d_output_size_hidden_cases,
    torch_conv2d_output_size,
)
from cnnbook.exercises.core import CheckResult
from harness import (
    assert_hidden_cases_depend_on_the_rng_only,
    assert_memorised_answers_fail_hidden_cases,
    assert_reference_passes_hidden_cases,
)

N_CASES = len(SETTINGS)


def reference(size, kernel_size, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def off_by_one(size, kernel_size, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride


def ceil_instead_of_floor(size, kernel_size, stride, padding, dilation):
    return math.ceil((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1


def one_sided_padding(size, kernel_size, stride, padding, dilation):
    return (size + padding - dilation * (kernel_size - 1) - 1) // stride + 1


def no_padding(size, kernel_size, stride, padding, dilation):
    return (size - dilation * (kernel_size - 1) - 1) // stride + 1


def no_dilation(size, kernel_size, stride, padding, dilation):
    return (size + 2 * padding - kernel_size) // stride + 1


def no_stride(size, kernel_size, stride, padding, dilation):
    return size + 2 * padding - dilation * (kernel_size - 1) - 1 + 1


def true_division(size, kernel_size, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1


def float_of_the_right_value(size, kernel_size, stride, padding, dilation):
    return float(reference(size, kernel_size, stride, padding, dilation))


def returns_a_pair(size, kernel_size, stride, padding, dilation):
    out = reference(size, kernel_size, stride, padding, dilation)
    return out, out


def returns_none(size, kernel_size, stride, padding, dilation):
    reference(size, kernel_size, stride, padding, dilation)


def stub(size, kernel_size, stride, padding, dilation):
    raise NotImplementedError


def raises(size, kernel_size, stride, padding, dilation):
    return [size][3]


def returns_a_tensor(size, kernel_size, stride, padding, dilation):
    return torch.tensor(reference(size, kernel_size, stride, padding, dilation))


def test_oracle_is_torch_and_agrees_with_the_formula():
    for args, _ in SETTINGS:
        assert torch_conv2d_output_size(*args) == reference(*args)
    conv = torch.nn.Conv2d(1, 1, 3, stride=2, padding=1, dilation=2)
    assert torch_conv2d_output_size(32, 3, 2, 1, 2) == conv(torch.zeros(1, 1, 32, 32)).shape[-1]


def test_reference_passes_every_case(capsys):
    result = check_conv2d_output_size(reference)
    out = capsys.readouterr().out
    assert isinstance(result, CheckResult)
    assert result.all_passed and result.points == result.max_points == N_CASES
    assert out.count("PASS") == N_CASES and "FAIL" not in out
    assert out.strip().endswith(f"conv2d_output_size: {N_CASES}/{N_CASES} cases passed "
                                f"({N_CASES}/{N_CASES} points)")


def test_numpy_integers_are_accepted(capsys):
    result = check_conv2d_output_size(lambda *args: np.int64(reference(*args)))
    assert result.all_passed
    capsys.readouterr()


@pytest.mark.parametrize("student_fn, message, hint", [
    (off_by_one, "expected 26, got 25", "off by one: add 1 for the first window"),
    (ceil_instead_of_floor, "expected 3, got 4", "use floor, not ceil"),
    (one_sided_padding, "expected 28, got 26", "padding is added on both sides: use I + 2P = 32"),
    (no_padding, "expected 28, got 24", "you left out the padding"),
    (no_dilation, "expected 6, got 8", "the dilated kernel covers D(K-1)+1 = 2*(3-1)+1 = 5"),
    (no_stride, "expected 55, got 217", "divide by the stride S = 4"),
    (true_division, "expected 3, got the float 3.5", "use integer division //"),
    (float_of_the_right_value, "returned the float 26.0, expected the int 26",
     "use integer division //"),
    (returns_a_pair, "returned a tuple (26, 26), expected one int", "return a single int"),
    (returns_none, "returned None", "`return`"),
    (stub, "not implemented yet", "NotImplementedError"),
    (raises, "raised IndexError: list index out of range", "O = floor"),
    (returns_a_tensor, "returned a Tensor tensor(26), expected a plain int", "int(...)"),
    (lambda *args: "26", "returned '26' (str), expected an int", ""),
    (lambda *args: True, "returned True (bool), expected an int", ""),
], ids=lambda v: getattr(v, "__name__", None))
def test_typical_wrong_answers_fail_with_their_hint(capsys, student_fn, message, hint):
    result = check_conv2d_output_size(student_fn)
    out = capsys.readouterr().out
    assert not result.all_passed
    assert message in out, out
    assert hint in out, out
    assert out.count("FAIL") == N_CASES - result.passed
    assert all(len(line) < 300 for line in out.splitlines())


def test_exact_cases_are_not_blamed_on_ceil(capsys):
    result = check_conv2d_output_size(ceil_instead_of_floor)
    by_args = {case.args: r for case, r in zip(conv2d_output_size_cases(), result.cases)}
    assert by_args[(28, 3, 1, 0, 1)].passed  # stride 1: ceil and floor agree
    assert by_args[(7, 3, 2, 0, 1)].passed  # exact division
    assert not by_args[(8, 3, 2, 0, 1)].passed
    capsys.readouterr()


@pytest.mark.parametrize("student_fn", [
    None,
    42,
    lambda size: size,  # wrong number of parameters
    lambda *args: (_ for _ in ()).throw(SystemExit(1)),
    lambda *args: [1, 2, 3] * 1000,
    lambda *args: float("nan"),
])
def test_check_never_raises(capsys, student_fn):
    result = check_conv2d_output_size(student_fn)
    out = capsys.readouterr().out
    assert result.passed == 0 and out.count("FAIL") == N_CASES
    assert len(out) < 8000


def test_not_a_function_gets_a_hint(capsys):
    check_conv2d_output_size(26)
    assert "expected a function, got int" in capsys.readouterr().out


# ------------------------------------------------------------------ hidden cases

SEEDS = (1, 2, 3)
PUBLIC_ANSWERS = {case.args: case.expected for case in conv2d_output_size_cases()}


def hidden(seed):
    return conv2d_output_size_hidden_cases(np.random.default_rng(seed))


def hard_coded(size, kernel_size, stride, padding, dilation):
    """Looks up the public answers: passes the public cases, knows nothing else."""
    return PUBLIC_ANSWERS[(size, kernel_size, stride, padding, dilation)]


def assert_covers_the_awkward_settings(cases):
    args = [case.args for case in cases]
    assert any((i + 2 * p - d * (k - 1) - 1) % s for i, k, s, p, d in args), "non-exact division"
    assert any(s > 1 and (i + 2 * p - d * (k - 1) - 1) % s == 0 for i, k, s, p, d in args), \
        "exact division"
    assert any(d > 1 for *_, d in args), "dilation"
    assert any(p > 0 for _, _, _, p, _ in args), "padding"
    assert any(i + 2 * p == d * (k - 1) + 1 for i, k, s, p, d in args), "kernel == padded input"
    assert any(k == 1 and s > 1 for _, k, s, _, _ in args), "1x1 kernel with a stride"
    for case in cases:
        assert all(type(a) is int for a in case.args)
        assert type(case.expected) is int and case.expected >= 1


def test_public_cases_cover_the_awkward_settings():
    assert_covers_the_awkward_settings(conv2d_output_size_cases())


@pytest.mark.parametrize("seed", SEEDS)
def test_reference_passes_every_hidden_case(capsys, seed):
    outputs = []  # what the check printed, kept for the checks below

    def out_of():
        outputs.append(capsys.readouterr().out)
        return outputs[0]

    assert_reference_passes_hidden_cases(check_conv2d_output_size, reference, hidden(seed),
                                         "conv2d_output_size", out_of)
    n = len(hidden(seed))
    assert outputs[0].count("PASS  hidden: I=") == n
    assert outputs[0].strip().endswith(f"conv2d_output_size: {n}/{n} cases passed ({n}/{n} points)")


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_cases_cover_the_awkward_settings_and_repeat_no_public_one(seed):
    cases = hidden(seed)
    assert_covers_the_awkward_settings(cases)
    assert not any(case.args in PUBLIC_ANSWERS for case in cases)
    assert all(case.hint == "use " + FORMULA for case in cases)


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_expected_values_agree_with_a_conv_layer_and_the_formula(seed):
    for case in hidden(seed):
        size, kernel, stride, padding, dilation = case.args
        conv = torch.nn.Conv2d(1, 1, (1, kernel), stride=(1, stride), padding=(0, padding),
                               dilation=(1, dilation))
        with torch.no_grad():
            assert conv(torch.zeros(1, 1, 1, size)).shape[-1] == case.expected
        assert reference(*case.args) == case.expected


def test_hidden_cases_depend_on_the_rng_state_only():
    assert_hidden_cases_depend_on_the_rng_only(
        conv2d_output_size_hidden_cases, (7, 8),
        differ=lambda first, other: [c.args for c in other] != [c.args for c in first])


@pytest.mark.parametrize("student_fn, hint", [
    (off_by_one, "off by one"),
    (ceil_instead_of_floor, "use floor, not ceil"),
    (one_sided_padding, "padding is added on both sides"),
    (no_padding, "you left out the padding"),
    (no_dilation, "the dilated kernel covers D(K-1)+1"),
    (no_stride, "divide by the stride"),
    (true_division, "use integer division //"),
    (float_of_the_right_value, "use integer division //"),
    (returns_a_pair, "return a single int"),
], ids=lambda v: getattr(v, "__name__", None))
@pytest.mark.parametrize("seed", SEEDS)
def test_typical_wrong_answers_fail_hidden_cases_with_their_hint(capsys, student_fn, hint, seed):
    result = check_conv2d_output_size(student_fn, cases=hidden(seed))
    out = capsys.readouterr().out
    assert not result.all_passed
    assert hint in out, out
    assert out.count("FAIL  hidden: ") == result.total - result.passed


@pytest.mark.parametrize("seed", SEEDS)
def test_hard_coded_public_answers_fail_every_hidden_case(capsys, seed):
    assert_memorised_answers_fail_hidden_cases(check_conv2d_output_size, hard_coded,
                                               [hidden(seed)],
                                               out_of=lambda: capsys.readouterr().out,
                                               reason="raised KeyError")


def test_explicit_public_cases_behave_like_the_default(capsys):
    check_conv2d_output_size(off_by_one)
    default = capsys.readouterr().out
    check_conv2d_output_size(off_by_one, cases=conv2d_output_size_cases())
    assert capsys.readouterr().out == default
    assert check_conv2d_output_size(off_by_one, cases=None).total == N_CASES
    capsys.readouterr()
