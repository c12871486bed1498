"""The front page and the guides: short, linked, citable, and showing only commands that exist.

README.md is the course's front page (at most 150 lines, no dated measurement, no commit hash: those
go to benchmarks/README.md and CHANGELOG.md). The guides under docs/ are written once and built into
the site (tests/test_site.py). Every relative link in them must resolve in the repository; every
``python -m helpers X --flag`` they show must be a subcommand and an option of the command line, and
every ``.ci/Y`` a script; the version in pyproject.toml, CITATION.cff, CHANGELOG.md and
``helpers.__version__`` must agree, and CITATION.cff must be valid CFF 1.2.0 (cffconvert).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import helpers
from helpers.author import build

ROOT = build.ROOT
README = ROOT / "README.md"
GUIDES = sorted((ROOT / "docs").rglob("*.md"))
PAGES = [README, ROOT / "CHANGELOG.md", ROOT / "benchmarks" / "README.md", *GUIDES]
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)\)")
HELPERS_COMMAND = re.compile(r"python3? -m helpers ((?:[a-z][\w-]*\s*)+)?([^`#\n|;&]*)")
CI_SCRIPT = re.compile(r"(?<![\w/])\.ci/([\w-]+)")


def relative_links(text: str) -> list[str]:
    """The links of a Markdown text that point into the repository (no URL, no same-page anchor)."""
    return [t for t in LINK.findall(text) if not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.I) and not t.startswith("#")]


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in relative_links(page.read_text(encoding="utf-8")):
        path = (page.parent / target.split("#")[0]).resolve()
        if not path.exists():
            broken.append(target)
    return broken


def test_readme_is_a_front_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines: move detail into a guide under docs/"
    text = "\n".join(lines)
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), "a dated figure: it belongs in benchmarks/README.md"
    assert not re.search(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b", text), "a commit hash"
    for heading in ("## Episodes", "## Quick start", "## Guides", "## How to cite", "## Contributing", "## Licence"):
        assert heading in lines, heading


def test_readme_links_every_guide_and_the_changelog():
    linked = {(README.parent / t.split("#")[0]).resolve() for t in relative_links(README.read_text())}
    assert {p.resolve() for p in GUIDES} <= linked, sorted(str(p) for p in GUIDES if p.resolve() not in linked)
    assert {(ROOT / "CHANGELOG.md").resolve(), (ROOT / "benchmarks" / "README.md").resolve(),
            (ROOT / "CITATION.cff").resolve()} <= linked


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page):
    assert broken_links(page) == []


def test_a_broken_link_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "here.md").write_text("x")
    page = tmp_path / "docs" / "page.md"
    page.write_text("[ok](here.md#part) [gone](gone.md) [web](https://example.org) [top](#top) ![pic](../pic.png)")
    assert broken_links(page) == ["gone.md", "../pic.png"]


@functools.cache
def cli_help(*words: str) -> str:
    result = subprocess.run([sys.executable, "-m", "helpers", *words, "--help"], capture_output=True, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    return result.stdout if result.returncode == 0 else ""


def unknown_commands(text: str) -> list[str]:
    """Every ``python -m helpers ...`` whose subcommand or option the command line lacks, and every missing .ci/ script."""
    problems = []
    for match in HELPERS_COMMAND.finditer(text):
        words = (match[1] or "").split()
        if not words:
            continue
        sub = words[0]
        if not cli_help(sub):
            problems.append(f"python -m helpers {sub}")
            continue
        command = [sub]
        if len(words) > 1 and cli_help(sub, words[1]) and re.search(rf"^\s+{{?[\w,]*\b{words[1]}\b", cli_help(sub), re.M):
            command.append(words[1])  # room serve, room revoke
        for flag in re.findall(r"(?<![\w-])--[a-z][\w-]*", match[2]):
            if not re.search(rf"(?<![\w-]){re.escape(flag)}\b", cli_help(*command)):
                problems.append(f"python -m helpers {' '.join(command)} {flag}")
    for script in CI_SCRIPT.findall(text):
        if not (ROOT / ".ci" / script).is_file():
            problems.append(f".ci/{script}")
    return problems


@pytest.mark.parametrize("page", [README, *GUIDES], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_command_shown_exists(page):
    assert unknown_commands(page.read_text(encoding="utf-8")) == []


def test_a_command_that_does_not_exist_is_found():
    text = ("`python -m helpers teach --now` and `python -m helpers grade subs/ --csv g.csv --colour`, "
            "`python -m helpers room serve --host 0.0.0.0 --loud`, then `.ci/run` and `.ci/deploy`")
    assert unknown_commands(text) == ["python -m helpers teach", "python -m helpers grade --colour",
                                      "python -m helpers room serve --loud", ".ci/deploy"]


def test_the_version_is_one_everywhere():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert version == "1.0.0" or int(version.split(".")[0]) >= 1
    assert helpers.__version__ == version
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["version"] == version
    changelog = (ROOT / "CHANGELOG.md").read_text()
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d\d-\d\d)$", changelog, re.M)
    assert released and released[0] == (version, str(cff["date-released"])), released
    assert "## [Unreleased]" in changelog and "Keep a Changelog" in changelog
    assert f"(version {version})" in README.read_text()  # the README's citation names it too


def _cffconvert() -> str | None:
    """cffconvert: $CFFCONVERT, else on PATH, else the separate environment .ci/run makes for it (its
    jsonschema 3 pin would break Jupyter's in the course's own environment)."""
    for candidate in (os.environ.get("CFFCONVERT"), shutil.which("cffconvert"),
                      str(ROOT / "_build" / "cffconvert" / "bin" / "cffconvert")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.mark.skipif(_cffconvert() is None, reason="cffconvert is not installed here (.ci/run installs it)")
def test_citation_cff_is_valid(tmp_path):
    ok = subprocess.run([_cffconvert(), "--validate", "-i", str(ROOT / "CITATION.cff")], capture_output=True,
                        text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = tmp_path / "CITATION.cff"
    broken.write_text((ROOT / "CITATION.cff").read_text().replace("cff-version: 1.2.0", "cff-version: 1.2.0\nyear: soon"))
    refused = subprocess.run([_cffconvert(), "--validate", "-i", str(broken)], capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode != 0


def _first_bash_block(text: str) -> list[str]:
    return [line.split("  #")[0].strip() for line in text.split("```bash", 1)[1].split("```", 1)[0].splitlines()
            if line.strip()]


def test_the_readme_quick_start_is_the_set_up_guides():
    """The README repeats the set-up guide's install lines (the front page needs them); they must not drift."""
    guide = (ROOT / "docs" / "learners" / "setup.md").read_text().split("## Install and start", 1)[1]
    assert _first_bash_block(README.read_text()) == _first_bash_block(guide)
