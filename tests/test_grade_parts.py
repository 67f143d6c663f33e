"""The grader's parts on their own: the wire format and the reading of banned names.

The wire format carries the student's answers into the grader, so it must rebuild every
honest answer exactly and refuse anything malformed without running code. The static
ban finder must resolve aliases and imports and follow helper functions, without
flagging the notebook's other cells.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from cnnbook.exercises import wire
from cnnbook.exercises.bans import CallMonitor, find_banned_references, is_banned
from cnnbook.exercises.core import _type_name

# --------------------------------------------------------------------------- wire


@pytest.mark.parametrize("value", [
    None, True, 0, -7, 2 ** 62, 1.5, float("inf"), -0.0, 3 + 4j, "text", (), [],
    np.arange(6, dtype=np.int32).reshape(2, 3), np.zeros((0, 4)), np.array(2.5),
    np.float32(1.25), np.array([True, False]), np.ones((2, 2), dtype=np.complex128),
    (np.ones(3), [1, (2.0, None)], {"a": np.eye(2)}),
])
def test_honest_values_come_back_exactly(value):
    back = wire.decode(wire.encode(value))
    assert type(back) is type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        assert back.dtype == value.dtype and np.shape(back) == np.shape(value)
        assert np.array_equal(back, value)
    elif isinstance(value, tuple) and value:
        assert np.array_equal(back[0], value[0]) and back[1] == [1, (2.0, None)]
        assert np.array_equal(back[2]["a"], np.eye(2))
    else:
        assert back == value or (isinstance(value, float) and math.isnan(back))


def test_nan_survives():
    assert math.isnan(wire.decode(wire.encode(float("nan"))))


def test_other_objects_arrive_as_named_opaque_values():
    import torch

    class Mine:
        def __repr__(self):
            raise RuntimeError("a repr the student wrote is never called")

    tensor, mine = wire.decode(wire.encode((torch.zeros(2), Mine())))
    assert isinstance(tensor, wire.Opaque) and _type_name(tensor) == "torch.Tensor"
    assert hasattr(tensor, "detach")  # selects the "convert with .numpy()" hint
    assert "tensor([0., 0.])" in repr(tensor)
    assert _type_name(mine).endswith("Mine") and repr(mine) == "<Mine object>"
    assert wire.decode(wire.encode(np.array([object()], dtype=object))).name == "ndarray"


def good_message():
    return wire.encode(np.arange(4.0))


@pytest.mark.parametrize("message", [
    b"",
    b"\x01\x00",
    good_message()[:-1],                                  # array bytes cut short
    good_message() + b"\x00",                             # trailing bytes
    pickle.dumps(np.arange(3)),                           # a pickle is not a message
    wire.LENGTH.pack(9) + b'{"tree": ',                  # broken JSON
    wire.LENGTH.pack(31) + b'{"tree": {"eval": 1}, "sizes": []}'[:31],
])
def test_malformed_messages_are_refused(message):
    with pytest.raises(wire.WireError):
        wire.decode(message)


def _forged(tree, blobs=()):
    import json

    header = json.dumps({"tree": tree, "sizes": [len(b) for b in blobs]}).encode()
    return wire.LENGTH.pack(len(header)) + header + b"".join(blobs)


@pytest.mark.parametrize("tree, blobs", [
    ({"array": 0, "dtype": "object", "shape": [1]}, [b"\x00" * 8]),   # object dtype
    ({"array": 0, "dtype": "float64", "shape": [3]}, [b"\x00" * 8]),  # shape vs bytes
    ({"array": 5, "dtype": "float64", "shape": [1]}, [b"\x00" * 8]),  # no such blob
    ({"array": 0, "dtype": "float64", "shape": [-1]}, [b"\x00" * 8]),
    ({"scalar": 0, "dtype": "float64", "shape": [1]}, [b"\x00" * 8]),
    ({"float": "1e400x"}, []),
    ({"dict": [["k"]]}, []),
    ({"module": "os", "call": "system"}, []),
    ("a bare string", []),
])
def test_forged_messages_are_refused(tree, blobs):
    with pytest.raises(wire.WireError):
        wire.decode(_forged(tree, blobs))


def test_nesting_and_size_are_bounded():
    deep = None
    for _ in range(wire.MAX_DEPTH + 5):
        deep = {"list": [deep]}
    with pytest.raises(wire.WireError):
        wire.decode(_forged(deep))
    wide = {"list": [None] * (wire.MAX_ITEMS + 1)}
    with pytest.raises(wire.WireError):
        wire.decode(_forged(wide))
    # what the worker sends for a too deep value is an opaque note, not an error
    nested = []
    for _ in range(wire.MAX_DEPTH + 5):
        nested = [nested]
    back = wire.decode(wire.encode(nested))
    while isinstance(back, list):
        back = back[0]
    assert isinstance(back, wire.Opaque) and "too large or too deep" in repr(back)


# --------------------------------------------------------------------------- static bans


BANS = ("torch", "cnnbook", "numpy.linalg.lstsq", "scipy.signal")


def findings(*cells, function="f"):
    return find_banned_references(list(cells), function, BANS)


def test_is_banned_matches_whole_names_only():
    assert is_banned("torch.nn.functional.conv2d", BANS) == "torch"
    assert is_banned("torchvision.ops", BANS) is None
    assert is_banned("numpy.linalg.lstsq", BANS) == "numpy.linalg.lstsq"
    assert is_banned("numpy.linalg.solve", BANS) is None


def test_aliases_and_from_imports_are_resolved():
    cells = ["import numpy as np\nimport torch.nn.functional as F\nfrom numpy.linalg import lstsq as ls",
             "def f(x):\n    y = F.conv2d(x, x)\n    return np.linalg.lstsq(x, y) + ls(x, y)"]
    found = findings(*cells)
    assert any("torch.nn.functional.conv2d" in f and "(cell 1, line 2)" in f for f in found)
    assert sum("numpy.linalg.lstsq" in f for f in found) == 1  # one finding per name
    assert not any("numpy.linalg " in f for f in found)


def test_imports_inside_the_function_and_constant_dynamic_imports():
    found = findings("def f(x):\n    import torch\n    from scipy import signal\n"
                     "    m = __import__('cnnbook.numpy_ops')\n    return signal.correlate2d(x, x)")
    assert any("uses torch," in f for f in found)
    assert any("scipy.signal.correlate2d" in f for f in found)
    assert any("uses cnnbook.numpy_ops" in f for f in found)


def test_helpers_are_followed_and_other_cells_ignored():
    cells = ["import torch",
             "t = torch.ones(3)  # the notebook may use torch elsewhere",
             "def helper(x):\n    return torch.relu(x)",
             "def unused(x):\n    return torch.sigmoid(x)",
             "def f(x):\n    return helper(x)"]
    found = findings(*cells)
    assert found == ["helper uses torch.relu, banned in this exercise (cell 2, line 2)"]


def test_module_assigned_aliases_and_tampering():
    cells = ["import torch.nn.functional as F\nconv = F.conv2d\nimport sys",
             "def f(x):\n    sys.setprofile(None)\n    return conv(x, x)"]
    found = findings(*cells)
    assert any("uses torch.nn.functional.conv2d" in f for f in found)
    assert any("sys.setprofile, which interferes with grading" in f for f in found)


def test_clean_code_and_unparsable_cells_give_nothing():
    assert findings("import numpy as np", "%matplotlib inline\n!ls", "def f(x):\n    return np.sum(x)") == []
    assert findings("def f(x) return", "def g(x):\n    return x", function="f") == []


# --------------------------------------------------------------------------- run-time bans


def test_call_monitor_catches_calls_however_they_are_reached():
    import importlib

    import torch

    def sneaky(x):
        module = importlib.import_module("torch.nn." + "functional")
        return getattr(module, "re" + "lu")(torch.as_tensor(x))

    with CallMonitor(["torch"]) as monitor:
        sneaky(np.ones(2))
    assert any("torch" in v for v in monitor.violations)
    with CallMonitor(["numpy.linalg.lstsq"]) as monitor:
        np.linalg.solve(np.eye(2), np.ones(2))
    assert monitor.violations == []
    with CallMonitor(["numpy.linalg.lstsq"]) as monitor:
        alias = np.linalg.lstsq
        alias(np.eye(2), np.ones(2), rcond=None)
    assert monitor.violations and "banned: numpy.linalg.lstsq" in monitor.violations[0]
