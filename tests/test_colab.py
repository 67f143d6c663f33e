"""Colab readiness: every notebook runs with nothing of the repository but the installed package.

Colab gives a notebook a Python with torch, torchvision and the notebook runtime, and none of
this repository. This module rebuilds that situation and runs the book in it:

1. build cnnbook's wheel (it must carry the bundled data);
2. make a fresh virtual environment in which torch, torchvision and the notebook runtime
   (ipykernel, nbclient, nbformat) are already installed, as in Colab. Installing torch again
   would cost 4 GB, so an *overlay* folder holds symbolic links to exactly those distributions
   of this environment and what they require, and a .pth file puts it on the fresh
   environment's path. Nothing else of this environment is visible there (no cnnbook, no
   matplotlib);
3. run the setup cell as Colab would (a stand-in google.colab, the repository URL replaced by
   the wheel): it must install cnnbook and the rest of its requirements with pip, keep torch,
   and print the device lines. Outside Colab the same cell must print nothing;
4. copy each notebook alone into an empty folder and run it there, in that environment, with
   an empty home folder and no network.

Step 3 needs the package registry (for matplotlib and ipywidgets), as `make test`'s own
install does; step 4 downloads nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
import torch
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cnnbook.data.bundled import SHA256
from cnnbook.device import colab_report, get_device

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
REPOSITORY_URL = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]

# What Colab has installed before the first cell runs, as far as this book is concerned.
PREINSTALLED = ["torch", "torchvision", "ipykernel", "nbclient", "nbformat"]
CELL_TIMEOUT_S = 120

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the overlay uses symbolic links")

# Runs inside the fresh environment: executes a notebook as Jupyter would, in the current
# folder, and on a failing cell prints nbclient's report (the cell and its traceback).
RUNNER = '''
import sys
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

source, executed, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3])
nb = nbformat.read(source, as_version=4)
client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                        resources={"metadata": {"path": "."}})
try:
    client.execute()
except CellExecutionError as error:
    sys.exit(str(error))
finally:
    nbformat.write(nb, executed)
'''

# A stand-in for Colab: the package google.colab, imported before the first cell runs
# (Colab's kernel imports it at start; sitecustomize does it here).
FAKE_COLAB = {
    "google/colab/__init__.py": '"""Stand-in for Colab\'s google.colab (tests/test_colab.py)."""\n',
    "sitecustomize.py": "import google.colab  # as Colab's kernel does before the first cell\n",
}


# ----------------------------------------------------------------------------------------------
# The overlay: this environment's torch, torchvision and notebook runtime, linked, not copied.


def requirement_closure(roots: list[str]) -> dict[str, metadata.Distribution]:
    """The installed distributions named in ``roots`` and, recursively, those they require.

    Requirements follow their markers for this platform, and the extras asked for (torch
    requires ``cuda-toolkit[cublas,...]``). Returns canonical name -> distribution.
    """
    found: dict[str, metadata.Distribution] = {}
    todo, seen = [Requirement(root) for root in roots], set()
    while todo:
        requirement = todo.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue  # not needed on this platform after all, or the import check below fails
        found[key[0]] = dist
        extras = {"", *requirement.extras}
        for text in dist.requires or []:
            sub = Requirement(text)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in extras):
                todo.append(sub)
    return found


def top_level_entries(dist: metadata.Distribution) -> set[str]:
    """The names a distribution puts directly into its site-packages folder (packages,
    modules, the .dist-info folder, bundled .libs), from its RECORD."""
    assert dist.files is not None, f"{dist.metadata['Name']} has no RECORD; cannot link it"
    return {f.parts[0] for f in dist.files
            if f.parts[0] not in ("..", "__pycache__") and not f.parts[0].endswith(".pth")}


def make_overlay(folder: Path, dists: dict[str, metadata.Distribution]) -> None:
    """Fill ``folder`` with symbolic links to every top-level entry of ``dists``."""
    folder.mkdir()
    for dist in dists.values():
        site = Path(dist.locate_file(""))
        for name in top_level_entries(dist):
            link, target = folder / name, site / name
            if link.is_symlink():  # a namespace shared by several distributions (nvidia/)
                assert os.readlink(link) == str(target), f"{name} comes from two folders"
            elif target.exists():
                link.symlink_to(target)


# ----------------------------------------------------------------------------------------------
# The fresh environment


@dataclass
class FreshEnv:
    root: Path          # the virtual environment
    python: Path
    site: Path          # its site-packages
    overlay: Path
    env: dict           # environment variables for every process run in it
    work: Path          # scratch space of this module
    visible: dict = field(default_factory=dict)  # what it held before cnnbook's install

    def run_python(self, code: str) -> dict:
        """Run ``code`` with the fresh environment's python; it prints one JSON object."""
        result = subprocess.run([str(self.python), "-c", code], env=self.env, cwd=self.work,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def run_notebook(self, source: Path, *, timeout: int = 900, **extra_env):
        """Execute the notebook ``source`` in its folder with a kernel of this environment.

        Returns (returncode, the executed notebook, nbclient's report of a failing cell).
        """
        executed = source.parent.parent / f"{source.stem}.executed.ipynb"  # beside its folder
        runner = self.work / "runner.py"
        result = subprocess.run(
            [str(self.python), str(runner), str(source), str(executed), str(CELL_TIMEOUT_S)],
            cwd=source.parent, env={**self.env, **extra_env}, capture_output=True, text=True,
            timeout=timeout,
        )
        done = nbformat.read(executed, as_version=4) if executed.exists() else None
        return result.returncode, done, plain_text(result.stderr)[-6000:]


# Variables of the test's own environment that must not reach the fresh one.
LEAKY = ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP",
         "PYTHONUSERBASE", "MPLBACKEND", "MPLCONFIGDIR", "IPYTHONDIR", "JUPYTER_PATH",
         "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "PIP_CONSTRAINT",
         "PIP_REQUIRE_VIRTUALENV", "PIP_USER", "PIP_TARGET", "PIP_PREFIX")


def pinned(dists) -> str:
    """Constraints that pin every given distribution to its installed version."""
    return "".join(f"{d.metadata['Name']}=={d.version}\n" for d in dists)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("colab")


@pytest.fixture(scope="module")
def colab_wheel(wheel) -> Path:
    """cnnbook's wheel (conftest.py builds it), checked to carry the bundled data."""
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in SHA256 if f"cnnbook/data/{f}" not in names]
    assert not missing, f"the wheel lacks the bundled data files {missing}"
    return wheel


@pytest.fixture(scope="module")
def fresh(work) -> FreshEnv:
    """A new virtual environment with only torch, torchvision and the notebook runtime."""
    root = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=300)
    python = root / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(subprocess.run([str(python), "-c", purelib],
                               check=True, capture_output=True, text=True).stdout.strip())
    own = names_in(site)  # pip (and setuptools before Python 3.12): the venv's own stay first

    dists = {name: d for name, d in requirement_closure(PREINSTALLED).items() if name not in own}
    overlay = work / "overlay"
    make_overlay(overlay, dists)
    (site / "preinstalled-overlay.pth").write_text(f"{overlay}\n")

    # pip in the fresh environment may install what is missing, never touch what the overlay
    # holds: every distribution of this environment is pinned to its version (pip would
    # fail rather than replace one), and pip does not uninstall outside its environment.
    ours = {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions()
            if d.metadata["Name"]}
    for name in ["cnnbook", "pip", "setuptools", "wheel"]:
        ours.pop(name, None)
    constraints = work / "constraints.txt"
    constraints.write_text(pinned(ours.values()))

    env = {k: v for k, v in os.environ.items() if k not in LEAKY and not k.startswith("PYTEST_")}
    path = [p for p in env.get("PATH", "").split(os.pathsep)
            if Path(p) != Path(sys.executable).parent]
    env.update(PATH=os.pathsep.join([str(root / "bin"), *path]), VIRTUAL_ENV=str(root),
               PIP_CONSTRAINT=str(constraints), PIP_DISABLE_PIP_VERSION_CHECK="1")
    fresh = FreshEnv(root, python, site, overlay, env, work)
    fresh.visible = fresh.run_python(VISIBLE)
    (work / "runner.py").write_text(RUNNER)
    return fresh


def names_in(site: Path) -> set:
    """Canonical names of the distributions installed in the folder ``site``."""
    return {canonicalize_name(p.name.split("-")[0]) for p in site.glob("*.dist-info")}


VISIBLE_OR_NOT = ["torch", "torchvision", "ipykernel", "nbclient", "cnnbook", "matplotlib",
                  "ipywidgets", "yaml"]
VISIBLE = f"""
import importlib.util, json, sys, torch
print(json.dumps({{"prefix": sys.prefix, "torch": torch.__version__, "torch_file": torch.__file__,
                   "modules": [n for n in {VISIBLE_OR_NOT!r} if importlib.util.find_spec(n)]}}))
"""


def test_the_fresh_environment_has_torch_and_the_runtime_and_nothing_else(fresh):
    assert Path(fresh.visible["prefix"]) == fresh.root
    assert fresh.visible["modules"] == ["torch", "torchvision", "ipykernel", "nbclient"], (
        "before cnnbook's install the fresh environment must hold only torch, torchvision and "
        "the notebook runtime")
    assert fresh.visible["torch"] == torch.__version__
    assert fresh.visible["torch_file"] == str(fresh.overlay / "torch" / "__init__.py")


@dataclass
class Install:
    setup: list        # the setup cell's outputs, in Colab
    after: dict        # what the same kernel saw afterwards
    outside: list      # the setup cell's outputs outside Colab, cnnbook installed


@pytest.fixture(scope="module")
def installed(fresh, colab_wheel) -> Install:
    """Install cnnbook into the fresh environment through the setup cell, as Colab does."""
    cell = nbformat.read(NOTEBOOKS[0], as_version=4).cells[0].source
    assert f"git+{REPOSITORY_URL}" in cell, "the setup cell does not install from _config.yml's URL"
    local_cell = cell.replace(f"git+{REPOSITORY_URL}", colab_wheel.as_uri())
    check = ("import json, sys, cnnbook, torch\n"
             "print(json.dumps({'prefix': sys.prefix, 'cnnbook': cnnbook.__file__,\n"
             "                  'torch': torch.__version__, 'torch_file': torch.__file__}))")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(local_cell),
                                         nbformat.v4.new_code_cell(check)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}

    fake = fresh.work / "fake_colab"
    for name, text in FAKE_COLAB.items():
        (fake / name).parent.mkdir(parents=True, exist_ok=True)
        (fake / name).write_text(text)
    ipython = str(fresh.work / "ipython")  # HOME stays: this machine's pip configuration
    in_colab = fresh.work / "install" / "setup_in_colab.ipynb"
    in_colab.parent.mkdir()
    nbformat.write(nb, in_colab)
    code, done, report = fresh.run_notebook(in_colab, PYTHONPATH=str(fake), IPYTHONDIR=ipython)
    assert code == 0, f"the setup cell failed in a Colab-like kernel:\n{report}"
    after = json.loads(done.cells[1].outputs[0]["text"])

    plain = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)], metadata=nb.metadata)
    outside = fresh.work / "outside" / "setup_outside_colab.ipynb"
    outside.parent.mkdir()
    nbformat.write(plain, outside)
    code, done_outside, report = fresh.run_notebook(outside, IPYTHONDIR=ipython)
    assert code == 0, f"the setup cell failed outside Colab:\n{report}"
    return Install(done.cells[0].outputs, after, done_outside.cells[0].outputs)


def plain_text(text: str) -> str:
    """``text`` without the terminal colour codes of IPython's tracebacks and pip's warnings."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def streams(outputs) -> dict:
    texts: dict = {}
    for output in outputs:
        assert output["output_type"] == "stream", f"unexpected output {output}"
        texts[output["name"]] = texts.get(output["name"], "") + output["text"]
    return texts


def test_in_colab_the_setup_cell_installs_cnnbook_and_names_the_device(fresh, installed):
    assert Path(installed.after["prefix"]) == fresh.root
    assert Path(installed.after["cnnbook"]).is_relative_to(fresh.site), (
        "cnnbook is not imported from the package the setup cell installed")
    # This machine's report: one line on a GPU, the device and how to get a GPU on a CPU.
    expected = colab_report()
    assert len(expected.splitlines()) == (2 if get_device().type == "cpu" else 1)
    printed = streams(installed.setup)
    assert printed.get("stdout") == expected + "\n", "in Colab the setup cell must name the device"
    # pip is quiet: at most warnings about this machine's pip configuration (an index that
    # lacks a package, say), never an error such as a dependency conflict.
    noise = [line for line in plain_text(printed.get("stderr", "")).splitlines()
             if line.strip() and not line.startswith("WARNING: ")]
    assert not noise, "the setup cell printed more than the device:\n" + "\n".join(noise)


def test_the_setup_cell_keeps_torch(fresh, installed):
    assert installed.after["torch"] == torch.__version__
    assert installed.after["torch_file"] == str(fresh.overlay / "torch" / "__init__.py")
    # pip installed only what was missing: nothing of the overlay was installed again.
    new, linked = names_in(fresh.site), names_in(fresh.overlay)
    assert "cnnbook" in new and "matplotlib" in new
    assert not new & linked, f"pip reinstalled {sorted(new & linked)} over the preinstalled ones"
    # ... and this environment's torch and torchvision are untouched, file for file.
    for name in ["torch", "torchvision"]:
        dist = metadata.distribution(name)
        gone = [str(f) for f in dist.files if not Path(dist.locate_file(f)).exists()]
        assert not gone, f"files of this environment's {name} are gone: {gone[:5]}"


def test_outside_colab_the_setup_cell_prints_nothing(installed):
    assert installed.outside == []


@pytest.mark.parametrize("path", NOTEBOOKS,
                         ids=[str(p.relative_to(ROOT / "chapters")) for p in NOTEBOOKS])
def test_notebook_runs_alone_from_the_installed_package(fresh, installed, path, tmp_path):
    folder, home = tmp_path / "alone", tmp_path / "home"
    folder.mkdir()
    home.mkdir()
    shutil.copy(path, folder / path.name)
    no_network = "http://127.0.0.1:9"  # nothing listens there: a download fails at once
    code, _, report = fresh.run_notebook(
        folder / path.name, HOME=str(home), MPLCONFIGDIR=str(fresh.work / "mplconfig"),
        HTTP_PROXY=no_network, HTTPS_PROXY=no_network, http_proxy=no_network,
        https_proxy=no_network,
    )
    assert code == 0, f"{path.name} fails when it runs alone from the installed package:\n{report}"
    left = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.name != path.name)
    assert not left, f"{path.name} left files in the reader's folder: {left}"
