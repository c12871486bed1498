"""The platforms and Pythons the course says it installs on are the ones the lock resolves for.

``helpers/learner/platform_support.py`` states them; here ``requirements.lock`` is resolved with uv
for each (``uv pip compile --python-platform ... --python-version ...``, from the index's metadata:
a pin without wheels for one of them fails here, not on a learner's laptop), the Intel Mac must
fail to resolve (the set-up guide says it does), and pyproject.toml and the set-up guide
(docs/learners/setup.md, the one set-up page: the site shows it as it is) must say the same.
"""

import re
import shutil
import subprocess
import sys
import tomllib

import pytest
from packaging.specifiers import SpecifierSet

from helpers.author import build
from helpers.learner import platform_support as support

SET_UP = (build.ROOT / "docs" / "learners" / "setup.md").read_text()


def _uv() -> list[str] | None:
    if shutil.which("uv"):
        return [shutil.which("uv")]
    import importlib.util

    return [sys.executable, "-m", "uv"] if importlib.util.find_spec("uv") else None


UV = _uv()
needs_uv = pytest.mark.skipif(UV is None, reason="uv is not installed here (pip install uv): the lock's "
                                                "resolution per platform is not checked")


def test_requires_python_is_the_pythons_named():
    spec = SpecifierSet(tomllib.loads((build.ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    candidates = [f"3.{minor}" for minor in range(8, 16)]
    assert [v for v in candidates if spec.contains(f"{v}.0")] == list(support.PYTHONS)
    assert "--python-version 3.11" in (build.ROOT / ".ci" / "lock").read_text()  # the lock starts there
    assert f"python={support.PYTHONS[0]}" in (build.ROOT / "environment.yml").read_text()


def test_the_set_up_guide_names_every_platform_and_python():
    for words in support.PLATFORMS.values():
        assert words in SET_UP, words
    assert "Intel Mac" in SET_UP and "32-bit" in SET_UP
    assert f"Python {support.PYTHONS_IN_WORDS}" in SET_UP
    assert "3.10" in SET_UP and f"uv venv --python {support.PYTHONS[0]}" in SET_UP  # Ubuntu 22.04's Python
    assert re.search(r"^pip install -r requirements\.lock", SET_UP, re.M) and "requirements.txt" not in SET_UP


def test_the_site_shows_the_set_up_guide_itself():
    """One source: the site's set-up page is docs/learners/setup.md as it is (it once kept a copy of its own,
    which said requirements.txt), and the site's configuration holds no set-up text."""
    from helpers.author import guides, site

    page = guides.files()["learners/setup.md"]
    strip = re.compile(r"\]\([^)]*\)")  # links may be rewritten for the site, nothing else
    assert strip.sub("]()", page) == strip.sub("]()", SET_UP)
    assert not (site.CONF_DIR / "setup.md").exists()
    assert "learners/setup.md" in site._template("index.md", episode_table="", toctree="", guide_toctrees="",
                                                   citation="")


@pytest.mark.parametrize("kind, arguments, expected", [
    ("this machine", {}, ""),
    ("linux", dict(system="Linux", machine="x86_64", python=(3, 11), bits=64, libc=("glibc", "2.36")), ""),
    ("wsl arm", dict(system="Linux", machine="aarch64", python=(3, 13), bits=64, libc=("glibc", "2.39")), ""),
    ("mac arm", dict(system="Darwin", machine="arm64", python=(3, 12), bits=64, os_version="14.2"), ""),
    ("windows", dict(system="Windows", machine="AMD64", python=(3, 11), bits=64), ""),
    ("intel mac", dict(system="Darwin", machine="x86_64", python=(3, 11), bits=64), "Intel Macs"),
    ("old mac", dict(system="Darwin", machine="arm64", python=(3, 11), bits=64, os_version="11.7"), "macOS 12"),
    ("32-bit", dict(system="Windows", machine="x86", python=(3, 11), bits=32), "32-bit"),
    ("windows arm", dict(system="Windows", machine="ARM64", python=(3, 11), bits=64), "64-bit x86 Windows"),
    ("raspberry pi", dict(system="Linux", machine="armv7l", python=(3, 11), bits=64), "armv7l"),
    ("old glibc", dict(system="Linux", machine="x86_64", python=(3, 11), bits=64, libc=("glibc", "2.17")), "2.27"),
    ("ubuntu 22.04 python", dict(system="Linux", machine="x86_64", python=(3, 10), bits=64, libc=("glibc", "2.35")),
     "uv venv --python 3.11"),
    ("python 3.14", dict(system="Linux", machine="x86_64", python=(3, 14), bits=64, libc=("glibc", "2.39")),
     "3.11 to 3.13"),
])
def test_unsupported_says_why_and_where_else(kind, arguments, expected):
    sentence = support.unsupported(**arguments)
    if not expected:
        assert sentence == ""
    else:
        assert expected in sentence and sentence.endswith(".") and "\n" not in sentence
        assert "Colab" in sentence and "Binder" in sentence


def _pins_without_the_course(tmp_path):
    """The lock less its ``-e .`` line: the course's own requirements are pinned in it anyway."""
    pins = tmp_path / "pins.txt"
    pins.write_text("\n".join(line for line in (build.ROOT / "requirements.lock").read_text().splitlines()
                              if not line.startswith("-e ")) + "\n")
    return pins


def _resolve(tmp_path, platform, python):
    result = subprocess.run([*UV, "pip", "compile", str(_pins_without_the_course(tmp_path)), "--python-platform",
                             platform, "--python-version", python, "--no-header", "--no-annotate", "--quiet",
                             "--no-python-downloads"],
                            capture_output=True, text=True, timeout=300)
    if result.returncode and re.search(r"dns error|failed to fetch|Could not connect|offline", result.stderr, re.I):
        pytest.skip(f"the package index cannot be reached: {result.stderr.strip().splitlines()[0]}")
    return result


@needs_uv
@pytest.mark.parametrize("python", support.PYTHONS)
@pytest.mark.parametrize("platform", support.PLATFORMS)
def test_the_lock_resolves_for_each_platform_and_python(tmp_path, platform, python):
    result = _resolve(tmp_path, platform, python)
    assert result.returncode == 0, result.stderr
    locked = set(re.findall(r"^([\w.\-\[\]]+==[^\s;]+)", (build.ROOT / "requirements.lock").read_text(), re.M))
    resolved = set(re.findall(r"^([\w.\-\[\]]+==[^\s;]+)", result.stdout, re.M))
    assert "tensorflow==" + next(p.split("==")[1] for p in locked if p.startswith("tensorflow==")) in resolved
    assert resolved <= locked, f"resolved outside the lock: {sorted(resolved - locked)}"


@needs_uv
@pytest.mark.parametrize("platform", support.UNSUPPORTED)
def test_the_lock_does_not_resolve_where_the_readme_says_it_cannot(tmp_path, platform):
    result = _resolve(tmp_path, platform, support.PYTHONS[0])
    assert result.returncode != 0 and "tensorflow" in result.stderr and "no wheels" in result.stderr, result.stderr
