"""Where the course is published, and what the build writes from it: Colab and Binder links, Colab's set-up cell.

One setting, ``[tool.course]`` in ``pyproject.toml``: ``repository`` (``https://github.com/OWNER/REPO``)
and ``branch``. Blank, the build writes no link and no set-up cell anywhere: a fork or a private copy
must not send learners to someone else's notebooks. Set, ``python -m helpers build`` writes an
"Open in Colab" and a "launch Binder" link under each notebook's title (the learner's and the
solution's each name their own file), a table of them between the ``<!-- links -->`` markers of
README.md, and a set-up cell after the title that does nothing outside Colab; the site
(``helpers/author/site.py``) puts the learner version's links on each episode's page.

Why a set-up cell only for Colab: Colab has no clone, so the course's package (the checks, the
answers, the iris CSVs, all in the wheel) is installed from the repository, without its
dependencies, and then only what Colab lacks or has out of range (``helpers.learner.colab``):
Colab's own TensorFlow, Keras and NumPy builds stay. Binder builds the repository from ``binder/``
(the lock, like a laptop), so it needs no cell.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import quote

from helpers.author.errors import BuildError
from helpers.learner.paths import ROOT

_GITHUB = re.compile(r"^https://github\.com/(?P<slug>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(?:\.git)?/?$")
SETUP_CELL_ID = "colab-setup"
LINKS_BEGIN, LINKS_END = "<!-- links -->", "<!-- /links -->"


def settings(root: Path = ROOT) -> tuple[str, str]:
    """``(repository, branch)`` from ``[tool.course]`` (``("", "main")`` when unset)."""
    course = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("tool", {}).get("course", {})
    repository, branch = str(course.get("repository", "")).strip(), str(course.get("branch", "main")).strip()
    if repository and not _GITHUB.match(repository):
        raise BuildError(f"pyproject.toml [tool.course] repository = {repository!r}: Colab and Binder open "
                         "GitHub repositories, so write it as https://github.com/OWNER/REPO (or leave it blank)")
    if repository and not re.fullmatch(r"[A-Za-z0-9_./-]+", branch or "-"):
        raise BuildError(f"pyproject.toml [tool.course] branch = {branch!r}: not a branch name")
    return repository, branch or "main"


def slug(repository: str) -> str:
    """``OWNER/REPO`` of a GitHub URL."""
    return _GITHUB.match(repository)["slug"]


def colab_url(repository: str, branch: str, path: str) -> str:
    return f"https://colab.research.google.com/github/{slug(repository)}/blob/{branch}/{path}"


def binder_url(repository: str, branch: str, path: str) -> str:
    return f"https://mybinder.org/v2/gh/{slug(repository)}/{branch}?labpath={quote(path, safe='')}"


def links_markdown(repository: str, branch: str, path: str) -> str:
    """The two links for one notebook (``path`` from the repository's root), as one Markdown line; "" when blank."""
    if not repository:
        return ""
    return (f"[Open in Colab]({colab_url(repository, branch, path)}) · "
            f"[launch Binder]({binder_url(repository, branch, path)})")


def setup_cell_source(repository: str, branch: str, needs: list[str]) -> str:
    """The code of Colab's set-up cell: nothing outside Colab (``google.colab`` is imported only there)."""
    target = f"git+{repository.removesuffix('/').removesuffix('.git')}.git@{branch}"
    return (
        "# Google Colab only (elsewhere this cell does nothing): install the course without replacing Colab's\n"
        "# TensorFlow, Keras or NumPy, and fetch this episode's data. Written by `python -m helpers build`.\n"
        "import sys\n"
        "if \"google.colab\" in sys.modules:\n"
        "    import subprocess, time\n"
        "    started = time.time()\n"
        f"    print(\"Colab: installing the course from {slug(repository)} ({branch}) ...\")\n"
        "    pip = subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"--quiet\", \"--no-deps\", \"--upgrade\",\n"
        f"                          \"{target}\"],\n"
        "                         capture_output=True, text=True)\n"
        "    if pip.returncode:\n"
        "        print(\"Colab: the course did not install:\", (pip.stderr.strip().splitlines() or [\"?\"])[-1])\n"
        "    else:\n"
        "        import importlib\n"
        "        importlib.invalidate_caches()  # the package was installed into this running kernel's path\n"
        "        from helpers.learner.colab import prepare\n"
        f"        prepare(needs={tuple(needs)!r}, started=started)\n"
    )


def decorate(nb, repository: str, branch: str, path: str, needs: list[str]):
    """``nb`` with its links under the title (the first Markdown cell) and Colab's set-up cell after it."""
    if not repository:
        return nb
    import nbformat

    first = next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown")
    lines = nb.cells[first].source.splitlines()
    title = next((i for i, line in enumerate(lines) if line.startswith("# ")), 0)
    lines[title + 1:title + 1] = ["", links_markdown(repository, branch, path)]
    nb.cells[first].source = "\n".join(lines)
    cell = nbformat.v4.new_code_cell(setup_cell_source(repository, branch, needs), id=SETUP_CELL_ID)
    nb.cells.insert(first + 1, cell)
    return nb


def readme_links(repository: str, branch: str, episodes: list[str]) -> str:
    """What goes between README.md's ``<!-- links -->`` markers: a table of links, or nothing when blank."""
    if not repository:
        return ""
    rows = ["| # | your version (exercises blank) | solution |", "|---|---|---|"]
    for episode in episodes:
        rows.append(f"| {episode[:2]} | {links_markdown(repository, branch, f'episodes/{episode}.ipynb')} | "
                    f"{links_markdown(repository, branch, f'solutions/{episode}.ipynb')} |")
    return "\n".join(rows) + "\n"


def readme_with_links(text: str, repository: str, branch: str, episodes: list[str]) -> str:
    """README.md's text with its links section rewritten (an error when the markers are missing)."""
    pattern = re.compile(rf"{re.escape(LINKS_BEGIN)}\n.*?{re.escape(LINKS_END)}", re.S)
    if not pattern.search(text):
        raise BuildError(f"README.md has no {LINKS_BEGIN} ... {LINKS_END} section for the episodes' links")
    return pattern.sub(lambda _: f"{LINKS_BEGIN}\n{readme_links(repository, branch, episodes)}{LINKS_END}", text, 1)
