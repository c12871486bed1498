"""The course website's staging, without building it (the browser tests build and open it).

Fast checks of what ``python -m helpers site`` writes before Sphinx runs: episodes discovered,
each executed in the right profile (the profile inside the notebook, so the execution cache
tells a quick run from a full one), the learner download, the benchmark table, and the
stand-in banner the Sphinx extension adds.
"""

import sys

import nbformat
import pytest
from docutils import nodes
from docutils.utils import new_document
from docutils.frontend import get_default_settings

from helpers.author import site


def test_episodes_are_discovered_from_solutions():
    episodes = site.discover("quick")
    assert [e.name for e in episodes] == sorted(p.stem for p in (site.ROOT / "solutions").glob("*.ipynb"))
    assert all(e.title.startswith("Episode ") and e.profile == "quick" for e in episodes)


def test_profile_is_full_only_where_the_data_are_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty cache
    assert site.choose_profile((), "auto") == "full"  # data shipped in data/
    assert site.choose_profile(("mnist",), "auto") == "quick"
    assert site.choose_profile(("mnist",), "full") == "full"
    with pytest.raises(ValueError):
        site.choose_profile((), "fast")


def test_staged_notebook_runs_its_profile_and_links_the_learner_version():
    episode = site.discover("quick")[0]
    nb = site.staged_notebook(episode)
    first = nb.cells[0]
    assert first.cell_type == "code" and "remove-cell" in first.metadata["tags"]
    assert 'os.environ["COURSE_PROFILE"] = "quick"' in first.source
    note = next(c.source for c in nb.cells if c.cell_type == "markdown" and "{download}" in c.source)
    assert f"<../_learner/{episode.name}.ipynb>" in note and "quick" in note
    full = site.staged_notebook(site.Episode(episode.name, episode.title, "full", ()))
    assert full.cells[0].source != first.source  # a different hash in jupyter-cache
    solution = nbformat.read(site.ROOT / "solutions" / f"{episode.name}.ipynb", as_version=4)
    assert len(nb.cells) == len(solution.cells) + 2


def test_stage_writes_every_page_and_drops_removed_episodes(tmp_path):
    episodes = site.discover("quick")
    (tmp_path / "episodes").mkdir()
    (tmp_path / "episodes" / "99-gone.ipynb").write_text("{}")
    site.stage(tmp_path, episodes)
    assert {p.name for p in (tmp_path / "episodes").iterdir()} == {f"{e.name}.ipynb" for e in episodes}
    assert {p.name for p in (tmp_path / "_learner").iterdir()} == {f"{e.name}.ipynb" for e in episodes}
    index = (tmp_path / "index.md").read_text()
    assert "pip install -r requirements.lock\njupyter lab" in index and "requirements.txt" not in index
    assert all(f"episodes/{e.name}" in index for e in episodes)
    assert "| episode | profile |" in (tmp_path / "benchmarks.md").read_text()
    before = (tmp_path / "index.md").stat().st_mtime_ns
    site.stage(tmp_path, episodes)
    assert (tmp_path / "index.md").stat().st_mtime_ns == before  # unchanged pages are not rewritten


def test_stage_shows_every_guide_and_the_changelog_and_drops_removed_pages(tmp_path):
    from helpers.author import guides

    (tmp_path / "learners").mkdir()
    (tmp_path / "learners" / "gone.md").write_text("# A guide removed from docs/")
    site.stage(tmp_path, site.discover("quick"))
    staged = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.md")}
    docs = {p.relative_to(site.ROOT / "docs").as_posix() for p in (site.ROOT / "docs").rglob("*.md")}
    assert staged == {"index.md", "benchmarks.md", "changelog.md", *docs}
    assert (tmp_path / "room-instructor.png").read_bytes() == (site.ROOT / "docs" / "room-instructor.png").read_bytes()
    index = (tmp_path / "index.md").read_text()
    for folder, names in guides.pages().items():
        assert f":caption: {guides.CAPTIONS[folder]}\n\n" + "\n".join(names) in index
    assert site.citation() in index and "version 1.0.0" in site.citation()


@pytest.mark.parametrize("target, page, expected", [
    ("offline.md", "docs/learners/setup.md", "offline.md"),  # guide to guide: as it is
    ("../instructors/live-room.md#what-is-sent", "docs/learners/setup.md", "../instructors/live-room.md#what-is-sent"),
    ("../room-setup.png", "docs/instructors/workshop.md", "../room-setup.png"),
    ("../../benchmarks/README.md#test-suites", "docs/authors/testing.md", "../benchmarks.md"),  # the site's page
    ("../../CHANGELOG.md", "docs/authors/testing.md", "../changelog.md"),
    ("docs/learners/setup.md", "CHANGELOG.md", "learners/setup.md"),
    ("../../LICENSE", "docs/learners/setup.md", None),  # no page, no repository named: text only
    ("missing.md", "docs/learners/setup.md", None),  # a guide not written (yet): text only
    ("https://docs.astral.sh/uv/", "docs/learners/setup.md", "https://docs.astral.sh/uv/"),
    ("#install-and-start", "docs/learners/setup.md", "#install-and-start"),
])
def test_guide_links_are_rewritten_only_where_they_leave_docs(target, page, expected):
    from helpers.author import guides

    assert guides.site_link(target, page) == expected


def test_a_link_to_a_repository_file_goes_to_github_when_the_course_names_its_repository():
    from helpers.author import guides

    link = guides.site_link("../../LICENSE", "docs/learners/setup.md", repository="https://github.com/o/r", branch="b")
    assert link == "https://github.com/o/r/blob/b/LICENSE"
    text = guides.site_text("docs/instructors/grading.md")
    assert "[Grading for an LMS" not in text or (site.ROOT / "docs/instructors/lms.md").exists()


def test_benchmark_table_is_read_between_the_markers():
    table = site.benchmark_table()
    assert table.splitlines()[0].startswith("Measured on") and "<!--" not in table
    assert sum(line.startswith("| 0") for line in table.splitlines()) >= 4


def test_stand_in_banner_repeats_the_notebooks_lines_under_the_title():
    sys.path.insert(0, str(site.CONF_DIR / "_ext"))
    try:
        import course_site
    finally:
        sys.path.remove(str(site.CONF_DIR / "_ext"))
    doc = new_document("page", get_default_settings())
    section = nodes.section()
    section += nodes.title(text="Episode 99")
    section += nodes.literal_block(text="Course profile 'quick'\nSTAND-IN DATA: digits instead of MNIST\n")
    doc += section
    course_site.add_stand_in_banner(None, doc, "episodes/99")
    banner = section[1]
    assert "standin-banner" in banner["classes"] and "STAND-IN DATA: digits instead of MNIST" in banner.astext()
    quiet = new_document("page", get_default_settings())
    quiet += nodes.section("", nodes.title(text="Set-up"), nodes.paragraph(text="no stand-ins"))
    course_site.add_stand_in_banner(None, quiet, "setup")
    assert not list(quiet.findall(nodes.admonition))


def test_pages_whose_source_is_gone_leave_the_built_site(tmp_path):
    src, html = tmp_path / "src", tmp_path / "html"
    for name in ("index.md", "learners/setup.md", "episodes/01-x.ipynb"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text("x")
    for name in ("index.html", "learners/setup.html", "episodes/01-x.html", "setup.html", "search.html",
                 "genindex.html", "_static/theme.html", "learners/gone.html"):
        (html / name).parent.mkdir(parents=True, exist_ok=True)
        (html / name).write_text("x")
    site._drop_stale_pages(src, html)
    left = {p.relative_to(html).as_posix() for p in html.rglob("*.html")}
    assert left == {"index.html", "learners/setup.html", "episodes/01-x.html", "search.html", "genindex.html",
                    "_static/theme.html"}
