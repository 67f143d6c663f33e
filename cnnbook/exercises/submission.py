"""One submission in its worker process, seen from the grader.

:class:`Worker` starts the sandboxed worker (:mod:`cnnbook.exercises.worker`), sends it
requests and reads its replies with deadlines; :func:`run_notebook` runs a submission's
cells there, restarting past a cell that hangs or ends the process; a
:class:`RemoteFunction` stands for the student's function in the grader, so that the
public checks run here, in the grader, on answers computed there.

Only inputs go to the worker (pickled: the worker trusts the grader); answers come back
in the wire format (:mod:`cnnbook.exercises.wire`), never unpickled.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import json
import os
import pickle
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from cnnbook.exercises import sandbox, wire
from cnnbook.exercises.core import CaseTimeout
from cnnbook.exercises.registry import GradedExercise

GRACE = 5.0                # extra seconds before a worker that ignores its alarm is killed
MAX_RESTARTS = 3           # times a worker is started again after a stopped cell
MAX_INCIDENTS = 2          # timed-out or crashed calls before an exercise's other cases stop
MAX_NOTEBOOK_BYTES = 50 * 2 ** 20

class WorkerLost(Exception):
    """The process running the submission ended or stopped answering."""

    @property
    def grader_message(self) -> str:  # how a check reports it (not as the student's error)
        return str(self)


class NotRun(WorkerLost):
    """A case skipped because earlier calls of the same function timed out or crashed."""

# --------------------------------------------------------------------------- the worker


class Worker:
    """One submission's process: start, run cells, call functions, stop."""

    def __init__(self, mode: str, cell_timeout: float, call_timeout: float,
                 memory: int = sandbox.MEMORY_LIMIT):
        self.mode, self.cell_timeout, self.call_timeout = mode, cell_timeout, call_timeout
        self.memory = memory
        self.process: Optional[subprocess.Popen] = None
        self.dir = tempfile.mkdtemp(prefix="cnnbook-grade-")
        self.read_fd = self.write_fd = -1

    # ---------------------------------------------------------------- life cycle

    def start(self) -> None:
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        work = tempfile.mkdtemp(dir=self.dir)
        scratch = os.path.join(work, "scratch")
        os.makedirs(os.path.join(scratch, "tmp"))
        command = sandbox.worker_command(self.mode, work, to_worker_r, from_worker_w,
                                         self.memory)
        env = sandbox.worker_environment(scratch)
        with open(os.path.join(work, "stderr"), "wb") as stderr:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                pass_fds=(to_worker_r, from_worker_w), cwd=scratch, env=env,
                start_new_session=True,
                preexec_fn=(functools.partial(sandbox.set_limits, self.memory)
                            if self.mode == "process" else None))
        os.close(to_worker_r)
        os.close(from_worker_w)
        self.write_fd, self.read_fd = to_worker_w, from_worker_r
        self.stderr_path = os.path.join(work, "stderr")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.read_fd = self.write_fd = -1
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def startup_error(self) -> str:
        """The first lines the worker wrote to stderr (why it could not start)."""
        try:
            with open(self.stderr_path, "rb") as f:
                text = f.read(2000).decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return text.splitlines()[-1] if text else ""

    # ---------------------------------------------------------------- messages

    def send(self, message: Dict[str, Any]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        data = wire.LENGTH.pack(len(data)) + data
        try:
            while data:
                data = data[os.write(self.write_fd, data):]
        except OSError as error:
            raise WorkerLost(f"could not send to the submission's process ({error})") from None

    def receive(self, timeout: float) -> Dict[str, Any]:
        deadline = time.monotonic() + timeout
        header = self._read(wire.LENGTH.size, deadline)
        (size,) = wire.LENGTH.unpack(header)
        if size > wire.MAX_BYTES + 8:
            raise WorkerLost("the submission's process sent a message that is too large")
        try:
            message = wire.decode(self._read(size, deadline))
        except wire.WireError as error:
            raise WorkerLost(f"the submission's process sent a malformed message ({error})")
        if not isinstance(message, dict) or not isinstance(message.get("event"), str):
            raise WorkerLost("the submission's process sent a malformed message")
        return message

    def _read(self, size: int, deadline: float) -> bytes:
        chunks, remaining = [], size
        while remaining:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if not ready:
                raise TimeoutError
            chunk = os.read(self.read_fd, min(remaining, 1 << 20))
            if not chunk:
                raise WorkerLost(self._ended())
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _ended(self) -> str:
        code = self.process.wait(timeout=10) if self.process is not None else None
        why = self.startup_error() if code else ""
        text = f"the submission's process ended (exit code {code})"
        return f"{text}: {why}" if why else text


# --------------------------------------------------------------------------- one submission


@dataclass
class Submission:
    """A student's notebook: its code cells and what running it reported."""

    path: Path
    student: str
    cells: List[Tuple[int, str]] = field(default_factory=list)
    source_key: Optional[str] = None
    text: str = ""
    problems: List[str] = field(default_factory=list)      # notebook-level reasons
    cell_errors: List[List[Any]] = field(default_factory=list)
    skipped: Dict[int, str] = field(default_factory=dict)  # cell index -> why
    output_chars: int = 0


def read_submission(path: Path, student: str) -> Submission:
    """Parse a notebook file (read only); problems are recorded, never raised."""
    submission = Submission(path=path, student=student)
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            submission.problems.append(f"the file is larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
            return submission
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        submission.problems.append(f"not a readable notebook ({type(error).__name__}: "
                                   f"{str(error)[:120]})")
        return submission
    for index, cell in enumerate(cells if isinstance(cells, list) else []):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            submission.cells.append((index, source))
    metadata = notebook.get("metadata") if isinstance(notebook, dict) else None
    cnnbook_meta = metadata.get("cnnbook") if isinstance(metadata, dict) else None
    if isinstance(cnnbook_meta, dict) and isinstance(cnnbook_meta.get("source"), str):
        submission.source_key = cnnbook_meta["source"]
    submission.text = "\n".join(source for _, source in submission.cells)
    return submission

def run_notebook(worker: Worker, submission: Submission) -> bool:
    """Run the submission's cells in ``worker`` (restarting past stopped cells).

    Returns whether the worker is alive afterwards, its namespace holding the notebook's
    definitions.
    """
    for attempt in range(MAX_RESTARTS + 1):
        worker.stop()
        worker.start()
        cells = [(i, s) for i, s in submission.cells if i not in submission.skipped]
        current: Optional[int] = None
        try:
            worker.send({"op": "run", "cells": cells, "cell_timeout": worker.cell_timeout})
            while True:
                reply = worker.receive(worker.cell_timeout + GRACE + (30 if current is None else 0))
                if reply["event"] == "cell":
                    current = reply.get("index")
                    continue
                if reply["event"] == "ran":
                    submission.cell_errors = reply.get("errors", [])
                    submission.output_chars = int(reply.get("output_chars", 0))
                    return True
                raise WorkerLost(f"unexpected reply {reply['event']!r}")
        except TimeoutError:
            why = f"did not finish within {worker.cell_timeout:g} s and was stopped"
        except WorkerLost as error:
            why = str(error)
        if current is None:  # the worker could not even start
            submission.problems.append(f"could not run the notebook: {why}")
            worker.stop()
            return False
        submission.skipped[current] = why
    submission.problems.append(f"gave up after {MAX_RESTARTS} restarts of the notebook")
    worker.stop()
    return False


# --------------------------------------------------------------------------- remote calls


class RemoteFunction:
    """Stands for the student's function in the grader: each call runs in the worker.

    Only the call's arguments are sent; the answer comes back through the wire format.
    Exceptions are raised again here (the builtin class when it is one), a call that runs
    out of time raises :class:`CaseTimeout`, an argument the student modified in place is
    modified here too (so the check reports it), and banned calls seen by the worker's
    monitor are collected in :attr:`violations`.
    """

    def __init__(self, worker: Worker, submission: Submission, exercise: GradedExercise):
        self.worker, self.submission, self.exercise = worker, submission, exercise
        self.__name__ = exercise.function
        self.violations: List[str] = []
        self.incidents: List[str] = []   # calls that timed out or ended the process
        self.lost: Optional[str] = None

    def _incident(self, what: str) -> None:
        """Count a call that ran out of time or ended the process; after MAX_INCIDENTS,
        the exercise's remaining cases are not run (each would cost as much again)."""
        self.incidents.append(what)
        if len(self.incidents) >= MAX_INCIDENTS:
            self.lost = f"not run: {len(self.incidents)} earlier calls {what}"

    def __call__(self, *args):
        if self.lost is not None:
            raise NotRun(self.lost)
        if not self.worker.alive and not run_notebook(self.worker, self.submission):
            self.lost = "the submission's process could not be started again"
            raise WorkerLost(self.lost)
        limit = self.worker.call_timeout
        try:
            self.worker.send({"op": "call", "function": self.exercise.function, "args": args,
                              "errstate": np.geterr(), "bans": self.exercise.bans,
                              "time_limit": limit})
            reply = self.worker.receive(limit + GRACE)
        except TimeoutError:
            self.worker.stop()  # it ignored its alarm: the next call starts a fresh one
            self._incident("ran out of time")
            raise CaseTimeout(limit) from None
        except WorkerLost:
            self.worker.stop()
            self._incident("ended the process")
            raise
        except BaseException:
            self.worker.stop()  # interrupted mid-message: the channel is out of step
            self._incident("ran out of time")
            raise
        self.violations += [v for v in reply.get("violations", []) if v not in self.violations]
        event = reply["event"]
        if event == "timeout":
            self._incident("ran out of time")
            raise CaseTimeout(limit)
        if event == "error":
            raise _rebuild_error(reply)
        if event != "result":
            self.worker.stop()
            raise WorkerLost(f"unexpected reply {event!r}")
        for index, value in reply.get("changed", []):
            if isinstance(index, int) and 0 <= index < len(args):
                _write_back(args[index], value)
        return reply.get("value")


_NEVER_REBUILT = {"KeyboardInterrupt", "SystemExit", "GeneratorExit", "CaseTimeout"}


def _rebuild_error(reply: Dict[str, Any]) -> BaseException:
    """The student's exception, as close to the original as is safe to raise here."""
    name = str(reply.get("type", "Exception"))
    name = name if re.fullmatch(r"[A-Za-z_]\w{0,59}", name) else "Exception"
    message = str(reply.get("message", ""))
    error: Optional[BaseException] = None
    cls = getattr(builtins, name, None)
    if (reply.get("builtin") and isinstance(cls, type) and issubclass(cls, Exception)
            and name not in _NEVER_REBUILT):
        with contextlib.suppress(Exception):
            error = cls(message)
    if error is None:
        error = type(name, (Exception,), {})(message)
    error.student_where = str(reply.get("where", ""))
    return error


def _write_back(target: Any, value: Any) -> None:
    """Copy a modified argument's new values into the grader's copy of it."""
    with contextlib.suppress(Exception):
        if isinstance(target, np.ndarray) and isinstance(value, np.ndarray):
            if value.shape == target.shape:
                np.copyto(target, value, casting="unsafe")
            else:  # cannot take the new shape in place: mark it changed all the same
                target.flat[0] = target.flat[0] + 1 if target.size else None
        elif isinstance(target, list) and isinstance(value, list):
            target[:] = value
