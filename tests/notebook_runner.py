"""Running episode notebooks outside nbval (shared by the learner-version and full-profile tests)."""

import nbformat

from helpers.instructor.run_notebook import run_notebook


def execute(path, tmp_path, profile, allow_errors=False):
    nb = nbformat.read(path, as_version=4)
    records = run_notebook(nb, tmp_path, profile, allow_errors=allow_errors)
    return nb, records
