"""The exercise framework and the conv2d_valid check.

The check must accept the reference solution, reject each typical wrong answer with
the hint that names the mistake, never raise, and never mutate anyone's arrays.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.exercises import Case, CheckResult, check_conv2d_valid, run_check
from cnnbook.exercises.convolution import (
    LECTURE_IMAGE,
    LECTURE_KERNEL,
    LECTURE_RESULT,
    conv2d_valid_cases,
    conv2d_valid_hidden_cases,
    torch_cross_correlation,
)
from harness import (
    assert_fails_with_hint,
    assert_hidden_cases_depend_on_the_rng_only,
    assert_memorised_answers_fail_hidden_cases,
    assert_reference_passes_hidden_cases,
    memorising_cheat,
    not_a_public_case,
)

N_CASES = len(conv2d_valid_cases())


def reference(image, kernel):
    """The reference solution: loops over output positions, no flip, no padding."""
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def off_by_one(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh, image.shape[1] - kw))  # forgot the + 1
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def flipped(image, kernel):
    return reference(image, kernel[::-1, ::-1])


def same_padded(image, kernel):
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2)))
    return reference(padded, kernel)


def transposed(image, kernel):
    return reference(image, kernel).T


def returns_none(image, kernel):
    reference(image, kernel)


def raises(image, kernel):
    return image[image.shape[0] + 5, 0]


def stub(image, kernel):
    raise NotImplementedError


def returns_list(image, kernel):
    return reference(image, kernel).tolist()


def mutates_input(image, kernel):
    out = reference(image, kernel)
    image[...] = 0
    return out


def infinite_values(image, kernel):
    out = reference(image, kernel)
    out[0, 0] = np.inf
    return out


def integer_output(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros_like(image[: image.shape[0] - kh + 1, : image.shape[1] - kw + 1])
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def test_lecture_oracle_agrees_with_torch():
    x = torch.tensor(LECTURE_IMAGE)[None, None]
    w = torch.tensor(LECTURE_KERNEL)[None, None]
    np.testing.assert_array_equal(F.conv2d(x, w)[0, 0].numpy(), LECTURE_RESULT)


def assert_covers_awkward_shapes(cases):
    shapes = [(case.args[0].shape, case.args[1].shape) for case in cases]
    assert any(k[0] != k[1] for _, k in shapes), "a non-square kernel"
    assert any(i[0] != i[1] for i, _ in shapes), "a non-square image"
    assert any(k == (1, 1) for _, k in shapes), "a 1x1 kernel"
    assert any(i == k for i, k in shapes), "a kernel as large as the image"
    assert any(i[0] == 1 and k[0] == 1 and k[1] > 1 for i, k in shapes), "a single-row image"
    assert any(case.args[0].dtype.kind == "i" for case in cases), "an integer image"
    assert any(not np.allclose(reference(*case.args), flipped(*case.args)) for case in cases), \
        "an asymmetric kernel"


def test_cases_are_deterministic_and_cover_awkward_shapes():
    first, second = conv2d_valid_cases(), conv2d_valid_cases()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.expected, b.expected)
    assert_covers_awkward_shapes(first)


def test_reference_passes_every_case(capsys):
    result = check_conv2d_valid(reference)
    out = capsys.readouterr().out
    assert isinstance(result, CheckResult)
    assert result.all_passed and result.passed == result.total == N_CASES
    assert result.points == result.max_points == N_CASES
    assert "FAIL" not in out
    assert out.count("PASS") == N_CASES
    assert f"conv2d_valid: {N_CASES}/{N_CASES} cases passed ({N_CASES}/{N_CASES} points)" in out


@pytest.mark.parametrize("student_fn, message, hint", [
    (off_by_one, "expected shape (5, 5), got shape (4, 4)", "H - KH + 1"),
    (flipped, "values differ", "you flipped the kernel"),
    (same_padded, "expected shape (5, 5), got shape (7, 7)", "valid means no padding"),
    (transposed, "values differ", "transpose of the expected one"),
    (returns_none, "returned None", "`return`"),
    (raises, "raised IndexError", ""),
    (stub, "not implemented yet", "NotImplementedError"),
    (returns_list, "returned a list", "return a NumPy array"),
    (mutates_input, "modified its input in place (argument 1)", "do not write into the input"),
    (infinite_values, "inf/NaN", "division by zero"),
    (integer_output, "expected a floating-point array", "float dtype"),
], ids=lambda v: getattr(v, "__name__", None))
def test_typical_wrong_answers_fail_with_their_hint(capsys, student_fn, message, hint):
    result = check_conv2d_valid(student_fn)
    out = capsys.readouterr().out
    assert_fails_with_hint(out, result, "conv2d_valid", N_CASES, message, hint)


def test_flipped_kernel_is_not_blamed_on_symmetric_kernels(capsys):
    result = check_conv2d_valid(flipped)
    by_name = {case.name: case for case in result.cases}
    # The lecture's kernel and the 1x1 kernel look the same flipped: those cases pass.
    assert by_name["lecture example: 7x7 binary image, 3x3 kernel -> 5x5"].passed
    assert by_name["1x1 kernel (output = 2.5 * image)"].passed
    assert by_name["asymmetric 3x3 kernel"].hint.startswith("you flipped the kernel")


def test_transposed_non_square_output_is_named_transposed(capsys):
    result = check_conv2d_valid(transposed)
    random_case = result.cases[1]
    assert random_case.message == "expected shape (5, 6), got shape (6, 5)"
    assert "transpose" in random_case.hint


def test_off_by_one_hint_names_the_numbers(capsys):
    check_conv2d_valid(off_by_one)
    assert "H - KH + 1 = 7 - 3 + 1 = 5" in capsys.readouterr().out


@pytest.mark.parametrize("student_fn", [
    42,
    None,
    lambda image, kernel: "a string",
    lambda image, kernel: np.array(["a", "b"]),
    lambda image, kernel: torch.zeros(5, 5),
    lambda image, kernel: np.zeros((2, 2, 2)),
    lambda image, kernel: (_ for _ in ()).throw(SystemExit(1)),
    lambda image: image,  # wrong number of parameters
])
def test_check_never_raises_on_exotic_answers(capsys, student_fn):
    result = check_conv2d_valid(student_fn)
    out = capsys.readouterr().out
    assert result.passed == 0 and out.count("FAIL") == N_CASES


def test_output_stays_compact_for_large_wrong_answers(capsys):
    check_conv2d_valid(lambda image, kernel: np.ones((500, 500)))
    out = capsys.readouterr().out
    assert len(out) < 3000


def test_run_check_never_mutates_the_callers_arrays(capsys):
    image = np.arange(12.0).reshape(3, 4)
    kernel = np.ones((2, 2))
    cases = [Case("ones", (image, kernel), reference(image, kernel), "")]
    before = [image.copy(), kernel.copy()]
    result = run_check(mutates_input, cases, title="demo")
    np.testing.assert_array_equal(image, before[0])
    np.testing.assert_array_equal(kernel, before[1])
    assert not result.cases[0].passed
    assert "modified its input in place" in capsys.readouterr().out


def test_a_mutating_answer_cannot_spoil_later_cases(capsys):
    image = np.arange(12.0).reshape(3, 4)
    kernel = np.ones((2, 2))
    case = Case("shared arrays", (image, kernel), reference(image, kernel), "")
    run_check(mutates_input, [case], title="first")
    result = run_check(reference, [case], title="second")
    assert result.all_passed
    capsys.readouterr()


def test_run_check_points_and_summary(capsys):
    cases = [Case("two", (2.0,), 4.0, "square it"), Case("three", (3.0,), 9.0, "square it")]
    result = run_check(lambda x: x * 2, cases, title="square", points_per_case=2.5)
    out = capsys.readouterr().out
    assert (result.passed, result.total, result.points, result.max_points) == (1, 2, 2.5, 5.0)
    assert "PASS  two" in out and "FAIL  three: expected 9.0, got 6.0" in out
    assert "hint: square it" in out
    assert out.strip().endswith("square: 1/2 cases passed (2.5/5 points)")


def test_torch_oracle_handles_flipped_views():
    image = np.arange(20.0).reshape(4, 5)
    kernel = np.arange(6.0).reshape(2, 3)
    got = torch_cross_correlation(image, kernel[::-1, ::-1])
    np.testing.assert_allclose(got, reference(image, kernel[::-1, ::-1]), rtol=1e-12)


# ------------------------------------------------------------------ hidden cases

SEEDS = (1, 2, 3)


def hidden(seed):
    return conv2d_valid_hidden_cases(np.random.default_rng(seed))


# Looks up the public answers: passes the public cases, knows nothing else.
hard_coded = memorising_cheat([(case.args, case.expected) for case in conv2d_valid_cases()],
                              not_a_public_case)


@pytest.mark.parametrize("seed", SEEDS)
def test_reference_passes_every_hidden_case(capsys, seed):
    assert_reference_passes_hidden_cases(check_conv2d_valid, reference, hidden(seed),
                                         "conv2d_valid", lambda: capsys.readouterr().out)


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_cases_cover_awkward_shapes_and_stay_small(seed):
    cases = hidden(seed)
    assert_covers_awkward_shapes(cases)
    for case in cases:
        image, kernel = case.args
        assert image.size <= 100
        assert all(k <= i for k, i in zip(kernel.shape, image.shape))
        assert case.name.startswith("hidden: ") and case.hint


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_expected_values_agree_with_torch_conv2d(seed):
    for case in hidden(seed):
        image, kernel = (torch.tensor(np.asarray(a, dtype=np.float64)) for a in case.args)
        torch_out = F.conv2d(image[None, None], kernel[None, None])[0, 0].numpy()
        np.testing.assert_allclose(case.expected, torch_out, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(case.expected, reference(*case.args), rtol=1e-12, atol=1e-12)
        assert case.expected.dtype == np.float64


def test_hidden_cases_depend_on_the_rng_state_only():
    assert_hidden_cases_depend_on_the_rng_only(
        conv2d_valid_hidden_cases, (7, 8),
        differ=lambda first, other: not any(np.array_equal(a.args[0], b.args[0])
                                            for a, b in zip(other, first)))


@pytest.mark.parametrize("student_fn, hint", [
    (off_by_one, "output shape off by one"),
    (flipped, "you flipped the kernel"),
    (same_padded, "valid means no padding"),
    (transposed, "transpose of the expected one"),
    (integer_output, "float dtype"),
], ids=lambda v: getattr(v, "__name__", None))
@pytest.mark.parametrize("seed", SEEDS)
def test_typical_wrong_answers_fail_hidden_cases_with_their_hint(capsys, student_fn, hint, seed):
    result = check_conv2d_valid(student_fn, cases=hidden(seed))
    out = capsys.readouterr().out
    assert not result.all_passed
    assert hint in out, out
    assert out.count("FAIL  hidden: ") == result.total - result.passed


@pytest.mark.parametrize("seed", SEEDS)
def test_hard_coded_public_answers_fail_every_hidden_case(capsys, seed):
    assert_memorised_answers_fail_hidden_cases(check_conv2d_valid, hard_coded, [hidden(seed)],
                                               out_of=lambda: capsys.readouterr().out,
                                               reason="raised KeyError")


def test_explicit_public_cases_behave_like_the_default(capsys):
    check_conv2d_valid(flipped)
    default = capsys.readouterr().out
    check_conv2d_valid(flipped, cases=conv2d_valid_cases())
    assert capsys.readouterr().out == default
    assert check_conv2d_valid(flipped, cases=None).total == N_CASES
    capsys.readouterr()
