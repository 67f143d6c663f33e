"""Where a submission's code runs: a sandbox when the machine allows one.

The grader starts one worker process (:mod:`cnnbook.exercises.worker`) per submission,
in one of two modes, and says which in the gradebook:

``namespaces`` (Linux, where ``unshare`` can create user namespaces, as on most
distributions and in CI):
    - a new network namespace with no interface up: no network at all;
    - a new PID namespace: the grader and every other process are invisible, so the
      grader's command line (with ``--seed``) and memory cannot be read; when the worker
      ends, everything it started ends with it;
    - a new mount namespace whose root holds only what Python needs, read-only (the
      Python installation, its site-packages, the ``cnnbook`` package, ``/usr`` and a few
      files of ``/etc`` and ``/dev``), plus two small empty writable tmpfs folders,
      ``/scratch`` (the working directory) and ``/tmp``. The submissions, the gradebook,
      the instructor's files and home folder do not exist in there;
    - no capabilities (the bounding set is emptied before the worker starts), so the
      mounts cannot be undone; limits on memory (``--memory``), file size and core dumps;
      no GPU (grading runs on the CPU, with the same answers on every machine).

``process`` (anywhere else: macOS, Windows, containers without user namespaces):
    a separate process in a fresh temporary working directory with a scrubbed
    environment, the same resource limits where the OS has them, and nothing more. Not
    limited in either mode: the number of processes a submission starts (in
    ``namespaces`` mode they all end with the worker; in ``process`` mode one that
    detaches itself may outlive it). What
    remains unprotected, plainly: the student's code runs as the instructor's user, so it
    can read what that user can read (other submissions, the instructor's files), write
    where that user can write, and use the network. The seed is not in the worker's
    environment, but on Linux a process can read its parent's command line, so give the
    seed through the ``CNNBOOK_GRADE_SEED`` environment variable instead of ``--seed``
    in this mode. Grade inside a throw-away virtual machine or container, or as a user
    with no access to anything else, when the submissions cannot be trusted.

In both modes the grader decodes what the worker sends with :mod:`cnnbook.exercises.wire`
(never pickle), never gives it the expected answers, and kills it after the time limits.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

FILE_SIZE_LIMIT = 256 * 2 ** 20   # bytes one file may grow to (scratch, /tmp)
MEMORY_LIMIT = 8 * 2 ** 30        # bytes of address space (torch needs about 3 GiB to load)
SCRATCH_SIZE = "256m"             # tmpfs size of /scratch and of /tmp
MODES = ("namespaces", "process")
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf",
             "localtime", "hosts", "os-release", "alternatives", "ssl/openssl.cnf")
DEVICES = ("null", "zero", "full", "random", "urandom")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
UNSHARE = ("--user", "--map-root-user", "--mount", "--net", "--pid", "--ipc", "--uts",
           "--fork", "--kill-child")


class SandboxError(RuntimeError):
    """The sandbox asked for cannot be set up on this machine."""


@functools.lru_cache(maxsize=None)
def namespaces_available() -> bool:
    """Whether the namespaces sandbox works here: tried once for real (the namespaces, the
    read-only root, Python started inside it), then cached."""
    if not shutil.which("unshare") or not sys.platform.startswith("linux"):
        return False
    with tempfile.TemporaryDirectory(prefix="cnnbook-sandbox-") as work:
        command = worker_command("namespaces", work, 0, 1)
        command = command[:command.index("--") + 1] + [
            sys.executable, "-c", "import numpy, cnnbook.exercises.worker"]
        try:
            done = subprocess.run(command, capture_output=True, timeout=60,
                                  env=worker_environment("/scratch"))
        except (OSError, subprocess.SubprocessError):
            return False
    return done.returncode == 0


def choose_mode(requested: str = "auto") -> str:
    """``namespaces`` where available, else ``process``; a mode asked for must exist."""
    if requested == "auto":
        return "namespaces" if namespaces_available() else "process"
    if requested not in MODES:
        raise SandboxError(f"unknown sandbox mode {requested!r}; choose auto, "
                           f"{', '.join(MODES)}")
    if requested == "namespaces" and not namespaces_available():
        raise SandboxError("the namespaces sandbox is not available on this machine "
                           "(`unshare --user --net --pid --mount` failed); use --sandbox "
                           "process and read what it leaves unprotected")
    return requested


def readable_paths() -> List[str]:
    """The host paths the sandbox shows (read-only): Python, its packages, cnnbook."""
    import cnnbook

    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(cnnbook.__file__).resolve().parent)]
    paths += site.getsitepackages() if hasattr(site, "getsitepackages") else []
    user_site = site.getusersitepackages() if hasattr(site, "getusersitepackages") else ""
    if user_site and os.path.isdir(user_site):
        paths.append(user_site)
    paths.append(os.path.realpath(sys.executable))
    keep = []
    for path in paths:
        path = os.path.abspath(path)
        if path != "/" and os.path.exists(path) and path not in keep:
            keep.append(path)
    return keep


def worker_environment(scratch: str) -> Dict[str, str]:
    """The worker's whole environment: nothing of the grader's (no seed, no tokens)."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": scratch, "TMPDIR": os.path.join(scratch, "tmp") if scratch != "/scratch" else "/tmp",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": os.path.join(scratch, ".matplotlib"),
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "CUDA_VISIBLE_DEVICES": "",  # grading runs on the CPU: the same answers everywhere
    }
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def worker_command(mode: str, work_dir: str, read_fd: int, write_fd: int,
                   memory: int = MEMORY_LIMIT) -> List[str]:
    """The command that starts the worker in ``mode``; ``work_dir`` is an empty folder,
    ``memory`` the address space allowed in bytes (applied here in ``namespaces`` mode; in
    ``process`` mode the caller applies :func:`set_limits`)."""
    worker = [sys.executable, "-m", "cnnbook.exercises.worker", str(read_fd), str(write_fd)]
    if mode == "process":
        return worker
    command = [shutil.which("unshare") or "unshare", *UNSHARE, sys.executable, "-m",
               "cnnbook.exercises.sandbox", "--root", os.path.join(work_dir, "root"),
               "--memory", str(int(memory))]
    for path in readable_paths():
        command += ["--bind", path]
    return command + ["--"] + worker


def set_limits(memory: int = MEMORY_LIMIT) -> None:
    """Resource limits for the worker (where the OS has them): file size, no core dumps,
    and ``memory`` bytes of address space (an allocation beyond it raises MemoryError in
    the student's code instead of exhausting the machine)."""
    try:
        import resource
    except ImportError:  # Windows
        return
    for name, value in (("RLIMIT_FSIZE", FILE_SIZE_LIMIT), ("RLIMIT_CORE", 0),
                        ("RLIMIT_AS", int(memory))):
        limit = getattr(resource, name, None)
        if limit is not None:
            try:
                resource.setrlimit(limit, (value, value))
            except (ValueError, OSError):
                pass
    import signal
    if hasattr(signal, "SIGXFSZ"):  # a file too large fails the write, not the process
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


# --------------------------------------------------------------------------- inside unshare

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_PR_CAPBSET_DROP, _PR_SET_SECUREBITS, _PR_SET_NO_NEW_PRIVS = 24, 28, 38
_SECURE_NOROOT = 0x3 | 0xC | 0x30  # NOROOT, NO_SETUID_FIXUP, KEEP_CAPS_LOCKED (each locked)


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _mount(libc, source: Optional[str], target: str, fstype: Optional[str], flags: int,
           data: Optional[str] = None) -> None:
    encode = (lambda s: s.encode() if s is not None else None)
    if libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags),
                  encode(data)) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {source} on {target}: {os.strerror(errno)}")


def _statvfs_flags(path: str) -> int:
    """The mount flags of ``path`` that a read-only remount must keep (locked ones)."""
    flags = os.statvfs(path).f_flag
    keep = 0
    for st, ms in ((os.ST_NOSUID, _MS_NOSUID), (os.ST_NODEV, _MS_NODEV),
                   (os.ST_NOEXEC, _MS_NOEXEC), (getattr(os, "ST_NOATIME", 1024), 1024),
                   (getattr(os, "ST_NODIRATIME", 2048), 2048),
                   (getattr(os, "ST_RELATIME", 4096), 1 << 21)):
        if flags & st:
            keep |= ms
    return keep


def _inside(path: str, folders: Sequence[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _bind_read_only(libc, path: str, root: str, bound: List[str]) -> None:
    """Show host ``path`` at the same place under ``root``, read-only, symlinks kept.

    ``bound`` lists the paths bound so far; a path inside one of them is already shown.
    """
    if _inside(path, bound) or not os.path.lexists(path):
        return
    parts = Path(path).parts[1:]
    current = "/"
    for index, part in enumerate(parts):
        current = os.path.join(current, part)
        inside = root + current
        if os.path.islink(current):
            if not os.path.lexists(inside):
                os.symlink(os.readlink(current), inside)
            target = os.path.join(os.path.dirname(current), os.readlink(current))
            rest = os.path.join(os.path.realpath(target), *parts[index + 1:])
            _bind_read_only(libc, rest, root, bound)
            return
        if index < len(parts) - 1:
            os.makedirs(inside, exist_ok=True)
    if os.path.isdir(path):
        os.makedirs(root + path, exist_ok=True)
    elif not os.path.exists(root + path):
        open(root + path, "w").close()
    _mount(libc, path, root + path, None, _MS_BIND | _MS_REC)
    _mount(libc, None, root + path, None,
           _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _statvfs_flags(path))
    bound.append(path)


def _tmpfs(libc, target: str, size: str, mode: str = "1777") -> None:
    os.makedirs(target, exist_ok=True)
    _mount(libc, "tmpfs", target, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={size},mode={mode}")


def _drop_capabilities(libc) -> None:
    """Empty the bounding set and lock root's privileges out of any later exec."""
    for cap in range(64):
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
    if libc.prctl(_PR_SET_SECUREBITS, _SECURE_NOROOT, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECUREBITS) failed")
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")


def enter(root: str, binds: Sequence[str]) -> None:
    """Build the sandbox's file system under ``root`` and move into it (runs as the
    namespace's root, in a fresh mount namespace)."""
    libc = _libc()
    _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE)
    os.makedirs(root, exist_ok=True)
    _tmpfs(libc, root, "16m", "0755")
    _tmpfs(libc, root + "/tmp", SCRATCH_SIZE)  # before the binds: a Python may live in /tmp
    _tmpfs(libc, root + "/scratch", SCRATCH_SIZE, "0777")
    bound: List[str] = []
    for path in [*SYSTEM_DIRS, *sorted(binds, key=len), *("/etc/" + f for f in ETC_FILES)]:
        _bind_read_only(libc, path, root, bound)
    os.makedirs(root + "/dev", exist_ok=True)
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            open(root + "/dev/" + name, "w").close()
            _mount(libc, "/dev/" + name, root + "/dev/" + name, None, _MS_BIND)
    _tmpfs(libc, root + "/dev/shm", "64m")
    os.makedirs(root + "/proc", exist_ok=True)
    try:
        _mount(libc, "proc", root + "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    except OSError:  # some containers forbid a new /proc; Python runs without one
        pass
    _mount(libc, None, root, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    os.chroot(root)
    os.chdir("/scratch")
    _drop_capabilities(libc)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m cnnbook.exercises.sandbox --root R [--bind P]... -- COMMAND...``"""
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1:]
    root, binds, memory = None, [], MEMORY_LIMIT
    for flag, value in zip(options[::2], options[1::2]):
        if flag == "--memory":
            memory = int(value)
        elif flag == "--root":
            root = value
        elif flag == "--bind":
            binds.append(value)
    try:
        enter(root, binds)
    except OSError as error:
        sys.stderr.write(f"cnnbook sandbox: {error}\n")
        return 70
    set_limits(memory)
    env = worker_environment("/scratch")
    os.execve(command[0], command, env)
    return 0  # pragma: no cover - execve does not return


if __name__ == "__main__":
    sys.exit(main())
