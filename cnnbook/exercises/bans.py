"""What an exercise forbids, found two ways: in the student's code and while it runs.

The package ships reference implementations of what the exercises ask for
(``cnnbook.numpy_ops.conv2d_forward`` ...), and torch has its own (``F.conv2d``,
autograd, ``torch.optim``). An exercise that asks for an implementation from scratch
declares the names it bans: a dotted name bans that object (``numpy.linalg.lstsq``), a
module bans everything in it (``torch``, ``cnnbook``). The grader enforces the list twice:

- :func:`find_banned_references` reads the submission's code: the student's function and
  every function of the notebook it calls, with the notebook's imports and aliases
  resolved (``import torch.nn.functional as F`` ... ``F.conv2d``), including imports
  inside the function and ``__import__("torch")`` / ``importlib.import_module(...)`` with
  a constant name;
- :class:`CallMonitor` watches the calls made while the student's function runs in the
  grading process (``sys.setprofile``): a banned Python function or C builtin is caught
  however it was reached (an alias, ``getattr``, a helper, a method of a torch tensor).

Either finding gives the exercise no points. Limits, said plainly: a monitor that runs in
the student's own process can be switched off by code that sets out to (the grader then
reports that the monitor was removed); NumPy ufuncs (``np.add``, ``scipy.special.expit``)
raise no profile events, so they are banned by reading the code only.
"""

from __future__ import annotations

import ast
import sys
import threading
import types
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

# The grading process's own modules, whose calls (ending a monitored call, a time limit
# expiring) the monitor must not count against the student.
_GRADER_MODULES = frozenset(["cnnbook.exercises.bans", "cnnbook.exercises.worker"])
# Calls that switch the call monitor off or around: a submission that uses them inside a
# graded function is reported (they have no place in an exercise's solution).
TAMPERING = ("sys.setprofile", "sys.settrace", "threading.setprofile", "threading.settrace",
             "ctypes", "gc.get_referrers", "gc.get_objects")


def is_banned(dotted: str, bans: Iterable[str]) -> Optional[str]:
    """The ban that covers ``dotted`` (the name itself or a module above it), or None."""
    for ban in bans:
        if dotted == ban or dotted.startswith(ban + "."):
            return ban
    return None


# --------------------------------------------------------------------------- reading the code


def _parse(source: str) -> Optional[ast.Module]:
    """A cell's code as an AST (IPython magics and shell lines blanked), None if it fails."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line
             for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _dotted(node: ast.AST, aliases: Dict[str, str]) -> Optional[str]:
    """``a.b.c`` with ``a`` resolved through ``aliases``; None for other expressions."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    return ".".join([aliases[node.id]] + parts[::-1])


def _import_aliases(node: ast.AST) -> Dict[str, str]:
    """The names an import statement binds, mapped to the dotted names they stand for."""
    found = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                found[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                found[top] = top
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        for alias in node.names:
            if alias.name != "*":
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def _constant_import(node: ast.Call, aliases: Dict[str, str]) -> Optional[str]:
    """The module named by ``__import__("m")`` or ``importlib.import_module("m")``."""
    target = _dotted(node.func, aliases)
    named = node.func.id if isinstance(node.func, ast.Name) else None
    if named == "__import__" or target == "importlib.import_module":
        if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            return node.args[0].value
    return None


class _Notebook:
    """The notebook's top-level functions and the aliases its top-level code defines."""

    def __init__(self, sources: Sequence[str]):
        self.functions: Dict[str, Tuple[int, ast.AST]] = {}
        self.aliases: Dict[str, str] = {}
        for index, source in enumerate(sources):
            tree = _parse(source)
            if tree is None:
                continue
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.functions[node.name] = (index, node)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    self.aliases.update(_import_aliases(node))
                elif (isinstance(node, ast.Assign) and len(node.targets) == 1
                      and isinstance(node.targets[0], ast.Name)):
                    dotted = _dotted(node.value, self.aliases)
                    if dotted:
                        self.aliases[node.targets[0].id] = dotted


def find_banned_references(sources: Sequence[str], function: str,
                           bans: Sequence[str]) -> List[str]:
    """Reasons why ``function`` (and the notebook functions it calls) use a banned name.

    Args:
        sources: the code cells of the submission, in order.
        function: the exercise's function name.
        bans: dotted names (objects or whole modules) the exercise bans.

    Returns:
        One sentence per finding (empty when nothing banned is referenced), e.g.
        ``"conv2d_valid uses torch.nn.functional.conv2d (cell 12, line 4)"``.
    """
    notebook = _Notebook(sources)
    if function not in notebook.functions:
        return []
    findings: Dict[Tuple[str, str], Tuple[str, str]] = {}  # (function, dotted) -> (kind, where)
    seen: Set[str] = set()
    queue = [function]
    while queue:
        name = queue.pop(0)
        if name in seen or name not in notebook.functions:
            continue
        seen.add(name)
        cell, node = notebook.functions[name]
        aliases = dict(notebook.aliases)
        for inner in ast.walk(node):
            if isinstance(inner, (ast.Import, ast.ImportFrom)):
                for local, dotted in _import_aliases(inner).items():
                    aliases[local] = dotted
                    _report(findings, name, dotted, bans, cell, inner)
        for inner in ast.walk(node):
            dotted = None
            if isinstance(inner, ast.Call):
                module = _constant_import(inner, aliases)
                if module:
                    _report(findings, name, module, bans, cell, inner)
            if isinstance(inner, ast.Attribute):
                dotted = _dotted(inner, aliases)
            elif isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load):
                if inner.id in notebook.functions and inner.id not in seen:
                    queue.append(inner.id)
                dotted = aliases.get(inner.id)
            if dotted:
                _report(findings, name, dotted, bans, cell, inner)
    # `torch.nn.functional.conv2d` also visits `torch.nn` and `torch`: keep the longest name
    names = [dotted for _, dotted in findings]
    return [f"{function} uses {dotted}, {kind} (cell {where})"
            for (function, dotted), (kind, where) in findings.items()
            if not any(other.startswith(dotted + ".") for other in names)]


def _report(findings: Dict, function: str, dotted: str, bans: Sequence[str],
            cell: int, node: ast.AST) -> None:
    where = f"{cell}, line {getattr(node, 'lineno', '?')}"
    if is_banned(dotted, bans):
        findings.setdefault((function, dotted), ("banned in this exercise", where))
    elif is_banned(dotted, TAMPERING):
        findings.setdefault((function, dotted), ("which interferes with grading", where))


# --------------------------------------------------------------------------- while it runs


class CallMonitor:
    """Records calls of banned functions while it is active (a ``sys.setprofile`` hook).

    Use as a context manager around one call of the student's function; afterwards
    :attr:`violations` lists what was called (empty if nothing banned was).
    """

    LIMIT = 5  # violations recorded per call

    def __init__(self, bans: Sequence[str]):
        self.bans = tuple(bans)
        self._modules = tuple(b for b in self.bans)
        self._codes: Dict[types.CodeType, str] = {}
        self._builtins: Dict[int, Tuple[object, str]] = {}
        for ban in self.bans:
            self._resolve(ban)
        self.violations: List[str] = []
        self.tampered = False
        self._previous = None

    def _resolve(self, ban: str) -> None:
        """Remember the function objects a ban names (modules match by name instead).

        Only modules already imported are looked at: importing one here would cost time,
        and code that imports it during the call is matched by its module's name.
        """
        parts = ban.split(".")
        for split in range(len(parts), 0, -1):
            module_name = ".".join(parts[:split])
            if module_name not in sys.modules:
                continue
            obj: object = sys.modules[module_name]
            try:
                for attribute in parts[split:]:
                    obj = getattr(obj, attribute)
            except AttributeError:
                return
            self._remember(obj, ban)
            return

    def _remember(self, obj: object, ban: str) -> None:
        if isinstance(obj, types.ModuleType):
            return
        wrapped = getattr(obj, "__wrapped__", None)  # NumPy's dispatchers, functools.wraps
        if wrapped is not None and wrapped is not obj:
            self._remember(wrapped, ban)
        code = getattr(obj, "__code__", None)
        if isinstance(code, types.CodeType):
            self._codes[code] = ban
        elif isinstance(obj, type):
            for member in vars(obj).values():
                member = getattr(member, "__func__", member)
                if isinstance(getattr(member, "__code__", None), types.CodeType):
                    self._codes[member.__code__] = ban
        else:
            self._builtins[id(obj)] = (obj, ban)

    def _module_ban(self, module: Optional[str]) -> Optional[str]:
        if not module:
            return None
        return is_banned(module, self._modules)

    def _hook(self, frame, event, arg):
        if len(self.violations) >= self.LIMIT:
            return
        if event == "call":
            code = frame.f_code
            if frame.f_globals.get("__name__") in _GRADER_MODULES:
                return
            ban = self._codes.get(code)
            module = frame.f_globals.get("__name__")
            if ban is None:
                ban = self._module_ban(module if isinstance(module, str) else None)
            if ban:
                self._add(f"{module}.{code.co_name}", ban)
        elif event == "c_call":
            entry = self._builtins.get(id(arg))
            if entry is not None and entry[0] is arg:
                self._add(_builtin_name(arg), entry[1])
                return
            ban = self._module_ban(_builtin_module(arg))
            if ban:
                self._add(_builtin_name(arg), ban)

    def _add(self, called: str, ban: str) -> None:
        text = f"called {called} (banned: {ban})"
        if text not in self.violations:
            self.violations.append(text)

    def __enter__(self) -> "CallMonitor":
        self.violations, self.tampered = [], False
        self._previous = sys.getprofile()
        threading.setprofile(self._hook)
        sys.setprofile(self._hook)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        current = sys.getprofile()
        sys.setprofile(self._previous)
        threading.setprofile(None)
        # An exception raised while the hook itself runs (a time limit expiring) makes
        # Python drop the hook: only a call that returns normally without it tampered.
        if current != self._hook and exc_type is None:
            self.tampered = True
            self.violations.append("switched off the grader's call monitor (sys.setprofile)")


def _builtin_module(fn: object) -> Optional[str]:
    module = getattr(fn, "__module__", None)
    if isinstance(module, str):
        return module
    owner = getattr(fn, "__self__", None)
    if owner is not None and not isinstance(owner, types.ModuleType):
        module = getattr(type(owner), "__module__", None)
        return module if isinstance(module, str) else None
    if isinstance(owner, types.ModuleType):
        return owner.__name__
    return None


def _builtin_name(fn: object) -> str:
    module = _builtin_module(fn) or "?"
    return f"{module}.{getattr(fn, '__name__', type(fn).__name__)}"
