"""cnnbook-grade against crafted submissions.

Each test hands the grader a small notebook written to misbehave in one way (raise, loop,
print megabytes, lose its check cells, rename the function, return the wrong type, call
the reference implementation, go looking for the seed or the grader's files) and checks
that the submission gets the points it earned, with a reason, that the grader moves on,
and that no submission is modified. The sandbox tests need Linux user namespaces and are
skipped (with the reason) where ``unshare`` cannot create them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from cnnbook.exercises import grade, registry, sandbox
from cnnbook.exercises.grade import Grader, main, read_submission, student_names

SEED = "seed-7f3a9c1e-do-not-share"
MODE = "namespaces" if sandbox.namespaces_available() else "process"
needs_namespaces = pytest.mark.skipif(
    not sandbox.namespaces_available(),
    reason="the namespaces sandbox needs `unshare --user --net --pid --mount` (Linux)")

SETUP = "import numpy as np"
REFERENCE = '''
def conv2d_valid(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    KH, KW = kernel.shape
    out = np.zeros((image.shape[0] - KH + 1, image.shape[1] - KW + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)
    return out
'''
CHECK = "from cnnbook.exercises import check_conv2d_valid\ncheck_conv2d_valid(conv2d_valid)"
EXERCISE = registry.EXERCISES["conv2d_valid"]
N_PUBLIC = len(EXERCISE.public_cases())


def write_notebook(path: Path, *cells: str, metadata=None) -> Path:
    """A notebook of code cells (the source of each), as Jupyter writes it."""
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": source} for source in cells],
        "metadata": metadata if metadata is not None else
        {"cnnbook": {"source": EXERCISE.notebook}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def grade_one(path: Path, **options):
    """Grade one submission in-process; returns (grade of conv2d_valid, submission)."""
    grader = Grader(SEED, mode=options.pop("mode", MODE), **options)
    submission = read_submission(path, "student")
    grades = {g.exercise: g for g in grader.grade(submission)}
    return grades.get("conv2d_valid"), submission


def max_points() -> float:
    return float(N_PUBLIC + len(EXERCISE.hidden_cases(registry.hidden_rng(SEED, "conv2d_valid"))))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the CLI


def test_cli_grades_and_writes_csv_and_json_without_touching_submissions(tmp_path):
    good = write_notebook(tmp_path / "subs" / "alice" / "lab.ipynb", SETUP, REFERENCE, CHECK)
    wrong = write_notebook(tmp_path / "subs" / "bob" / "lab.ipynb", SETUP,
                           REFERENCE.replace("kernel)\n    return out", "kernel)\n    return out.T"))
    before = {p: digest(p) for p in (good, wrong)}
    out = tmp_path / "grades" / "book.csv"
    assert main([str(good), str(wrong), "--seed", SEED, "--out", str(out)]) == 0
    rows = {row["student"]: row for row in csv.DictReader(out.open())}
    assert set(rows) == {"alice", "bob"}
    assert float(rows["alice"]["conv2d_valid"]) == max_points() == float(rows["alice"]["max"])
    assert float(rows["bob"]["conv2d_valid"]) < max_points()
    assert "transpose" in rows["bob"]["notes"] or "shape" in rows["bob"]["notes"]
    book = json.loads(out.with_suffix(".json").read_text())
    assert book["sandbox"] == MODE
    assert SEED not in out.with_suffix(".json").read_text()  # a fingerprint only
    assert book["seed_fingerprint"] == grade.seed_fingerprint(SEED)
    alice = book["students"][0]["submissions"][0]["exercises"]["conv2d_valid"]
    assert alice["public"] == f"{N_PUBLIC}/{N_PUBLIC}"
    assert {c["set"] for c in alice["cases"]} == {"public", "hidden"}
    assert {p: digest(p) for p in (good, wrong)} == before


def test_cli_rejects_bad_arguments(tmp_path, capsys):
    nb = write_notebook(tmp_path / "lab.ipynb", SETUP, REFERENCE)
    assert main([str(tmp_path / "missing.ipynb"), "--seed", "1"]) == 2
    assert "no such notebook" in capsys.readouterr().err
    assert main([str(nb), "--out", str(nb.with_suffix(".json")), "--seed", "1"]) == 2
    assert main([str(nb), "--out", str(tmp_path / "g.csv"), "--exercises", "conv9d"]) == 2
    assert "unknown exercise" in capsys.readouterr().err
    assert main([str(nb), "--call-timeout", "30", "--seed", "1"]) == 2
    assert main([str(nb), "--timeout", "-1", "--seed", "1"]) == 2


def test_same_seed_same_hidden_cases_other_seed_other_cases():
    def inputs(seed):
        return [c.args for c in EXERCISE.hidden_cases(registry.hidden_rng(seed, "conv2d_valid"))]

    same = zip(inputs(SEED), inputs(SEED))
    assert all(np.array_equal(a, b) for x, y in same for a, b in zip(x, y))
    assert not all(np.array_equal(x[0], y[0]) if x[0].shape == y[0].shape else False
                   for x, y in zip(inputs(SEED), inputs(SEED + "x")))


def test_student_names_come_from_folders_or_file_names(tmp_path):
    assert student_names([tmp_path / "s" / "ann" / "a.ipynb", tmp_path / "s" / "ben" / "a.ipynb"]) \
        == ["ann", "ben"]
    assert student_names([tmp_path / "ann.ipynb", tmp_path / "ben.ipynb"]) == ["ann", "ben"]


# --------------------------------------------------------------------------- crafted submissions


def test_correct_submission_without_check_cells_gets_full_points(tmp_path):
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, REFERENCE))
    assert result.points == result.max_points == max_points()
    assert result.reasons == []


def test_edited_check_cell_changes_nothing(tmp_path):
    fake = "def check_conv2d_valid(fn):\n    print('conv2d_valid: 7/7 cases passed')\n" \
           "check_conv2d_valid(None)"
    wrong = REFERENCE.replace("return out", "return out * 0")
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, wrong, fake))
    assert result.points <= 1  # an all-zero answer may match a zero case, nothing more


def test_raising_function_gets_zero_with_the_error_as_reason(tmp_path):
    body = "def conv2d_valid(image, kernel):\n    raise ValueError('my bug')\n"
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, body))
    assert result.points == 0 and result.max_points == max_points()
    assert "raised ValueError: my bug (in conv2d_valid, line 2)" in result.reasons[0]


def test_renamed_function_is_reported(tmp_path):
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP,
                                         REFERENCE.replace("def conv2d_valid", "def my_conv")))
    assert result.points == 0
    assert result.reasons == ["no function named conv2d_valid is defined "
                              "(functions defined: my_conv)"]


def test_wrong_types_are_named(tmp_path):
    body = ("import torch\n"
            "def conv2d_valid(image, kernel):\n"
            "    if image.shape[0] % 2:\n        return torch.zeros(2)\n"
            "    return [[0.0]]\n")
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, body))
    assert result.points == 0
    messages = " ".join(c["message"] for c in result.cases)
    assert "returned a list, expected a NumPy array" in messages
    assert "returned a torch.Tensor, expected a NumPy array" in messages
    assert any("uses torch.zeros" in r for r in result.reasons)  # torch is banned too


def test_function_that_loops_forever_is_stopped_and_grading_moves_on(tmp_path):
    # The loop calls a function, so the time limit often expires inside the call monitor:
    # that is a timeout, not a student switching the monitor off. The student's own check
    # cell does not hang the notebook: in the worker, checks leave the work to the grader.
    body = "def conv2d_valid(image, kernel):\n    while True:\n        np.sum(image)\n"
    start = time.monotonic()
    path = write_notebook(tmp_path / "lab.ipynb", SETUP, body, CHECK)
    result, submission = grade_one(path, call_timeout=1.0, cell_timeout=5.0)
    assert result.points == 0
    assert submission.skipped == {} and submission.cell_errors == []
    assert not any("monitor" in r for r in result.reasons), result.reasons
    messages = [c["message"] for c in result.cases]
    assert messages[:2] == ["stopped after 1 s without returning"] * 2
    assert all(m.startswith("not run: 2 earlier calls ran out of time") for m in messages[2:])
    assert time.monotonic() - start < 30


def test_loop_that_ignores_the_alarm_is_killed(tmp_path):
    body = ("import signal\n"
            "def conv2d_valid(image, kernel):\n"
            "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass\n")
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, body), call_timeout=0.5)
    assert result.points == 0
    assert result.cases[0]["message"] == "stopped after 0.5 s without returning"
    assert result.cases[-1]["message"].startswith("not run:")


def test_cell_that_loops_forever_is_skipped_and_later_cells_still_count(tmp_path):
    stubborn = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass"
    polite = "import time\nwhile True:\n    time.sleep(0.1)"
    path = write_notebook(tmp_path / "lab.ipynb", SETUP, polite, stubborn, REFERENCE)
    result, submission = grade_one(path, cell_timeout=1.0)
    assert result.points == max_points()
    assert any("stopped after 1 s" in text for _, text in submission.cell_errors)
    assert list(submission.skipped) == [2]
    assert "did not finish within 1 s" in submission.skipped[2]


def test_cell_that_ends_the_process_is_skipped(tmp_path):
    path = write_notebook(tmp_path / "lab.ipynb", SETUP, "import os\nos._exit(3)", REFERENCE)
    result, submission = grade_one(path)
    assert result.points == max_points()
    assert "exit code 3" in submission.skipped[1]


def test_function_that_ends_the_process_fails_its_cases(tmp_path):
    body = "import os\ndef conv2d_valid(image, kernel):\n    os._exit(1)\n"
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, body))
    assert result.points == 0
    assert "ended (exit code 1)" in result.cases[0]["message"]
    assert result.cases[-1]["message"].startswith("not run: 2 earlier calls ended the process")


def test_megabytes_of_output_do_not_matter(tmp_path):
    noisy_cell = "for _ in range(20000):\n    print('x' * 500)"
    noisy = REFERENCE.replace("    return out", "    print('y' * 200000)\n    return out")
    path = write_notebook(tmp_path / "lab.ipynb", SETUP, noisy_cell, noisy)
    result, submission = grade_one(path)
    assert result.points == max_points()
    assert submission.output_chars > 10_000_000


def test_memory_hog_gets_a_memory_error_not_the_machine(tmp_path):
    hog_cell = "try:\n    big = np.ones(2 ** 34)\nexcept MemoryError:\n    big = None"
    body = "def conv2d_valid(image, kernel):\n    return np.ones(2 ** 34)[:1, None]\n"
    result, submission = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, hog_cell, body))
    assert result.points == 0
    assert "raised MemoryError" in result.cases[0]["message"]
    assert submission.cell_errors == []


def test_cells_that_raise_are_reported_and_the_rest_still_runs(tmp_path):
    path = write_notebook(tmp_path / "lab.ipynb", SETUP, "1 / 0", "import no_such_module", REFERENCE)
    result, submission = grade_one(path)
    assert result.points == max_points()
    assert [i for i, _ in submission.cell_errors] == [1, 2]
    assert "ZeroDivisionError" in submission.cell_errors[0][1]


def test_modifying_the_input_fails_with_its_reason(tmp_path):
    body = REFERENCE.replace("    return out", "    image *= 0\n    return out")
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, body))
    assert result.points < max_points()
    assert any("modified its input in place" in c["message"] for c in result.cases)


def test_hard_coded_public_answers_fail_the_hidden_cases(tmp_path):
    answers = [(c.args[0].tolist(), c.args[1].tolist(), c.expected.tolist())
               for c in EXERCISE.public_cases()]
    body = (f"ANSWERS = {answers!r}\n"
            "def conv2d_valid(image, kernel):\n"
            "    for x, w, y in ANSWERS:\n"
            "        if np.shape(x) == np.shape(image) and np.allclose(x, image) "
            "and np.allclose(w, kernel):\n"
            "            return np.array(y, dtype=float)\n"
            "    return np.zeros((1, 1))\n")
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, body))
    assert result.public == f"{N_PUBLIC}/{N_PUBLIC}"
    assert result.hidden.startswith("0/")


def test_unreadable_notebook_gets_a_row_and_the_next_one_is_graded(tmp_path):
    broken = tmp_path / "subs" / "carol.ipynb"
    broken.parent.mkdir()
    broken.write_text("{ not json")
    good = write_notebook(tmp_path / "subs" / "dan.ipynb", SETUP, REFERENCE)
    out = tmp_path / "g.csv"
    assert main([str(broken), str(good), "--seed", SEED, "--out", str(out),
                 "--exercises", "conv2d_valid"]) == 0
    rows = {row["student"]: row for row in csv.DictReader(out.open())}
    assert rows["carol"]["conv2d_valid"] == "0" and "not a readable notebook" in rows["carol"]["notes"]
    assert float(rows["dan"]["conv2d_valid"]) == max_points()


def test_exercises_found_without_metadata_by_the_function_name(tmp_path):
    path = write_notebook(tmp_path / "renamed.ipynb", SETUP, REFERENCE, metadata={})
    result, _ = grade_one(path)
    assert result.points == max_points()


# --------------------------------------------------------------------------- bans


@pytest.mark.parametrize("body, finding", [
    ("import torch\nimport torch.nn.functional as F\n"
     "def conv2d_valid(image, kernel):\n"
     "    x = torch.tensor(image, dtype=torch.float64)[None, None]\n"
     "    w = torch.tensor(kernel, dtype=torch.float64)[None, None]\n"
     "    return F.conv2d(x, w)[0, 0].numpy()\n", "uses torch.nn.functional.conv2d"),
    ("from cnnbook.exercises.convolution import torch_cross_correlation as tcc\n"
     "def helper(a, b):\n    return tcc(a, b)\n"
     "def conv2d_valid(image, kernel):\n    return helper(image, kernel)\n",
     "helper uses cnnbook.exercises.convolution.torch_cross_correlation"),
    ("from scipy import signal\n"
     "def conv2d_valid(image, kernel):\n    return signal.correlate2d(image, kernel, 'valid')\n",
     "uses scipy.signal.correlate2d"),
])
def test_calling_the_reference_gets_no_points(tmp_path, body, finding):
    if "scipy" in body:
        pytest.importorskip("scipy.signal")
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, body))
    assert result.points == 0
    assert result.public == f"{N_PUBLIC}/{N_PUBLIC}"  # it works, and it is banned
    assert any(finding in r and r.startswith("0 points") for r in result.reasons)


def test_reference_reached_dynamically_is_caught_at_run_time(tmp_path):
    body = ("import importlib\n"
            "def conv2d_valid(image, kernel):\n"
            "    mod = importlib.import_module('cnnbook.' + 'numpy_ops')\n"
            "    f = getattr(mod, 'conv2d_' + 'forward')\n"
            "    x = np.asarray(image, float)[None, None]\n"
            "    w = np.asarray(kernel, float)[None, None]\n"
            "    return f(x, w, np.zeros(1))[0, 0]\n")
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, body))
    assert result.points == 0
    assert any("called cnnbook.numpy_ops" in r for r in result.reasons), result.reasons


def test_switching_the_monitor_off_is_reported(tmp_path):
    body = ("import sys as system\n"
            "off = getattr(system, 'set' + 'profile')\n"
            + REFERENCE.replace("    return out", "    off(None)\n    return out"))
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, body))
    assert result.points == 0
    assert any("switched off the grader's call monitor" in r for r in result.reasons)


def test_expected_answers_never_reach_the_worker(tmp_path, monkeypatch):
    sent = []
    original = grade.Worker.send

    def spy(self, message):
        sent.append(message)
        return original(self, message)

    monkeypatch.setattr(grade.Worker, "send", spy)
    result, _ = grade_one(write_notebook(tmp_path / "lab.ipynb", SETUP, REFERENCE))
    assert result.points == max_points()
    calls = [m for m in sent if m["op"] == "call"]
    assert len(calls) >= max_points()
    assert all(set(m) == {"op", "function", "args", "errstate", "bans", "time_limit"}
               for m in calls)
    hidden = EXERCISE.hidden_cases(registry.hidden_rng(SEED, "conv2d_valid"))
    for case in hidden:
        for message in calls:
            assert not any(isinstance(a, np.ndarray) and a.shape == case.expected.shape
                           and np.array_equal(a, case.expected) for a in message["args"])


# --------------------------------------------------------------------------- the sandbox


SNOOP = '''
import os, glob
def conv2d_valid(image, kernel):
    seen, read = [repr(dict(os.environ))], 0
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        for part in ("cmdline", "environ"):
            try:
                seen.append(open(f"/proc/{pid}/{part}", "rb").read().decode(errors="replace"))
                read += 1
            except OSError:
                pass
    for pattern in TARGETS:
        for name in glob.glob(pattern, recursive=True):
            try:
                seen.append(open(name, errors="replace").read())
                read += 1
            except OSError:
                pass
    text = " ".join(seen)
    found = [secret for secret in SECRETS if secret in text]
    raise RuntimeError(f"found {found} in {read} files")
'''


@needs_namespaces
def test_sandbox_hides_the_seed_the_grader_and_other_files(tmp_path, monkeypatch):
    secret_dir = tmp_path / "instructor"
    secret_dir.mkdir()
    (secret_dir / "solutions.txt").write_text("THE-ANSWER-KEY")
    other = write_notebook(tmp_path / "subs" / "eve" / "lab.ipynb", SETUP, REFERENCE + "# EVE-WORK")
    targets = [str(secret_dir / "*"), str(other.parent / "*"), str(tmp_path / "**" / "*.ipynb")]
    secrets = [SEED, "THE-ANSWER-KEY", "EVE-WORK", "pytest", str(tmp_path)]
    snoop = write_notebook(tmp_path / "subs" / "mallory" / "lab.ipynb", SETUP,
                           f"TARGETS = {targets!r}\nSECRETS = {secrets!r}", SNOOP)
    monkeypatch.setenv(grade.SEED_VARIABLE, SEED)
    out = tmp_path / "g.csv"
    assert main([str(snoop), str(other), "--seed", SEED, "--out", str(out),
                 "--sandbox", "namespaces"]) == 0
    book = json.loads(out.with_suffix(".json").read_text())
    mallory = next(r for r in book["students"] if r["student"] == "mallory")
    seen = mallory["submissions"][0]["exercises"]["conv2d_valid"]["cases"][0]["message"]
    assert seen.startswith("raised RuntimeError: found [] in ")  # it looked, found nothing
    assert int(seen.split(" in ")[1].split()[0]) >= 1  # it could read its own /proc entry
    assert SEED not in out.with_suffix(".json").read_text() + out.read_text()


@needs_namespaces
def test_sandbox_has_no_network_and_writes_only_to_scratch(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    target = tmp_path / "dropped.txt"
    body = REFERENCE.replace("    return out", f'''
    import socket
    for address in [("127.0.0.1", {port}), ("1.1.1.1", 80)]:
        try:
            socket.create_connection(address, timeout=1).close()
            return None
        except OSError:
            pass
    for path in [{str(target)!r}, "/usr/dropped.txt", "/dropped.txt"]:
        try:
            open(path, "w").write("x")
            return None
        except OSError:
            pass
    open("/scratch/mine.txt", "w").write("scratch is fine")
    open("/tmp/mine.txt", "w").write("so is /tmp")
    return out''')
    submission = write_notebook(tmp_path / "lab.ipynb", SETUP, body)
    before = digest(submission)
    result, _ = grade_one(submission, mode="namespaces")
    assert result.points == max_points(), result.reasons
    with pytest.raises(socket.timeout):
        server.accept()
    server.close()
    assert not target.exists()
    assert digest(submission) == before


def test_process_mode_grades_too(tmp_path):
    good = write_notebook(tmp_path / "a" / "lab.ipynb", SETUP, REFERENCE)
    result, _ = grade_one(good, mode="process")
    assert result.points == max_points()
    body = "def conv2d_valid(image, kernel):\n    raise KeyboardInterrupt\n"
    result, _ = grade_one(write_notebook(tmp_path / "b" / "lab.ipynb", SETUP, body),
                          mode="process")
    assert result.points == 0
    assert "raised KeyboardInterrupt" in result.cases[0]["message"]


# --------------------------------------------------------------------------- every exercise


def _solution_cells(notebook_path: Path):
    """The code cells of a source notebook that hold a solution (with their markers)."""
    from cnnbook.exercises.student import BEGIN

    cells = json.loads(notebook_path.read_text())["cells"]
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
               for c in cells if c["cell_type"] == "code"]
    return [s for s in sources if BEGIN in s]


def test_every_exercise_is_graded_solution_full_marks_stub_zero(tmp_path):
    """The reference solution of every exercise in the book earns every public and hidden
    point through the grader; the student version's stub earns none, as 'not implemented'."""
    from cnnbook.exercises.student import strip_solutions

    chapters = Path(__file__).resolve().parents[1] / "chapters"
    solutions = []
    for notebook in sorted({e.notebook for e in registry.EXERCISES.values()}):
        solutions += _solution_cells(chapters / notebook)
    stubs = [strip_solutions(s)[0] for s in solutions]
    names = list(registry.EXERCISES)
    for label, cells in (("solution", solutions), ("stub", stubs)):
        path = write_notebook(tmp_path / label / "all.ipynb", SETUP, *cells, metadata={})
        grader = Grader(SEED, mode=MODE, exercises=names)
        grades = {g.exercise: g for g in grader.grade(read_submission(path, label))}
        assert set(grades) == set(names)
        for name, result in grades.items():
            public, hidden = grader.cases(registry.EXERCISES[name])
            assert result.max_points == len(public) + len(hidden) > 0
            if label == "solution":
                assert result.points == result.max_points, (name, result.reasons)
            else:
                assert result.points == 0, name
                assert "not implemented yet" in result.reasons[0], (name, result.reasons)


@pytest.mark.slow
def test_a_real_chapter_notebook_and_its_student_version(tmp_path):
    """The pooling chapter, as written (figures, widgets, checks), graded end to end."""
    from cnnbook.exercises.student import write_student_versions

    source = Path(__file__).resolve().parents[1] / "chapters" / "04_pooling" / "01_pooling.ipynb"
    student = write_student_versions([source], tmp_path / "release")[0]
    subs = tmp_path / "subs"
    (subs / "keen").mkdir(parents=True)
    (subs / "late").mkdir(parents=True)
    (subs / "keen" / "pool.ipynb").write_bytes(source.read_bytes())
    (subs / "late" / "pool.ipynb").write_bytes(student.read_bytes())
    out = tmp_path / "gradebook.csv"
    assert main([str(subs / "keen" / "pool.ipynb"), str(subs / "late" / "pool.ipynb"),
                 "--seed", SEED, "--out", str(out)]) == 0
    rows = {row["student"]: row for row in csv.DictReader(out.open())}
    pooling = [e for e in registry.EXERCISES.values() if e.notebook == "04_pooling/01_pooling.ipynb"]
    assert len(pooling) == 4
    assert rows["keen"]["total"] == rows["keen"]["max"] != "0"
    assert rows["late"]["total"] == "0"
    assert all(rows["keen"][e.name] != "" for e in pooling)
