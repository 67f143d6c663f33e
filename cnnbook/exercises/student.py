"""Student versions of the book's notebooks: every solution replaced by a friendly stub.

In a source notebook, the body of an exercise's reference solution sits between two
marker lines inside the function, at the body's indentation::

    def conv2d_valid(x, w):
        # BEGIN SOLUTION
        ...the reference solution...
        # END SOLUTION

The student version keeps everything else (the markdown, the signature and docstring, the
check cell) and puts, in place of the markers and what lies between them::

        # YOUR CODE HERE
        raise NotImplementedError("Exercise: write the body of conv2d_valid ...")

so that the check cell reports "not implemented yet" instead of crashing. Outputs are
cleared. In the source, each solution cell carries the ``hide-input`` tag, so the rendered
book shows it collapsed behind a button (a reader reveals it on purpose); the student
version drops the tag. Student versions are written to a separate folder; a source notebook is never
modified, and the command refuses to write over one.

Command line (installed as ``cnnbook-student``)::

    cnnbook-student --out student/ chapters/04_pooling/01_pooling.ipynb ...
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
STUB_COMMENT = "# YOUR CODE HERE"
# The rendered book collapses a solution cell behind a "show" button with this tag.
SOLUTION_TAG = "hide-input"
_DEF = re.compile(r"^\s*def\s+([A-Za-z_]\w*)\s*\(")


class MarkerError(ValueError):
    """A source notebook's solution markers are unbalanced, nested or misplaced."""


@dataclass(frozen=True)
class Exercise:
    """One solution block: the notebook cell it is in and the function it belongs to."""

    cell: int
    function: str


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def stub_line(indent: str, function: str) -> List[str]:
    """The lines that replace a solution block of ``function`` at ``indent``."""
    message = (f"Exercise: write the body of {function} here (replace this line), "
               "then run the check cell below.")
    return [f"{indent}{STUB_COMMENT}", f"{indent}raise NotImplementedError({message!r})"]


def strip_solutions(source: str, *, where: str = "cell") -> tuple[str, List[str]]:
    """Replace every marked solution block in one cell's ``source`` by a stub.

    Returns the new source and the names of the functions whose bodies were replaced.
    Raises MarkerError (naming ``where`` and the line) for an END without a BEGIN, a
    BEGIN without an END, nested BEGINs, markers at different indentations, or a block
    outside a function.
    """
    lines = source.split("\n")
    out: List[str] = []
    functions: List[str] = []
    current_function: Optional[str] = None
    begin_at: Optional[int] = None
    begin_indent = ""
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        match = _DEF.match(line)
        if match and begin_at is None:
            current_function = match.group(1)
        if stripped == BEGIN:
            if begin_at is not None:
                raise MarkerError(f"{where}, line {number}: '{BEGIN}' inside the block opened "
                                  f"on line {begin_at}; close it with '{END}' first")
            if current_function is None:
                raise MarkerError(f"{where}, line {number}: '{BEGIN}' is not inside a function; "
                                  "markers must enclose a function's body")
            begin_at, begin_indent = number, line[: len(line) - len(line.lstrip())]
            continue
        if stripped == END:
            if begin_at is None:
                raise MarkerError(f"{where}, line {number}: '{END}' without a '{BEGIN}' before it")
            indent = line[: len(line) - len(line.lstrip())]
            if indent != begin_indent:
                raise MarkerError(f"{where}, line {number}: '{END}' is indented differently from "
                                  f"its '{BEGIN}' on line {begin_at}")
            out.extend(stub_line(begin_indent, current_function))
            functions.append(current_function)
            begin_at = None
            continue
        if begin_at is None:
            out.append(line)
    if begin_at is not None:
        raise MarkerError(f"{where}, line {begin_at}: '{BEGIN}' is never closed by '{END}'")
    return "\n".join(out), functions


def find_exercises(notebook: dict, *, name: str = "notebook") -> List[Exercise]:
    """The solution blocks of a notebook, in order (validating every marker on the way)."""
    found = []
    for index, cell in enumerate(notebook.get("cells", [])):
        source = _source(cell)
        if BEGIN not in source and END not in source:
            continue
        if cell.get("cell_type") != "code":
            raise MarkerError(f"{name}, cell {index}: solution markers in a "
                              f"{cell.get('cell_type')} cell; they belong in code cells")
        _, functions = strip_solutions(source, where=f"{name}, cell {index}")
        found.extend(Exercise(index, f) for f in functions)
    return found


def student_notebook(notebook: dict, *, name: str = "notebook",
                     source: Optional[str] = None) -> dict:
    """A copy of ``notebook`` with every solution replaced by a stub and outputs cleared.

    ``source`` (``<chapter folder>/<file>``), when given, is recorded in the notebook's
    metadata as ``cnnbook.source``: it tells ``cnnbook-grade`` which exercises a handed-in
    copy answers, whatever the student renames the file to.
    """
    result = copy.deepcopy(notebook)
    if source is not None:
        result.setdefault("metadata", {})["cnnbook"] = {"source": source}
    for index, cell in enumerate(result.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        if BEGIN in source or END in source:
            source, _ = strip_solutions(source, where=f"{name}, cell {index}")
            cell["source"] = source
            tags = cell.get("metadata", {}).get("tags")
            if tags and SOLUTION_TAG in tags:  # the student must see the stub
                tags.remove(SOLUTION_TAG)
        cell["outputs"] = []
        cell["execution_count"] = None
    return result


def write_student_versions(sources: Sequence[Path], out_dir: Path) -> List[Path]:
    """Write the student version of each source notebook into ``out_dir``.

    A notebook ``chapters/04_pooling/01_pooling.ipynb`` becomes
    ``out_dir/04_pooling/01_pooling.ipynb`` (its folder and file name). Refuses to write
    onto any of the sources. Returns the written paths.
    """
    out_dir = Path(out_dir)
    sources = [Path(s) for s in sources]
    resolved_sources = {s.resolve() for s in sources}
    planned = []
    for src in sources:
        if src.suffix != ".ipynb" or not src.is_file():
            raise ValueError(f"not a notebook file: {src}")
        target = out_dir / src.parent.name / src.name
        if target.resolve() in resolved_sources:
            raise ValueError(f"refusing to overwrite the source notebook {src}; "
                             "choose an --out folder outside the sources")
        planned.append((src, target))
    written = []
    for src, target in planned:
        notebook = json.loads(src.read_text(encoding="utf-8"))
        student = student_notebook(notebook, name=str(src),
                                   source=f"{src.resolve().parent.name}/{src.name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(student, indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        written.append(target)
    return written


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cnnbook-student",
        description="Write student versions of notebooks: solutions replaced by stubs.")
    parser.add_argument("notebooks", nargs="+", type=Path, help="source notebooks")
    parser.add_argument("--out", type=Path, required=True,
                        help="folder for the student versions (not the sources' folder)")
    args = parser.parse_args(argv)
    try:
        written = write_student_versions(args.notebooks, args.out)
    except (MarkerError, ValueError, OSError) as error:
        print(f"cnnbook-student: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())


# --------------------------------------------------------------------------- the book build


def _strip_solutions_for_sphinx(app, docname: str, source: List[str]) -> None:
    """Sphinx ``source-read`` hook: with ``cnnbook_solutions = False``, a notebook is read
    as its student version (before myst-nb executes it), so the site shows no solution."""
    if app.config.cnnbook_solutions or BEGIN not in source[0]:
        return
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    notebook = json.loads(source[0])
    source[0] = json.dumps(student_notebook(notebook, name=docname))


def setup(app):
    """Sphinx extension: the config value ``cnnbook_solutions`` (True: solutions collapsed
    behind a button; False: a site without solutions, for a course that grades them)."""
    app.add_config_value("cnnbook_solutions", True, "env")
    app.connect("source-read", _strip_solutions_for_sphinx)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
