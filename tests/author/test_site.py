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
    assert "pip install -r requirements.txt\njupyter lab" in index
    assert all(f"episodes/{e.name}" in index for e in episodes)
    assert "| episode | profile |" in (tmp_path / "benchmarks.md").read_text()
    before = (tmp_path / "index.md").stat().st_mtime_ns
    site.stage(tmp_path, episodes)
    assert (tmp_path / "index.md").stat().st_mtime_ns == before  # unchanged pages are not rewritten


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
