"""The sandbox every graded notebook (and its judge) runs in: bubblewrap, or a loud warning.

``bwrap`` (bubblewrap, Flatpak's sandbox; ``apt install bubblewrap``) starts
the kernel in new namespaces:

* no network: a new, empty network namespace (``--unshare-net``), so the
  kernel's own ZMQ channels use ``ipc`` sockets in the notebook's folder
  instead of TCP on loopback;
* the file system read-only, with a private empty ``/tmp``, the homes
  (``/home``, ``/root``) and ``/run`` hidden; only the notebook's own
  temporary folder is writable; the Python installation, the course's
  folder and Keras' cache come back read-only; the submissions and the
  grader's outputs are hidden again on top;
* no view of other processes (``--unshare-pid``, a fresh ``/proc``), all
  capabilities dropped, killed with the grader (``--die-with-parent``);
* an address-space limit (``prlimit --as``), which ends a notebook that
  allocates without bound with a ``MemoryError`` (or a dead kernel) instead
  of the machine's memory.

``--sandbox auto`` uses bwrap when a trial run works, and otherwise grades
without it and says so, loudly, in the report; ``none`` never sandboxes.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

MEMORY_LIMIT_GB = 8.0  # TensorFlow reserves a few GB of address space; 8 leaves room for every episode
WARNING = ("WARNING: notebooks are NOT sandboxed ({reason}). Learners' code runs with your rights: it can "
           "read the other submissions, reach the network and write where you can. Install bubblewrap "
           "(`apt install bubblewrap`) or grade in a container or under a separate account.")


@dataclass(frozen=True)
class Sandbox:
    """How to wrap a command: ``kind`` is "bwrap" or "none"; ``hidden`` are paths to hide in it."""

    kind: str = "none"
    hidden: tuple[str, ...] = ()
    memory_gb: float = MEMORY_LIMIT_GB
    reason: str = ""
    readable: tuple[str, ...] = field(default_factory=tuple)

    @property
    def active(self) -> bool:
        return self.kind == "bwrap"

    def wrap(self, command: list[str], writable: list[str], cwd: str, readonly: list[str] = ()) -> list[str]:
        """``command`` run inside the sandbox, with ``writable`` folders bound read-write at the same paths."""
        if not self.active:
            return list(command)
        args = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                "--tmpfs", "/dev/shm"]
        for path in ("/home", "/root", "/run", "/var/tmp", "/mnt", "/media"):
            if os.path.isdir(path):
                args += ["--tmpfs", path]
        for path in (*self.readable, *readonly):  # the course, Python and Keras' cache come back, read-only
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
        for path in self.hidden:  # submissions and the grader's outputs, hidden again on top
            if os.path.isdir(path):
                args += ["--tmpfs", path]
            elif os.path.exists(path):
                args += ["--ro-bind", "/dev/null", path]
        for path in writable:
            args += ["--bind", path, path]
        args += ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--chdir", cwd,
                 "--setenv", "JPY_PARENT_PID", "1",  # ipykernel must not poll for a parent it cannot see
                 "--setenv", "TMPDIR", "/tmp"]
        limit = str(int(self.memory_gb * 1024**3))
        return [*args, "prlimit", f"--as={limit}", "--", *command]


def readable_paths() -> tuple[str, ...]:
    """What a notebook must still read under the hidden homes: the course, Python, Keras' cache."""
    import helpers

    paths = {str(Path(helpers.__file__).resolve().parent.parent), sys.prefix, sys.base_prefix,
             os.path.realpath(sys.executable)}
    for entry in sys.path:  # installed packages only: not the current folder, which may hold outputs
        if entry and os.path.isdir(entry) and ("site-packages" in entry or "dist-packages" in entry):
            paths.add(os.path.realpath(entry))
    try:
        from helpers.learner.data import keras_home

        paths.add(str(keras_home()))
    except Exception:
        pass
    # the shallowest first, so a deeper path is bound on top, never under
    return tuple(sorted(paths, key=lambda p: p.count(os.sep)))


@functools.lru_cache(maxsize=None)
def bwrap_works() -> str:
    """"" when bwrap can start a process in the sandbox here; else why not."""
    if shutil.which("bwrap") is None:
        return "bwrap is not installed"
    if shutil.which("prlimit") is None:
        return "prlimit (util-linux) is not installed"
    probe = Sandbox("bwrap", readable=readable_paths()).wrap([sys.executable, "-c", "print('ok')"], writable=[], cwd="/")
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not start ({exc})"
    if done.stdout.strip() != "ok":
        return f"bwrap fails here: {(done.stderr.strip().splitlines() or ['no message'])[-1]}"
    return ""


def choose(kind: str, hidden: list[str] = (), memory_gb: float = MEMORY_LIMIT_GB) -> Sandbox:
    """The sandbox for ``--sandbox kind`` (auto, bwrap or none); bwrap that cannot run is an error."""
    hidden = tuple(sorted({os.path.realpath(p) for p in hidden}))
    if kind == "none":
        return Sandbox("none", reason="--sandbox none")
    problem = bwrap_works()
    if problem:
        if kind == "bwrap":
            raise SandboxUnavailable(f"--sandbox bwrap: {problem}")
        return Sandbox("none", reason=problem)
    return Sandbox("bwrap", hidden=hidden, memory_gb=memory_gb, readable=readable_paths())


class SandboxUnavailable(RuntimeError):
    """``--sandbox bwrap`` was asked for and bwrap does not work here."""
