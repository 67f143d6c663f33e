"""The dropout exercise checks: inverted dropout forward (train and eval) and backward.

Each check must accept the reference solution (and other correct ways of drawing the mask),
reject each typical wrong answer with the hint that names the mistake, never raise, and
keep its output compact. The properties the forward check relies on are confirmed against
torch's own dropout.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.exercises.core import CheckResult
from cnnbook.exercises.regularization import (
    KEEP_SIGMAS,
    check_dropout_backward,
    check_dropout_forward,
    dropout_backward_cases,
    dropout_backward_hidden_cases,
    dropout_forward_cases,
    dropout_forward_hidden_cases,
    keep_band,
)
from cnnbook.gradcheck import numerical_gradient_array
from harness import (
    assert_fails_with_hint,
    assert_hidden_cases_depend_on_the_rng_only,
    assert_memorised_answers_fail_hidden_cases,
    assert_reference_passes_hidden_cases,
    memorising_cheat,
    seeded_cases,
)

# ---------------------------------------------------------------------- reference solutions


def dropout_forward(x, p, training, rng):
    if not training:
        return x.copy(), np.ones_like(x)
    if p == 1:
        return np.zeros_like(x), np.zeros_like(x)
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask


def dropout_forward_binomial(x, p, training, rng):
    """Another correct answer: the keep decision drawn with rng.binomial."""
    if not training:
        return x.copy(), np.ones(x.shape)
    if p == 1:
        return np.zeros(x.shape), np.zeros(x.shape)
    mask = rng.binomial(1, 1 - p, size=x.shape) / (1 - p)
    return x * mask, mask


def dropout_backward(dout, mask):
    return dout * mask


# ---------------------------------------------------------------------- typical wrong answers


def no_scaling(x, p, training, rng):
    if not training:
        return x.copy(), np.ones_like(x)
    mask = (rng.random(x.shape) >= p) * 1.0
    return x * mask, mask


def scales_at_eval(x, p, training, rng):
    if not training:
        return x * (1 - p), np.full(x.shape, 1 - p)
    return dropout_forward(x, p, training, rng)


def keeps_with_probability_p(x, p, training, rng):
    if not training:
        return x.copy(), np.ones_like(x)
    if p == 1:
        return np.zeros_like(x), np.zeros_like(x)
    mask = (rng.random(x.shape) < p) / (1 - p)
    return x * mask, mask


def divides_by_p(x, p, training, rng):
    if not training:
        return x.copy(), np.ones_like(x)
    if p == 1:
        return np.zeros_like(x), np.zeros_like(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        mask = (rng.random(x.shape) >= p) / p
    return x * mask, mask


def two_masks(x, p, training, rng):
    """Draws one mask for the output and returns another."""
    if not training or p in (0, 1):
        return dropout_forward(x, p, training, rng)
    out, _ = dropout_forward(x, p, training, rng)
    _, mask = dropout_forward(x, p, training, rng)
    return out, mask


def global_random(x, p, training, rng):
    if not training:
        return x.copy(), np.ones_like(x)
    if p == 1:
        return np.zeros_like(x), np.zeros_like(x)
    mask = (np.random.random(x.shape) >= p) / (1 - p)
    return x * mask, mask


def divides_by_zero(x, p, training, rng):
    if not training:
        return x.copy(), np.ones_like(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        mask = (rng.random(x.shape) >= p) / (1 - p)
        return x * mask, mask


def modifies_input(x, p, training, rng):
    out, mask = dropout_forward(x, p, training, rng)
    x *= mask
    return out, mask


def returns_only_out(x, p, training, rng):
    return dropout_forward(x, p, training, rng)[0]


def returns_lists(x, p, training, rng):
    out, mask = dropout_forward(x, p, training, rng)
    return out.tolist(), mask.tolist()


def returns_tensors(x, p, training, rng):
    out, mask = dropout_forward(x, p, training, rng)
    return torch.from_numpy(out), torch.from_numpy(mask)


def returns_none(x, p, training, rng):
    dropout_forward(x, p, training, rng)


def stub(*args):
    raise NotImplementedError


def raises(x, p, training, rng):
    return x[x.shape[0] + 3]


def backward_ignores_mask(dout, mask):
    return dout.copy()


def backward_unscaled(dout, mask):
    return dout * (mask > 0)


def backward_new_mask(dout, mask):
    rng = np.random.default_rng(123)
    return dout * (rng.random(dout.shape) >= 0.5) * 2.0


def backward_mask_only(dout, mask):
    return mask.copy()


def backward_returns_tensor(dout, mask):
    return torch.from_numpy(dout * mask)


def backward_returns_none(dout, mask):
    dout * mask


def backward_modifies_dout(dout, mask):
    dout *= mask
    return dout.copy()


# ---------------------------------------------------------------------- oracles and cases


def test_torch_dropout_has_the_properties_the_check_relies_on():
    """Torch's dropout: values 0 or x / (1 - p), keep fraction in the band, identity in eval."""
    torch.manual_seed(0)
    x = torch.rand(200, 500, dtype=torch.float64) + 1.0
    for p in (0.1, 0.5, 0.8):
        out = F.dropout(x, p=p, training=True)
        kept = out != 0
        torch.testing.assert_close(out[kept], x[kept] / (1 - p))
        low, high = keep_band(p, x.numel())
        assert low <= kept.double().mean().item() <= high
    assert torch.equal(F.dropout(x, p=0.5, training=False), x)
    assert torch.equal(F.dropout(x, p=1.0, training=True), torch.zeros_like(x))
    assert torch.equal(F.dropout(x, p=0.0, training=True), x)


def test_keep_band_is_five_binomial_standard_deviations():
    low, high = keep_band(0.5, 10_000)
    assert KEEP_SIGMAS == 5.0
    np.testing.assert_allclose([low, high], [0.5 - 5 * 0.005, 0.5 + 5 * 0.005])


def test_band_rejects_a_wrong_keep_probability_with_room_to_spare():
    """Every training case is large enough that keeping with probability p (or a fixed
    half) lands far outside the band."""
    for case in dropout_forward_cases():
        x, p, training, _ = case.args
        if case.expected.kind != "train":
            continue
        low, high = keep_band(p, x.size)
        if p != 0.5:
            assert not low - 0.01 <= p <= high + 0.01, case.name


def test_cases_are_deterministic_and_cover_awkward_shapes():
    first, second = dropout_forward_cases(), dropout_forward_cases()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.args[0], b.args[0])
    shapes = [c.args[0].shape for c in first]
    assert any(len(s) == 4 for s in shapes) and any(s[0] == 1 for s in shapes)
    assert {c.expected.kind for c in first} == {"train", "eval", "p0", "p1", "seed"}
    for a, b in zip(dropout_backward_cases(), dropout_backward_cases()):
        np.testing.assert_array_equal(a.expected, b.expected)


def test_backward_oracle_agrees_with_numerical_gradients():
    for case in dropout_backward_cases():
        dout, mask = case.args
        numeric = numerical_gradient_array(lambda v: v * mask, np.zeros(mask.shape), dout)
        np.testing.assert_allclose(case.expected, numeric, rtol=1e-6, atol=1e-8, err_msg=case.name)


def test_package_dropout_passes_the_exercise_check(capsys):
    """The package's reference dropout, adapted to the exercise's (out, mask) convention."""
    from cnnbook.numpy_ops.dropout import dropout_forward as package_forward

    def adapted(x, p, training, rng):
        out, (mask, _) = package_forward(x, p, training=training, rng=rng)
        return out, (np.ones_like(x) if mask is None else mask)

    assert check_dropout_forward(adapted).all_passed
    capsys.readouterr()


# ---------------------------------------------------------------------- the checks

CHECKS = {
    "dropout_forward": (check_dropout_forward, dropout_forward, dropout_forward_cases),
    "dropout_backward": (check_dropout_backward, dropout_backward, dropout_backward_cases),
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


def test_another_correct_way_of_drawing_passes(capsys):
    assert check_dropout_forward(dropout_forward_binomial).all_passed
    capsys.readouterr()


WRONG = [
    # (check name, wrong answer, text of the message, text of the hint)
    ("dropout_forward", no_scaling, "mask values are {0, 1}", "scale the kept elements by 1 / (1 - p)"),
    ("dropout_forward", scales_at_eval, "eval mode scaled the output", "in eval mode dropout is the identity"),
    ("dropout_forward", keeps_with_probability_p, "kept fraction", "probability of DROPPING"),
    ("dropout_forward", divides_by_p, "expected 0 and 1 / (1 - p)", "not by p"),
    ("dropout_forward", two_masks, "out is not x * mask", "return the mask you multiplied x by"),
    ("dropout_forward", global_random, "same seed gave different masks", "from the rng argument"),
    ("dropout_forward", divides_by_zero, "inf/NaN", "p = 1 drops every element"),
    ("dropout_forward", modifies_input, "modified its input in place (argument 1)", "do not write into the input"),
    ("dropout_forward", returns_only_out, "returned one array, expected a tuple (out, mask)", "return out, mask"),
    ("dropout_forward", returns_lists, "out is a list, expected a NumPy array", "as a NumPy array"),
    ("dropout_forward", returns_tensors, "out is a torch tensor", "not torch tensors"),
    ("dropout_forward", returns_none, "returned None", "`return`"),
    ("dropout_forward", stub, "not implemented yet", "NotImplementedError"),
    ("dropout_forward", raises, "raised IndexError", ""),
    ("dropout_backward", backward_ignores_mask, "values differ", "dx = dout ignores the mask"),
    ("dropout_backward", backward_unscaled, "values differ", "their gradient is scaled too"),
    ("dropout_backward", backward_new_mask, "values differ", "do not draw a new one"),
    ("dropout_backward", backward_mask_only, "values differ", "that is the mask alone"),
    ("dropout_backward", backward_returns_tensor, "returned a torch.Tensor", "not a torch tensor"),
    ("dropout_backward", backward_modifies_dout, "modified its input in place (argument 1)", "do not write"),
    ("dropout_backward", backward_returns_none, "returned None", "`return`"),
    ("dropout_backward", stub, "not implemented yet", "NotImplementedError"),
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
    """Scaling at eval time fails only the eval case; p = 1 division only the p = 1 case."""
    result = check_dropout_forward(scales_at_eval)
    assert [c.name for c in result.cases if not c.passed] == ["eval mode, p = 0.5: the identity"]
    result = check_dropout_forward(divides_by_zero)
    assert [c.name for c in result.cases if not c.passed] == ["training, p = 1: everything is dropped"]
    result = check_dropout_forward(global_random)
    assert [c.name for c in result.cases if not c.passed] == [
        "same seed -> same mask, other seed -> other mask"]
    capsys.readouterr()


@pytest.mark.parametrize("name", list(CHECKS))
@pytest.mark.parametrize("student_fn", [42, "dropout", None])
def test_not_a_function_never_raises(capsys, name, student_fn):
    check, _, make_cases = CHECKS[name]
    result = check(student_fn)
    out = capsys.readouterr().out
    assert result.passed == 0 and "expected a function" in out


# ---------------------------------------------------------------------- hidden cases

HIDDEN = {"dropout_forward": dropout_forward_hidden_cases,
          "dropout_backward": dropout_backward_hidden_cases}
SEEDS = (11, 2024, 987654321)
# Messages of WRONG that name a public case's numbers: their general part
HIDDEN_TEXT = {no_scaling: ("mask values are {0, 1}", "scale the kept elements by 1 / (1 - p)")}


hidden = seeded_cases(HIDDEN)


def generator_key(rng):
    return repr(rng.bit_generator.state)


def forward_memorizer():
    """Returns, for the public inputs (x and the state of the Generator it is given), the
    answers of a correct function, stored in advance; otherwise (2 x, a mask of 2s)."""
    table = {}
    for case in dropout_forward_cases():
        x, p, training, seed = case.args
        for s in (seed, seed + 1):  # the same-seed case calls again with seed + 1
            rng = np.random.default_rng(s)
            key = (x.tobytes(), p, training, generator_key(rng))
            table[key] = dropout_forward(x, p, training, rng)

    return memorising_cheat(table.items(), lambda x, *rest: (2 * x, np.full(x.shape, 2.0)),
                            key=lambda x, p, training, rng: (x.tobytes(), p, training,
                                                             generator_key(rng)))


def backward_memorizer():
    """Returns the public answers for the public inputs (looked up by dout), else 2 dout."""
    return memorising_cheat([(case.args[0], case.expected) for case in dropout_backward_cases()],
                            lambda dout, mask: 2 * dout, key=lambda dout, mask: dout)


MEMORIZERS = {"dropout_forward": forward_memorizer, "dropout_backward": backward_memorizer}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(CHECKS))
def test_reference_passes_the_hidden_cases(capsys, name, seed):
    check, reference = CHECKS[name][:2]
    assert_reference_passes_hidden_cases(check, reference, hidden(name, seed), name,
                                         lambda: capsys.readouterr().out)


def test_another_correct_way_of_drawing_passes_the_hidden_cases(capsys):
    for seed in SEEDS:
        cases = list(hidden("dropout_forward", seed))
        assert check_dropout_forward(dropout_forward_binomial, cases=cases).all_passed
    capsys.readouterr()


@pytest.mark.parametrize("name", list(CHECKS))
def test_hidden_cases_depend_on_the_rng_only(name):
    assert_hidden_cases_depend_on_the_rng_only(HIDDEN[name], SEEDS[:2])


def test_hidden_forward_cases_cover_the_public_kinds():
    """Per seed: every kind of check, 4-D and batch-of-one inputs, training cases whose
    band rejects keeping with probability p (unless p is near 1/2), small sizes; and
    shapes, p and seeds that change with the seed."""
    shapes, settings = set(), set()
    for seed in SEEDS:
        cases = hidden("dropout_forward", seed)
        assert [c.expected.kind for c in cases] == [
            "train", "train", "train", "eval", "p0", "p1", "seed"]
        xs = [c.args[0] for c in cases]
        assert any(x.ndim == 4 for x in xs) and any(x.shape[0] == 1 for x in xs)
        assert all(x.size <= 8000 for x in xs)
        for case in cases:
            x, p, training, _ = case.args
            assert case.expected.p == p and training == (case.expected.kind != "eval")
            if case.expected.kind == "train":
                assert x.min() > 0, "positive inputs: a mean shift cannot cancel out"
                low, high = keep_band(p, x.size)
                assert abs(p - 0.5) < 0.11 or not low - 0.01 <= p <= high + 0.01, case.name
        shapes.add(tuple(x.shape for x in xs))
        settings.add(tuple(c.args[1:] for c in cases))
    assert len(shapes) == len(settings) == len(SEEDS)


def test_hidden_backward_cases_cover_the_public_kinds():
    shapes = set()
    for seed in SEEDS:
        cases = hidden("dropout_backward", seed)
        masks = [c.args[1] for c in cases]
        assert any(m.ndim == 4 for m in masks) and any(m.shape[0] == 1 for m in masks)
        assert np.all(masks[3] == 1) and np.all(masks[4] == 0)
        for mask in masks[:3]:
            kept = np.unique(mask[mask > 0])
            assert len(kept) <= 1 and np.all(kept > 1), "0 or one scale 1 / (1 - p) > 1"
        shapes.add(tuple(m.shape for m in masks))
    assert len(shapes) == len(SEEDS)


def test_hidden_backward_expected_values_agree_with_numerical_gradients():
    for case in hidden("dropout_backward", SEEDS[0]):
        dout, mask = case.args
        numeric = numerical_gradient_array(lambda v: v * mask, np.zeros(mask.shape), dout)
        np.testing.assert_allclose(case.expected, numeric, rtol=1e-6, atol=1e-8,
                                   err_msg=case.name)


def torch_dropout_student(x, p, training, rng):
    """torch's own dropout, seeded from rng; the mask is read off its output."""
    with torch.random.fork_rng():
        torch.manual_seed(int(rng.integers(2 ** 31)))
        out = F.dropout(torch.from_numpy(x), p=p, training=training).numpy()
    if not training:
        return out, np.ones(x.shape)
    return out, np.where(out != 0, 1 / (1 - p) if p < 1 else 0.0, 0.0)


def test_torch_dropout_passes_the_hidden_forward_cases(capsys):
    """The properties the hidden cases check are those of torch's dropout."""
    for seed in SEEDS:
        cases = list(hidden("dropout_forward", seed))
        assert check_dropout_forward(torch_dropout_student, cases=cases).all_passed
    assert check_dropout_forward(torch_dropout_student).all_passed
    capsys.readouterr()


@pytest.mark.parametrize("name, student_fn, message, hint", WRONG,
                         ids=[f"{w[0]}-{w[1].__name__}" for w in WRONG])
def test_typical_wrong_answers_fail_the_hidden_cases(capsys, name, student_fn, message, hint):
    check, _, _ = CHECKS[name]
    message, hint = HIDDEN_TEXT.get(student_fn, (message, hint))
    cases = list(hidden(name, SEEDS[0]))
    result = check(student_fn, cases=cases)
    out = capsys.readouterr().out
    assert_fails_with_hint(out, result, name, len(cases), message, hint)


def test_hidden_hints_are_specific_to_the_cases_they_concern(capsys):
    for seed in SEEDS:
        cases = list(hidden("dropout_forward", seed))
        kinds = [c.expected.kind for c in cases]
        for student_fn, kind in [(scales_at_eval, "eval"), (divides_by_zero, "p1"),
                                 (global_random, "seed")]:
            result = check_dropout_forward(student_fn, cases=cases)
            assert [c.passed for c in result.cases] == [k != kind for k in kinds]
    capsys.readouterr()


@pytest.mark.parametrize("name", list(CHECKS))
def test_memorized_public_answers_fail_the_hidden_cases(capsys, name):
    assert_memorised_answers_fail_hidden_cases(CHECKS[name][0], MEMORIZERS[name](),
                                               [hidden(name, seed) for seed in SEEDS])
    capsys.readouterr()
