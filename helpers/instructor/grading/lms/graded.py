"""What ``grades`` commands read: grades.csv's rows, with each exercise's verdict and message when known.

``grade`` writes ``grades.json`` beside ``grades.csv`` (every notebook's full
result and the files it left out); its verdicts and messages fill the Moodle
feedback and the class report. Without it, the CSV's points are enough for
the grades (a verdict is then "correct" for full points, else "not correct").
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from helpers.instructor.csv_cells import unguard
from helpers.instructor.grading.lms.tables import TableError
from helpers.instructor.grading.report import sidecar

EXERCISE_COLUMN = re.compile(r"^\d\d\.\w+$")


@dataclass
class Verdict:
    exercise: str
    status: str
    points: int
    max_points: int
    message: str = ""
    hint: str = ""


@dataclass
class Graded:
    """One row of grades.csv: a notebook and who handed it in."""
    notebook: str
    learner: str
    episode: str
    total: float
    max_points: float
    status: str
    lms: str = ""
    id: str = ""
    name: str = ""
    late: bool = False
    folder: str = ""
    verdicts: list[Verdict] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Graded to the end: its total is a grade (a crash, a time-out or a grader error is not)."""
        return self.status.startswith("graded")


def load(csv_path: Path) -> tuple[list[Graded], list[dict]]:
    """The graded rows of grades.csv and the files the grading left out (from grades.json, when there)."""
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError(f"Cannot read {csv_path}: {exc}") from None
    if rows and not {"notebook", "total", "max", "status"} <= set(rows[0]):
        raise TableError(f"{csv_path} is not a grades.csv written by `python -m helpers grade`.")
    details, skipped = _details(sidecar(csv_path))
    return [_graded(row, details.get(row["notebook"])) for row in rows], skipped


def _details(path: Path) -> tuple[dict, list[dict]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, []
    grades = {Path(g.get("notebook", "")).name: g for g in data.get("grades", []) if isinstance(g, dict)}
    return grades, [s for s in data.get("skipped", []) if isinstance(s, dict)]


def _number(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0


def _graded(row: dict, detail: dict | None) -> Graded:
    graded = Graded(row["notebook"], row.get("learner", ""), row.get("episode", ""), _number(row["total"]),
                    _number(row["max"]), row["status"], row.get("lms", ""), row.get("lms_id", ""),
                    unguard(row.get("lms_name", "")), row.get("late", "") == "late")
    if detail:
        graded.folder = detail.get("identity", {}).get("folder", "")
        graded.cell_errors = list(detail.get("cell_errors", []))
        for name, e in detail.get("exercises", {}).items():
            graded.verdicts.append(Verdict(f"{graded.episode[:2]}.{name}", e.get("status", ""), e.get("points", 0),
                                           e.get("max_points", 0), e.get("message", "")))
        return graded
    for column, value in row.items():
        if EXERCISE_COLUMN.match(column or "") and value not in ("", None):
            points = int(_number(value))
            graded.verdicts.append(Verdict(column, "correct" if points > 0 else "not correct", points, 0))
    return graded
