"""A small framework for graded exercises: cases, one check runner, a result object.

A check calls the student's function on a list of :class:`Case` objects and prints one
line per case (PASS/FAIL with the reason and a hint), then a summary line such as::

    conv2d_valid: 5/7 cases passed (5/7 points)

The runner never raises, whatever the student's function does (raise, return None,
return a list, return the wrong shape, modify its input): a wrong answer must not
crash the notebook. Each call gets deep copies of the case's inputs, so a function
that writes into its arguments cannot spoil later cases or the caller's arrays; such
a function fails the case with a hint of its own.

The returned :class:`CheckResult` holds the counts and the per-case details, for an
instructor's grader.
"""

from __future__ import annotations

import contextlib
import copy
import signal
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

# Arrays with at most this many elements are printed in full when a case fails,
# for at most MAX_ARRAY_DUMPS failing cases per check (the first ones).
SMALL_ARRAY = 36
MAX_ARRAY_DUMPS = 2
# Longest representation of any value we print (a return value, an exception message).
MAX_REPR = 200
# Seconds one call of the student's function may take before the case fails (a loop that
# never ends must not hang the notebook). Needs SIGALRM, i.e. POSIX and the main thread,
# which is where Jupyter and Colab run a cell; elsewhere calls are not limited.
TIME_LIMIT = 20.0
# Set by cnnbook-grade's worker process, where the notebook's own check cells would only
# repeat (slowly, for a function that hangs) what the grader runs with its own cases.
GRADER_RUNNING = False


class CaseTimeout(BaseException):
    """Raised inside the student's function when its case runs out of time.

    A BaseException, so that a student's ``except Exception:`` cannot swallow it.
    """


def time_limit_available() -> bool:
    """Whether calls can be interrupted here (POSIX SIGALRM, main thread)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _time_limit(seconds: Optional[float]):
    """Raise CaseTimeout in the running code after ``seconds`` (no limit when unavailable)."""
    if not seconds or not time_limit_available():
        yield
        return

    def expire(signum, frame):
        raise CaseTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

Diagnose = Callable[["Case", np.ndarray], Optional[str]]
Compare = Callable[["Case", Any], Tuple[str, str]]


@dataclass(frozen=True, eq=False)
class Case:
    """One test case of an exercise.

    Args:
        name: a short description printed on the case's line.
        args: the positional arguments for the student's function.
        expected: the correct return value: an ndarray, a number, or a tuple of them for a
            function that returns several values (e.g. ``(dx, dw, db)``).
        hint: shown when the case fails and no more specific diagnosis applies.
        output_names: for a tuple ``expected``, the name of each value, used in messages.
    """

    name: str
    args: Tuple[Any, ...]
    expected: Any
    hint: str = ""
    output_names: Tuple[str, ...] = ()


@dataclass
class CaseResult:
    """The outcome of one case: whether it passed, why not, and the hint shown."""

    name: str
    passed: bool
    points: float
    message: str = ""
    hint: str = ""
    expected: Any = None
    got: Any = None


@dataclass
class CheckResult:
    """The outcome of one check: counts, points and the per-case details."""

    title: str
    passed: int
    total: int
    points: float
    max_points: float
    cases: List[CaseResult] = field(default_factory=list)

    @property
    def all_passed(self) -> bool:
        return self.total > 0 and self.passed == self.total

    def summary(self) -> str:
        return (f"{self.title}: {self.passed}/{self.total} cases passed "
                f"({_number(self.points)}/{_number(self.max_points)} points)")

    def __repr__(self) -> str:
        return f"<CheckResult {self.summary()}>"

    def _ipython_display_(self) -> None:
        # The printed report is the display; a check cell shows nothing more.
        return None


def run_check(
    student_fn: Any,
    cases: Sequence[Case],
    *,
    title: str,
    points_per_case: float = 1,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    diagnose: Optional[Diagnose] = None,
    compare: Optional[Compare] = None,
    time_limit: Optional[float] = TIME_LIMIT,
) -> CheckResult:
    """Run ``student_fn`` on every case, print a report and return the result; never raises.

    Args:
        student_fn: the function under test.
        cases: the cases; each call receives deep copies of ``case.args``.
        title: the exercise's name, used in the summary line.
        points_per_case: points awarded for each passed case.
        rtol, atol: value tolerance, |got - expected| <= atol + rtol * |expected|.
        diagnose: optional ``diagnose(case, got) -> hint or None``, called when an array
            answer has the wrong shape or values, to recognise typical mistakes. For a case
            whose ``expected`` is a tuple, ``got`` is the student's whole tuple.
        compare: optional ``compare(case, got) -> (message, hint)`` replacing the default
            comparison of arrays and numbers (e.g. to insist on an int); an empty
            message means the answer is correct.
        time_limit: seconds one call may take before its case fails (None: no limit;
            enforced where :func:`time_limit_available`).

    Returns:
        A :class:`CheckResult` with the counts, points and per-case details.
    """
    if GRADER_RUNNING:  # inside cnnbook-grade's worker: the grader runs the checks itself
        print(f"{title}: check skipped (cnnbook-grade runs it with its own cases)")
        return CheckResult(title=title, passed=0, total=0, points=0.0, max_points=0.0)
    results = []
    dumps = 0
    for case in cases:
        try:
            result = _run_case(student_fn, case, points_per_case, rtol, atol, diagnose,
                               compare, time_limit)
        except Exception as error:  # a bug in a check (or an exotic answer) must not crash
            result = CaseResult(case.name, False, 0.0,
                                f"the check itself failed ({_short_error(error)})", "")
        show_arrays = dumps < MAX_ARRAY_DUMPS and _small(result.expected, result.got)
        dumps += show_arrays
        results.append(result)
        _print_case(result, show_arrays)
    passed = sum(r.passed for r in results)
    check = CheckResult(title=title, passed=passed, total=len(results),
                        points=sum(r.points for r in results),
                        max_points=points_per_case * len(results), cases=results)
    print(check.summary())
    return check


def _run_case(student_fn, case: Case, points_per_case, rtol, atol, diagnose,
              compare=None, time_limit=None) -> CaseResult:
    def fail(message: str, hint: str = "", got: Any = None) -> CaseResult:
        return CaseResult(case.name, False, 0.0, message, hint or case.hint,
                          expected=case.expected, got=got)

    if not callable(student_fn):
        return fail(f"expected a function, got {_type_name(student_fn)}",
                    "pass the function itself, without calling it: check(my_function)")
    args = copy.deepcopy(case.args)
    originals = copy.deepcopy(case.args)
    try:
        # A wrong answer may overflow; the case reports it, NumPy need not warn as well.
        with np.errstate(all="ignore"), _time_limit(time_limit):
            got = student_fn(*args)
    except CaseTimeout as stop:  # from the alarm here, or from a grader's own limit
        seconds = stop.args[0] if stop.args else time_limit
        return fail(f"stopped after {seconds:g} s without returning",
                    "look for a loop that never ends (a while loop whose condition never "
                    "changes, an index that is never increased)")
    except NotImplementedError:
        return fail("not implemented yet (the function raises NotImplementedError)",
                    "replace the `raise NotImplementedError` line with your code")
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 - every student error becomes a FAIL line
        note = getattr(error, "grader_message", None)  # a grader's own reason, not the student's error
        if isinstance(note, str):
            return fail(note)
        return fail(f"raised {_short_error(error)}{_where(error)}")

    changed = [i for i, (a, b) in enumerate(zip(args, originals)) if not _same(a, b)]
    if changed:
        which = ", ".join(f"argument {i + 1}" for i in changed)
        return fail(f"modified its input in place ({which})",
                    "do not write into the input arrays; build a new output array "
                    "(and copy an input first if you need to change it)")

    expected = case.expected
    if got is None:
        return fail("returned None", "did you forget the `return` statement?")
    if compare is not None:
        message, hint = compare(case, got)
    elif isinstance(expected, tuple):
        message, hint = compare_tuples(case, expected, got, rtol, atol, diagnose)
    elif isinstance(expected, np.ndarray):
        message, hint = _compare_arrays(case, expected, got, rtol, atol, diagnose)
    else:
        message, hint = _compare_scalars(expected, got, rtol, atol)
    if message:
        return fail(message, hint, got)
    return CaseResult(case.name, True, float(points_per_case))


def _compare_arrays(case, expected: np.ndarray, got, rtol, atol, diagnose) -> Tuple[str, str]:
    """Return (message, hint); an empty message means the answer is correct."""
    if not isinstance(got, np.ndarray):
        hint = "return a NumPy array, e.g. build the output with np.zeros((rows, cols))"
        if hasattr(got, "detach") and hasattr(got, "numpy"):
            hint = "return a NumPy array, not a torch tensor (convert with .numpy())"
        return f"returned a {_type_name(got)}, expected a NumPy array", hint
    if got.dtype.kind not in "biufc":
        return f"returned an array of dtype {got.dtype}, expected numbers", ""
    if expected.dtype.kind in "fc" and got.dtype.kind in "biu":
        return (f"returned dtype {got.dtype}, expected a floating-point array",
                "an integer output array truncates the results: create it with a float "
                "dtype, e.g. np.zeros(shape) (float64 by default)")
    if got.shape != expected.shape:
        message = f"expected shape {expected.shape}, got shape {got.shape}"
        return message, (_transposed_hint(expected, got, rtol, atol)
                         or _safe_diagnose(diagnose, case, got))
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        count = int(np.size(got) - np.count_nonzero(np.isfinite(got)))
        return (f"the output contains {count} inf/NaN value(s)",
                "look for a division by zero, an uninitialised array (np.empty) or an "
                "overflow")
    if np.allclose(got, expected, rtol=rtol, atol=atol):
        return "", ""
    error = np.abs(got.astype(np.complex128 if got.dtype.kind == "c" else np.float64) - expected)
    max_abs = float(np.max(error))
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    relative = f", relative error {max_abs / scale:.3g}" if scale > 0 else ""
    message = (f"shape {got.shape} is right but values differ "
               f"(max abs error {max_abs:.3g}{relative})")
    return message, (_transposed_hint(expected, got, rtol, atol)
                     or _safe_diagnose(diagnose, case, got))


def close_to(a, b, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """Whether ``a`` is a finite numeric array (or number) equal to ``b`` up to rounding.

    For diagnoses: does a student's answer equal what a typical mistake would give?
    """
    try:
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return (a.shape == b.shape and bool(np.all(np.isfinite(a)))
            and bool(np.allclose(a, b, rtol=rtol, atol=atol)))


def compare_tuples(case, expected: tuple, got, rtol, atol, diagnose) -> Tuple[str, str]:
    """Compare a tuple answer value by value; report the first wrong one.

    Returns ``("", "")`` when every value matches, else (message, hint) for the first
    mismatch. Checks with their own runner loop (e.g. an optimizer trajectory) reuse it.
    """
    names = list(case.output_names) or [f"value {i + 1}" for i in range(len(expected))]
    listing = ", ".join(names)
    if not isinstance(got, (tuple, list)):
        return (f"returned a {_type_name(got)}, expected a tuple of {len(expected)} values "
                f"({listing})", f"end the function with: return {listing}")
    if len(got) != len(expected):
        return (f"returned {len(got)} value(s), expected {len(expected)} ({listing})",
                f"end the function with: return {listing}")
    for name, want, have in zip(names, expected, got):
        if have is None:
            return f"{name} is None", f"compute {name} and return it"
        if isinstance(want, np.ndarray):
            message, hint = _compare_arrays(case, want, have, rtol, atol, None)
        else:
            message, hint = _compare_scalars(want, have, rtol, atol)
        if message:
            return f"{name}: {message}", hint or _safe_diagnose(diagnose, case, got)
    return "", ""


def _compare_scalars(expected, got, rtol, atol) -> Tuple[str, str]:
    try:
        value = complex(got) if isinstance(expected, complex) else float(got)
    except Exception:
        return f"returned {_short_repr(got)} ({_type_name(got)}), expected a number", ""
    if isinstance(expected, (bool, np.bool_)) and value != float(expected):
        return f"expected {expected}, got {_short_repr(got)}", ""
    if not np.isfinite(value) and np.isfinite(expected):
        return f"expected {_short_repr(expected)}, got {_short_repr(got)}", ""
    if np.isclose(value, expected, rtol=rtol, atol=atol):
        return "", ""
    return (f"expected {_short_repr(expected)}, got {_short_repr(got)} "
            f"(abs error {abs(value - expected):.3g})"), ""


def _transposed_hint(expected, got, rtol, atol) -> str:
    """A hint when a wrong ``got`` is the transpose of ``expected`` (called on failures only)."""
    if (expected.ndim == 2 and got.ndim == 2 and got.shape == expected.T.shape
            and np.allclose(got.T, expected, rtol=rtol, atol=atol)):
        return (f"your output is the transpose of the expected one (shape {got.shape} "
                f"instead of {expected.shape}): swap its two axes, and check which of your "
                "loops runs over the first axis (rows) and which over the second (columns)")
    return ""


def _safe_diagnose(diagnose, case, got) -> str:
    if diagnose is None:
        return ""
    try:
        return diagnose(case, got) or ""
    except Exception:
        return ""


def _same(a, b) -> bool:
    """Whether a (possibly modified) argument still equals its saved copy."""
    try:
        if isinstance(b, (list, tuple)):
            return (type(a) is type(b) and len(a) == len(b)
                    and all(_same(x, y) for x, y in zip(a, b)))
        if isinstance(b, dict):
            return (isinstance(a, dict) and a.keys() == b.keys()
                    and all(_same(a[k], b[k]) for k in b))
        if isinstance(b, np.ndarray):
            return (isinstance(a, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype
                    and bool(np.array_equal(a, b, equal_nan=b.dtype.kind in "fc")))
        if hasattr(b, "detach") and hasattr(b, "equal"):  # torch tensor
            return a.shape == b.shape and bool(a.equal(b))
        return bool(a == b)
    except Exception:
        return False


def _small(expected: Any, got: Any) -> bool:
    """Whether both are arrays small enough to print in full."""
    return (isinstance(expected, np.ndarray) and isinstance(got, np.ndarray)
            and got.dtype.kind in "biufc" and got.ndim <= 2
            and expected.size <= SMALL_ARRAY and got.size <= SMALL_ARRAY)


def _array_text(array: np.ndarray) -> str:
    return np.array2string(array, precision=4, suppress_small=True, max_line_width=88,
                           threshold=SMALL_ARRAY)


def _print_case(result: CaseResult, show_arrays: bool) -> None:
    if result.passed:
        print(f"PASS  {result.name}")
        return
    print(f"FAIL  {result.name}: {result.message}")
    if result.hint:
        print(f"      hint: {result.hint}")
    if show_arrays:
        print(_indent("expected:\n" + _indent(_array_text(result.expected), "  ")))
        print(_indent("got:\n" + _indent(_array_text(result.got), "  ")))


def _indent(text: str, prefix: str = "      ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def _short_error(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return _truncate(text)


def _where(error: BaseException) -> str:
    """" (in f, line n)" for the innermost frame of the error's traceback (a grader that
    raises the student's error again passes the original place as ``student_where``)."""
    where = getattr(error, "student_where", None)
    if isinstance(where, str):
        return where
    frames = traceback.extract_tb(error.__traceback__)
    return f" (in {frames[-1].name}, line {frames[-1].lineno})" if frames else ""


def _short_repr(value: Any) -> str:
    try:
        return _truncate(repr(value))
    except Exception:
        return f"<{_type_name(value)} object>"


def _truncate(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 3] + "..."


def _type_name(value: Any) -> str:
    cls = type(value)
    module = cls.__module__
    return cls.__name__ if module in ("builtins", "numpy") else f"{module}.{cls.__name__}"


def _number(value: float) -> str:
    return f"{value:g}"
