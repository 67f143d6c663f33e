"""Rules every notebook of the book follows (DESIGN.md, "Notebooks").

- committed without outputs or execution counts;
- the same Colab setup cell first, a markdown title second;
- the setup cell installs from the repository URL of _config.yml and never installs torch;
- every notebook is in the table of contents and every entry of the table exists.
Execution itself (top to bottom, 120 s limit) is nbmake's job: see addopts in pyproject.toml;
tests/test_colab.py runs the setup cell and every notebook in a fresh, Colab-like environment.

After changing SETUP_CELL (or the URL in _config.yml), rewrite the first cell of every notebook:

    python tests/test_notebook_rules.py --write
"""

import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPOSITORY_URL = CONFIG["repository"]["url"]

# The first cell of every notebook; tests/test_colab.py runs it in a Colab-like environment.
# Colab's kernel has imported google.colab before the first cell runs (a check with
# importlib.util.find_spec("google.colab") would raise where no `google` package exists).
# pip keeps an installed torch, which meets cnnbook's loose `torch>=2.1`.
SETUP_CELL = f'''# Setup: installs the book's helper package cnnbook if it is missing (never torch), and in
# Colab names the device. Where cnnbook is installed, outside Colab, it does nothing.
import importlib.util, subprocess, sys
if importlib.util.find_spec("cnnbook") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "cnnbook @ git+{REPOSITORY_URL}"], check=True)
    importlib.invalidate_caches()  # so that this running kernel finds the new package
if "google.colab" in sys.modules:  # running in Colab
    from cnnbook.device import colab_report
    print(colab_report())'''
# The rendered book hides the cell (it does nothing there): a page starts with its title.
SETUP_TAG = "remove-cell"


def write_setup_cells(paths=NOTEBOOKS) -> list:
    """Make SETUP_CELL the first cell of each notebook; return the notebooks it changed.

    A first code cell gets the new source and the SETUP_TAG (its id and other metadata stay);
    a notebook that starts with a markdown cell gets a new code cell in front. The file is written as Jupyter
    writes it (nbformat, one-space indent), without outputs.
    """
    changed = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        nb = nbformat.reads(text, as_version=4)
        first = nb.cells[0] if nb.cells else None
        if first is not None and first.cell_type == "code":
            first.source, first.outputs, first.execution_count = SETUP_CELL, [], None
        else:
            first = nbformat.v4.new_code_cell(SETUP_CELL)
            nb.cells.insert(0, first)
        tags = first.metadata.setdefault("tags", [])
        if SETUP_TAG not in tags:
            tags.append(SETUP_TAG)
        new_text = nbformat.writes(nb) + "\n"
        if new_text != text:
            path.write_text(new_text, encoding="utf-8")
            changed.append(path)
    return changed


def ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under chapters/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_setup_cell_first_and_title_second(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "code"
    assert nb.cells[0].source.strip() == SETUP_CELL.strip(), (
        f"{path.name}: the first cell is not the standard setup cell (SETUP_CELL); "
        f"run: python tests/test_notebook_rules.py --write"
    )
    assert SETUP_TAG in nb.cells[0].metadata.get("tags", []), (
        f"{path.name}: the setup cell lacks the tag {SETUP_TAG!r} (hidden in the rendered book); "
        f"run: python tests/test_notebook_rules.py --write"
    )
    assert nb.cells[1].cell_type == "markdown" and nb.cells[1].source.lstrip().startswith("# "), (
        f"{path.name}: the second cell must be a markdown title '# ...'"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_no_cell_installs_torch(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "pip" in cell.source:
            assert "torch" not in cell.source.replace("torchvision", "").split("pip", 1)[1], (
                f"{path.name}: a cell pip-installs torch; Colab's torch must never be replaced"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_kernel_is_python3(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


# The rendered page shows about this many characters of a code line; longer lines hide
# their end behind a horizontal scroll bar.
MAX_CODE_LINE = 92


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_code_lines_fit_the_page(path):
    nb = nbformat.read(path, as_version=4)
    long_lines = [
        f"cell {i}: {len(line)} chars: {line[:60]}..."
        for i, cell in enumerate(nb.cells[1:], start=1)  # the setup cell is fixed
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line) > MAX_CODE_LINE
    ]
    assert not long_lines, (f"{path.name}: code lines longer than {MAX_CODE_LINE} characters:\n"
                            + "\n".join(long_lines))


def _toc_files(node):
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        for value in node.values():
            yield from _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _toc_files(item)


def test_table_of_contents_matches_the_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [toc["root"], *_toc_files(toc)]
    for entry in entries:
        candidates = [ROOT / f"{entry}{ext}" for ext in ("", ".md", ".ipynb")]
        assert any(c.is_file() for c in candidates), f"_toc.yml entry {entry!r} has no file"
    listed = {str((ROOT / e).with_suffix("")) for e in entries}
    for path in NOTEBOOKS:
        assert str(path.with_suffix("")) in listed, f"{path.relative_to(ROOT)} is not in _toc.yml"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_notebook_rules.py --write   "
                 "(make SETUP_CELL the first cell of every notebook under chapters/)")
    for changed in write_setup_cells():
        print("rewrote the setup cell of", changed.relative_to(ROOT))
