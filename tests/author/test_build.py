"""One master per episode: the generated pairs are what build writes, and nothing drifts."""

import shutil
import subprocess
import sys

import jupytext
import nbformat
import pytest

from helpers.author import build

MASTERS = sorted(build.MASTERS.glob("[0-9][0-9]-*.py"))


def test_committed_notebooks_match_their_masters():
    result = subprocess.run([sys.executable, "-m", "helpers", "build", "--check"],
                            capture_output=True, text=True, cwd=build.ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_names_a_drifted_file(tmp_path, monkeypatch):
    root = tmp_path / "course"
    for folder in ("masters", "episodes", "solutions"):
        shutil.copytree(build.ROOT / folder, root / folder)
    monkeypatch.setattr(build, "MASTERS", root / "masters")
    monkeypatch.setattr(build, "VERSIONS", {"solution": root / "solutions", "learner": root / "episodes"})
    assert build.build(check=True) == []
    learner = root / "episodes" / "01-iris-cost.py"
    learner.write_text(learner.read_text() + "\n# an edit by hand\n")
    assert build.build(check=True) == [learner]
    assert build.build() == [learner] and build.build(check=True) == []


def test_strip_solutions_keeps_names_and_prompt():
    source = ("x = 1\n# BEGIN SOLUTION: make a and b\na, b = 2, 3\nc = a + b\nmodel.fit(a)\n"
              "# END SOLUTION\nex.thing.assert_passed(c)")
    assert build.strip_solutions(source) == (
        "x = 1\n# TODO: make a and b\na = ...\nb = ...\nc = ...\nex.thing.check(c)")


def test_strip_solutions_without_assignment_and_indented():
    source = "for x in y:\n    # BEGIN SOLUTION\n    print(x)\n    # END SOLUTION"
    assert build.strip_solutions(source) == "for x in y:\n    # TODO: your code here\n    ..."


@pytest.mark.parametrize("source, problem", [
    ("# BEGIN SOLUTION\nx = 1", "without END"),
    ("x = 1\n# END SOLUTION", "without BEGIN"),
    ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "inside another"),
])
def test_unbalanced_markers_are_errors(source, problem):
    with pytest.raises(build.BuildError, match=problem):
        build.strip_solutions(source)


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_versions_differ_only_as_intended(master):
    files = build.rendered(master)
    solution = nbformat.reads(files[build.VERSIONS["solution"] / f"{master.stem}.ipynb"], 4)
    learner = nbformat.reads(files[build.VERSIONS["learner"] / f"{master.stem}.ipynb"], 4)
    assert {k: solution.metadata["course"][k] for k in ("episode", "version")} == {
        "episode": master.stem, "version": "solution"}
    assert solution.metadata["course"]["key_numbers"], "the benchmarks read them from the master"
    assert learner.metadata["course"] == {"episode": master.stem, "version": "learner"}
    learner_code = "\n".join(c.source for c in learner.cells if c.cell_type == "code")
    solution_code = "\n".join(c.source for c in solution.cells if c.cell_type == "code")
    for text in (learner_code, solution_code):
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert "assert_passed" not in learner_code and ".check(" in learner_code
    assert "assert_passed" in solution_code
    assert not any("solution" in c.metadata.get("tags", []) for c in learner.cells)
    assert all(not c.get("outputs") for c in solution.cells + learner.cells if c.cell_type == "code")
    # the paired .py is the same notebook as the .ipynb
    py = jupytext.reads(files[build.VERSIONS["learner"] / f"{master.stem}.py"], fmt="py:percent")
    assert [c.source for c in py.cells] == [c.source for c in learner.cells]


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_every_check_is_followed_by_a_hint_a_solution_and_carry_on(master):
    """In the learner's version only: one call per cell, in the order a stuck learner needs them."""
    files = build.rendered(master)
    learner = nbformat.reads(files[build.VERSIONS["learner"] / f"{master.stem}.ipynb"], 4)
    solution = nbformat.reads(files[build.VERSIONS["solution"] / f"{master.stem}.ipynb"], 4)
    sources = [c.source for c in learner.cells]
    checks = [(i, name) for i, c in enumerate(learner.cells) for name, _ in build.check_calls(c.source)]
    assert checks, "every episode has exercises"
    for i, name in checks:
        hint, answer, carry = sources[i + 1:i + 4]
        assert hint.startswith(f"# ex.{name}.hint()") and answer.startswith(f"# ex.{name}.solution()"), name
        assert carry.startswith(f"ex.{name}.carry_on()"), name
    assert sum("carry_on()" in s for s in sources) == len(checks)
    assert not any("carry_on" in c.source or ".hint()" in c.source for c in solution.cells)
    assert len({c.id for c in learner.cells}) == len(learner.cells), "cell ids stay unique"


def test_help_cells_follow_a_check_in_a_tiny_master():
    master = jupytext.reads("# %%\n# BEGIN SOLUTION: make a\n# HINT: a is one\na = 1\n# END SOLUTION\n\n"
                            "# %%\nex.one.assert_passed(a)\n\n# %%\nprint(a)\n", fmt="py:percent")
    notebooks, _ = build.make_versions(master, "00-tiny")
    learner = [c.source for c in notebooks["learner"].cells]
    assert learner[0] == "# TODO: make a\na = ..." and learner[1] == "ex.one.check(a)"
    assert learner[2:5] == [c.source for c in build.help_cells("one", "x")] and learner[5] == "print(a)"
    assert [c.source for c in notebooks["solution"].cells] == ["a = 1", "ex.one.assert_passed(a)", "print(a)"]
