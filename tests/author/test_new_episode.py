"""Adding an episode means a master and an exercise module: nothing else. Proved on a throwaway copy.

A fifth episode is written into a temporary copy of the course (a master and
one exercise module, no other file touched), and every tool finds it: the
build, the exercise discovery, the grader, the benchmarks and ``progress``.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from helpers.author import build

MASTER = '''\
# ---
# jupyter:
#   course:
#     key_numbers:
#     - answer
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Episode 05 — A throwaway episode
#
# **Teaching:** 10 min · **Exercises:** 5 min

# %%
from helpers.learner.exercises import toy as ex
from helpers.learner.profile import course_profile

settings = course_profile(full=dict(n=3), quick=dict(n=2))

# %%
# BEGIN SOLUTION: set `answer` to n squared
# HINT: Multiply `settings.n` by itself.
answer = settings.n ** 2
# END SOLUTION

# %%
ex.square.assert_passed(answer, settings.n)
'''

MODULE = '''\
"""The throwaway episode's one exercise."""

from helpers.learner.checking import Exercise, as_number, expect

EPISODE = "05-toy"


def _check_square(value, n):
    value = as_number(value, "value")
    expect(value == n * n, f"{value:g} is not {n} squared.")
    return "Squared."


square = Exercise(EPISODE, "square", _check_square)
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    ignore = shutil.ignore_patterns(".git", "__pycache__", "_build", ".ipynb_checkpoints", "*.egg-info")
    for name in os.listdir(build.ROOT):
        source = build.ROOT / name
        if source.is_dir():
            if name not in (".git", "_build"):
                shutil.copytree(source, root / name, ignore=ignore)
        else:
            shutil.copy2(source, root / name)
    (root / "masters" / "05-toy.py").write_text(MASTER)
    (root / "helpers" / "learner" / "exercises" / "toy.py").write_text(MODULE)
    return root


def run(course, *args, **env):
    environment = {**os.environ, "PYTHONPATH": str(course), "COURSE_PROFILE": "quick",
                   "COURSE_RESULTS": str(course / "results.jsonl"), **env}
    result = subprocess.run([sys.executable, *args], cwd=course, env=environment, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_new_episode_is_found_everywhere(course):
    # the build writes its notebooks and texts, and then reports them unchanged
    assert "05-toy" in run(course, "-m", "helpers", "build")
    assert "match" in run(course, "-m", "helpers", "build", "--check")
    # the workshop schedule and the README's episode table take its minutes from its header
    assert "Episode 05, teaching: A throwaway episode | 10 |" in (course / "docs/instructors/schedule.md").read_text()
    assert "| 05 | [A throwaway episode](episodes/05-toy.ipynb) | 10 min | 5 min |" in (course / "README.md").read_text()
    for folder in ("episodes", "solutions"):
        assert (course / folder / "05-toy.ipynb").is_file() and (course / folder / "05-toy.py").is_file()
    texts = json.loads((course / "helpers/learner/exercises/answers/05-toy.json").read_text())["exercises"]
    assert texts["square"] == {"prompt": "set `answer` to n squared", "hints": ["Multiply `settings.n` by itself."],
                               "solution": "answer = settings.n ** 2", "args": ["answer", "settings.n"]}

    # discovery, solution() and progress see it, from the module's own EPISODE
    out = run(course, "-c", "from helpers.learner.exercises import exercise_modules, toy;"
                            "print(exercise_modules()['05-toy']); print(toy.square.solution().text)")
    assert "helpers.learner.exercises.toy" in out and "answer = settings.n ** 2" in out
    assert "05-toy square" in run(course, "-m", "helpers", "progress")

    # the grader grades it: the solution earns the point, the blank learner version does not
    submissions = course / "submissions"
    submissions.mkdir()
    shutil.copy(course / "solutions" / "05-toy.ipynb", submissions / "solved.ipynb")
    shutil.copy(course / "episodes" / "05-toy.ipynb", submissions / "blank.ipynb")
    run(course, "-m", "helpers", "grade", str(submissions), "--csv", str(course / "grades.csv"), "--jobs", "1")
    with open(course / "grades.csv", newline="") as fh:
        rows = {row["learner"]: row for row in csv.DictReader(fh)}
    assert rows["solved"]["05.square"] == "1" and rows["blank"]["05.square"] == "0"

    # the benchmarks run it and report the key number its master declares
    out = run(course, "benchmarks/run.py", "--episodes", "05-toy", "--profiles", "quick")
    row = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    assert row["episode"] == "05-toy" and row["numbers"] == {"answer": 4.0}


def test_nothing_lists_the_episodes_by_hand():
    """No source file names all the episodes: they are discovered."""
    names = [path.stem for path in build.masters()]
    offenders = []
    for path in list((build.ROOT / "helpers").rglob("*.py")) + list((build.ROOT / "benchmarks").rglob("*.py")) + \
            list((build.ROOT / "tests").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if sum(name in text for name in names) >= 3:
            offenders.append(str(path.relative_to(build.ROOT)))
    assert not offenders, textwrap.fill(f"episode lists in: {offenders}")
