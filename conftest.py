"""Test-wide settings, applied before any notebook kernel starts (kernels inherit them).

The tests run the quick profile and write check results to a throwaway log,
never to the learner's own.
"""

import os
import tempfile

os.environ.setdefault("COURSE_PROFILE", "quick")
os.environ.setdefault("COURSE_RESULTS", os.path.join(tempfile.mkdtemp(prefix="course-results-"), "results.jsonl"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


# No stderr in an executed solution notebook: a learner sees every stderr stream as a red box
# (TensorFlow's start-up log, a library's warning). nbval has executed each cell and kept its
# outputs in `item.test_outputs`; a cell that wrote to stderr fails here, without a second run.
# (Tested by tests/test_quiet.py; helpers/__init__.py is what keeps the notebooks quiet.)
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


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    for notebook in {item.parent for item in items if hasattr(item, "test_outputs")}:
        notebook.setup = _kernel_started_as_in_jupyterlab(notebook.setup)
    # Each file runs on one worker (a notebook's cells share a kernel; a module's fixtures are built
    # once), except files that declare SPREAD_ACROSS_WORKERS: their tests are independent and long
    # (a whole notebook each), so each may go to whichever worker is free.
    for item in items:
        module = getattr(item, "module", None)
        spread = getattr(module, "SPREAD_ACROSS_WORKERS", False)
        item.add_marker(pytest.mark.xdist_group(item.nodeid if spread else item.nodeid.split("::")[0]))


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
