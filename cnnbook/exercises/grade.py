"""``cnnbook-grade``: grade students' notebooks with public and hidden cases.

    cnnbook-grade [--seed SEED] [--timeout SECONDS] [--out FILE] NOTEBOOK...

For each submission (a student's notebook; never modified) the grader

1. starts a fresh worker process (:mod:`cnnbook.exercises.worker`, an IPython kernel of
   its own, driven by :mod:`cnnbook.exercises.submission`) inside the sandbox (:mod:`cnnbook.exercises.sandbox`) and runs the
   notebook's code cells top to bottom, continuing after a cell that raises; a cell that
   runs longer than ``--timeout`` seconds, or that ends the process, is stopped, reported
   and skipped (the worker is started again without it);
2. finds the notebook's exercises (the ``cnnbook.source`` metadata that
   ``cnnbook-student`` writes, else the file name, else the functions and checks it
   mentions; ``--exercises`` overrides) and, for each one, the student's function by the
   name the exercise asks for;
3. reads the code for banned names (:mod:`cnnbook.exercises.bans`), then runs the
   exercise's public check with the public cases and with hidden cases drawn from the
   instructor's seed. The checks run here, in the grader: the worker receives only the
   inputs of each call and returns the student's answer, which the grader decodes
   without trusting it (:mod:`cnnbook.exercises.wire`) and compares with expected
   answers computed here. While a function runs, a call monitor records banned calls;
4. writes a gradebook: ``FILE`` (CSV: one row per student, one column per exercise,
   total, notes) and ``FILE`` with the suffix ``.json`` (every case, every reason).

Points: one per passed case, public and hidden alike. An exercise whose code uses a name
it bans, or whose run calls one, gets 0 points, with the reason.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import json
import os
import re
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from cnnbook.exercises import registry, sandbox
from cnnbook.exercises.bans import find_banned_references
from cnnbook.exercises.registry import EXERCISES, GradedExercise
from cnnbook.exercises.submission import (  # noqa: F401 - part of this module's interface
    MAX_INCIDENTS,
    MAX_NOTEBOOK_BYTES,
    NotRun,
    RemoteFunction,
    Submission,
    Worker,
    WorkerLost,
    read_submission,
    run_notebook,
)

CELL_TIMEOUT = 120.0       # default --timeout: seconds one notebook cell may run
CALL_TIMEOUT = 10.0        # default --call-timeout: seconds one call of a function may run
SEED_VARIABLE = "CNNBOOK_GRADE_SEED"


def find_exercises(submission: Submission) -> List[GradedExercise]:
    """The exercises a submission answers: its metadata, its file name, or its code."""
    for key in (submission.source_key, submission.path.name):
        if key and registry.exercises_of(key):
            return registry.exercises_of(key)
    text = submission.text
    return [e for e in EXERCISES.values()
            if re.search(rf"\bdef\s+{re.escape(e.function)}\s*\(", text)
            or re.search(rf"\bcheck_{re.escape(e.name)}\b", text)]

# --------------------------------------------------------------------------- grading


@dataclass
class ExerciseGrade:
    """One exercise of one submission."""

    exercise: str
    points: float = 0.0
    max_points: float = 0.0
    public: str = ""
    hidden: str = ""
    reasons: List[str] = field(default_factory=list)
    cases: List[Dict[str, Any]] = field(default_factory=list)


class Grader:
    """Grades submissions with one seed; the cases are built once and reused."""

    def __init__(self, seed: str, *, mode: str, cell_timeout: float = CELL_TIMEOUT,
                 call_timeout: float = CALL_TIMEOUT, exercises: Optional[Sequence[str]] = None,
                 memory: int = sandbox.MEMORY_LIMIT):
        self.seed, self.mode, self.memory = seed, mode, memory
        self.cell_timeout, self.call_timeout = cell_timeout, call_timeout
        self.only = list(exercises) if exercises else None
        self._cases: Dict[str, Tuple[list, list]] = {}

    def cases(self, exercise: GradedExercise):
        """(public, hidden) cases of an exercise, expected answers computed here."""
        if exercise.name not in self._cases:
            hidden = exercise.hidden_cases(registry.hidden_rng(self.seed, exercise.name))
            self._cases[exercise.name] = (exercise.public_cases(), hidden)
        return self._cases[exercise.name]

    def grade(self, submission: Submission) -> List[ExerciseGrade]:
        exercises = ([EXERCISES[name] for name in self.only] if self.only
                     else find_exercises(submission))
        if not exercises and not submission.problems:
            submission.problems.append(
                "could not tell which exercises this notebook holds (no cnnbook metadata, "
                "unknown file name, no exercise function found); use --exercises")
        grades = [ExerciseGrade(e.name, max_points=float(sum(map(len, self.cases(e)))))
                  for e in exercises]
        if not exercises or not submission.cells:
            for grade in grades:
                grade.reasons.append(submission.problems[0] if submission.problems
                                     else "the notebook has no code")
            return grades
        worker = Worker(self.mode, self.cell_timeout, self.call_timeout, self.memory)
        try:
            running = run_notebook(worker, submission)
            found, defined = self._lookup(worker) if running else ({}, [])
            for exercise, grade in zip(exercises, grades):
                if not running:
                    grade.reasons.append(submission.problems[-1])
                    continue
                self._grade_one(worker, submission, exercise, grade, found, defined)
        finally:
            worker.close()
        return grades

    def _lookup(self, worker: Worker):
        names = sorted({e.function for e in EXERCISES.values()})
        try:
            worker.send({"op": "lookup", "names": names})
            reply = worker.receive(30)
        except (TimeoutError, WorkerLost):
            return {}, []
        found = reply.get("found", {})
        return (found if isinstance(found, dict) else {}), list(reply.get("functions", []))

    def _grade_one(self, worker, submission, exercise, grade, found, defined) -> None:
        kind = found.get(exercise.function)
        if kind is None:
            others = ", ".join(str(d) for d in defined[:12]) or "none"
            grade.reasons.append(f"no function named {exercise.function} is defined "
                                 f"(functions defined: {others})")
            return
        if kind != "function":
            grade.reasons.append(f"{exercise.function} is a {kind}, not a function")
            return
        sources = [""] * (max(i for i, _ in submission.cells) + 1)  # numbered as the notebook
        for index, source in submission.cells:
            sources[index] = source
        banned = find_banned_references(sources, exercise.function, exercise.bans)
        public, hidden = self.cases(exercise)
        remote = RemoteFunction(worker, submission, exercise)
        results = {}
        for label, cases in (("public", public), ("hidden", hidden)):
            with contextlib.redirect_stdout(io.StringIO()):
                results[label] = exercise.check(remote, cases=cases)
        grade.public = f"{results['public'].passed}/{results['public'].total}"
        grade.hidden = f"{results['hidden'].passed}/{results['hidden'].total}"
        earned = results["public"].points + results["hidden"].points
        for label, result in results.items():
            for case in result.cases:
                grade.cases.append({"set": label, "case": case.name, "passed": case.passed,
                                    "message": case.message, "hint": case.hint})
                if not case.passed and len(grade.reasons) < 4:
                    hint = f" (hint: {case.hint})" if case.hint else ""
                    grade.reasons.append(f"{label} case '{case.name}': {case.message}{hint}")
        violations = banned + [f"{exercise.function} {v}" for v in remote.violations]
        if violations:
            grade.reasons = [f"0 points: {v}" for v in violations[:5]] + grade.reasons
            grade.points = 0.0
        else:
            grade.points = float(earned)


# --------------------------------------------------------------------------- the gradebook


def student_names(paths: Sequence[Path]) -> List[str]:
    """Who handed in each file: the first folder below the files' common folder (e.g.
    ``subs/alice/lab.ipynb`` -> ``alice``), or the file name without ``.ipynb``."""
    resolved = [p.resolve() for p in paths]
    common = Path(os.path.commonpath([str(p.parent) for p in resolved])) if resolved else Path()
    names = []
    for path in resolved:
        relative = path.relative_to(common)
        names.append(relative.parts[0] if len(relative.parts) > 1 else path.stem)
    return names


def write_gradebook(out: Path, rows: List[Dict[str, Any]], exercise_names: List[str],
                    info: Dict[str, Any]) -> Tuple[Path, Path]:
    """Write the CSV (one row per student) and the JSON (everything) next to each other."""
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path = out.with_suffix(".json")
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *exercise_names, "total", "max", "notes"])
        for row in rows:
            cells = [_number(row["exercises"][n]["points"]) if n in row["exercises"] else ""
                     for n in exercise_names]
            writer.writerow([row["student"], *cells, _number(row["total"]),
                             _number(row["max"]), " | ".join(row["notes"])[:2000]])
    json_path.write_text(json.dumps({**info, "students": rows}, indent=1) + "\n",
                         encoding="utf-8")
    return out, json_path


def _number(x: float) -> str:
    return f"{x:g}"


def _row_notes(submissions: List[Dict[str, Any]]) -> List[str]:
    notes = []
    for sub in submissions:
        name = Path(sub["path"]).name
        notes += [f"{name}: {p}" for p in sub["problems"]]
        notes += [f"{name}: cell {i} {why}" for i, why in sub["skipped"].items()]
        for exercise, grade in sub["exercises"].items():
            if grade["points"] < grade["max_points"] and grade["reasons"]:
                notes.append(f"{exercise}: {grade['reasons'][0]}")
    return notes


def grade_paths(paths: Sequence[Path], grader: Grader, *, log=print) -> List[Dict[str, Any]]:
    """Grade every submission; one gradebook row per student (several notebooks merge)."""
    by_student: Dict[str, Dict[str, Any]] = {}
    for path, student in zip(paths, student_names(paths)):
        start = time.monotonic()
        submission = read_submission(path, student)
        grades = grader.grade(submission)
        row = by_student.setdefault(student, {"student": student, "submissions": [],
                                              "exercises": {}, "total": 0.0, "max": 0.0})
        record = {"path": str(path), "sandbox": grader.mode, "problems": submission.problems,
                  "skipped": {str(k): v for k, v in submission.skipped.items()},
                  "cell_errors": submission.cell_errors,
                  "printed_characters": submission.output_chars,
                  "exercises": {g.exercise: g.__dict__ for g in grades}}
        row["submissions"].append(record)
        for g in grades:
            best = row["exercises"].get(g.exercise)
            if best is None or g.points > best["points"]:
                row["exercises"][g.exercise] = {"points": g.points, "max_points": g.max_points}
        points = sum(g.points for g in grades)
        top = sum(g.max_points for g in grades)
        log(f"{student}: {path} -> {_number(points)}/{_number(top)} points "
            f"({time.monotonic() - start:.1f} s)")
    rows = []
    for row in by_student.values():
        row["total"] = sum(e["points"] for e in row["exercises"].values())
        row["max"] = sum(e["max_points"] for e in row["exercises"].values())
        row["notes"] = _row_notes(row["submissions"])
        rows.append(row)
    return rows


def seed_fingerprint(seed: str) -> str:
    """A short hash that identifies the seed without revealing it."""
    return hashlib.sha256(f"cnnbook-grade-fingerprint|{seed}".encode()).hexdigest()[:12]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cnnbook-grade",
        description="Grade students' notebooks: public and hidden cases, in a sandbox.")
    parser.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK",
                        help="the submissions (never modified)")
    parser.add_argument("--seed", help="the secret seed of the hidden cases (or set "
                        f"{SEED_VARIABLE}); keep it to grade again with the same cases")
    parser.add_argument("--timeout", type=float, default=CELL_TIMEOUT, metavar="SECONDS",
                        help="the most one notebook cell may run (default %(default)g)")
    parser.add_argument("--call-timeout", type=float, default=CALL_TIMEOUT, metavar="SECONDS",
                        help="the most one call of a student's function may run "
                        "(default %(default)g, at most 19)")
    parser.add_argument("--out", type=Path, default=Path("gradebook.csv"), metavar="FILE",
                        help="the gradebook CSV; the JSON goes beside it (default %(default)s)")
    parser.add_argument("--memory", type=float, default=sandbox.MEMORY_LIMIT / 2 ** 30,
                        metavar="GB", help="memory (address space) one submission may use "
                        "(default %(default)g; at least 4: torch needs about 3 to load)")
    parser.add_argument("--exercises", help="comma-separated exercise names to grade "
                        "(default: those of each notebook)")
    parser.add_argument("--sandbox", default="auto", choices=("auto", *sandbox.MODES),
                        help="how student code is isolated (default: the strongest available)")
    args = parser.parse_args(argv)
    error = _validate(args)
    if error:
        print(f"cnnbook-grade: {error}", file=sys.stderr)
        return 2
    try:
        mode = sandbox.choose_mode(args.sandbox)
    except sandbox.SandboxError as problem:
        print(f"cnnbook-grade: {problem}", file=sys.stderr)
        return 2
    _hide_memory()
    seed = args.seed or os.environ.get(SEED_VARIABLE)
    if not seed:
        seed = secrets.token_hex(16)
        print("cnnbook-grade: no --seed given: the hidden cases come from a fresh random "
              "seed and will differ if you grade again", file=sys.stderr)
    if mode == "process":
        print("cnnbook-grade: sandbox 'process': student code can read and write what your "
              "user can and use the network (see the instructor page)", file=sys.stderr)
    names = args.exercises.split(",") if args.exercises else None
    grader = Grader(seed, mode=mode, cell_timeout=args.timeout,
                    call_timeout=args.call_timeout, exercises=names,
                    memory=int(args.memory * 2 ** 30))
    rows = grade_paths(args.notebooks, grader)
    exercise_names = [n for n in EXERCISES
                      if any(n in row["exercises"] for row in rows)]
    info = {"grader": "cnnbook-grade", "sandbox": mode,
            "seed_fingerprint": seed_fingerprint(seed),
            "exercises": {n: {"function": EXERCISES[n].function,
                              "bans": list(EXERCISES[n].bans),
                              "public_cases": len(grader.cases(EXERCISES[n])[0]),
                              "hidden_cases": len(grader.cases(EXERCISES[n])[1])}
                          for n in exercise_names}}
    csv_path, json_path = write_gradebook(args.out, rows, exercise_names, info)
    print(f"wrote {csv_path} and {json_path}")
    return 0


def _validate(args) -> str:
    for path in args.notebooks:
        if not path.is_file():
            return f"no such notebook: {path}"
    resolved = {p.resolve() for p in args.notebooks}
    for out in (args.out, args.out.with_suffix(".json")):
        if out.resolve() in resolved:
            return f"--out {args.out} would overwrite a submission"
    if args.out.suffix.lower() == ".json":
        return "--out names the CSV file (the JSON is written beside it)"
    if not 0 < args.timeout <= 24 * 3600:
        return f"--timeout must be a positive number of seconds, got {args.timeout:g}"
    if not 0 < args.call_timeout < 20:
        return f"--call-timeout must be between 0 and 19 seconds, got {args.call_timeout:g}"
    if not 4 <= args.memory <= 1024:
        return f"--memory must be between 4 and 1024 GB, got {args.memory:g}"
    if args.exercises:
        unknown = [n for n in args.exercises.split(",") if n not in EXERCISES]
        if unknown:
            return (f"unknown exercise(s) {', '.join(unknown)}; known: "
                    f"{', '.join(EXERCISES)}")
    return ""


def _hide_memory() -> None:
    """Make the grader's memory and environment unreadable to same-user processes (Linux)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes
            ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
