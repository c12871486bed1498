"""Running episode notebooks outside nbval (shared by the learner-version and full-profile tests)."""

import json
import os

import nbformat
from nbclient import NotebookClient


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
