"""Rules every notebook of the book follows (DESIGN.md, "Notebooks").

- committed without outputs or execution counts;
- the same Colab setup cell first, a markdown title second;
- the setup cell installs from the repository URL of _config.yml and never installs torch;
- every notebook is in the table of contents and every entry of the table exists.
Execution itself (top to bottom, 120 s limit) is nbmake's job: see addopts in pyproject.toml.
"""

from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPOSITORY_URL = CONFIG["repository"]["url"]

SETUP_CELL = f'''# Setup (Colab or a fresh machine): install the book's helper package if it is missing.
# It never installs or replaces torch.
import importlib.util, subprocess, sys
if importlib.util.find_spec("cnnbook") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "cnnbook @ git+{REPOSITORY_URL}"], check=True)'''


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
    assert nb.cells[0].source.strip() == SETUP_CELL.strip(), f"{path.name}: the first cell is not the standard setup cell"
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
