"""The wheel carries the bundled data, so an installed cnnbook (Colab) works without the repository."""

import zipfile

from cnnbook.data.bundled import SHA256


def test_wheel_contains_the_package_and_its_data(wheel):  # built by conftest.py
    names = set(zipfile.ZipFile(wheel).namelist())
    for filename in [*SHA256, "README.md"]:
        assert f"cnnbook/data/{filename}" in names, f"{filename} is missing from the wheel"
    for module in ["numpy_ops/conv.py", "numpy_ops/optim.py", "models/lenet.py", "training.py", "torch_ops/conv.py", "shapes.py", "gradcheck.py", "exercises/core.py",
                   "exercises/grade.py", "exercises/worker.py", "exercises/sandbox.py",
                   "exercises/registry.py", "exercises/wire.py", "exercises/bans.py",
                   "exercises/submission.py"]:
        assert f"cnnbook/{module}" in names
    assert not any(name.startswith(("tests/", "chapters/")) for name in names)
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "cnnbook-student = cnnbook.exercises.student:main" in scripts
    assert "cnnbook-grade = cnnbook.exercises.grade:main" in scripts
