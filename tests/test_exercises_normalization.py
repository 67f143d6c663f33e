"""The batch-norm exercise checks: training-mode forward (with the running statistics) and backward.

Each check must accept the reference solution, reject each typical wrong answer with the
hint that names the mistake, never raise, and keep its output compact.
"""

import warnings

import numpy as np
import pytest
import torch

from cnnbook.exercises.core import CheckResult
from cnnbook.exercises.normalization import (
    batch_norm_backward_cases,
    batch_norm_backward_hidden_cases,
    batch_norm_forward_cases,
    batch_norm_forward_hidden_cases,
    check_batch_norm_backward,
    check_batch_norm_forward,
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


def axes_and_shape(x):
    return ((0,), (1, -1)) if x.ndim == 2 else ((0, 2, 3), (1, -1, 1, 1))


def bn_forward(x, gamma, beta, running_mean, running_var, momentum, eps, *, axes=None,
               norm_ddof=0, running_ddof=1, eps_in=True, eps_out=False, affine=True,
               reverse=False, update=True):
    default_axes, shape = axes_and_shape(x)
    axes = default_axes if axes is None else axes
    m = int(np.prod([x.shape[a] for a in axes]))
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True, ddof=norm_ddof)
    std = np.sqrt(var + (eps if eps_in else 0.0)) + (eps if eps_out else 0.0)
    xhat = (x - mu) / std
    out = gamma.reshape(shape) * xhat + beta.reshape(shape) if affine else xhat
    batch_mean = mu.reshape(-1) if axes == default_axes else mu.squeeze()
    with warnings.catch_warnings():  # ddof=1 over one value (wrong axes, N = 1)
        warnings.simplefilter("ignore", RuntimeWarning)
        batch_var = x.var(axis=axes, ddof=running_ddof).reshape(-1)
    a, b = (momentum, 1 - momentum) if reverse else (1 - momentum, momentum)
    if not update:
        return out, running_mean.copy(), running_var.copy()
    if batch_mean.shape != running_mean.shape:
        return out, batch_mean, batch_var
    return out, a * running_mean + b * batch_mean, a * running_var + b * batch_var


def batch_norm_forward(x, gamma, beta, running_mean, running_var, momentum, eps):
    return bn_forward(x, gamma, beta, running_mean, running_var, momentum, eps)


def bn_backward(dout, x, gamma, eps, *, mean_path=True, var_path=True, use_gamma=True,
                ddof=0, use_eps=True, dgamma_from_x=False, reduce=np.sum):
    axes, shape = axes_and_shape(x)
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True, ddof=ddof)
    inv = 1.0 / np.sqrt(var + (eps if use_eps else 0.0))
    xhat = (x - mu) * inv
    g = dout * (gamma.reshape(shape) if use_gamma else 1.0)
    dx = g
    if mean_path:
        dx = dx - g.mean(axis=axes, keepdims=True)
    if var_path:
        m = int(np.prod([x.shape[a] for a in axes]))
        dx = dx - xhat * (g * xhat).sum(axis=axes, keepdims=True) / (m - ddof)
    dx = dx * inv
    dgamma = reduce(dout * (x if dgamma_from_x else xhat), axis=axes)
    return dx, dgamma, reduce(dout, axis=axes)


def batch_norm_backward(dout, x, gamma, eps):
    return bn_backward(dout, x, gamma, eps)


# ---------------------------------------------------------------------- typical wrong answers


def unbiased_for_normalising(x, g, b, rm, rv, mom, eps):
    return bn_forward(x, g, b, rm, rv, mom, eps, norm_ddof=1)


def biased_running_var(x, g, b, rm, rv, mom, eps):
    return bn_forward(x, g, b, rm, rv, mom, eps, running_ddof=0)


def forgot_eps(x, g, b, rm, rv, mom, eps):
    return bn_forward(x, g, b, rm, rv, mom, eps, eps_in=False)


def eps_outside_sqrt(x, g, b, rm, rv, mom, eps):
    return bn_forward(x, g, b, rm, rv, mom, eps, eps_in=False, eps_out=True)


def forgot_affine(x, g, b, rm, rv, mom, eps):
    return bn_forward(x, g, b, rm, rv, mom, eps, affine=False)


def gamma_beta_swapped(x, g, b, rm, rv, mom, eps):
    return bn_forward(x, b, g, rm, rv, mom, eps)


def per_example(x, g, b, rm, rv, mom, eps):
    return bn_forward(x, g, b, rm, rv, mom, eps, axes=tuple(range(1, x.ndim)))


def batch_axis_only(x, g, b, rm, rv, mom, eps):
    if x.ndim == 2:
        return batch_norm_forward(x, g, b, rm, rv, mom, eps)
    return bn_forward(x, g, b, rm, rv, mom, eps, axes=(0,))


def instance_norm(x, g, b, rm, rv, mom, eps):
    if x.ndim == 2:
        return batch_norm_forward(x, g, b, rm, rv, mom, eps)
    return bn_forward(x, g, b, rm, rv, mom, eps, axes=(2, 3))


def momentum_reversed(x, g, b, rm, rv, mom, eps):
    return bn_forward(x, g, b, rm, rv, mom, eps, reverse=True)


def running_not_updated(x, g, b, rm, rv, mom, eps):
    return bn_forward(x, g, b, rm, rv, mom, eps, update=False)


def running_replaced(x, g, b, rm, rv, mom, eps):
    return bn_forward(x, g, b, rm, rv, 1.0, eps)


def updates_in_place(x, g, b, rm, rv, mom, eps):
    out, new_mean, new_var = batch_norm_forward(x, g, b, rm, rv, mom, eps)
    rm[...], rv[...] = new_mean, new_var  # what torch does to its buffers
    return out, rm, rv


def returns_out_only(x, g, b, rm, rv, mom, eps):
    return batch_norm_forward(x, g, b, rm, rv, mom, eps)[0]


def forward_returns_torch(x, g, b, rm, rv, mom, eps):
    out, new_mean, new_var = batch_norm_forward(x, g, b, rm, rv, mom, eps)
    return torch.from_numpy(out), new_mean, new_var


def forward_returns_lists(x, g, b, rm, rv, mom, eps):
    return [v.tolist() for v in batch_norm_forward(x, g, b, rm, rv, mom, eps)]


def forward_flattened(x, g, b, rm, rv, mom, eps):
    out, new_mean, new_var = batch_norm_forward(x, g, b, rm, rv, mom, eps)
    return out.reshape(len(x), -1)[:, :2], new_mean, new_var


def eval_gradient(dout, x, gamma, eps):
    return bn_backward(dout, x, gamma, eps, mean_path=False, var_path=False)


def no_variance_path(dout, x, gamma, eps):
    return bn_backward(dout, x, gamma, eps, var_path=False)


def no_mean_path(dout, x, gamma, eps):
    return bn_backward(dout, x, gamma, eps, mean_path=False)


def forgot_gamma_in_dx(dout, x, gamma, eps):
    return bn_backward(dout, x, gamma, eps, use_gamma=False)


def backward_forgot_eps(dout, x, gamma, eps):
    return bn_backward(dout, x, gamma, eps, use_eps=False)


def backward_unbiased(dout, x, gamma, eps):
    return bn_backward(dout, x, gamma, eps, ddof=1)


def dgamma_from_x(dout, x, gamma, eps):
    return bn_backward(dout, x, gamma, eps, dgamma_from_x=True)


def means_instead_of_sums(dout, x, gamma, eps):
    return bn_backward(dout, x, gamma, eps, reduce=np.mean)


def dgamma_not_summed(dout, x, gamma, eps):
    dx, _, dbeta = batch_norm_backward(dout, x, gamma, eps)
    axes, shape = axes_and_shape(x)
    xhat = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    return dx, dout * xhat, dbeta


def dbeta_per_example(dout, x, gamma, eps):
    dx, dgamma, _ = batch_norm_backward(dout, x, gamma, eps)
    return dx, dgamma, dout.reshape(len(x), -1).sum(axis=1)


def backward_returns_torch(dout, x, gamma, eps):
    dx, dgamma, dbeta = batch_norm_backward(dout, x, gamma, eps)
    return torch.from_numpy(dx), dgamma, dbeta


def backward_transposed(dout, x, gamma, eps):
    dx, dgamma, dbeta = batch_norm_backward(dout, x, gamma, eps)
    return dx.T, dgamma, dbeta


def returns_none(*args):
    batch_norm_forward(*args) if len(args) == 7 else batch_norm_backward(*args)


def returns_list(*args):
    return list(batch_norm_forward(*args) if len(args) == 7 else batch_norm_backward(*args))


def stub(*args):
    raise NotImplementedError


def raises(*args):
    return args[0][len(args[0]) + 5]


CHECKS = {
    # name: (check, reference, cases)
    "batch_norm_forward": (check_batch_norm_forward, batch_norm_forward, batch_norm_forward_cases),
    "batch_norm_backward": (check_batch_norm_backward, batch_norm_backward, batch_norm_backward_cases),
}


# ---------------------------------------------------------------------- oracles and cases


@pytest.mark.parametrize("name", list(CHECKS))
def test_cases_are_deterministic_and_cover_awkward_shapes(name):
    _, _, make_cases = CHECKS[name]
    first, second = make_cases(), make_cases()
    for a, b in zip(first, second):
        for u, v in zip(a.expected, b.expected):
            np.testing.assert_array_equal(u, v)
    x_index = 0 if name.endswith("forward") else 1
    shapes = [c.args[x_index].shape for c in first]
    assert any(len(s) == 2 for s in shapes) and any(len(s) == 4 for s in shapes)
    assert any(s[0] == 1 for s in shapes), "a batch of one image"
    assert any(len(s) == 2 and s[0] == 2 for s in shapes), "the smallest (N, D) batch"
    assert any(c.args[-1] >= 0.1 for c in first), "an eps large enough to matter"


def test_forward_oracle_matches_the_formulas_by_hand():
    for case in batch_norm_forward_cases():
        x, gamma, beta, rm, rv, momentum, eps = case.args
        axes, shape = axes_and_shape(x)
        m = x.size // x.shape[1]
        mu, var = x.mean(axis=axes), x.var(axis=axes)
        out = (gamma.reshape(shape) * (x - mu.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
               + beta.reshape(shape))
        np.testing.assert_allclose(case.expected[0], out, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(case.expected[1], 0.9 * rm + 0.1 * mu if momentum == 0.1
                                   else (1 - momentum) * rm + momentum * mu, rtol=1e-12)
        np.testing.assert_allclose(case.expected[2], (1 - momentum) * rv + momentum * var * m / (m - 1),
                                   rtol=1e-12)


def test_forward_oracle_agrees_with_nn_batchnorm_module():
    case = batch_norm_forward_cases()[4]
    x, gamma, beta, rm, rv, momentum, eps = case.args
    layer = torch.nn.BatchNorm2d(x.shape[1], eps=eps, momentum=momentum).double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gamma))
        layer.bias.copy_(torch.from_numpy(beta))
        layer.running_mean.copy_(torch.from_numpy(rm))
        layer.running_var.copy_(torch.from_numpy(rv))
    out = layer.train()(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(case.expected[0], out, rtol=1e-12)
    np.testing.assert_allclose(case.expected[1], layer.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(case.expected[2], layer.running_var.numpy(), rtol=1e-12)


def test_backward_oracle_agrees_with_numerical_gradients():
    for case in batch_norm_backward_cases():
        dout, x, gamma, eps = case.args
        axes, shape = axes_and_shape(x)

        def forward(x_, gamma_=gamma):
            mu, var = x_.mean(axis=axes, keepdims=True), x_.var(axis=axes, keepdims=True)
            return gamma_.reshape(shape) * (x_ - mu) / np.sqrt(var + eps)

        dx = numerical_gradient_array(forward, x.copy(), dout)
        dgamma = numerical_gradient_array(lambda g: forward(x, g), gamma.copy(), dout)
        np.testing.assert_allclose(case.expected[0], dx, rtol=1e-5, atol=1e-7, err_msg=case.name)
        np.testing.assert_allclose(case.expected[1], dgamma, rtol=1e-6, atol=1e-7, err_msg=case.name)
        np.testing.assert_allclose(case.expected[2], dout.sum(axis=axes), rtol=1e-12, err_msg=case.name)


def test_eps_case_really_needs_eps():
    (case,) = [c for c in batch_norm_forward_cases() if "eps = 0.1" in c.name]
    out = forgot_eps(*case.args)[0]
    assert np.max(np.abs(out - case.expected[0])) > 0.1


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


def test_the_package_layers_pass_the_checks(capsys):
    """The package's reference implementation agrees with the torch oracle (no shared code)."""
    from cnnbook.numpy_ops.normalization import batch_norm_backward as pkg_backward
    from cnnbook.numpy_ops.normalization import batch_norm_forward as pkg_forward

    def forward(x, gamma, beta, running_mean, running_var, momentum, eps):
        rm, rv = running_mean.copy(), running_var.copy()
        out, _ = pkg_forward(x, gamma, beta, rm, rv, momentum=momentum, eps=eps)
        return out, rm, rv

    def backward(dout, x, gamma, eps):
        c = x.shape[1]
        _, cache = pkg_forward(x, gamma, np.zeros(c), np.zeros(c), np.ones(c), eps=eps)
        return pkg_backward(dout, cache)

    assert check_batch_norm_forward(forward).all_passed
    assert check_batch_norm_backward(backward).all_passed
    capsys.readouterr()


F, B = "batch_norm_forward", "batch_norm_backward"
WRONG = [
    # (check name, wrong answer, text of the message, text of the hint)
    (F, unbiased_for_normalising, "out: shape", "normalised with the unbiased variance"),
    (F, biased_running_var, "running_var: shape", "multiply the batch variance by m / (m - 1) = 5/4"),
    (F, forgot_eps, "out: shape", "eps is missing: divide by sqrt(var + eps)"),
    (F, eps_outside_sqrt, "out: shape", "eps goes inside the square root"),
    (F, forgot_affine, "out: shape", "you returned the normalised xhat"),
    (F, gamma_beta_swapped, "out: shape", "gamma and beta are swapped"),
    (F, per_example, "out: shape", "the statistics were computed per example"),
    (F, batch_axis_only, "out: shape", "taken over the batch axis only"),
    (F, instance_norm, "out: shape", "that is instance norm"),
    (F, momentum_reversed, "running_mean: shape", "momentum is reversed"),
    (F, running_not_updated, "running_mean: shape", "was returned unchanged"),
    (F, running_replaced, "running_mean: shape", "was replaced by the batch statistic"),
    (F, updates_in_place, "modified its input in place (argument 4, argument 5)", "do not write into the input"),
    (F, returns_out_only, "expected a tuple of 3 values (out, running_mean, running_var)", "return out, running_mean, running_var"),
    (F, forward_returns_torch, "out: returned a torch.Tensor", "not a torch tensor"),
    (F, forward_returns_lists, "out: returned a list", "return a NumPy array"),
    (F, forward_flattened, "out: expected shape (6, 3), got shape (6, 2)", "out has the shape of x"),
    (F, returns_none, "returned None", "`return`"),
    (F, returns_list, "PASS", ""),  # a list of three arrays is accepted as a tuple
    (F, stub, "not implemented yet", "NotImplementedError"),
    (F, raises, "raised IndexError", ""),
    (B, eval_gradient, "dx: shape", "that is the eval-mode gradient"),
    (B, no_variance_path, "dx: shape", "the path through the variance is missing"),
    (B, no_mean_path, "dx: shape", "the path through the mean is missing"),
    (B, forgot_gamma_in_dx, "dx: shape", "gamma is missing from dx"),
    (B, backward_forgot_eps, "dx: shape", "eps is missing: use inv_std"),
    (B, backward_unbiased, "dx: shape", "must too"),
    (B, dgamma_from_x, "dgamma: shape", "with the normalised xhat, not the raw x"),
    (B, means_instead_of_sums, "dgamma: shape", "is a sum over the batch (and pixels), not a mean"),
    (B, dgamma_not_summed, "dgamma: expected shape (3,), got shape (5, 3)", "dgamma must be summed over axis 0"),
    (B, dbeta_per_example, "dbeta: expected shape (3,), got shape (5,)", "dbeta was summed per example"),
    (B, backward_returns_torch, "dx: returned a torch.Tensor", "not a torch tensor"),
    (B, backward_transposed, "dx: expected shape (5, 3), got shape (3, 5)", "transpose of the expected one"),
    (B, returns_none, "returned None", "`return`"),
    (B, stub, "not implemented yet", "NotImplementedError"),
    (B, raises, "raised IndexError", ""),
]


@pytest.mark.parametrize("name, student_fn, message, hint", WRONG,
                         ids=[f"{w[0]}-{w[1].__name__}" for w in WRONG])
def test_typical_wrong_answers_fail_with_their_hint(capsys, name, student_fn, message, hint):
    check, _, make_cases = CHECKS[name]
    n = len(make_cases())
    result = check(student_fn)
    out = capsys.readouterr().out
    if student_fn is returns_list:
        assert result.all_passed
        return
    assert_fails_with_hint(out, result, name, n, message, hint)


def test_hints_are_specific_to_the_cases_they_concern(capsys):
    """Instance norm only differs for images; the eps-outside mistake fails every case."""
    result = check_batch_norm_forward(instance_norm)
    failed = {c.name for c in result.cases if not c.passed}
    assert failed and all(name.startswith("(N, C, H, W)") for name in failed)
    result = check_batch_norm_forward(biased_running_var)
    assert all("running_var" in c.message for c in result.cases if not c.passed)
    capsys.readouterr()


@pytest.mark.parametrize("name", list(CHECKS))
@pytest.mark.parametrize("student_fn", [
    42,
    None,
    lambda *args: "a string",
    lambda *args: np.array(["a", "b"]),
    lambda *args: (np.zeros((2, 2, 2)),) * 3,
    lambda *args: (_ for _ in ()).throw(SystemExit(1)),
    lambda x: x,  # wrong number of parameters
], ids=["int", "None", "str", "str-array", "3d-tuple", "SystemExit", "one-parameter"])
def test_check_never_raises_on_exotic_answers(capsys, name, student_fn):
    check, _, make_cases = CHECKS[name]
    result = check(student_fn)
    out = capsys.readouterr().out
    assert result.passed == 0 and out.count("FAIL") == len(make_cases())


@pytest.mark.parametrize("name", list(CHECKS))
def test_output_stays_compact_for_large_wrong_answers(capsys, name):
    CHECKS[name][0](lambda *args: (np.ones((500, 500)),) * 3)
    assert len(capsys.readouterr().out) < 4000


# ---------------------------------------------------------------------- hidden cases

HIDDEN = {F: batch_norm_forward_hidden_cases, B: batch_norm_backward_hidden_cases}
SEEDS = (11, 2024, 987654321)
# Messages and hints of WRONG that name a public case's numbers: their general part
HIDDEN_TEXT = {
    biased_running_var: ("running_var: shape", "multiply the batch variance by m / (m - 1)"),
    forward_flattened: ("out: expected shape", "out has the shape of x"),
    dgamma_not_summed: ("dgamma: expected shape", "dgamma must be summed over axis 0"),
    dbeta_per_example: ("dbeta: expected shape", "dbeta was summed per example"),
    backward_transposed: ("dx: ", "transpose of the expected one"),
}


hidden = seeded_cases(HIDDEN)


def x_of(name, case):
    return case.args[0] if name == F else case.args[1]


def memorizer(name):
    """Returns the public answers for the public inputs (looked up by x); otherwise, for
    the forward pass, x and the running statistics unchanged, for the backward pass dout
    and zero dgamma, dbeta."""
    def otherwise(*args):
        x = args[0] if name == F else args[1]
        if name == F:
            return x.copy(), args[3].copy(), args[4].copy()
        return args[0].copy(), np.zeros(x.shape[1]), np.zeros(x.shape[1])

    return memorising_cheat([(x_of(name, case), case.expected) for case in CHECKS[name][2]()],
                            otherwise, key=lambda *args: args[0] if name == F else args[1])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(CHECKS))
def test_reference_passes_the_hidden_cases(capsys, name, seed):
    check, reference = CHECKS[name][:2]
    assert_reference_passes_hidden_cases(check, reference, hidden(name, seed), name,
                                         lambda: capsys.readouterr().out)


@pytest.mark.parametrize("name", list(CHECKS))
def test_hidden_cases_depend_on_the_rng_only(name):
    assert_hidden_cases_depend_on_the_rng_only(HIDDEN[name], SEEDS[:2])


@pytest.mark.parametrize("name", list(CHECKS))
def test_hidden_cases_cover_the_public_kinds(name):
    """Per seed: both layouts, N = 2, a square (N, D), N = 1 and an eps that matters; and
    shapes, momentum and eps that change with the seed."""
    shapes, settings = set(), set()
    for seed in SEEDS:
        cases = hidden(name, seed)
        xs = [x_of(name, c) for c in cases]
        assert {x.ndim for x in xs} == {2, 4}
        assert any(x.ndim == 2 and x.shape[0] == 2 for x in xs), "the smallest (N, D) batch"
        assert any(x.ndim == 2 and x.shape[0] == x.shape[1] for x in xs), "square"
        assert any(x.ndim == 4 and x.shape[0] == 1 for x in xs), "a batch of one image"
        assert any(c.args[-1] >= 0.05 for c in cases), "an eps large enough to matter"
        shapes.add(tuple(x.shape for x in xs))
        settings.add(tuple(c.args[-2:] if name == F else c.args[-1:] for c in cases))
        if name == F:
            assert any(x.ndim == 4 and x.shape[1] == 1 for x in xs), "one channel"
            assert all(0 < c.args[5] < 0.5 for c in cases), "momentum below 0.5"
    assert len(shapes) == len(settings) == len(SEEDS)


def test_hidden_forward_expected_values_are_nn_batchnorms():
    """Each forward answer equals a torch.nn.BatchNorm layer's, set up from the case."""
    for case in hidden(F, SEEDS[0]):
        x, gamma, beta, rm, rv, momentum, eps = case.args
        kind = torch.nn.BatchNorm1d if x.ndim == 2 else torch.nn.BatchNorm2d
        layer = kind(x.shape[1], eps=eps, momentum=momentum).double().train()
        with torch.no_grad():
            for tensor, value in [(layer.weight, gamma), (layer.bias, beta),
                                  (layer.running_mean, rm), (layer.running_var, rv)]:
                tensor.copy_(torch.from_numpy(value))
        out = layer(torch.from_numpy(x)).detach().numpy()
        for want, have in zip([out, layer.running_mean.numpy(), layer.running_var.numpy()],
                              case.expected):
            np.testing.assert_allclose(have, want, rtol=1e-12, atol=1e-14, err_msg=case.name)


def test_hidden_backward_expected_values_agree_with_numerical_gradients():
    for case in hidden(B, SEEDS[0]):
        dout, x, gamma, eps = case.args
        axes, shape = axes_and_shape(x)

        def forward(x_, gamma_=gamma):
            mu, var = x_.mean(axis=axes, keepdims=True), x_.var(axis=axes, keepdims=True)
            return gamma_.reshape(shape) * (x_ - mu) / np.sqrt(var + eps)

        dx = numerical_gradient_array(forward, x.copy(), dout)
        dgamma = numerical_gradient_array(lambda g: forward(x, g), gamma.copy(), dout)
        np.testing.assert_allclose(case.expected[0], dx, rtol=1e-5, atol=1e-7, err_msg=case.name)
        np.testing.assert_allclose(case.expected[1], dgamma, rtol=1e-6, atol=1e-7,
                                   err_msg=case.name)
        np.testing.assert_allclose(case.expected[2], dout.sum(axis=axes), rtol=1e-12,
                                   err_msg=case.name)


@pytest.mark.parametrize("name, student_fn, message, hint", WRONG,
                         ids=[f"{w[0]}-{w[1].__name__}" for w in WRONG])
def test_typical_wrong_answers_fail_the_hidden_cases(capsys, name, student_fn, message, hint):
    check, _, _ = CHECKS[name]
    message, hint = HIDDEN_TEXT.get(student_fn, (message, hint))
    cases = list(hidden(name, SEEDS[0]))
    result = check(student_fn, cases=cases)
    out = capsys.readouterr().out
    if student_fn is returns_list:
        assert result.all_passed
        return
    assert_fails_with_hint(out, result, name, len(cases), message, hint)


@pytest.mark.parametrize("name", list(CHECKS))
def test_memorized_public_answers_fail_the_hidden_cases(capsys, name):
    assert_memorised_answers_fail_hidden_cases(CHECKS[name][0], memorizer(name),
                                               [hidden(name, seed) for seed in SEEDS])
    capsys.readouterr()
