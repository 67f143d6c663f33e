"""The optimizer exercise checks: momentum, Nesterov, Adagrad, RMSprop, Adadelta, Adam steps.

Each check must accept the reference solution, reject each typical wrong answer with the
hint that names the mistake, never raise, and keep its output compact. The oracle is
torch.optim; the tests also confirm it against the published update rules written here.
"""

import inspect

import numpy as np
import pytest
import torch

from cnnbook.exercises import optimizers
from cnnbook.exercises.core import CheckResult
from cnnbook.exercises.optimizers import (
    EXERCISES,
    TRAJECTORY_STEPS,
    Trajectory,
    check_adadelta_step,
    check_adagrad_step,
    check_adam_step,
    check_momentum_step,
    check_nesterov_step,
    check_rmsprop_step,
    optimizer_cases,
    torch_optimizer_run,
    torch_rosenbrock_path,
)
from harness import (
    assert_hidden_cases_depend_on_the_rng_only,
    assert_memorised_answers_fail_hidden_cases,
    assert_reference_passes_hidden_cases,
    memorising_cheat,
    seeded_cases,
)

# ---------------------------------------------------------------------- reference solutions


def momentum_step(w, g, v, lr, momentum):
    v_new = momentum * v + g
    return w - lr * v_new, v_new


def nesterov_step(w, g, v, lr, momentum):
    v_new = momentum * v + g
    return w - lr * (g + momentum * v_new), v_new


def adagrad_step(w, g, s, lr, eps):
    s_new = s + g * g
    return w - lr * g / (np.sqrt(s_new) + eps), s_new


def rmsprop_step(w, g, s, lr, alpha, eps):
    s_new = alpha * s + (1 - alpha) * g * g
    return w - lr * g / (np.sqrt(s_new) + eps), s_new


def adadelta_step(w, g, s, u, lr, rho, eps):
    s_new = rho * s + (1 - rho) * g * g
    d = np.sqrt(u + eps) / np.sqrt(s_new + eps) * g
    u_new = rho * u + (1 - rho) * d * d
    return w - lr * d, s_new, u_new


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    m_hat = m_new / (1 - beta1 ** t)
    v_hat = v_new / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new


def adam_step_in_place_style(w, g, m, v, t, lr, beta1, beta2, eps):
    """The same rule arranged as in torch's source: another order of the operations."""
    m_new = m + (g - m) * (1 - beta1)
    v_new = v * beta2 + g * g * (1 - beta2)
    denom = np.sqrt(v_new) / np.sqrt(1 - beta2 ** t) + eps
    return w - (lr / (1 - beta1 ** t)) * m_new / denom, m_new, v_new


def momentum_ema_rescaled(w, g, v, lr, momentum):
    """The EMA form with the buffer rescaled: nu = (1 - mu) v, lr / (1 - mu): equal to torch's."""
    nu = (1 - momentum) * v
    nu_new = momentum * nu + (1 - momentum) * g
    return w - lr / (1 - momentum) * nu_new, nu_new / (1 - momentum)


CHECKS = {
    "momentum_step": (check_momentum_step, momentum_step),
    "nesterov_step": (check_nesterov_step, nesterov_step),
    "adagrad_step": (check_adagrad_step, adagrad_step),
    "rmsprop_step": (check_rmsprop_step, rmsprop_step),
    "adadelta_step": (check_adadelta_step, adadelta_step),
    "adam_step": (check_adam_step, adam_step),
}

# ---------------------------------------------------------------------- typical wrong answers


def momentum_ema(w, g, v, lr, momentum):
    v_new = momentum * v + (1 - momentum) * g
    return w - lr * v_new, v_new


def momentum_old_buffer(w, g, v, lr, momentum):
    return w - lr * v, momentum * v + g


def momentum_nesterov(w, g, v, lr, momentum):
    return nesterov_step(w, g, v, lr, momentum)


def momentum_swapped(w, g, v, lr, momentum):
    w_new, v_new = momentum_step(w, g, v, lr, momentum)
    return v_new, w_new


def momentum_uphill(w, g, v, lr, momentum):
    v_new = momentum * v + g
    return w + lr * v_new, v_new


def momentum_in_place(w, g, v, lr, momentum):
    v *= momentum
    v += g
    w -= lr * v
    return w, v


def nesterov_plain(w, g, v, lr, momentum):
    return momentum_step(w, g, v, lr, momentum)


def nesterov_old_buffer(w, g, v, lr, momentum):
    return w - lr * (g + momentum * v), momentum * v + g


def adagrad_sum_of_g(w, g, s, lr, eps):
    s_new = s + g
    return w - lr * g / (np.sqrt(np.abs(s_new)) + eps), s_new


def adagrad_eps_inside(w, g, s, lr, eps):
    s_new = s + g * g
    return w - lr * g / np.sqrt(s_new + eps), s_new


def adagrad_no_sum(w, g, s, lr, eps):
    return w - lr * g / (np.abs(g) + eps), g * g


def rmsprop_no_one_minus(w, g, s, lr, alpha, eps):
    s_new = alpha * s + g * g
    return w - lr * g / (np.sqrt(s_new) + eps), s_new


def rmsprop_eps_inside(w, g, s, lr, alpha, eps):
    s_new = alpha * s + (1 - alpha) * g * g
    return w - lr * g / np.sqrt(s_new + eps), s_new


def rmsprop_adagrad(w, g, s, lr, alpha, eps):
    return adagrad_step(w, g, s, lr, eps)


def adadelta_eps_outside(w, g, s, u, lr, rho, eps):
    s_new = rho * s + (1 - rho) * g * g
    d = (np.sqrt(u) + eps) / (np.sqrt(s_new) + eps) * g
    return w - lr * d, s_new, rho * u + (1 - rho) * d * d


def adadelta_no_lr(w, g, s, u, lr, rho, eps):
    return adadelta_step(w, g, s, u, 1.0, rho, eps)


def adadelta_u_of_g(w, g, s, u, lr, rho, eps):
    s_new = rho * s + (1 - rho) * g * g
    d = np.sqrt(u + eps) / np.sqrt(s_new + eps) * g
    return w - lr * d, s_new, rho * u + (1 - rho) * g * g


def adam_no_bias_correction(w, g, m, v, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    return w - lr * m_new / (np.sqrt(v_new) + eps), m_new, v_new


def adam_t_from_zero(w, g, m, v, t, lr, beta1, beta2, eps):
    with np.errstate(divide="ignore", invalid="ignore"):
        return adam_step(w, g, m, v, t - 1, lr, beta1, beta2, eps)


def adam_eps_inside(w, g, m, v, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m_new / (1 - beta1 ** t), v_new / (1 - beta2 ** t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), m_new, v_new


def adam_no_one_minus(w, g, m, v, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + g
    v_new = beta2 * v + g * g
    m_hat, v_hat = m_new / (1 - beta1 ** t), v_new / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new


def adam_wrong_order(w, g, m, v, t, lr, beta1, beta2, eps):
    w_new, m_new, v_new = adam_step(w, g, m, v, t, lr, beta1, beta2, eps)
    return m_new, v_new, w_new


def adam_returns_torch(w, g, m, v, t, lr, beta1, beta2, eps):
    return tuple(torch.from_numpy(np.asarray(a)) for a in adam_step(w, g, m, v, t, lr, beta1,
                                                                        beta2, eps))


def adam_returns_w_only(w, g, m, v, t, lr, beta1, beta2, eps):
    return adam_step(w, g, m, v, t, lr, beta1, beta2, eps)[0]


def adam_in_place(w, g, m, v, t, lr, beta1, beta2, eps):
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    w -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return w, m, v


def returns_none(*args):
    return None


def stub(*args):
    raise NotImplementedError


def raises(*args):
    return args[0][10 ** 6]


WRONG = [
    # (check name, wrong answer, text of the message, text of the hint)
    ("momentum_step", momentum_ema, "values differ", "that is the EMA form"),
    ("momentum_step", momentum_old_buffer, "values differ", "update the buffer first"),
    ("momentum_step", momentum_nesterov, "values differ", "that is Nesterov's update"),
    ("momentum_step", momentum_swapped, "values differ", "in the wrong order"),
    ("momentum_step", momentum_uphill, "values differ", "w moved uphill"),
    ("momentum_step", momentum_in_place, "modified its input in place", "do not write"),
    ("nesterov_step", nesterov_plain, "values differ", "that is plain (heavy-ball) momentum"),
    ("nesterov_step", nesterov_old_buffer, "values differ", "with the OLD buffer"),
    ("adagrad_step", adagrad_sum_of_g, "values differ", "accumulates the squared gradients"),
    ("adagrad_step", adagrad_eps_inside, "values differ", "eps goes outside the square root"),
    ("adagrad_step", adagrad_no_sum, "values differ", "running sum over all steps"),
    ("rmsprop_step", rmsprop_no_one_minus, "values differ", "the (1 − α) factor is missing"),
    ("rmsprop_step", rmsprop_eps_inside, "values differ", "eps goes outside the square root"),
    ("rmsprop_step", rmsprop_adagrad, "values differ", "that is Adagrad's growing sum"),
    ("adadelta_step", adadelta_eps_outside, "values differ", "eps inside both square roots"),
    ("adadelta_step", adadelta_no_lr, "values differ", "multiply the step by lr"),
    ("adadelta_step", adadelta_u_of_g, "values differ", "u averages the squared updates"),
    ("adam_step", adam_no_bias_correction, "values differ", "bias correction is missing"),
    ("adam_step", adam_t_from_zero, "inf/NaN", "t counts from 1"),
    ("adam_step", adam_eps_inside, "values differ", "eps goes outside the square root"),
    ("adam_step", adam_no_one_minus, "values differ", "the (1 − β) factors are missing"),
    ("adam_step", adam_wrong_order, "values differ", "in the wrong order"),
    ("adam_step", adam_returns_torch, "returned a torch.Tensor", "not a torch tensor"),
    ("adam_step", adam_returns_w_only, "expected a tuple of 3 values",
     "return w_new, m_new, v_new"),
    ("adam_step", adam_in_place, "modified its input in place", "do not write"),
]
for _name in CHECKS:
    WRONG += [(_name, returns_none, "returned None", "`return`"),
              (_name, stub, "not implemented yet", "NotImplementedError"),
              (_name, raises, "raised IndexError", "")]


# ---------------------------------------------------------------------- oracles and cases


def test_oracle_follows_the_published_rules():
    """torch.optim's snapshots agree with the update rules written out above."""
    rng = np.random.default_rng(1)
    grads = [rng.standard_normal(4) for _ in range(5)]
    hyper = dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    history = torch_optimizer_run("adam_step", rng.standard_normal(4), grads, **hyper)
    w, (m, v) = history[0]
    for t, g in enumerate(grads, start=1):
        w, m, v = adam_step(w, g, m, v, t, **hyper)
        np.testing.assert_allclose(w, history[t][0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(v, history[t][1][1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", list(CHECKS))
def test_cases_are_deterministic_and_varied(name):
    first, second = optimizer_cases(name), optimizer_cases(name)
    assert len(first) == 6
    for a, b in zip(first, second):
        for x, y in zip(np.atleast_1d(a.expected) if isinstance(a.expected, np.ndarray)
                        else a.expected, np.atleast_1d(b.expected)
                        if isinstance(b.expected, np.ndarray) else b.expected):
            np.testing.assert_array_equal(x, y)
    shapes = {np.shape(c.args[0]) for c in first[:-1]}
    assert (1,) in shapes and any(len(s) == 2 for s in shapes)
    trajectory = first[-1]
    assert isinstance(trajectory.args[0], Trajectory)
    assert trajectory.expected.shape == (TRAJECTORY_STEPS + 1, 2)
    assert TRAJECTORY_STEPS >= 100
    assert np.all(np.isfinite(trajectory.expected))
    # the path really moves: it is not a trivial check
    assert np.linalg.norm(trajectory.expected[-1] - trajectory.expected[0]) > 0.1


def test_trajectory_oracle_agrees_with_the_hand_written_loop():
    path = torch_rosenbrock_path("momentum_step", steps=50)
    w, v, lr, mu = np.array([-1.2, 1.0]), np.zeros(2), 1e-3, 0.9
    for k in range(50):
        x, y = w
        g = np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
        w, v = momentum_step(w, g, v, lr, mu)
        np.testing.assert_allclose(w, path[k + 1], rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------- the checks


@pytest.mark.parametrize("name", list(CHECKS))
def test_reference_passes_every_case(capsys, name):
    check, reference = CHECKS[name]
    result = check(reference)
    out = capsys.readouterr().out
    assert isinstance(result, CheckResult)
    assert result.all_passed and result.total == 6
    assert "FAIL" not in out and out.count("PASS") == 6
    assert f"{name}: 6/6 cases passed (6/6 points)" in out


@pytest.mark.parametrize("check, solution", [
    (check_adam_step, adam_step_in_place_style),
    (check_momentum_step, momentum_ema_rescaled),
])
def test_equivalent_arrangements_pass(capsys, check, solution):
    assert check(solution).all_passed
    capsys.readouterr()


@pytest.mark.parametrize("name, student_fn, message, hint", WRONG,
                         ids=[f"{w[0]}-{w[1].__name__}" for w in WRONG])
def test_typical_wrong_answers_fail_with_their_hint(capsys, name, student_fn, message, hint):
    check, _ = CHECKS[name]
    result = check(student_fn)
    out = capsys.readouterr().out
    assert not result.all_passed
    assert message in out
    assert hint in out
    assert f"{name}: {result.passed}/6 cases passed" in out
    assert out.count("FAIL") == 6 - result.passed
    assert all(len(line) < 400 for line in out.splitlines())


def test_eps_placement_fails_only_where_eps_matters(capsys):
    result = check_rmsprop_step(rmsprop_eps_inside)
    failed = [c.name for c in result.cases if not c.passed]
    assert any("large eps" in name for name in failed)
    assert 0 < result.passed < result.total  # eps = 1e-8 is invisible in some cases
    capsys.readouterr()


def test_trajectory_case_names_the_mistake(capsys):
    result = check_adam_step(adam_no_bias_correction)
    trajectory = result.cases[-1]
    assert not trajectory.passed
    assert "leaves torch.optim's at step 1" in trajectory.message
    assert "bias correction is missing" in trajectory.hint
    capsys.readouterr()


def test_a_function_with_hidden_state_fails_only_the_trajectory(capsys):
    calls = []

    def leaky(w, g, v, lr, momentum):  # right on one step, wrong when called repeatedly
        calls.append(1)
        w_new, v_new = momentum_step(w, g, v, lr, momentum)
        return (w_new - 1e-3, v_new) if len(calls) == 50 else (w_new, v_new)

    result = check_momentum_step(leaky)
    assert [c.passed for c in result.cases] == [True] * 5 + [False]
    assert "single-step cases above" in result.cases[-1].hint
    capsys.readouterr()


@pytest.mark.parametrize("name", list(CHECKS))
@pytest.mark.parametrize("student_fn", [42, "adam", None])
def test_not_a_function(capsys, name, student_fn):
    check, _ = CHECKS[name]
    result = check(student_fn)
    out = capsys.readouterr().out
    assert result.passed == 0 and "expected a function" in out


def test_every_exercise_is_checked():
    assert set(EXERCISES) == set(CHECKS)


# ---------------------------------------------------------------------- hidden cases

HIDDEN = {name: getattr(optimizers, f"{name}_hidden_cases") for name in CHECKS}
SEEDS = (11, 2024, 987654321)

# torch.optim, written out here independently of the module: (class, kwargs from hyper)
TORCH_OPTIMIZERS = {
    "momentum_step": ("SGD", lambda h: dict(lr=h["lr"], momentum=h["momentum"])),
    "nesterov_step": ("SGD", lambda h: dict(lr=h["lr"], momentum=h["momentum"], nesterov=True)),
    "adagrad_step": ("Adagrad", lambda h: dict(lr=h["lr"], eps=h["eps"])),
    "rmsprop_step": ("RMSprop", lambda h: dict(lr=h["lr"], alpha=h["alpha"], eps=h["eps"])),
    "adadelta_step": ("Adadelta", lambda h: dict(lr=h["lr"], rho=h["rho"], eps=h["eps"])),
    "adam_step": ("Adam", lambda h: dict(lr=h["lr"], betas=(h["beta1"], h["beta2"]),
                                         eps=h["eps"])),
}
STATE_KEYS = {"momentum_step": ["momentum_buffer"], "nesterov_step": ["momentum_buffer"],
              "adagrad_step": ["sum"], "rmsprop_step": ["square_avg"],
              "adadelta_step": ["square_avg", "acc_delta"], "adam_step": ["exp_avg", "exp_avg_sq"]}


hidden = seeded_cases(HIDDEN)


def split(name, args):
    """(w, g, state list, t or None, hyper dict) of a single-step case's arguments."""
    n = len(STATE_KEYS[name])
    w, g, state, rest = args[0], args[1], list(args[2:2 + n]), list(args[2 + n:])
    t = rest.pop(0) if name == "adam_step" else None
    hyper_names = list(inspect.signature(CHECKS[name][1]).parameters)[-len(rest):]
    return w, g, state, t, dict(zip(hyper_names, rest))


def torch_optimizer(name, param, hyper):
    cls, kwargs = TORCH_OPTIMIZERS[name]
    return getattr(torch.optim, cls)([param], **kwargs(hyper))


def torch_step_from_state(name, args):
    """torch.optim's step from the case's own state: (w_new, *state_new)."""
    w, g, state, t, hyper = split(name, args)
    param = torch.tensor(w, requires_grad=True)
    opt = torch_optimizer(name, param, hyper)
    opt.state[param].update({key: torch.tensor(s) for key, s in zip(STATE_KEYS[name], state)})
    if name not in ("momentum_step", "nesterov_step"):
        opt.state[param]["step"] = torch.tensor(float(t - 1 if t else 0))
    param.grad = torch.tensor(g)
    opt.step()
    return (param.detach().numpy(),
            *(opt.state[param][key].numpy() for key in STATE_KEYS[name]))


def torch_rosenbrock(name, spec):
    """torch.optim's path on (1 - x)^2 + 100 (y - x^2)^2 by autograd, written out here."""
    param = torch.tensor(spec.start, dtype=torch.float64, requires_grad=True)
    opt = torch_optimizer(name, param, dict(spec.hyper))
    path = [param.detach().clone()]
    for _ in range(spec.steps):
        opt.zero_grad()
        x, y = param
        ((1 - x) ** 2 + 100 * (y - x * x) ** 2).backward()
        opt.step()
        path.append(param.detach().clone())
    return torch.stack(path).numpy()


def memorizer(name):
    """A function that returns the public answers for the public inputs (looked up by w),
    and for any other input returns w and the state unchanged. It passes every public case,
    the trajectory included: the trajectory's answers are its path, point after point."""
    table = []
    for case in optimizer_cases(name):
        if isinstance(case.args[0], Trajectory):
            zeros = [np.zeros(2)] * len(STATE_KEYS[name])
            table += [(a, (b, *zeros)) for a, b in zip(case.expected[:-1], case.expected[1:])]
        else:
            table.append((case.args[0], case.expected))

    return memorising_cheat(
        table, lambda w, g, *rest: (w.copy(), *(s.copy() for s in rest[:len(STATE_KEYS[name])])),
        key=lambda w, *rest: w)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(CHECKS))
def test_reference_passes_the_hidden_cases(capsys, name, seed):
    check, reference = CHECKS[name]
    assert_reference_passes_hidden_cases(check, reference, hidden(name, seed), name,
                                         lambda: capsys.readouterr().out)


@pytest.mark.parametrize("check, solution", [
    (check_adam_step, adam_step_in_place_style),
    (check_momentum_step, momentum_ema_rescaled),
])
def test_equivalent_arrangements_pass_the_hidden_cases(capsys, check, solution):
    name = check.__name__[len("check_"):]
    for seed in SEEDS:
        assert check(solution, cases=list(hidden(name, seed))).all_passed
    capsys.readouterr()


@pytest.mark.parametrize("name", list(CHECKS))
def test_hidden_cases_depend_on_the_rng_only(name):
    assert_hidden_cases_depend_on_the_rng_only(HIDDEN[name], SEEDS[:2])


@pytest.mark.parametrize("name", list(CHECKS))
def test_hidden_cases_randomize_shapes_steps_and_hyperparameters(name):
    public = optimizer_cases(name)
    public_hyper = {tuple(split(name, c.args)[4].items()) for c in public[:-1]}
    steps, shapes, hypers, starts = set(), set(), set(), set()
    for seed in SEEDS:
        cases = hidden(name, seed)
        assert all(c.name.startswith("hidden: ") for c in cases)
        for case in cases[:-1]:
            w, g, state, t, hyper = split(name, case.args)
            assert w.shape == g.shape and all(s.shape == w.shape for s in state)
            steps.add(t)
            shapes.add(w.shape)
            hypers.add(tuple(hyper.items()))
        first_state = split(name, cases[0].args)[2]
        assert cases[0].name.startswith("hidden: first step") and not any(map(np.any, first_state))
        assert any(np.shape(c.args[0]) == (1,) for c in cases[:-1])
        assert any(np.ndim(c.args[0]) == 2 for c in cases[:-1])
        spec = cases[-1].args[0]
        assert isinstance(spec, Trajectory) and spec.hyper != public[-1].args[0].hyper
        starts.add(spec.start)
        assert cases[-1].expected.shape == (spec.steps + 1, 2)
    assert len(shapes) > 3 and len(starts) == len(SEEDS)
    assert len(hypers) == 5 * len(SEEDS) and not hypers & public_hyper
    if name == "adam_step":
        assert 1 in steps and len(steps) > 5


@pytest.mark.parametrize("name", list(CHECKS))
def test_hidden_expected_values_are_torch_optims(name):
    """Each single step equals torch.optim's step started from the case's own state, and
    the trajectory equals a torch loop on the Rosenbrock function written out here."""
    for case in hidden(name, SEEDS[0])[:-1]:
        for want, have in zip(torch_step_from_state(name, case.args), case.expected):
            np.testing.assert_allclose(have, want, rtol=1e-12, atol=1e-14, err_msg=case.name)
    case = hidden(name, SEEDS[0])[-1]
    np.testing.assert_allclose(case.expected, torch_rosenbrock(name, case.args[0]),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, student_fn, message, hint", WRONG,
                         ids=[f"{w[0]}-{w[1].__name__}" for w in WRONG])
def test_typical_wrong_answers_fail_the_hidden_cases(capsys, name, student_fn, message, hint):
    check, _ = CHECKS[name]
    cases = list(hidden(name, SEEDS[0]))
    result = check(student_fn, cases=cases)
    out = capsys.readouterr().out
    assert not result.all_passed
    assert message in out and hint in out
    assert f"{name}: {result.passed}/{len(cases)} cases passed" in out


@pytest.mark.parametrize("name", list(CHECKS))
def test_memorized_public_answers_fail_the_hidden_cases(capsys, name):
    assert_memorised_answers_fail_hidden_cases(CHECKS[name][0], memorizer(name),
                                               [hidden(name, seed) for seed in SEEDS])
    capsys.readouterr()


def test_hidden_trajectory_needs_the_right_rule(capsys):
    """A wrong rule fails the hidden trajectory with the hint that names it."""
    result = check_adam_step(adam_no_bias_correction, cases=list(hidden("adam_step", SEEDS[1])))
    trajectory = result.cases[-1]
    assert not trajectory.passed and "bias correction is missing" in trajectory.hint
    capsys.readouterr()
