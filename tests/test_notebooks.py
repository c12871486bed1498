"""Episode notebooks beyond nbval: the learner's version and the full profile.

nbval (pytest's collection of solutions/*.ipynb) runs every solution in the
quick profile. Here: each learner version, blank, must come out with every
exercise "unattempted"; and episodes whose data is always local run in the
full profile too, so the real course's numbers are tested, not only CI's.
"""

import json
import os

import nbformat
import pytest
from nbclient import NotebookClient

from helpers import build
from helpers.checking import exercises_of
from helpers.exercises import EPISODE_MODULES

FULL_PROFILE_EPISODES = ["01-iris-cost", "02-blobs"]  # their data ship with the course or are generated


def execute(path, tmp_path, profile, allow_errors=False):
    log = tmp_path / "results.jsonl"
    nb = nbformat.read(path, as_version=4)
    saved = {k: os.environ.get(k) for k in ("COURSE_PROFILE", "COURSE_RESULTS")}
    os.environ.update(COURSE_PROFILE=profile, COURSE_RESULTS=str(log))
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=allow_errors,
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    records = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return nb, records


@pytest.mark.parametrize("episode", sorted(EPISODE_MODULES))
def test_blank_learner_version_is_unattempted(episode, tmp_path):
    import importlib

    _, records = execute(build.VERSIONS["learner"] / f"{episode}.ipynb", tmp_path, "quick", allow_errors=True)
    expected = set(exercises_of(importlib.import_module(EPISODE_MODULES[episode])))
    assert {r["exercise"] for r in records} == expected
    assert {r["status"] for r in records} == {"unattempted"}


@pytest.mark.parametrize("episode", FULL_PROFILE_EPISODES)
def test_solution_in_full_profile(episode, tmp_path):
    nb, records = execute(build.VERSIONS["solution"] / f"{episode}.ipynb", tmp_path, "full")
    assert records and {r["status"] for r in records} == {"correct"}
    first_output = "".join(o.get("text", "") for o in nb.cells[[c.cell_type for c in nb.cells].index("code")].outputs)
    assert "Course profile 'full'" in first_output
