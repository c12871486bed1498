"""Run a whole notebook in a fresh kernel under a given profile (tests and benchmarks).

The profile and a throwaway results log go to the kernel's own environment,
so the caller's ``os.environ`` is never touched. (The grader runs cell by
cell instead, see ``helpers.instructor.grading``.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat


def run_notebook(nb, workdir: Path, profile: str, allow_errors: bool = False,
                 timeout: float = 600) -> list[dict]:
    """Execute ``nb`` (a path or a notebook, changed in place) in ``workdir``; return its check records."""
    from nbclient import NotebookClient

    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.read(nb, as_version=4)
    workdir = Path(workdir)
    log = workdir / "results.jsonl"
    env = {**os.environ, "COURSE_PROFILE": profile, "COURSE_RESULTS": str(log)}
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(workdir)}}).execute(env=env, cwd=str(workdir))
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
