"""The process that runs one submission for the grader (inside the sandbox).

``python -m cnnbook.exercises.worker READ_FD WRITE_FD`` is started by
:mod:`cnnbook.exercises.grade` through :mod:`cnnbook.exercises.sandbox`. It is a fresh
IPython kernel in its own process: it executes the notebook's code cells in order (a
cell that raises is reported and the next one runs, as "run all, continue on errors"),
then calls the student's functions on the inputs the grader sends, one call at a time.
It never sees the expected answers, the instructor's seed or the grader's files.

Requests (grader -> worker) are pickled dicts: the worker trusts the grader. Replies
(worker -> grader) use :mod:`cnnbook.exercises.wire`, which the grader decodes without
trusting it. Every message is an 8-byte length and a payload.

Requests:
    ``{"op": "run", "cells": [(index, source), ...], "cell_timeout": s}``
        replies ``{"event": "cell", "index": i}`` before each cell, then
        ``{"event": "ran", "errors": [[index, text], ...], "output": first lines,
        "output_chars": n}``.
    ``{"op": "lookup", "names": [...]}``
        replies ``{"event": "lookup", "found": {name: kind}, "functions": [...]}``.
    ``{"op": "call", "function": name, "args": (...), "errstate": {...},
    "bans": [...], "time_limit": s}``
        replies ``{"event": "result", "value": v, "changed": [[i, new], ...],
        "violations": [...]}`` or ``{"event": "error", "type": name, "builtin": bool,
        "message": text, "where": text, "violations": [...]}`` or ``{"event": "timeout"}``.
    ``{"op": "exit"}``
"""

from __future__ import annotations

import builtins
import copy
import io
import os
import pickle
import signal
import sys
import traceback
from typing import Any, Dict, List

import numpy as np

from cnnbook.exercises import core, wire
from cnnbook.exercises.bans import CallMonitor

OUTPUT_KEEP = 20_000  # characters of the notebook's printed output kept for the report


class Timeout(BaseException):
    """A cell or a call ran out of time (a BaseException: ``except Exception`` misses it)."""


class CappedText(io.TextIOBase):
    """A text stream that keeps the first ``keep`` characters and counts the rest."""

    def __init__(self, keep: int = OUTPUT_KEEP):
        self.keep, self.parts, self.kept, self.total = keep, [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        self.total += len(text)
        if self.kept < self.keep:
            piece = text[: self.keep - self.kept]
            self.parts.append(piece)
            self.kept += len(piece)
        return len(text)

    def text(self) -> str:
        return "".join(self.parts)


class Channel:
    """Length-prefixed messages over two pipe file descriptors."""

    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd, self.write_fd = read_fd, write_fd

    def receive(self) -> Any:
        size = wire.LENGTH.unpack(self._read_exactly(wire.LENGTH.size))[0]
        return pickle.loads(self._read_exactly(size))

    def send(self, message: Dict[str, Any]) -> None:
        payload = wire.encode(message)
        data = wire.LENGTH.pack(len(payload)) + payload
        while data:
            data = data[os.write(self.write_fd, data):]

    def _read_exactly(self, size: int) -> bytes:
        chunks, remaining = [], size
        while remaining:
            chunk = os.read(self.read_fd, min(remaining, 1 << 20))
            if not chunk:
                raise EOFError("the grader closed the channel")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)


def _alarm(seconds: float):
    def expire(signum, frame):
        raise Timeout()

    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 0.001))


def _cancel_alarm():
    signal.setitimer(signal.ITIMER_REAL, 0)


def _make_shell():
    """An IPython shell if IPython is installed (magics work), else a plain namespace."""
    try:
        from IPython.core.interactiveshell import InteractiveShell
    except ImportError:
        return None
    shell = InteractiveShell.instance()
    shell.colors = "NoColor" if hasattr(shell, "colors") else None
    return shell


class Worker:
    """Holds the submission's namespace and answers the grader's requests."""

    def __init__(self, channel: Channel):
        self.channel = channel
        self.output = CappedText()
        sys.stdout = sys.stderr = self.output
        self.shell = _make_shell()
        self.namespace = self.shell.user_ns if self.shell is not None else {"__name__": "__main__"}

    # ------------------------------------------------------------------ requests

    def serve(self) -> None:
        while True:
            try:
                request = self.channel.receive()
            except EOFError:
                return
            op = request.get("op")
            if op == "exit":
                return
            handler = {"run": self.run, "lookup": self.lookup, "call": self.call}.get(op)
            if handler is None:
                self.channel.send({"event": "error", "type": "ValueError", "builtin": True,
                                   "message": f"unknown request {op!r}", "where": ""})
                continue
            self.channel.send(handler(request))

    def run(self, request) -> Dict[str, Any]:
        errors: List[List[Any]] = []
        for index, source in request["cells"]:
            self.channel.send({"event": "cell", "index": index})
            error = self._run_cell(source, request.get("cell_timeout"))
            if error:
                errors.append([index, error])
        return {"event": "ran", "errors": errors, "output": self.output.text(),
                "output_chars": self.output.total}

    def _run_cell(self, source: str, timeout) -> str:
        try:
            if timeout:
                _alarm(timeout)
            if self.shell is not None:
                result = self.shell.run_cell(source, store_history=False, silent=False)
                error = result.error_before_exec or result.error_in_exec
            else:
                error = None
                try:
                    exec(compile(source, "<cell>", "exec"), self.namespace)
                except BaseException as raised:  # noqa: BLE001 - the next cell still runs
                    error = raised
        except Timeout as raised:  # the alarm fired outside the cell's own code
            error = raised
        finally:
            _cancel_alarm()
        if error is None:
            return ""
        if isinstance(error, Timeout):
            return f"stopped after {timeout:g} s"
        return _short(error)

    def lookup(self, request) -> Dict[str, Any]:
        found = {}
        for name in request["names"]:
            if name not in self.namespace:
                found[name] = None
            else:
                value = self.namespace[name]
                found[name] = "function" if callable(value) else type(value).__name__
        functions = sorted(name for name, value in self.namespace.items()
                           if not name.startswith("_") and callable(value)
                           and getattr(value, "__module__", None) == "__main__")
        return {"event": "lookup", "found": found, "functions": functions}

    def call(self, request) -> Dict[str, Any]:
        function = self.namespace.get(request["function"])
        args = request["args"]
        originals = copy.deepcopy(args)
        monitor = CallMonitor(request.get("bans", ()))
        try:
            with np.errstate(**request.get("errstate", {})):
                if request.get("time_limit"):
                    _alarm(request["time_limit"])
                try:
                    with monitor:
                        value = function(*args)
                finally:
                    _cancel_alarm()
        except Timeout:
            return {"event": "timeout", "violations": monitor.violations}
        except BaseException as error:  # noqa: BLE001 - reported to the grader
            return {"event": "error", "type": type(error).__name__,
                    "builtin": getattr(builtins, type(error).__name__, None) is type(error),
                    "message": _message(error), "where": _where(error),
                    "violations": monitor.violations}
        changed = [[i, after] for i, (after, before) in enumerate(zip(args, originals))
                   if not _unchanged(after, before)]
        return {"event": "result", "value": value, "changed": changed,
                "violations": monitor.violations}


def _unchanged(after: Any, before: Any) -> bool:
    """Whether an argument (arrays, and lists/tuples of them) kept its values."""
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and after.shape == before.shape
                and bool(np.array_equal(after, before, equal_nan=before.dtype.kind in "fc")))
    if isinstance(before, (list, tuple)):
        return (type(after) is type(before) and len(after) == len(before)
                and all(_unchanged(a, b) for a, b in zip(after, before)))
    return True


def _where(error: BaseException) -> str:
    """Like core._where, without looking up attributes on the student's exception."""
    frames = traceback.extract_tb(error.__traceback__)
    return f" (in {frames[-1].name}, line {frames[-1].lineno})" if frames else ""


def _message(error: BaseException) -> str:
    """The exception's message, without running a __str__ the student wrote."""
    try:
        return BaseException.__str__(error)[:wire.MAX_TEXT]
    except BaseException:  # noqa: BLE001
        return ""


def _short(error: BaseException) -> str:
    message = _message(error)
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    text = " ".join(text.split())
    return text[:300]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    read_fd, write_fd = int(argv[0]), int(argv[1])
    channel = Channel(read_fd, write_fd)
    core.GRADER_RUNNING = True  # the notebook's check cells print a line and return
    # Output the student's code writes at the C level (or after sys.stdout is replaced)
    # goes nowhere; Python-level output is captured, capped, by CappedText.
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    Worker(channel).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
