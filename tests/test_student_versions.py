"""Student versions: solution blocks become friendly stubs, sources stay untouched, and the
student version of every notebook runs top to bottom (checks say "not implemented yet")."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from cnnbook.exercises.student import (
    BEGIN,
    END,
    SOLUTION_TAG,
    MarkerError,
    find_exercises,
    main,
    strip_solutions,
    student_notebook,
    write_student_versions,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*/*.ipynb"))
WITH_EXERCISES = [p for p in NOTEBOOKS if BEGIN in p.read_text(encoding="utf-8")]


def cell_source(cell) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


SOLVED = f'''import numpy as np

def square(x):
    """Return x squared."""
    {BEGIN}
    y = x * x
    return y
    {END}

class Model:
    def forward(self, x):
        {BEGIN}
        return x
        {END}'''


def test_solution_blocks_become_stubs_at_their_indentation():
    stripped, functions = strip_solutions(SOLVED)
    assert functions == ["square", "forward"]
    assert "x * x" not in stripped and "return x" not in stripped
    assert BEGIN not in stripped and END not in stripped
    assert '    """Return x squared."""\n    # YOUR CODE HERE\n    raise NotImplementedError(' in stripped
    assert "\n        raise NotImplementedError('Exercise: write the body of forward" in stripped
    namespace = {}
    exec(stripped, namespace)  # the stub is valid Python
    with pytest.raises(NotImplementedError, match="write the body of square"):
        namespace["square"](3)


@pytest.mark.parametrize(
    "source,match",
    [
        (f"def f():\n    {END}", "without a '# BEGIN SOLUTION' before it"),
        (f"def f():\n    {BEGIN}\n    return 1", "never closed"),
        (f"def f():\n    {BEGIN}\n    {BEGIN}\n    {END}", "inside the block opened on line 2"),
        (f"{BEGIN}\nx = 1\n{END}", "not inside a function"),
        (f"def f():\n    {BEGIN}\n    return 1\n  {END}", "indented differently"),
    ],
)
def test_bad_markers_are_named_with_their_line(source, match):
    with pytest.raises(MarkerError, match=match):
        strip_solutions(source, where="nb.ipynb, cell 3")
    with pytest.raises(MarkerError, match=r"nb.ipynb, cell 3, line \d"):
        strip_solutions(source, where="nb.ipynb, cell 3")


def test_markers_in_a_markdown_cell_are_rejected():
    nb = {"cells": [{"cell_type": "markdown", "source": f"text {BEGIN}"}]}
    with pytest.raises(MarkerError, match="cell 0: solution markers in a markdown cell"):
        find_exercises(nb, name="x.ipynb")


def test_student_notebook_clears_outputs_and_leaves_the_input_alone():
    nb = {"cells": [{"cell_type": "code", "source": SOLVED, "outputs": [{"x": 1}],
                     "execution_count": 3, "metadata": {}}], "metadata": {}}
    before = json.dumps(nb)
    student = student_notebook(nb)
    assert json.dumps(nb) == before
    assert student["cells"][0]["outputs"] == [] and student["cells"][0]["execution_count"] is None
    assert "x * x" not in cell_source(student["cells"][0])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_has_balanced_markers_and_a_check_cell_after_it(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for exercise in find_exercises(nb, name=path.name):
        later = "\n".join(cell_source(c) for c in nb["cells"][exercise.cell + 1:]
                          if c["cell_type"] == "code")
        assert re.search(rf"check_\w+\(\s*{exercise.function}\b", later), (
            f"{path.name}: exercise {exercise.function} (cell {exercise.cell}) has no check "
            "cell calling check_...({exercise.function}) after it")


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_solutions_are_collapsed_in_the_book_and_shown_as_stubs_to_students(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    student = student_notebook(nb)
    for exercise in find_exercises(nb):
        tags = nb["cells"][exercise.cell].get("metadata", {}).get("tags", [])
        assert SOLUTION_TAG in tags, (
            f"{path.name}, cell {exercise.cell}: tag the solution cell {SOLUTION_TAG!r} so "
            "the book shows it collapsed")
        assert SOLUTION_TAG not in student["cells"][exercise.cell]["metadata"].get("tags", [])


def test_the_book_has_exercises_to_strip():
    assert len(WITH_EXERCISES) >= 10
    assert sum(len(find_exercises(json.loads(p.read_text()))) for p in WITH_EXERCISES) >= 26


def test_writing_student_versions_keeps_the_sources(tmp_path):
    source = tmp_path / "src" / "04_pooling" / "01_pooling.ipynb"
    source.parent.mkdir(parents=True)
    shutil.copy(ROOT / "chapters" / "04_pooling" / "01_pooling.ipynb", source)
    before = source.read_bytes()
    (written,) = write_student_versions([source], tmp_path / "student")
    assert written == tmp_path / "student" / "04_pooling" / "01_pooling.ipynb"
    assert source.read_bytes() == before
    text = written.read_text()
    assert BEGIN not in text and "NotImplementedError" in text
    with pytest.raises(ValueError, match="refusing to overwrite the source notebook"):
        write_student_versions([source], tmp_path / "src")
    assert source.read_bytes() == before


def test_command_line_reports_errors_without_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad" / "x.ipynb"
    bad.parent.mkdir()
    bad.write_text(json.dumps({"cells": [{"cell_type": "code", "source": f"def f():\n    {BEGIN}",
                                          "outputs": [], "metadata": {}}]}))
    assert main(["--out", str(tmp_path / "out"), str(bad)]) == 2
    assert "never closed" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert main(["--out", str(tmp_path / "out"), str(tmp_path / "missing.ipynb")]) == 2
    assert "not a notebook file" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_student_version_runs_top_to_bottom(path, tmp_path):
    """Alone in an empty folder, with every solution stubbed: no cell raises, and each
    check cell reports the exercise as not implemented yet."""
    import nbformat
    from nbclient import NotebookClient

    (written,) = write_student_versions([path], tmp_path)
    nb = nbformat.read(written, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(written.parent)}}).execute()
    printed = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                        for o in c.outputs if o.get("output_type") == "stream")
    n_exercises = len(find_exercises(json.loads(path.read_text())))
    assert printed.count("not implemented yet") >= n_exercises


@pytest.mark.slow
def test_the_no_solutions_switch_builds_a_page_without_solutions(tmp_path):
    """`cnnbook_solutions: false` in _config.yml: a one-page book built from the pooling
    notebook shows the stubs and "not implemented yet", and no line of any solution.

    The notebook keeps its place under chapters/; each page it links to is a placeholder
    notebook (a title only), so that its links resolve without building the whole book.
    """
    import html
    import subprocess
    import sys

    import nbformat

    page_name = "chapters/04_pooling/01_pooling"
    source = ROOT / f"{page_name}.ipynb"
    before = source.read_bytes()
    copy = tmp_path / f"{page_name}.ipynb"
    copy.parent.mkdir(parents=True)
    shutil.copy(source, copy)
    linked = sorted({(copy.parent / target).resolve().relative_to(tmp_path.resolve())
                     for target in re.findall(r"\]\(([^)#\s]+\.ipynb)", source.read_text())})
    for target in linked:
        placeholder = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
            f"# {target.stem}")], metadata={"kernelspec": {"name": "python3",
                                                         "display_name": "Python 3"}})
        (tmp_path / target).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(placeholder, tmp_path / target)
    toc = f"format: jb-book\nroot: {page_name}\n"
    if linked:
        toc += "chapters:\n" + "".join(f"  - file: {t.with_suffix('')}\n" for t in linked)
    (tmp_path / "_toc.yml").write_text(toc)
    config = (ROOT / "_config.yml").read_text()
    assert "cnnbook_solutions: true" in config
    config = config.replace("cnnbook_solutions: true", "cnnbook_solutions: false")
    config = "\n".join(line for line in config.splitlines() if "logo.svg" not in line)
    (tmp_path / "_config.yml").write_text(config + "\n")
    shutil.copytree(ROOT / "_ext", tmp_path / "_ext")  # the config's local Sphinx extension
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    build = subprocess.run([str(jupyter_book), "build", str(tmp_path), "--warningiserror"],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, (build.stdout + build.stderr)[-3000:]
    built = (tmp_path / f"_build/html/{page_name}.html").read_text()
    page = html.unescape(re.sub("<[^>]+>", "", built))
    nb = json.loads(before)
    solution_lines = {line.strip() for cell in nb["cells"] if BEGIN in cell_source(cell)
                      for line in cell_source(cell).split(BEGIN)[1].split(END)[0].splitlines()
                      if len(line.strip()) > 12}
    assert solution_lines and not [line for line in solution_lines if line in page]
    assert page.count("YOUR CODE HERE") == len(find_exercises(nb))
    assert "not implemented yet" in page
    assert source.read_bytes() == before


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_only_solution_cells_are_collapsed(path):
    """The book labels every collapsed cell "Show the solution"; other cells must not hide."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        tags = cell.get("metadata", {}).get("tags", [])
        if any(t.startswith("hide-") for t in tags):
            assert BEGIN in cell_source(cell), f"{path.name}, cell {index}: {tags} on a non-solution cell"
