"""What an instructor reads: the CSV, one Markdown feedback file per notebook, the terminal table."""

from __future__ import annotations

import csv
from pathlib import Path

from helpers.instructor.grading.results import NotebookGrade, columns


def write_csv(grades: list[NotebookGrade], path: Path) -> None:
    """A row per notebook, a column per exercise (episode-prefixed), total, maximum and status."""
    names = columns(grades)
    lms = any(grade.identity for grade in grades)  # an LMS's download: who, by the LMS's id, and late or not
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["notebook", "learner", "episode", *names, "total", "max", "status",
                         *(IDENTITY_COLUMNS if lms else [])])
        for grade in grades:
            points = grade.points_by_column()
            writer.writerow([grade.name, grade.learner, grade.episode,
                             *[points[c].points if c in points else "" for c in names],
                             grade.total, grade.max_points, grade.status,
                             *(identity_cells(grade.identity) if lms else [])])


IDENTITY_COLUMNS = ["lms", "lms_id", "lms_name", "late"]


def identity_cells(identity: dict) -> list[str]:
    """The LMS columns of one row: the names a spreadsheet could run are made safe (see csv_cells)."""
    from helpers.instructor.csv_cells import safe_cell

    return [identity.get("lms", ""), identity.get("id", ""), safe_cell(identity.get("name", "")),
            "late" if identity.get("late") else ""]


def feedback_text(grade: NotebookGrade) -> str:
    lines = [f"# Feedback: {grade.name}", "",
             f"Episode {grade.episode or '?'} · {grade.total}/{grade.max_points} points · {grade.status}", ""]
    for name, result in grade.exercises.items():
        lines += [f"## {name}: {result.status} ({result.points}/{result.max_points})", "", result.message, ""]
    if grade.cell_errors:
        lines += ["## Cells that raised", "", *[f"- {error}" for error in grade.cell_errors], ""]
    return "\n".join(lines)


def write_feedback(grade: NotebookGrade, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{Path(grade.notebook).stem}.md").write_text(feedback_text(grade), encoding="utf-8")


def table(grades: list[NotebookGrade]) -> str:
    names = columns(grades)
    head = ["learner", *names, "total", "status"]
    body = []
    for grade in grades:
        points = grade.points_by_column()
        body.append([grade.learner, *[f"{points[c].points}/{points[c].max_points}" if c in points else "-"
                                      for c in names], f"{grade.total}/{grade.max_points}", grade.status])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    fmt = "  ".join(f"{{:{w}}}" for w in widths)
    return "\n".join(fmt.format(*r) for r in [head, *body])


def sidecar(csv_path: Path) -> Path:
    """Where ``grade`` writes the full results beside the CSV: grades.csv → grades.json (never the CSV itself)."""
    path = Path(csv_path)
    return path.with_suffix(".json") if path.suffix.lower() != ".json" else path.with_name(path.name + ".details.json")
