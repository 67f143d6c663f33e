import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip_gpu = pytest.mark.skip(reason="no CUDA device on this machine")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)


@pytest.fixture(scope="session")
def build():
    """Build the book exactly as `make book` does (every notebook executed, warnings are
    errors), once per test run; test_book.py checks the files, test_browser.py the pages."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    return subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--warningiserror", "--nitpick", "--keep-going"],
        capture_output=True, text=True, timeout=1800,
    )


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """cnnbook's wheel, built once per run from a copy of the sources (so that setuptools'
    build/ folder does not land in the checkout); test_packaging.py and test_colab.py read it."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in ["pyproject.toml", "README.md"]:
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "cnnbook", source / "cnnbook",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    try:  # offline and fast when this environment can build it itself
        import setuptools  # noqa: F401
        isolation = ["--no-build-isolation"]
    except ImportError:
        isolation = []
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            *isolation, "--wheel-dir", str(work / "dist"), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, f"building the wheel failed:\n{build.stderr}"
    (built,) = (work / "dist").glob("cnnbook-*.whl")
    return built
