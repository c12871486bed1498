"""Gradescope's autograder output: ``results.json`` (gradescope-autograders docs, "specs").

One test per exercise: its name (``01.rmse``), the score and maximum, the
verdict and the check's message as its output, visible to the learner, and
the top-level score, the sum. A notebook that did not grade to the end says
so in the top-level output; no notebook at all is a score of 0 that says why.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers.instructor.grading.results import NotebookGrade

DEFAULT = Path("/autograder/results/results.json")


def test_of(grade: NotebookGrade, name: str, prefix: str = "") -> dict:
    result = grade.exercises[name]
    return {"name": f"{prefix}{grade.column(name)}", "score": result.points, "max_score": result.max_points,
            "status": "passed" if result.status == "correct" else "failed",
            "output": f"{result.status}: {result.message}".strip(), "visibility": "visible"}


def results(grades: list[NotebookGrade], skipped: list[dict] | None = None) -> dict:
    prefix = len(grades) > 1
    tests = [test_of(g, name, f"{g.name}: " if prefix else "") for g in grades for name in g.exercises]
    lines = [f"{g.name}: {g.total}/{g.max_points} points, {g.status}" for g in grades]
    lines += [f"{s['file']}: not graded, {s['reason']}" for s in skipped or []]
    if not grades:
        lines.insert(0, "No notebook of the course was found in your submission: upload the episode's .ipynb file.")
    return {"score": sum(g.total for g in grades), "output": "\n".join(lines), "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests}


def write_results(grades: list[NotebookGrade], path: Path = DEFAULT, skipped: list[dict] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results(grades, skipped), indent=1, ensure_ascii=False), encoding="utf-8")
    return path
