"""``python -m helpers site``: the executed course website (Sphinx + myst-nb).

The notebooks ship without outputs, so on a repository page or a projector their plots,
tables and check cards do not exist until someone runs them. The site is where a learner
reads along and an instructor projects: each episode's *solution* notebook, executed, with a
link to download the learner's version; a home page, the guides for learners, instructors and
authors, the measured benchmark table and the changelog.

What it reads, as it is at build time (``python -m helpers build`` regenerates the notebooks):
``solutions/*.ipynb`` (episodes are discovered there, never listed), ``episodes/*.ipynb`` (the
learner downloads), the guides under ``docs/`` and ``CHANGELOG.md`` (staged as they are, see
``guides.py``), ``CITATION.cff`` (the home page's "how to cite") and the table between
``<!-- table -->`` markers in ``benchmarks/README.md``.
It writes a staging folder of pages (``_build/site-src``), then runs Sphinx with the
configuration in ``helpers/author/site/``; the HTML lands in ``_build/site``.

Execution is cached by jupyter-cache (``_build/jupyter_cache``): a rebuild executes only the
notebooks whose code changed. Each episode runs in the full profile when the data it needs are
in Keras' cache, otherwise in the quick profile, which prints a ``STAND-IN DATA`` banner where it
uses a stand-in (the site repeats that banner at the top of the page). The profile is written
into the staged notebook as a hidden first cell, so it is part of what jupyter-cache hashes:
the quick run's outputs are never served as the full run's.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import string
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers.learner.paths import ROOT
CONF_DIR = Path(__file__).parent / "site"
DEFAULT_OUT = ROOT / "_build"
PROFILES = ("auto", "full", "quick")


@dataclass(frozen=True)
class Episode:
    name: str  # "01-iris-cost", the solution notebook's stem
    title: str  # its first heading, "Episode 01 — From iris species ..."
    profile: str  # the profile it is executed in
    needs: tuple[str, ...]  # the data sets and weights it fetches (registry names)

    @property
    def docname(self) -> str:
        return f"episodes/{self.name}"


def title_of(nb) -> str:
    """The notebook's first Markdown heading (the page title on the site)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError("the notebook has no '# ' heading")


def needed_resources(nb) -> tuple[str, ...]:
    """The data sets and weights an episode needs in the full profile, read from the loaders its code
    calls (the course's one way of knowing it; episodes whose data ship in ``data/`` need none)."""
    from helpers.learner.data import notebook_resources

    return tuple(notebook_resources(nb.cells))


def choose_profile(needs: tuple[str, ...], requested: str = "auto") -> str:
    """``full`` when every resource the episode needs is cached (or ``requested`` says so), else ``quick``."""
    if requested not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, not {requested!r}")
    if requested != "auto":
        return requested
    from helpers.learner.data import cache
    from helpers.learner.data.registry import get

    return "full" if all(cache.problem(get(name)) is None for name in needs) else "quick"


def discover(requested: str = "auto") -> list[Episode]:
    """The episodes, from ``solutions/*.ipynb``, each with the profile it will run in."""
    episodes = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        needs = needed_resources(nb)
        episodes.append(Episode(path.stem, title_of(nb), choose_profile(needs, requested), needs))
    if not episodes:
        raise FileNotFoundError(f"no solution notebooks in {ROOT / 'solutions'}: run `python -m helpers build`")
    return episodes


def _write(path: Path, content: str | bytes) -> None:
    """Write only what changed: Sphinx re-reads (and myst-nb re-checks the cache of) changed files only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode() if isinstance(content, str) else content
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def _template(name: str, **values) -> str:
    return string.Template((CONF_DIR / name).read_text()).substitute(values)


def citation() -> str:
    """How to cite the course, in one line, from ``CITATION.cff`` (the one place its version and authors are)."""
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    authors = ", ".join(a.get("name") or f"{a.get('family-names', '')}, {a.get('given-names', '')}"
                        for a in cff["authors"])
    year = str(cff.get("date-released", ""))[:4]
    return f"{authors} ({year}). *{cff['title']}* (version {cff['version']})."


def _cloud_links(episode: Episode) -> str:
    """", or run it in the cloud: [Open in Colab](...) · [launch Binder](...)" for the learner version; "" when
    ``[tool.course] repository`` is blank (helpers/author/publishing.py)."""
    from helpers.author import publishing

    links = publishing.links_markdown(*publishing.settings(ROOT), f"episodes/{episode.name}.ipynb")
    return f", or work in the cloud: {links}" if links else ""


def staged_notebook(episode: Episode):
    """The solution notebook as its page shows it: profile cell (hidden), download link, then the episode."""
    nb = nbformat.read(ROOT / "solutions" / f"{episode.name}.ipynb", as_version=4)
    profile_cell = nbformat.v4.new_code_cell(
        f'import os\nos.environ["COURSE_PROFILE"] = "{episode.profile}"  # set by python -m helpers site',
        metadata={"tags": ["remove-cell"]})
    profile_note = ("the **full** profile, the real course" if episode.profile == "full" else
                    "the **quick** profile (fewer epochs and repeats; stand-in data where the real data "
                    "were not cached): its numbers are not the full course's")
    about = nbformat.v4.new_markdown_cell(
        f":::{{note}}\nThis page is the episode's solution notebook, executed when the site was built, in "
        f"{profile_note}. To work through the exercises yourself, download the learner version "
        f"{{download}}`{episode.name}.ipynb <../_learner/{episode.name}.ipynb>` and open it in JupyterLab "
        f"(see [Set-up](../learners/setup.md)){_cloud_links(episode)}.\n:::")
    first_markdown = next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown")
    nb.cells.insert(first_markdown + 1, about)
    nb.cells.insert(0, profile_cell)
    for cell in nb.cells:
        cell.pop("id", None)  # nbformat gives inserted cells random ids; keep the staged file stable
    nb.nbformat_minor = 4
    return nb


def _episode_table(episodes: list[Episode]) -> str:
    rows = ["| episode | executed in | data it fetches |", "|---|---|---|"]
    for ep in episodes:
        needs = ", ".join(f"`{n}`" for n in ep.needs) or "none (ships in `data/`)"
        rows.append(f"| [{ep.title}]({ep.docname}.ipynb) | {ep.profile} profile | {needs} |")
    return "\n".join(rows)


def benchmark_table() -> str:
    """The measured table, as ``benchmarks/run.py --write`` left it in benchmarks/README.md."""
    text = (ROOT / "benchmarks" / "README.md").read_text()
    match = re.search(r"<!-- table -->\n(.*?)<!-- /table -->", text, re.S)
    if not match:
        raise ValueError("benchmarks/README.md has no <!-- table --> ... <!-- /table --> section")
    return match.group(1).strip()


def stage(src: Path, episodes: list[Episode]) -> None:
    """Write every page of the site into ``src`` (only files whose text changed; pages no longer made go)."""
    from helpers.author import guides, publishing

    toctree = "\n".join(ep.docname for ep in episodes)
    pages = {"index.md": _template("index.md", episode_table=_episode_table(episodes), toctree=toctree,
                                   guide_toctrees=guides.toctrees(), citation=citation()),
             "benchmarks.md": _template("benchmarks.md", table=benchmark_table()),
             **guides.files(ROOT, *publishing.settings(ROOT))}
    for name, content in pages.items():
        _write(src / name, content)
    for old in src.rglob("*.md"):  # a guide removed from docs/ leaves the site too
        if old.relative_to(src).as_posix() not in pages:
            old.unlink()
    wanted = set()
    for ep in episodes:
        _write(src / "episodes" / f"{ep.name}.ipynb", nbformat.writes(staged_notebook(ep)) + "\n")
        learner = ROOT / "episodes" / f"{ep.name}.ipynb"
        _write(src / "_learner" / f"{ep.name}.ipynb", learner.read_text())
        wanted |= {f"{ep.name}.ipynb"}
    for folder in ("episodes", "_learner"):  # an episode removed from solutions/ leaves the site too
        for old in (src / folder).glob("*.ipynb"):
            if old.name not in wanted:
                old.unlink()


def _drop_stale_pages(src: Path, html: Path) -> None:
    """Remove HTML pages whose source is gone (Sphinx leaves them): a page removed from the site leaves it."""
    for page in html.rglob("*.html"):
        rel = page.relative_to(html).with_suffix("")
        if rel.parts[0].startswith("_") or str(rel) in ("search", "genindex"):
            continue  # the theme's and Sphinx's own pages
        if not any((src / rel).with_suffix(suffix).exists() for suffix in (".md", ".ipynb")):
            page.unlink()


@contextlib.contextmanager
def _kernel_environment(results: Path):
    """The environment the kernels myst-nb starts inherit (this process's), for the build only.

    Check results go to a throwaway log, never the builder's own progress log; and a non-inline
    ``MPLBACKEND`` in the builder's shell (the tests set ``Agg``) would leave every figure off the site.
    """
    saved = {key: os.environ.get(key) for key in ("COURSE_RESULTS", "MPLBACKEND")}
    os.environ["COURSE_RESULTS"] = str(results)
    os.environ.pop("MPLBACKEND", None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build_site(out: Path = DEFAULT_OUT, profile: str = "auto", jobs: int = 1, fresh: bool = False,
               allow_errors: bool = False, log=print) -> Path:
    """Stage the pages, execute what changed and write the HTML; return ``out/site/index.html``.

    ``fresh`` deletes the HTML and Sphinx's environment first (the execution cache stays).
    Raises ``RuntimeError`` when Sphinx fails: a notebook that errors fails the build, unless
    ``allow_errors`` (an author's preview of work in progress: the page shows the traceback).
    """
    from sphinx.cmd.build import build_main

    out = Path(out).resolve()
    src, html, doctrees, cache = out / "site-src", out / "site", out / "site-doctrees", out / "jupyter_cache"
    if fresh:
        for folder in (html, doctrees):
            shutil.rmtree(folder, ignore_errors=True)
    episodes = discover(profile)
    for ep in episodes:
        log(f"{ep.name}: {ep.profile} profile" + (f" (needs {', '.join(ep.needs)})" if ep.needs else ""))
    stage(src, episodes)
    options = ["-D", f"nb_execution_cache_path={cache}"]
    if allow_errors:  # a preview's failed runs must not be served from the cache to a real build
        options = ["-D", f"nb_execution_cache_path={cache}-preview",
                   "-D", "nb_execution_allow_errors=1", "-D", "nb_execution_raise_on_error=0"]
    start = time.perf_counter()
    with _kernel_environment(results=out / "site-results.jsonl"):
        status = build_main(["-b", "html", "-c", str(CONF_DIR), "-d", str(doctrees), "-j", str(jobs),
                             *options, str(src), str(html)])
    if status:
        raise RuntimeError(f"Sphinx failed (exit status {status}); see the messages above")
    _drop_stale_pages(src, html)
    log(f"Site built in {time.perf_counter() - start:.0f} s: {html / 'index.html'}")
    return html / "index.html"
