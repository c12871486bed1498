"""Shared by the LMS tests: downloads named as Canvas and Moodle name them, exports as they write them, and
grades as the grader makes them (no notebook runs here)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat

from helpers.instructor.grading.results import ExerciseGrade, NotebookGrade

EPISODE = "01-iris-cost"
EXERCISES = ["build_classifier", "transfer_head", "rmse", "fine_tune"]


def notebook(episode: str | None = EPISODE, text: str = "x = 1") -> str:
    """A small notebook carrying the course's metadata (as the build writes it) for ``episode``."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text)])
    if episode:
        nb.metadata["course"] = {"episode": episode}
    return nbformat.writes(nb)


def write_zip(path: Path, files: dict[str, str | bytes], times: dict[str, tuple] | None = None) -> Path:
    """A zip of ``files`` (name in the zip → content), each with the date Moodle or Canvas gave it."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(times or {}).get(name, (2026, 12, 1, 10, 0, 0)))
            archive.writestr(info, content)
    return path


def a_grade(notebook_path: str, statuses: list[str], status: str = "graded", identity: dict | None = None,
            messages: dict[str, str] | None = None) -> NotebookGrade:
    """A grade as `grade` makes one: the exercises of episode 01 with these statuses, a point each when correct."""
    grade = NotebookGrade.for_path(notebook_path)
    grade.episode, grade.status, grade.identity = EPISODE, status, identity or {}
    for name, verdict in zip(EXERCISES, statuses):
        message = (messages or {}).get(name, "Well done." if verdict == "correct" else f"{name} is not right yet.")
        grade.exercises[name] = ExerciseGrade(name, verdict, 1 if verdict == "correct" else 0, 1, message)
    return grade
