"""The learner versions as a learner meets them: a blank one runs to its end, and its text teaches.

nbval runs the solutions; here each blank learner version runs with ``allow_errors=False``: a learner
who skips every exercise (or is stuck) still runs every cell, because each check is followed by
``carry_on()``, and every check still says "unattempted". The cells a learner is most likely to run
again (a fit, a plot, a sweep) run twice in a row, as a learner who presses Shift-Enter twice does.
"""

import copy
import importlib
import re

import nbformat
import pytest

from helpers.author import build
from helpers.learner.checking import exercises_of
from helpers.learner.exercises import exercise_modules
from tests.support.notebook_runs import run_notebook

EPISODES = sorted(exercise_modules())
# A cell that trains, draws or sweeps: the cells a learner reruns, and the ones that break when rerun.
RERUN = re.compile(r"\.fit\(|fit_repeats\(|sweep|learning_curves\(|predictions_vs_truth\(|repeated_runs\("
                   r"|\.plot\b|sns\.\w+\(|plt\.\w+\(")
# Words for the course's builders, not its learners: how a claim is tested, where the tests live.
NOT_FOR_LEARNERS = re.compile(r"asserted|\btests/|[A-Z]+_ASSERTED|\bthe seed's\b|\bthe seed\b(?! of)", re.I)


def twice(nb):
    """The notebook with every training, plotting or sweeping code cell run twice in a row."""
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type == "code" and RERUN.search(cell.source):
            again = copy.deepcopy(cell)
            again.id = cell.id + "x"
            cells.append(again)
    nb.cells = cells
    return nb


# One whole notebook per test: conftest.py lists this file in SPREAD_ACROSS_WORKERS, so each test may
# run on whichever xdist worker is free. Marked `blank_runs`: four whole episodes (their worked solutions
# run through carry_on) would take the README's `pytest` past its 8 minutes; .ci/run runs them on every landing.
@pytest.mark.blank_runs
@pytest.mark.parametrize("episode", EPISODES)
def test_blank_learner_version_runs_to_its_end_unattempted(episode, tmp_path):
    nb = twice(nbformat.read(build.VERSIONS["learner"] / f"{episode}.ipynb", as_version=4))
    records = run_notebook(nb, tmp_path, "quick", allow_errors=False)  # an error cell fails here
    expected = set(exercises_of(importlib.import_module(exercise_modules()[episode])))
    assert {r["exercise"] for r in records} == expected
    assert {r["status"] for r in records} == {"unattempted"}
    carried = [o["data"]["text/plain"] for c in nb.cells if "carry_on()" in c.source
               for o in c.outputs if o["output_type"] == "execute_result"]
    assert len(carried) == len(expected) and all("worked solution" in text for text in carried), carried


@pytest.mark.parametrize("episode", EPISODES)
def test_learner_text_speaks_to_learners(episode):
    """No "(asserted in the solution)", no tests/ paths, no suite constants, no "the seed" for the tutorial."""
    nb = nbformat.read(build.VERSIONS["learner"] / f"{episode}.ipynb", as_version=4)
    found = [(i, m.group(0)) for i, c in enumerate(nb.cells) for m in NOT_FOR_LEARNERS.finditer(c.source)]
    assert not found, found


def test_the_text_test_finds_what_it_is_for():
    for text in ("(asserted in the solution)", "see tests/test_x.py", "SPEEDUP_ASSERTED", "the seed's protocol",
                 "as the seed does"):
        assert NOT_FOR_LEARNERS.search(text), text
    for text in ("keras.utils.set_random_seed(42)", "the seed of the random generator", "test flowers"):
        assert not NOT_FOR_LEARNERS.search(text), text
