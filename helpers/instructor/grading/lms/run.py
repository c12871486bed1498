"""``python -m helpers grade`` on a download from Canvas or Moodle, or for Gradescope.

A plain folder of notebooks is graded as before. A download (a ``.zip``, a
folder whose files Canvas or Moodle named, or ``--lms``) is read by
:mod:`.intake`: one notebook per learner, the rest listed with the reason.
Then the grading is the room's (:func:`..room.grade`), and each grade gains
the learner's identity: grades.csv's ``lms``, ``lms_id``, ``lms_name`` and
``late`` columns. Beside grades.csv, ``grades.json`` keeps every result and
the files left out (for ``grades moodle`` and ``grades report``); beside each
Markdown feedback file, an HTML page; for Moodle, the pages as a
feedback-files zip.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from helpers.instructor.csv_cells import safe_cell
from helpers.instructor.grading.lms.intake import Intake, gather, is_download
from helpers.instructor.grading.results import NotebookGrade

MOODLE_ZIP = "moodle-feedback-files.zip"


def grade_submissions(paths: list[str], lms: str | None = None, episode: str | None = None,
                      gradescope: Path | None = None, csv_path: Path | None = None, feedback: Path | None = None,
                      out=print, **options) -> list[NotebookGrade]:
    """Grade a download (or a plain folder, as before); the options are :func:`..room.grade`'s."""
    from helpers.instructor.grading.room import grade

    intake = None
    if is_download(paths, lms):
        into = Path(f"{csv_path}.submissions") if csv_path else Path(tempfile.mkdtemp(prefix="submissions-"))
        intake = gather(paths, into, lms, episode)
        report_intake(intake, out)
        paths = [str(path) for path, _ in intake.notebooks]
        if not paths:
            out("No notebook to grade in the download.")
            if gradescope:
                _gradescope(gradescope, [], intake, out)
            return []
    grades = grade(paths, csv_path=csv_path, feedback=feedback, out=out, **options)
    if intake:
        attach(grades, intake)
        if csv_path:
            from helpers.instructor.grading.report import write_csv

            write_csv(grades, csv_path)
    if csv_path:
        write_details(grades, intake, csv_path)
    if feedback:
        write_pages(grades, feedback, intake, out)
    if gradescope:
        _gradescope(gradescope, grades, intake, out)
    return grades


def report_intake(intake: Intake, out) -> None:
    out(f"{intake.lms.title()} download: {len(intake.notebooks)} learner(s) with a notebook"
        + (f" of {intake.episode}" if intake.episode else "") + f"; {len(intake.skipped)} file(s) not graded.")
    for s in intake.skipped:
        out(f"  not graded: {s['file']}" + (f" ({s['learner']}, id {s['lms_id']})" if s["learner"] else "")
            + f": {s['reason']}")


def attach(grades: list[NotebookGrade], intake: Intake) -> None:
    """Each grade's identity, by the copy that was graded.

    The room returns one grade per notebook in :func:`..room.collect_notebooks`' order; a grade taken from
    the progress file (the same bytes graded before, e.g. from the other LMS's zip) still names the path
    it was graded at, so the order, not that path, says whose it is.
    """
    from helpers.instructor.grading.room import collect_notebooks

    who = {path.resolve(): identity for path, identity in intake.notebooks}
    order = collect_notebooks([str(path) for path in who])
    pairs = zip(order, grades) if len(order) == len(grades) else ((Path(g.notebook).resolve(), g) for g in grades)
    for path, grade in pairs:
        identity = who.get(path)
        if identity is not None:
            grade.notebook = str(path)
            grade.identity = identity.as_dict()
            grade.learner = safe_cell(identity.name)


def write_details(grades: list[NotebookGrade], intake: Intake | None, csv_path: Path) -> Path:
    from helpers.instructor.grading.report import sidecar

    path = sidecar(csv_path)
    data = {"lms": intake.lms if intake else "", "episode": intake.episode if intake else "",
            "grades": [g.to_json() for g in grades], "skipped": intake.skipped if intake else []}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def write_pages(grades: list[NotebookGrade], feedback: Path, intake: Intake | None, out) -> None:
    from helpers.instructor.grading.feedback_page import write_feedback_page

    pages = [(g.identity.get("folder", ""), write_feedback_page(g, feedback)) for g in grades]
    if intake and intake.lms == "moodle":
        from helpers.instructor.grading.lms.moodle import feedback_zip

        count = feedback_zip(pages, feedback / MOODLE_ZIP)
        out(f"Moodle feedback files: {feedback / MOODLE_ZIP} ({count} page(s); upload it with "
            "'Upload multiple feedback files in a zip').")


def _gradescope(path: Path, grades: list[NotebookGrade], intake: Intake | None, out) -> None:
    from helpers.instructor.grading.lms.gradescope import write_results

    out(f"Gradescope results: {write_results(grades, path, intake.skipped if intake else [])}")
