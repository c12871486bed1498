"""The guides under ``docs/`` (and ``CHANGELOG.md``) as pages of the course website, written once.

Why: a guide is read in two places, on the repository's pages (GitHub renders Markdown, with links
relative to the file) and on the website. It is written once, as Markdown under ``docs/``; the site
stages it as it is, in the same folder layout (``docs/learners/setup.md`` becomes the page
``learners/setup``), so links between guides and to their pictures stay valid. Only links that
leave ``docs/`` change: to a file the site has a page for (the README is the home page, the
benchmarks and the changelog have pages) they point at that page; to any other file of the
repository, at its copy on GitHub when ``[tool.course] repository`` is set, else they become plain
text (a site must not link to files it does not serve). A link to a guide that does not exist (yet)
becomes plain text too.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]
DOCS = "docs"
# Repository files the site has a page for, and that page.
SITE_PAGES = {"README.md": "index.md", "CHANGELOG.md": "changelog.md", "benchmarks/README.md": "benchmarks.md"}
# The order of each audience's pages in the site's navigation; a page not listed comes after, by name.
ORDER = {"learners": ("setup", "exercises", "offline", "cloud"),
         "instructors": ("workshop", "schedule", "live-room", "grading", "lms"),
         "authors": ("episodes", "testing", "versions")}
CAPTIONS = {"learners": "Learners", "instructors": "Instructors", "authors": "Authors"}
_LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]\n]*)\]\((?P<target>[^)\s]+)\)")


def pages(root: Path = ROOT) -> dict[str, list[str]]:
    """Each audience's guide pages (``"learners/setup"``), in navigation order."""
    found = {}
    for folder in ORDER:
        names = sorted(p.stem for p in (root / DOCS / folder).glob("*.md"))
        rank = {name: i for i, name in enumerate(ORDER[folder])}
        found[folder] = [f"{folder}/{n}" for n in sorted(names, key=lambda n: (rank.get(n, len(rank)), n))]
    return found


def staged_path(repo_path: str) -> str:
    """Where a repository file's page sits in the site's sources: ``docs/x/y.md`` -> ``x/y.md``."""
    if repo_path.startswith(f"{DOCS}/"):
        return repo_path[len(DOCS) + 1:]
    return SITE_PAGES[repo_path]


def site_link(target: str, page: str, root: Path = ROOT, repository: str = "", branch: str = "main") -> str | None:
    """The link ``target``, written in the repository file ``page``, as the staged page needs it (None: text only)."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
        return target  # a URL, or an anchor on the same page
    path, _, fragment = target.partition("#")
    repo_path = os.path.normpath(PurePosixPath(page).parent / path).replace(os.sep, "/")
    if not (root / repo_path).exists():
        return None
    here = PurePosixPath(staged_path(page)).parent
    if repo_path.startswith(f"{DOCS}/"):
        return os.path.relpath(staged_path(repo_path), here).replace(os.sep, "/") + (f"#{fragment}" if fragment else "")
    if repo_path in SITE_PAGES:  # its page on the site shows part of the file: no anchor
        return os.path.relpath(SITE_PAGES[repo_path], here).replace(os.sep, "/")
    if repository:
        return f"{repository}/blob/{branch}/{repo_path}"
    return None


def site_text(page: str, root: Path = ROOT, repository: str = "", branch: str = "main") -> str:
    """The Markdown of repository file ``page`` with each link rewritten for the site (see the module's docstring)."""
    def rewrite(match: re.Match) -> str:
        link = site_link(match["target"], page, root, repository, branch)
        if link is None:
            return match["text"]
        return f"{match['bang']}[{match['text']}]({link})"

    return _LINK.sub(rewrite, (root / page).read_text(encoding="utf-8"))


def files(root: Path = ROOT, repository: str = "", branch: str = "main") -> dict[str, str | bytes]:
    """Every file the guides put into the site's sources: each page's text, the changelog, the pictures."""
    staged: dict[str, str | bytes] = {}
    for folder in pages(root).values():
        for name in folder:
            staged[f"{name}.md"] = site_text(f"{DOCS}/{name}.md", root, repository, branch)
    if (root / "CHANGELOG.md").exists():
        staged["changelog.md"] = site_text("CHANGELOG.md", root, repository, branch)
    for picture in (root / DOCS).rglob("*.png"):
        staged[picture.relative_to(root / DOCS).as_posix()] = picture.read_bytes()
    return staged


def toctrees(root: Path = ROOT) -> str:
    """The site's navigation for the guides: one hidden toctree per audience, with its caption."""
    blocks = []
    for folder, names in pages(root).items():
        if names:
            blocks.append("\n".join(["```{toctree}", ":hidden:", f":caption: {CAPTIONS[folder]}", "", *names, "```"]))
    return "\n\n".join(blocks)
