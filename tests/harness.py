"""One comparison harness for every op test: shape, then dtype, then values; and the
shared helpers of the exercise checks' hidden-case tests (at the end).

Torch is the oracle. Values are compared in float64 with an absolute and relative
tolerance of 1e-10 unless a test says otherwise.
"""

from __future__ import annotations

import copy
import functools
import pickle

import numpy as np
import torch

TOL = 1e-10


def to_numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def assert_close(got, expected, *, name: str = "output", tol: float = TOL) -> None:
    """Compare ``got`` with the oracle ``expected``: shape, dtype, then values."""
    got_np, expected_np = to_numpy(got), to_numpy(expected)
    assert got_np.shape == expected_np.shape, (
        f"{name}: shape {got_np.shape} != expected {expected_np.shape}"
    )
    assert got_np.dtype == expected_np.dtype, (
        f"{name}: dtype {got_np.dtype} != expected {expected_np.dtype}"
    )
    np.testing.assert_allclose(got_np, expected_np, rtol=tol, atol=tol, err_msg=name)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def torch_leaf(array: np.ndarray) -> torch.Tensor:
    """A float64 torch leaf tensor that records gradients, sharing no memory with ``array``."""
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


def assert_fails_with_hint(out: str, result, title: str, n_cases: int, message: str, hint: str) -> None:
    """A check's printed report on a wrong answer: it failed, says ``message`` and ``hint``,
    counts its cases right, and keeps every line short."""
    assert not result.all_passed
    assert message in out
    assert hint in out
    assert f"{title}: {result.passed}/{n_cases} cases passed" in out
    assert out.count("FAIL") == n_cases - result.passed
    assert all(len(line) < 400 for line in out.splitlines())


# ------------------------------------------------------------- hidden grading cases
#
# Every exercise check ``check_NAME(fn, cases=...)`` has public cases and a generator
# ``NAME_hidden_cases(rng)`` of hidden ones. The helpers below are the shared part of the
# tests of those hidden cases: reproducible generation, the reference passing them, and a
# memorising cheat (one that knows only the public answers) failing them.


def seeded_cases(generators: dict, *, cache: bool = True):
    """A function ``(name, seed) -> cases``: what ``generators[name]`` makes from a fresh
    ``np.random.default_rng(seed)``.

    With ``cache`` (the default) each (name, seed) is generated once and kept as a tuple
    (the checks never modify a case); without it every call generates anew and returns the
    generator's own list (for tests that time the generation)."""

    def generate(name, seed):
        return generators[name](np.random.default_rng(seed))

    if not cache:
        return generate

    @functools.lru_cache(maxsize=None)
    def cached(name, seed):
        return tuple(generate(name, seed))

    return cached


def fingerprints(cases) -> list:
    """One bytes value per case, equal exactly when name, inputs, answer and hint are equal
    (arrays: values, dtype and shape)."""
    return [pickle.dumps((c.name, c.args, c.expected, getattr(c, "hint", None))) for c in cases]


def arguments_key(args) -> tuple:
    """A hashable fingerprint of a call's arguments, array values, dtypes and shapes included."""
    return tuple((a.shape, a.dtype.str, a.tobytes()) if isinstance(a, np.ndarray) else repr(a)
                 for a in args)


def same_value(a, b) -> bool:
    """Whether two case inputs or answers are equal: tuples and lists item by item, arrays by
    dtype, shape and values (``np.array_equal``), anything else by type and ``==``."""
    if isinstance(a, (tuple, list)):
        return (isinstance(b, type(a)) and len(a) == len(b)
                and all(same_value(x, y) for x, y in zip(a, b)))
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a, b))
    return type(a) is type(b) and a == b


def memorising_cheat(table, fallback, *, key=lambda *args: args, same=same_value):
    """A cheating "solution" for the hidden-case tests: it knows the public answers only.

    ``table`` holds ``(lookup value, answer)`` pairs, usually one per public case.
    A call ``cheat(*args)`` computes ``key(*args)`` (by default the arguments themselves),
    and returns a deep copy of the answer of the first entry whose lookup value is ``same``
    as it; for any other call it returns ``fallback(*args)`` (which may raise).
    A right check passes it on the public cases and fails it on every hidden one."""
    table = list(table)

    def memorised(*args):
        wanted = key(*args)
        for stored, answer in table:
            if same(stored, wanted):
                return copy.deepcopy(answer)
        return fallback(*args)

    return memorised


def public_answers_cheat(public_cases):
    """A memorising cheat keyed on every argument (``arguments_key``): the public answer for
    a public call, else (a copy of) the first public answer."""
    public_cases = list(public_cases)
    return memorising_cheat([(arguments_key(case.args), case.expected) for case in public_cases],
                            lambda *args: copy.deepcopy(public_cases[0].expected),
                            key=lambda *args: arguments_key(args))


def not_a_public_case(*args):
    """A cheat's fallback: raise ``KeyError`` (the check reports "raised KeyError")."""
    raise KeyError("not a public case")


def assert_reference_passes_hidden_cases(check, reference, cases, title: str, out_of) -> None:
    """The reference solution passes every hidden case, and the report says so.

    ``out_of()`` returns what the check printed (``lambda: capsys.readouterr().out``).
    There are 5 to 8 cases, all named "hidden: ...", all PASS, none FAIL, and the summary
    line counts them all."""
    n = len(cases)
    result = check(reference, cases=list(cases))
    out = out_of()
    assert 5 <= n <= 8 and all(case.name.startswith("hidden: ") for case in cases)
    assert result.all_passed and result.passed == result.total == n
    assert out.count("PASS  hidden: ") == n and "FAIL" not in out
    assert f"{title}: {n}/{n} cases passed ({n}/{n} points)" in out


def different_inputs_at_each_position(first, other) -> bool:
    """No case of ``other`` has the same inputs as the case of ``first`` at its position."""
    return not any(pickle.dumps(a.args) == pickle.dumps(b.args) for a, b in zip(first, other))


def assert_hidden_cases_depend_on_the_rng_only(generate, seeds=(7, 8), *,
                                               differ=different_inputs_at_each_position) -> None:
    """A hidden-case generator ``generate(rng)`` draws from ``rng`` and nothing else.

    The same seed gives the same cases (names, inputs, answers, hints) whatever the global
    NumPy and torch generators' states, and generating leaves the global NumPy state as it
    was; ``differ(first, other)`` holds for each other seed's cases; and a second call on
    the same Generator gives other cases (its state moved on)."""
    first_seed, *other_seeds = seeds
    np.random.seed(0)
    global_state = np.random.get_state()[1].copy()
    first = generate(np.random.default_rng(first_seed))
    assert np.array_equal(np.random.get_state()[1], global_state)
    np.random.seed(1)  # the global generators play no part
    torch.manual_seed(12345)
    assert fingerprints(generate(np.random.default_rng(first_seed))) == fingerprints(first)
    for seed in other_seeds:
        assert differ(first, generate(np.random.default_rng(seed)))
    rng = np.random.default_rng(first_seed)
    assert fingerprints(generate(rng)) == fingerprints(first)
    assert fingerprints(generate(rng)) != fingerprints(first)  # the state moved on


def assert_memorised_answers_fail_hidden_cases(check, cheat, hidden_case_lists, *,
                                               out_of=None, reason: str | None = None) -> None:
    """The memorising ``cheat`` passes the public cases and none of the hidden ones, for
    every list in ``hidden_case_lists``.

    With ``out_of`` (what the check printed, see above) and ``reason``, the report of each
    hidden run must also give ``reason`` (e.g. "raised KeyError") once for every case."""
    assert check(cheat).all_passed
    if out_of is not None:
        out_of()
    for cases in hidden_case_lists:
        result = check(cheat, cases=list(cases))
        assert result.passed == 0
        if reason is not None:
            assert out_of().count(reason) == result.total
