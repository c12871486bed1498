"""Every exercise's texts come from its master, and every solution a learner is shown passes its check.

``solution()`` is the master's region byte for byte; pasting every solution into
the blank learner version (and adding back the solution-only cells) gives the
solution notebook exactly, which nbval executes in a fresh kernel, where each
``assert_passed`` requires the check to say "correct". The run marked
``learner_runs`` (in .ci/run's run of every marked suite) also executes the pasted
learner version itself and reads every check's result.
"""

import importlib
import re

import jupytext
import nbformat
import pytest

from helpers.author import build
from helpers.learner.checking import answers, exercises_of
from helpers.learner.exercises import exercise_modules
from tests.support.notebook_runs import run_notebook

EPISODES = sorted(exercise_modules())


def _exercises(episode):
    return exercises_of(importlib.import_module(exercise_modules()[episode]))


def _regions(episode):
    """(exercise, region code, hints) read straight from the master, independently of the build's output."""
    master = jupytext.read(build.MASTERS / f"{episode}.py")
    found, pending = [], []
    for cell in master.cells:
        if cell.cell_type != "code":
            continue
        for block in re.findall(r"# BEGIN SOLUTION.*?\n(.*?)\n# END SOLUTION", cell.source, re.S):
            lines, hints = block.splitlines(), []
            while lines and (lines[0].startswith("# HINT: ") or (hints and re.match(r"#\s{2,}\S", lines[0]))):
                line = lines.pop(0)
                if line.startswith("# HINT: "):
                    hints.append(line[len("# HINT: "):])
                else:
                    hints[-1] += " " + line.lstrip("# ")
            pending.append(("\n".join(lines), hints))
        for name in re.findall(r"ex\.(\w+)\.assert_passed\(", cell.source):
            (code, hints), = pending
            found.append((name, code, hints))
            pending = []
    return found


def pasted(episode):
    """The learner's notebook with every ``solution()`` pasted in and the solution-only cells added back."""
    learner = nbformat.read(build.VERSIONS["learner"] / f"{episode}.ipynb", as_version=4)
    texts = answers(episode)
    nb = build.paste_solutions(learner, {name: (texts[name]["prompt"], exercise.solution().text)
                                         for name, exercise in _exercises(episode).items()})
    solution = nbformat.read(build.VERSIONS["solution"] / f"{episode}.ipynb", as_version=4)
    by_index = {cell.id[1:]: cell for cell in nb.cells}
    nb.cells = [by_index.get(cell.id[1:], cell) for cell in solution.cells]  # solution-only cells back in place
    return nb, solution


@pytest.mark.parametrize("episode", EPISODES)
def test_solution_is_the_masters_region_byte_for_byte(episode):
    regions = _regions(episode)
    exercises = _exercises(episode)
    assert [name for name, _, _ in regions] == list(exercises), "one region per exercise, in order"
    for name, code, hints in regions:
        assert exercises[name].solution().text == code.strip("\n"), name
        assert exercises[name].hints == hints and hints, name


@pytest.mark.parametrize("episode", EPISODES)
def test_check_arguments_come_from_the_check_cell(episode):
    solution = nbformat.read(build.VERSIONS["solution"] / f"{episode}.ipynb", as_version=4)
    for name, exercise in _exercises(episode).items():
        cells = [c for c in solution.cells if f"ex.{name}.assert_passed(" in c.source]
        assert len(cells) == 1, name
        assert f"ex.{name}.assert_passed({exercise.grade_args})" in cells[0].source
        assert cells[0].metadata["course"]["checks"][name] == exercise.arguments


@pytest.mark.parametrize("episode", EPISODES)
def test_pasting_every_solution_gives_the_solution_notebook(episode):
    nb, solution = pasted(episode)
    code = [c.source.replace(".check(", ".assert_passed(") for c in nb.cells if c.cell_type == "code"]
    assert code == [c.source for c in solution.cells if c.cell_type == "code"]


@pytest.mark.parametrize("episode", EPISODES)
def test_feedback_names_the_learners_variables(episode):
    """A blank check reports the names the check cell passes (``classifier``), not the check's parameters."""
    for name, exercise in _exercises(episode).items():
        result = exercise.evaluate(*[...] * len(exercise.arguments))
        assert result.status == "unattempted", (name, result.message)
        for expression in exercise.arguments:
            if expression.isidentifier():
                assert f"`{expression}`" in result.message, (name, result.message)


def test_a_paste_that_does_not_fit_the_blank_is_an_error():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("# TODO: make a\nb = ...")])
    with pytest.raises(build.BuildError, match="is not"):
        build.paste_solutions(nb, {"x": ("make a", "a = 1")})
    with pytest.raises(build.BuildError, match="no blank"):
        build.paste_solutions(nb, {"x": ("make c", "c = 1")})
    done = build.paste_solutions(nb, {"x": ("make a", "b = 2\nprint(b)")})
    assert done.cells[0].source == "b = 2\nprint(b)"


SAME_VERDICT = """\
import os as _os, subprocess as _sp, sys as _sys, time as _time
from unittest import mock as _mock
_first = ex.{name}.evaluate({args})
# the same answer again, with every core busy and every clock Python offers running 7.5 times as fast
_busy = [_sp.Popen([_sys.executable, "-c", "while True: pass"]) for _ in range(_os.cpu_count() or 2)]
_clocks = {{n: getattr(_time, n) for n in ("perf_counter", "time", "monotonic")}}
try:
    with _mock.patch.multiple(_time, **{{n: (lambda c=c: 7.5 * c() + 1e6) for n, c in _clocks.items()}}):
        _second = ex.{name}.evaluate({args})
finally:
    for _p in _busy:
        _p.kill()
        _p.wait()
assert (_first.status, _first.message) == (_second.status, _second.message), (_first, _second)
"""


def with_verdicts_checked_twice(nb, episode):
    """After each check cell, a cell that grades the same answer again under load and a changed clock."""
    exercises = _exercises(episode)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        for name in re.findall(r"ex\.(\w+)\.check\(", cell.source if cell.cell_type == "code" else ""):
            cells.append(nbformat.v4.new_code_cell(SAME_VERDICT.format(name=name, args=exercises[name].grade_args)))
    nb.cells = cells
    return nb


@pytest.mark.learner_runs
@pytest.mark.parametrize("episode", EPISODES)
def test_pasted_learner_version_checks_all_correct(episode, tmp_path):
    """Every check says correct, and says the same again with the machine busy and its clocks changed:
    a verdict depends on the learner's answer only."""
    nb, _ = pasted(episode)
    nb = with_verdicts_checked_twice(nb, episode)
    assert sum("_second = ex." in c.source for c in nb.cells) == len(_exercises(episode))
    records = run_notebook(nb, tmp_path, "quick")
    assert {r["exercise"]: r["status"] for r in records} == {name: "correct" for name in _exercises(episode)}
