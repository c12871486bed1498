"""`python -m helpers grade`: submissions made here from the learner version, graded exactly.

The submissions that train models are in test_grading_room.py (a separate file so that
pytest-xdist can run it beside this one).

Every run goes through the command line in a fresh process, as an instructor
would run it, and reads the CSV and feedback files it writes.
"""

import csv
import json
import os
import subprocess
import sys

import nbformat
import pytest

from helpers.author import build

EPISODE = "01-iris-cost"
EXERCISES = ["build_classifier", "transfer_head", "rmse", "fine_tune"]


def learner():
    return nbformat.read(build.VERSIONS["learner"] / f"{EPISODE}.ipynb", as_version=4)


def solved(upto=len(EXERCISES)):
    """The learner version with its first `upto` exercise cells filled in with the solution's code."""
    nb = learner()
    solution = {c.id[1:]: c for c in nbformat.read(build.VERSIONS["solution"] / f"{EPISODE}.ipynb", as_version=4).cells}
    todo = [c for c in nb.cells if c.cell_type == "code" and "# TODO:" in c.source]
    for cell in todo[:upto]:
        cell.source = solution[cell.id[1:]].source
    return nb


def replace(nb, old, new):
    cells = [c for c in nb.cells if old in c.source]
    assert cells, old
    cells[0].source = cells[0].source.replace(old, new)
    return nb


def insert_after(nb, marker, source):
    index = next(i for i, c in enumerate(nb.cells) if marker in c.source)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return nb


def with_mistakes():
    nb = solved()
    replace(nb, 'Dense(3, activation="softmax", name="species")', 'Dense(3, activation="sigmoid", name="species")')
    replace(nb, "hidden_2.trainable = False\n", "")
    replace(nb, "predictions = model3.predict(xc_test, verbose=0).ravel()", "predictions = model3.predict(xc_test, verbose=0)")
    replace(nb, "optimizer=keras.optimizers.Adam(learning_rate=1e-4)", 'optimizer="adam"')
    return nb


def forged():
    nb = learner()
    insert_after(nb, "from helpers.learner.exercises import iris_cost as ex", (
        "import helpers.learner.checking, json, os\n"
        "forge = lambda self, *a, **k: self._result('correct', 'forged')\n"
        "helpers.learner.checking.Exercise.evaluate = forge\n"
        "helpers.learner.checking.Exercise.check = forge\n"
        "ex.rmse.evaluate = lambda *a, **k: ex.rmse._result('correct', 'forged')\n"
        "with open(os.environ['COURSE_RESULTS'], 'a') as fh:\n"
        "    for name in ['build_classifier', 'transfer_head', 'rmse', 'fine_tune']:\n"
        "        fh.write(json.dumps({'episode': '01-iris-cost', 'exercise': name, 'status': 'correct',\n"
        "                             'points': 1, 'max_points': 1, 'message': 'forged'}) + '\\n')\n"))
    replace(nb, "ex.transfer_head.check(model3, classifier)", 'print("✅ transfer_head: correct (1/1)")')
    nb.cells.append(nbformat.v4.new_code_cell('print("✅ build_classifier: correct (1/1)\\nTotal: 4/4")'))
    return nb


def crashing():
    nb = learner()
    nb.cells.insert(1, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    return nb


def looping(upto=0):
    """A cell that never ends. It sleeps rather than spins, so the test's other worker keeps its core;
    the grader interrupts both kinds the same way (SIGINT, then KeyboardInterrupt in the kernel)."""
    return insert_after(solved(upto), "ex.build_classifier.check(classifier)",
                        "import time\nwhile True:\n    time.sleep(0.1)")


def not_course():
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")])


def write(folder, notebooks):
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        if isinstance(nb, str):
            (folder / f"{name}.ipynb").write_text(nb)
        else:
            nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


def grade(folder, out, *extra):
    env = {**os.environ, "COURSE_PROFILE": "quick"}
    result = subprocess.run([sys.executable, "-m", "helpers", "grade", str(folder), "--csv", str(out / "grades.csv"),
                             "--feedback", str(out / "feedback"), "--timeout", "20", *extra],
                            capture_output=True, text=True, env=env, cwd=out, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "grades.csv", newline="") as fh:
        rows = {row["learner"]: row for row in csv.DictReader(fh)}
    return rows, result


def points(row):
    return [int(row[f"01.{name}"]) for name in EXERCISES]


@pytest.fixture(scope="module")
def cheap_room(tmp_path_factory):
    """Submissions that train nothing: fast enough to grade twice."""
    return write(tmp_path_factory.mktemp("cheap"), {
        "blank": learner(), "forged": forged(), "crash": crashing(),
        "not_course": not_course(), "not_json": "{ this is not a notebook",
    })


@pytest.fixture(scope="module")
def cheap_grades(cheap_room, tmp_path_factory):
    out = tmp_path_factory.mktemp("out1")
    return grade(cheap_room, out, "--jobs", "2", "--timeout", "10"), out


def test_blank_is_all_unattempted(cheap_grades):
    (rows, _), out = cheap_grades
    assert points(rows["blank"]) == [0, 0, 0, 0] and rows["blank"]["total"] == "0"
    feedback = (out / "feedback" / "blank.md").read_text()
    assert feedback.count("unattempted") == 4


def test_forgeries_earn_nothing(cheap_grades):
    (rows, _), out = cheap_grades
    assert points(rows["forged"]) == [0, 0, 0, 0], rows["forged"]
    feedback = (out / "feedback" / "forged.md").read_text()
    assert feedback.count("unattempted") == 4 and "correct (1/1)" not in feedback


def test_a_crash_is_reported(cheap_grades):
    (rows, _), _ = cheap_grades
    assert rows["crash"]["status"] == "kernel died" and rows["crash"]["total"] == "0"


def test_files_that_are_not_episodes(cheap_grades):
    (rows, _), _ = cheap_grades
    assert "not one of the course's episodes" in rows["not_course"]["status"]
    assert "not a readable notebook" in rows["not_json"]["status"]


def test_two_jobs_write_the_same_csv(tmp_path):
    short = learner()
    short.cells = short.cells[:4]  # a real episode notebook that stops early: graded, all unattempted
    room = write(tmp_path / "room", {"short": short, "crash": crashing(), "not_course": not_course(),
                                     "not_json": "{"})
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    grade(room, one, "--jobs", "1")
    grade(room, two, "--jobs", "2")
    assert (one / "grades.csv").read_text() == (two / "grades.csv").read_text()
    assert len((one / "grades.csv").read_text().splitlines()) == 5


def test_an_interrupted_run_resumes(cheap_room, cheap_grades):
    (_, _), out = cheap_grades
    progress = out / "grades.csv.progress.jsonl"
    assert len(progress.read_text().splitlines()) == 5
    _, result = grade(cheap_room, out, "--jobs", "2")
    assert "5 notebook(s) already graded" in result.stdout and "grading 0" in result.stdout


@pytest.mark.parametrize("name", EXERCISES)
def test_grade_args_match_the_check_cells(name):
    """The grader passes what the episode's check cell passes."""
    from helpers.learner.exercises import iris_cost

    source = "".join(c.source for c in learner().cells)
    assert f"ex.{name}.check({getattr(iris_cost, name).grade_args})" in source


def test_every_episodes_grade_args_match(tmp_path):
    import importlib

    from helpers.learner.checking import exercises_of
    from helpers.learner.exercises import EPISODE_MODULES

    for episode, module in EPISODE_MODULES.items():
        source = "".join(c.source for c in nbformat.read(build.VERSIONS["learner"] / f"{episode}.ipynb", 4).cells)
        for name, exercise in exercises_of(importlib.import_module(module)).items():
            assert f"ex.{name}.check({exercise.grade_args})" in source, (episode, name)


def flaky_kernel(tmp_path, deaths):
    """A kernelspec whose first `deaths` starts exit at once, as a kernel that lost a port race does."""
    spec = tmp_path / "jupyter" / "kernels" / "flaky"
    spec.mkdir(parents=True)
    launcher = tmp_path / "launch.py"
    launcher.write_text(
        "import pathlib, runpy, sys\n"
        f"count = pathlib.Path({str(tmp_path / 'starts')!r})\n"
        "starts = len(count.read_text()) if count.exists() else 0\n"
        "count.write_text('x' * (starts + 1))\n"
        f"if starts < {deaths}:\n"
        "    sys.exit(1)\n"
        "sys.argv[0] = 'ipykernel_launcher'\n"
        "runpy.run_module('ipykernel_launcher', run_name='__main__')\n")
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(launcher), "-f", "{connection_file}"],
        "display_name": "flaky", "language": "python"}))
    return tmp_path / "jupyter"


def grade_short_with(tmp_path, monkeypatch, deaths):
    from helpers.instructor.grading import grade_notebook

    monkeypatch.setenv("JUPYTER_PATH", str(flaky_kernel(tmp_path, deaths)))
    short = learner()
    short.cells = short.cells[:4]
    path = write(tmp_path / "room", {"short": short}) / "short.ipynb"
    row = grade_notebook(path, kernel_name="flaky", cell_timeout=60)
    return row, len((tmp_path / "starts").read_text())


def test_a_kernel_that_dies_while_starting_is_started_again(tmp_path, monkeypatch):
    row, starts = grade_short_with(tmp_path, monkeypatch, deaths=1)
    assert starts == 2
    assert row["status"] == "graded", row["status"]
    assert {r["status"] for r in row["results"].values()} == {"unattempted"}


def test_a_kernel_that_never_starts_is_a_grader_error_not_a_traceback(tmp_path, monkeypatch):
    row, starts = grade_short_with(tmp_path, monkeypatch, deaths=99)
    assert starts == 3
    assert row["status"] == "grader error: the kernel died while starting, 3 times"
    assert all(r["points"] == 0 for r in row["results"].values())
