"""The grader's wire format: values from a student's process, decoded without trusting them.

The grader sends inputs to the sandboxed process that runs a submission (with pickle:
the sandbox trusts the grader) and receives the student's return values back. Unpickling
bytes written by a student's code would run any code the student likes in the grader, so
values travel back in this small format instead: a JSON tree in which

- ``None``, booleans, ints, floats (also inf and NaN), complex numbers and short strings
  stand for themselves;
- tuples, lists and dicts with string keys nest (at most ``MAX_DEPTH`` deep);
- NumPy arrays and scalars of a numeric or boolean dtype are raw bytes, rebuilt with
  ``np.frombuffer`` after checking the dtype against an allow-list and the byte count
  against the shape;
- anything else (a torch tensor, a generator, a student's class) becomes an
  :class:`Opaque` value that keeps only its type's name and a short repr, so that a check
  can still say "returned a torch.Tensor, expected a NumPy array".

A message is ``len(header) (8 bytes) | header (JSON) | array bytes``. :func:`decode`
raises :class:`WireError` for anything malformed; it never evaluates code.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any, List

import numpy as np

MAX_DEPTH = 16
MAX_ITEMS = 100_000          # values in one message (all levels together)
MAX_BYTES = 512 * 2 ** 20    # one message
MAX_TEXT = 2_000             # characters kept of a string or a repr
DTYPES = frozenset(["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                    "uint64", "float16", "float32", "float64", "complex64", "complex128"])
# An 8-byte length: in front of a message's JSON header here, and in front of every message
# on the grader <-> worker channel (cnnbook.exercises.worker, cnnbook.exercises.submission).
LENGTH = struct.Struct("<Q")


class WireError(ValueError):
    """A message that does not follow the wire format (or exceeds its limits)."""


class Opaque:
    """A value of a type the wire does not carry: its type's module, name and repr."""

    def __init__(self, module: str, name: str, text: str):
        self.module, self.name, self.text = module, name, text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, Opaque)
                and (self.module, self.name, self.text) == (other.module, other.name, other.text))

    __hash__ = None


def opaque_class(module: str, name: str) -> type:
    """A subclass of :class:`Opaque` that reports ``module.name`` as its type.

    Checks name a wrong answer's type from ``type(got)``; a torch tensor also answers
    ``hasattr(got, "detach")`` as a real one does, which selects the "convert with
    .numpy()" hint.
    """
    attributes = {"__module__": module, "__qualname__": name}
    if module == "torch" and name in ("Tensor", "Parameter"):
        attributes.update(detach=None, numpy=None)
    return type(name, (Opaque,), attributes)


# --------------------------------------------------------------------------- encoding


def encode(value: Any) -> bytes:
    """``value`` as one message (types the wire does not carry become :class:`Opaque`)."""
    blobs: List[bytes] = []
    counter = [0]
    tree = _encode(value, blobs, 0, counter)
    header = json.dumps({"tree": tree, "sizes": [len(b) for b in blobs]},
                        allow_nan=False).encode("utf-8")
    return LENGTH.pack(len(header)) + header + b"".join(blobs)


def _encode(value: Any, blobs: List[bytes], depth: int, counter: List[int]) -> Any:
    counter[0] += 1
    if counter[0] > MAX_ITEMS or depth > MAX_DEPTH:
        return _opaque(value, "(too large or too deep to send)")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and type(value) is int:
        return value if abs(value) < 2 ** 63 else {"float": _float_text(float(value))}
    if type(value) is float:
        return {"float": _float_text(value)}
    if type(value) is complex:
        return {"complex": [_float_text(value.real), _float_text(value.imag)]}
    if type(value) is str:
        return {"str": value[:MAX_TEXT]}
    if isinstance(value, (np.ndarray, np.generic)) and str(value.dtype) in DTYPES:
        array = np.asarray(value)  # a NumPy scalar becomes a 0-d array
        blobs.append(array.tobytes())  # in C order, whatever the strides
        kind = "scalar" if isinstance(value, np.generic) else "array"
        return {kind: len(blobs) - 1, "dtype": str(array.dtype), "shape": list(array.shape)}
    if type(value) in (tuple, list):
        key = "tuple" if type(value) is tuple else "list"
        return {key: [_encode(v, blobs, depth + 1, counter) for v in value]}
    if type(value) is dict and all(type(k) is str for k in value):
        return {"dict": [[k[:MAX_TEXT], _encode(v, blobs, depth + 1, counter)]
                         for k, v in value.items()]}
    return _opaque(value)


def _float_text(x: float) -> Any:
    return x if math.isfinite(x) else repr(x)  # "inf", "-inf", "nan"


# Only these libraries' objects are asked for their repr; a class the student wrote could
# do anything in its __repr__ (loop, print, raise).
_TRUSTED_REPR = ("builtins", "numpy", "torch")


def _opaque(value: Any, note: str = "") -> dict:
    cls = type(value)
    text = f"<{cls.__name__} object>"
    if str(getattr(cls, "__module__", "")).split(".")[0] in _TRUSTED_REPR:
        try:
            text = repr(value)
        except BaseException:  # noqa: BLE001
            pass
    text = (note or text)[:MAX_TEXT]
    return {"opaque": [str(getattr(cls, "__module__", "?"))[:200],
                       str(getattr(cls, "__qualname__", cls.__name__))[:200], text]}


# --------------------------------------------------------------------------- decoding


def decode(message: bytes) -> Any:
    """The value of one message; raises :class:`WireError` on anything malformed."""
    if len(message) > MAX_BYTES + 8:
        raise WireError("message too large")
    if len(message) < LENGTH.size:
        raise WireError("message too short")
    (length,) = LENGTH.unpack_from(message)
    if length > len(message) - LENGTH.size:
        raise WireError("header longer than the message")
    try:
        header = json.loads(message[LENGTH.size:LENGTH.size + length].decode("utf-8"))
        sizes = [int(s) for s in header["sizes"]]
        tree = header["tree"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise WireError(f"bad header ({error})") from None
    offset = LENGTH.size + length
    if any(s < 0 for s in sizes) or offset + sum(sizes) != len(message):
        raise WireError("array sizes do not add up to the message length")
    blobs, start = [], offset
    for size in sizes:
        blobs.append(message[start:start + size])
        start += size
    return _decode(tree, blobs, 0, [0])


def _decode(node: Any, blobs: List[bytes], depth: int, counter: List[int]) -> Any:
    counter[0] += 1
    if counter[0] > MAX_ITEMS or depth > MAX_DEPTH + 1:
        raise WireError("too many or too deeply nested values")
    if node is None or isinstance(node, bool):
        return node
    if type(node) is int:
        return node
    if type(node) is not dict or len(node) == 0:
        raise WireError(f"unexpected node {str(node)[:60]!r}")
    if "float" in node:
        return _float(node["float"])
    if "complex" in node:
        real, imag = node["complex"]
        return complex(_float(real), _float(imag))
    if "str" in node:
        return _text(node["str"])
    if "array" in node or "scalar" in node:
        return _array(node, blobs)
    if "tuple" in node or "list" in node:
        items = node.get("tuple", node.get("list"))
        if type(items) is not list:
            raise WireError("a sequence node must hold a list")
        values = [_decode(v, blobs, depth + 1, counter) for v in items]
        return tuple(values) if "tuple" in node else values
    if "dict" in node:
        pairs = node["dict"]
        if type(pairs) is not list or any(type(p) is not list or len(p) != 2 for p in pairs):
            raise WireError("a dict node must hold [key, value] pairs")
        return {_text(k): _decode(v, blobs, depth + 1, counter) for k, v in pairs}
    if "opaque" in node:
        module, name, text = (_text(t) for t in node["opaque"])
        return opaque_class(module, name)(module, name, text)
    raise WireError(f"unknown node type {sorted(node)[:3]}")


def _float(value: Any) -> float:
    if type(value) in (int, float):
        return float(value)
    if value in ("inf", "-inf", "nan"):
        return float(value)
    raise WireError(f"bad float {str(value)[:30]!r}")


def _text(value: Any) -> str:
    if type(value) is not str:
        raise WireError("expected a string")
    return value[:MAX_TEXT]


def _array(node: dict, blobs: List[bytes]) -> Any:
    index = node.get("array", node.get("scalar"))
    dtype, shape = node.get("dtype"), node.get("shape")
    if dtype not in DTYPES or type(index) is not int or not 0 <= index < len(blobs):
        raise WireError("bad array node")
    if type(shape) is not list or any(type(n) is not int or n < 0 for n in shape):
        raise WireError("bad array shape")
    dt = np.dtype(dtype)
    count = math.prod(shape)
    if count * dt.itemsize != len(blobs[index]):
        raise WireError("array bytes do not match its shape and dtype")
    array = np.frombuffer(blobs[index], dtype=dt).reshape(tuple(shape)).copy()
    if "scalar" in node:
        if shape:
            raise WireError("a scalar has no shape")
        return array[()]
    return array

