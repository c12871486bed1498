"""The set-up check's own parts: a short real smoke test, the machine's room, and what goes to a live room.

``python -m helpers doctor`` asks whether each package imports; that is not yet whether the course
will run. So doctor also trains a tiny Keras model for a few steps, runs a real exercise check on
it (episode 01's ``rmse``, with a right answer and a wrong one: the check engine must tell them
apart), writes the outcome to the learner's results log and reads it back, and looks at free disk
space and memory. Each failure is said as one sentence a learner can act on (the package and the
command; where the platform itself is the problem, the Colab or Binder route).

A learner who runs ``doctor --room <join URL>`` (or ``room.check_setup()`` in a notebook) sends the
room the verdict, and only the verdict: :func:`payload` builds it from :data:`FIELDS` by name, each
value cleaned so that no path, user name or host name leaves the laptop (the room refuses a post
that carries one, :func:`helpers.instructor.live_room.schema.setup`, by the rules of
:mod:`helpers.learner.room_format`). Locally the report says
everything, paths included; the sentence sent is the same sentence with nothing personal in it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import re
import shutil
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from helpers.learner import room_format
from helpers.learner.paths import ROOT
from helpers.learner.platform_support import ELSEWHERE  # one wording of the way out, with the lists
from helpers.learner.room_format import SETUP_FIELDS as FIELDS  # noqa: F401  (re-exported: what is sent)

MIN_FREE_DISK_GB = 1.0     # the full profile's data and weights, Keras' cache and a little room to work
MIN_FREE_MEMORY_GB = 1.0   # TensorFlow and episode 04's DenseNet need at least this much free
INSTALL = "pip install -r requirements.lock"
# The set-up guide's two install lines (docs/learners/setup.md), as the room's join page gives them (a test compares).
INSTALL_LINES = (r"python3 -m venv .venv && . .venv/bin/activate   # Windows: py -3.11 -m venv .venv; .venv\Scripts\activate",
                 INSTALL)


@dataclass
class Problem:
    """One thing that stops the course: what the learner reads here, and the sentence the room may see.

    ``here`` may name paths (it is printed on the learner's own screen); ``shared`` never does.
    """

    here: str
    shared: str


@dataclass
class Smoke:
    """What the smoke test found: its report lines and the problems (empty: all worked)."""

    lines: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# -- the platform --------------------------------------------------------------------------------------
def operating_system() -> str:
    """The operating system in a few words, e.g. ``Linux 6.1 x86_64``, ``macOS 14.2 arm64``, ``Windows 10 AMD64``.

    Only the kind, its version and the processor: never the machine's name (``platform.node()``).
    """
    system, machine = platform.system() or "unknown", platform.machine() or ""
    if system == "Darwin":
        system, version = "macOS", platform.mac_ver()[0]
    elif system == "Windows":
        version = platform.release()
    else:
        release = platform.release()
        version = ".".join(re.findall(r"\d+", release)[:2])
        if "microsoft" in release.lower():
            machine = f"{machine} (WSL)".strip()
    text = " ".join(part for part in (system, version, machine) if part)
    return re.sub(r"[^A-Za-z0-9 ._()-]", "", text)[:60] or "unknown"


def public_version(version: str | None) -> str:
    """``2.21.0`` from ``2.21.0+cu121`` or ``2.21.0rc1``: the release, without local labels ("" when absent)."""
    match = re.match(r"\d+(\.\d+){0,3}", str(version or ""))
    return match.group(0) if match else ""


def platform_problem(tensorflow_imports: bool = True) -> str | None:
    """Where the platform itself is the problem, the sentence that says so and gives the way out (else None).

    What is supported is stated once, in :mod:`helpers.learner.platform_support` (its lists are what
    ``tests/learner/test_platforms.py`` resolves the lock for). A Python outside the lock's range always is a
    problem (the lock does not install there, whatever imports today); an unsupported system or
    processor only when TensorFlow does not import.
    """
    from helpers.learner import platform_support

    python_covered = f"{sys.version_info[0]}.{sys.version_info[1]}" in platform_support.PYTHONS
    if tensorflow_imports and python_covered:
        return None
    return platform_support.unsupported() or None


def package_problem(name: str, error: str) -> Problem:
    """The sentence for a required package that does not import (``error``: doctor's one-line reason)."""
    kind = error.split(":", 1)[0].strip() or "an error"
    fix = f"in the course's environment (activate it first), run `{INSTALL}`"
    return Problem(f"{name} cannot be imported ({error}): {fix}.", f"{name} cannot be imported ({kind}): {fix}.")


# -- the smoke test ----------------------------------------------------------------------------------------
def _tiny_problem():
    """A small regression with a known answer: 4 numbers per row, the target a fixed sum of them."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0], dtype="float32"))[:, None]
    return x[:64], y[:64], x[64:], y[64:]


_TRAINED: dict[int, tuple] = {}  # epochs -> what the first fit in this process gave


def train_tiny_model(epochs: int = 5):
    """``(model, x_test, y_test, loss before, loss after, seconds)``: a real fit, seeded by its initialisers.

    Once per process: TensorFlow cannot get better or worse within a process, so a second set-up
    check in the same kernel (``room.check_setup()`` again after fixing the results folder) reuses
    the first fit and only runs the check and the log again. No global seed is set: in a learner's
    notebook that would change their runs.
    """
    if epochs not in _TRAINED:
        _TRAINED[epochs] = _train(epochs)
    return _TRAINED[epochs]


def _train(epochs: int):
    import keras
    import numpy as np

    x, y, x_test, y_test = _tiny_problem()
    model = keras.Sequential([keras.Input((4,)),
                              keras.layers.Dense(8, activation="relu",
                                                 kernel_initializer=keras.initializers.GlorotUniform(seed=1)),
                              keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed=2))])
    # jit_compile=False: XLA's compilation would take most of the check's time, for nothing the course needs
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="mse", jit_compile=False)
    started = time.perf_counter()
    before = float(np.mean((np.asarray(model(x, training=False)) - y) ** 2))
    history = model.fit(x, y, epochs=epochs, batch_size=16, verbose=0, shuffle=False)
    after = float(history.history["loss"][-1])
    return model, x_test, y_test, before, after, time.perf_counter() - started


def _rmse(model, x, y) -> float:
    import numpy as np

    predicted = np.asarray(model(x, training=False), dtype="float64").ravel()
    return float(np.sqrt(np.mean((predicted - y.ravel()) ** 2)))


def smoke_test(log_path: Path | None = None) -> Smoke:
    """Train a tiny model, run one exercise check on it, log the outcome: each step must really work."""
    smoke = Smoke()
    reinstall = f"reinstall in the course's environment with `pip install --force-reinstall -r requirements.lock`"
    try:
        model, x_test, y_test, before, after, seconds = train_tiny_model()
    except Exception as exc:  # a broken install fails here in many ways
        kind = type(exc).__name__
        smoke.problems.append(Problem(f"A tiny Keras model could not train ({kind}: {exc}): {reinstall}.".replace("\n", " "),
                                      f"A tiny Keras model could not train ({kind}): {reinstall}."))
        return smoke
    if not (math.isfinite(after) and after < before):
        smoke.problems.append(Problem(f"A tiny Keras model trained but did not learn (loss {before:.3g} to {after:.3g}): "
                                      f"{reinstall}.", f"A tiny Keras model trained but did not learn: {reinstall}."))
        return smoke
    smoke.lines.append(f"ok          a tiny Keras model trained 5 epochs in {seconds:.1f} s (loss {before:.2f} to {after:.2f})")

    from helpers.learner.exercises import iris_cost

    rmse = _rmse(model, x_test, y_test)
    right = iris_cost.rmse.evaluate(rmse, model, x_test, y_test)
    wrong = iris_cost.rmse.evaluate(rmse ** 2 + 1.0, model, x_test, y_test)
    if (right.status, wrong.status) != ("correct", "incorrect"):
        smoke.problems.append(Problem(
            f"The course's exercise checks do not work here (episode 01's rmse said {right.status} to a right "
            f"answer and {wrong.status} to a wrong one: {right.message} {wrong.message}): {reinstall}.",
            f"The course's exercise checks do not work here: {reinstall}."))
        return smoke
    smoke.lines.append(f"ok          an exercise check (01 rmse) runs: {right.status} for a right answer, "
                       f"{wrong.status} for a wrong one")

    from helpers.learner import results_log

    path = Path(log_path) if log_path is not None else results_log.log_path()
    record = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "setup_check": str(uuid.uuid4()),
              "checked": "01-iris-cost rmse", "status": right.status}  # no "exercise": `progress` does not count it
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        logged = record["setup_check"] in path.read_text(encoding="utf-8")
        if not logged:
            raise OSError("the line written is not there when read back")
    except (OSError, UnicodeDecodeError) as exc:
        fix = ("make its folder writable, or set COURSE_RESULTS to a file in a folder you can write "
               "(e.g. in your home folder)")
        smoke.problems.append(Problem(f"Check results cannot be logged to {path} ({type(exc).__name__}: {exc}): {fix}.",
                                      f"Check results cannot be logged ({type(exc).__name__}): {fix}."))
        return smoke
    smoke.lines.append(f"ok          its result is logged in {path}")
    return smoke


# -- disk and memory ------------------------------------------------------------------------------------------
def free_memory_gb() -> float | None:
    """Memory free for new programs, in GB (None where the system does not say)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/meminfo", encoding="ascii") as info:  # Linux: MemAvailable counts reclaimable cache
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024 ** 2
    if sys.platform == "win32":
        import ctypes

        class MemoryStatus(ctypes.Structure):
            _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong), ("total", ctypes.c_ulonglong),
                        ("available", ctypes.c_ulonglong), ("page_total", ctypes.c_ulonglong),
                        ("page_available", ctypes.c_ulonglong), ("virtual_total", ctypes.c_ulonglong),
                        ("virtual_available", ctypes.c_ulonglong), ("extended", ctypes.c_ulonglong)]

        status = MemoryStatus()
        status.length = ctypes.sizeof(MemoryStatus)
        with contextlib.suppress(Exception):
            if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
                return status.available / 1024 ** 3
    with contextlib.suppress(OSError, ValueError, AttributeError):  # macOS and other Unixes: total, not free
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
    return None


def free_disk_gb(folder: Path) -> float | None:
    """Free space on the disk that holds ``folder`` (its nearest existing parent), in GB."""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    with contextlib.suppress(OSError):
        return shutil.disk_usage(folder).free / 1024 ** 3
    return None


def room_to_work(cache_folder: Path) -> Smoke:
    """Free disk (where Keras' cache lives) and memory, each a problem below its minimum."""
    found = Smoke()
    disk, memory = free_disk_gb(cache_folder), free_memory_gb()
    found.lines.append(f"Disk        {'unknown' if disk is None else f'{disk:.1f} GB'} free where Keras' cache is")
    found.lines.append(f"Memory      {'unknown' if memory is None else f'{memory:.1f} GB'} free")
    if disk is not None and disk < MIN_FREE_DISK_GB:
        sentence = (f"Only {disk:.1f} GB of disk is free where Keras' cache lives; the course needs about "
                    f"{MIN_FREE_DISK_GB:.0f} GB: delete files you do not need, or set KERAS_HOME to a folder on a larger disk.")
        found.problems.append(Problem(sentence, sentence))
    if memory is not None and memory < MIN_FREE_MEMORY_GB:
        sentence = (f"Only {memory:.1f} GB of memory is free; the course needs about {MIN_FREE_MEMORY_GB:.0f} GB: "
                    f"close other programs (browser tabs too) and run the check again, or {ELSEWHERE}.")
        found.problems.append(Problem(sentence, sentence))
    return found


# -- what is cached, so which episodes run offline ---------------------------------------------------------
def episode_needs(folder: Path | None = None) -> dict[str, list[str]]:
    """Episode → the data sets and weights its full profile needs, read from the loaders its notebook calls."""
    from helpers.learner.data.loaders import notebook_resources

    folder = folder or next((ROOT / name for name in ("episodes", "solutions") if (ROOT / name).is_dir()), ROOT / "episodes")
    needs = {}
    for path in sorted(Path(folder).glob("[0-9][0-9]-*.ipynb")):
        with contextlib.suppress(OSError, ValueError, KeyError, SyntaxError):
            needs[path.stem] = notebook_resources(json.loads(path.read_text(encoding="utf-8"))["cells"])
    return needs


def offline_episodes(available, needs: dict[str, list[str]] | None = None) -> list[str]:
    """The episodes whose full profile can run with only ``available`` (resource names), no network."""
    needs = episode_needs() if needs is None else needs
    return [episode for episode, wanted in needs.items() if set(wanted) <= set(available)]


# -- what leaves the laptop ---------------------------------------------------------------------------------
def _personal_words() -> list[str]:
    """This machine's name and the user's login: never in what is sent."""
    import getpass

    words = []
    with contextlib.suppress(Exception):
        words.append(getpass.getuser())
    with contextlib.suppress(Exception):
        host = socket.gethostname()
        words += [host, host.split(".")[0]]
    words.append(platform.node())
    return sorted({w for w in words if w and len(w) >= 3}, key=len, reverse=True)


def shareable(sentence: str) -> str:
    """``sentence`` as the room may see it: no path, host name or login (each replaced by '…'), one line."""
    text = re.sub(r"\s+", " ", str(sentence)).strip()
    text = room_format.BIDI.sub("", room_format.without_controls(text))  # the room refuses them
    for word in _personal_words():
        text = re.sub(rf"(?i)(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])", "…", text)
    text = room_format.scrub(text)
    return text[:room_format.MAX_PROBLEM]


def payload(ready: bool, problem: str, versions: dict[str, str | None], cached) -> dict:
    """The set-up post's ``setup`` object: :data:`FIELDS`, each set here by name, nothing else."""
    return {
        "id": uuid.uuid4().hex,
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "ready": bool(ready),
        "problem": "" if ready else shareable(problem) or "The set-up check failed; the learner's report says why.",
        "os": operating_system(),
        "python": public_version(platform.python_version()),
        "tensorflow": public_version(versions.get("tensorflow")),
        "keras": public_version(versions.get("keras")),
        "cached": sorted(set(cached)),
    }
