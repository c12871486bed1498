"""Test-wide settings, applied before any notebook kernel starts (kernels inherit them).

The tests run the quick profile and write check results to a throwaway log,
never to the learner's own.
"""

import os
import tempfile

os.environ.setdefault("COURSE_PROFILE", "quick")
os.environ.setdefault("COURSE_RESULTS", os.path.join(tempfile.mkdtemp(prefix="course-results-"), "results.jsonl"))
os.environ.setdefault("COURSE_MODELS", tempfile.mkdtemp(prefix="course-models-"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


# No stderr in an executed solution notebook: a learner sees every stderr stream as a red box
# (TensorFlow's start-up log, a library's warning). nbval has executed each cell and kept its
# outputs in `item.test_outputs`; a cell that wrote to stderr fails here, without a second run.
# (Tested by tests/notebooks/test_quiet.py; helpers/__init__.py is what keeps the notebooks quiet.)
import pytest  # noqa: E402


def stderr_text(outputs) -> str:
    """Everything a cell's outputs (nbval's or nbformat's) wrote to stderr."""
    return "".join(o.get("text", "") for o in outputs or () if o.get("output_type") == "stream" and o.get("name") == "stderr")


def _kernel_started_as_in_jupyterlab(setup):
    """nbval starts its kernel in the notebook's ``setup``; ipykernel does not forward what is written
    to file descriptor 2 (TensorFlow's C++ log) while PYTEST_CURRENT_TEST is set, so without this
    the notebook would look quieter under the tests than in JupyterLab."""
    def wrapped():
        saved = os.environ.pop("PYTEST_CURRENT_TEST", None)
        try:
            return setup()
        finally:
            if saved is not None:
                os.environ["PYTEST_CURRENT_TEST"] = saved
    return wrapped


def pytest_collection_modifyitems(items):
    for notebook in {item.parent for item in items if hasattr(item, "test_outputs")}:
        notebook.setup = _kernel_started_as_in_jupyterlab(notebook.setup)


# Where each test runs under pytest-xdist. A notebook's cells share one kernel, so all of them must
# run on one worker, in order; a test module's fixtures are built once per worker. That is xdist's
# documented `--dist loadfile` ("all tests in a file run on the same worker"), which pyproject's
# addopts select. It groups by the node id's file part on the controller, so it works whatever
# pytest does to node ids. (`--dist loadgroup` with `xdist_group` marks added here did not: xdist
# 3.8 passes a group by rewriting `item._nodeid`, which pytest 9.2 no longer reads, so every cell
# went to whichever worker was free: NameError. pytest-dev/pytest-xdist#1386.)
#
# The files below hold independent, long tests (a whole notebook each): through xdist's documented
# `pytest_xdist_make_scheduler` hook, each of their tests is a unit of its own and goes to
# whichever worker is free. tests/test_xdist_grouping.py runs a notebook under two workers.
SPREAD_ACROSS_WORKERS = ("tests/notebooks/test_learner_versions.py", "tests/notebooks/test_stand_in_paths.py",
                         "tests/notebooks/test_data_up_front.py", "tests/learner/test_exercises_by_construction.py",
                         "tests/notebooks/test_full_size.py")
# .ci/run runs every marked suite in one command: the files of its longest units start first, in this order, so
# that the shorter ones fill in beside them and no core is left alone with a long one at the end (episodes 03
# and 04 at full size, a quarter of an hour each beside the rest; the site's build and pages; then whole notebooks).
START_FIRST = ("tests/notebooks/test_full_size.py", "tests/browser/test_site.py", "tests/notebooks/test_stand_in_paths.py",
               "tests/learner/test_exercises_by_construction.py", "tests/notebooks/test_learner_versions.py",
               "tests/browser/test_jupyterlab.py")


@pytest.hookimpl(optionalhook=True)  # optional: `-p no:xdist` runs without it
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class NotebookPerWorker(LoadFileScheduling):
        """``--dist loadfile``, except that each test of a SPREAD_ACROSS_WORKERS file is its own unit."""

        def _split_scope(self, nodeid: str) -> str:
            file = super()._split_scope(nodeid)
            return nodeid if file in SPREAD_ACROSS_WORKERS else file

        def _assign_work_unit(self, node) -> None:
            """The next unit of START_FIRST's files, if any is left; else xdist's own next (most tests first)."""
            for file in START_FIRST:
                unit = next((scope for scope in self.workqueue if scope.split("::")[0] == file), None)
                if unit is not None:
                    self.workqueue.move_to_end(unit, last=False)
                    break
            super()._assign_work_unit(node)

    return NotebookPerWorker(config, log)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when == "call" and report.passed and hasattr(item, "test_outputs"):
        text = stderr_text(item.test_outputs)
        if text:
            report.outcome = "failed"
            report.longrepr = (f"{item.nodeid} wrote to stderr (a red box in JupyterLab):\n{text}\n"
                               "Keep library noise out (helpers/__init__.py) and import helpers before keras.")
