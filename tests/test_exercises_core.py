"""The check runner's handling of functions that return several values (a tuple)."""

import numpy as np
import pytest

from cnnbook.exercises import Case, run_check

A = np.arange(6.0).reshape(2, 3)
B = np.array([1.0, -1.0])


def _case():
    return Case("two outputs", (A, B), (A * 2, float(B.sum()), B + 1), "hint of the case",
                output_names=("dx", "loss", "db"))


def _reference(a, b):
    return a * 2, float(b.sum()), b + 1


def test_tuple_answer_passes(capsys):
    result = run_check(_reference, [_case()], title="pair")
    assert result.all_passed
    assert "PASS  two outputs" in capsys.readouterr().out


@pytest.mark.parametrize("student_fn, message", [
    (lambda a, b: a * 2, "expected a tuple of 3 values (dx, loss, db)"),
    (lambda a, b: (a * 2, 0.0), "returned 2 value(s), expected 3 (dx, loss, db)"),
    (lambda a, b: (a * 2, float(b.sum()), None), "db is None"),
    (lambda a, b: (a * 3, float(b.sum()), b + 1), "dx: shape (2, 3) is right but values differ"),
    (lambda a, b: (a * 2, 7.0, b + 1), "loss: expected 0.0, got 7.0"),
    (lambda a, b: (a.T * 2, float(b.sum()), b + 1), "dx: expected shape (2, 3), got shape (3, 2)"),
    (lambda a, b: [a * 2, float(b.sum()), (b + 1).tolist()], "db: returned a list"),
])
def test_wrong_tuple_answers_name_the_wrong_value(capsys, student_fn, message):
    result = run_check(student_fn, [_case()], title="pair")
    out = capsys.readouterr().out
    assert not result.all_passed
    assert message in out, out


def test_tuple_diagnose_receives_the_whole_answer(capsys):
    seen = []

    def diagnose(case, got):
        seen.append(got)
        return "specific hint"

    run_check(lambda a, b: (a * 3, float(b.sum()), b + 1), [_case()], title="pair",
              diagnose=diagnose)
    assert isinstance(seen[0], tuple) and len(seen[0]) == 3
    assert "hint: specific hint" in capsys.readouterr().out


def test_a_list_of_values_is_accepted(capsys):
    result = run_check(lambda a, b: list(_reference(a, b)), [_case()], title="pair")
    assert result.all_passed


def test_a_custom_comparison_replaces_the_default_one(capsys):
    def exact_int(case, got):
        if type(got) is not int:
            return f"returned {type(got).__name__}, expected int", "use //"
        return ("", "") if got == case.expected else (f"expected {case.expected}", "")

    cases = [Case("seven", (14,), 7)]
    assert run_check(lambda n: n // 2, cases, title="half", compare=exact_int).all_passed
    result = run_check(lambda n: n / 2, cases, title="half", compare=exact_int)
    out = capsys.readouterr().out
    assert not result.all_passed  # the default comparison would accept 7.0
    assert "FAIL  seven: returned float, expected int" in out and "hint: use //" in out


def test_a_custom_comparison_still_gets_the_runners_protection(capsys):
    def boom(n):
        raise ZeroDivisionError("oops")

    result = run_check(boom, [Case("seven", (14,), 7)], title="half",
                       compare=lambda case, got: ("", ""))
    assert not result.all_passed
    assert "raised ZeroDivisionError: oops" in capsys.readouterr().out


def test_a_function_that_never_returns_fails_its_case_and_the_check_goes_on(capsys):
    import time as _time

    from cnnbook.exercises.core import time_limit_available

    if not time_limit_available():
        pytest.skip("no SIGALRM here")

    def loops_forever(x):
        while True:
            try:
                pass
            except Exception:  # a student's catch-all must not swallow the time limit
                pass

    cases = [Case("first", (np.ones(2),), np.ones(2)), Case("second", (np.ones(2),), np.ones(2))]
    start = _time.perf_counter()
    result = run_check(loops_forever, cases, title="loop", time_limit=0.2)
    elapsed = _time.perf_counter() - start
    out = capsys.readouterr().out
    assert result.passed == 0 and result.total == 2
    assert out.count("stopped after 0.2 s without returning") == 2
    assert "a loop that never ends" in out
    assert elapsed < 5
    # The alarm is disarmed afterwards: a correct function then passes normally.
    assert run_check(lambda x: x, cases, title="ok", time_limit=0.2).all_passed
    _time.sleep(0.3)  # no stray SIGALRM fires after the check
