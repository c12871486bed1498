"""Each blank learner version runs with every exercise "unattempted" (nbval runs the solutions)."""

import importlib

import pytest

from helpers.author import build
from helpers.learner.checking import exercises_of
from helpers.learner.exercises import exercise_modules
from tests.support.notebook_runs import execute

# One whole notebook per test: conftest.py lists this file in SPREAD_ACROSS_WORKERS, so each test may
# run on whichever xdist worker is free.


@pytest.mark.parametrize("episode", sorted(exercise_modules()))
def test_blank_learner_version_is_unattempted(episode, tmp_path):
    _, records = execute(build.VERSIONS["learner"] / f"{episode}.ipynb", tmp_path, "quick", allow_errors=True)
    expected = set(exercises_of(importlib.import_module(exercise_modules()[episode])))
    assert {r["exercise"] for r in records} == expected
    assert {r["status"] for r in records} == {"unattempted"}
