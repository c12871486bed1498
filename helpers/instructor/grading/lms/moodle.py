"""Moodle's offline grading worksheet, filled from grades.csv (``python -m helpers grades moodle``).

The worksheet (Assignment → View all submissions → Download grading
worksheet) has ``Identifier`` ("Participant <id>", the id of the download's
folder names), ``Full name``, identity fields, ``Status``, ``Grade``, ``Maximum
Grade``, ``Grade can be changed``, ``Last modified (submission)``, ``Last
modified (grade)`` and ``Feedback comments``. Its import matches rows by
``Identifier`` and takes ``Grade``, the feedback comments and ``Last modified
(grade)`` (a grade changed in Moodle after that time is not overwritten), so
only those three cells change. Moodle keeps the comments as HTML: each
exercise's verdict is a line of escaped text ending in ``<br>``.

The feedback pages go back as a zip for "Upload multiple feedback files in a
zip", each in a folder named as the download named the learner's
(``Full Name_<id>_assignsubmission_file``), as Moodle's importer requires.
"""

from __future__ import annotations

import html
import re
import time
import zipfile
from pathlib import Path

from helpers.instructor.grading.lms.canvas import Notes
from helpers.instructor.grading.lms.graded import Graded
from helpers.instructor.grading.lms.tables import Table, TableError, format_number, parse_number

COLUMNS = {"identifier": "Identifier", "grade": "Grade", "maximum": "Maximum Grade",
           "modified": "Last modified (grade)", "feedback": "Feedback comments", "name": "Full name"}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def moodle_time(when: float | None = None) -> str:
    """A time as the worksheet writes it ("Friday, 04 December 2026, 02:11 PM"), in English whatever the locale."""
    t = time.localtime(time.time() if when is None else when)
    return (f"{DAYS[t.tm_wday]}, {t.tm_mday:02d} {MONTHS[t.tm_mon - 1]} {t.tm_year}, "
            f"{(t.tm_hour % 12) or 12:02d}:{t.tm_min:02d} {'AM' if t.tm_hour < 12 else 'PM'}")


def feedback_comment(learner: Graded) -> str:
    """Each exercise's verdict on a line (escaped text, ``<br>`` for Moodle's HTML), the status first when
    the notebook did not grade to the end."""
    lines = [] if learner.clean else [f"Not graded automatically: {learner.status}. Your instructor will look at "
                                      "your notebook."]
    for v in learner.verdicts:
        points = f" ({v.points}/{v.max_points})" if v.max_points else ""
        message = " ".join(v.message.split())  # one line per exercise, whatever the message's own lines
        lines.append(f"{v.exercise.split('.', 1)[-1]}: {v.status}{points}" + (f" – {message}" if message else ""))
    return "\n".join(html.escape(line) + "<br>" for line in lines)


def find_columns(table: Table, names: dict[str, str] | None = None) -> dict[str, int]:
    """Each needed column's index, by its (English, or given) header."""
    wanted = {**COLUMNS, **(names or {})}
    found = {key: table.column(title) for key, title in wanted.items()}
    missing = [wanted[k] for k in ("identifier", "grade", "maximum", "modified", "feedback") if found[k] < 0]
    if missing:
        raise TableError(f"The worksheet has no column {', '.join(map(repr, missing))}. Download it with "
                         "'Offline grading worksheet' and feedback comments on; for a Moodle in another language, "
                         "name its headers with --columns (e.g. --columns grade=Bewertung).")
    return found


def fill_worksheet(table: Table, graded: list[Graded], names: dict[str, str] | None = None,
                   when: float | None = None) -> tuple[Table, Notes]:
    c = find_columns(table, names)
    by_id = {g.id: g for g in graded if g.lms == "moodle" and g.id}
    notes, stamp = Notes(), moodle_time(when)
    rows = [list(table.header)]
    for row in table.rows[1:]:
        row = list(row)
        rows.append(row)
        found = re.search(r"(\d+)\s*$", row[c["identifier"]])
        if not found:
            continue
        learner = by_id.pop(found.group(1), None)
        who = row[c["name"]] if c["name"] >= 0 else row[c["identifier"]]
        if learner is None:
            notes.missing.append(f"{who} ({row[c['identifier']]})")
            continue
        maximum = parse_number(row[c["maximum"]])
        if maximum is None:
            raise TableError(f"Maximum Grade {row[c['maximum']]!r} is not a number: the assignment must be graded "
                             "in points (not a scale) for the worksheet to take a grade.")
        row[c["feedback"]], row[c["modified"]] = feedback_comment(learner), stamp
        if learner.clean and learner.max_points > 0:
            row[c["grade"]] = format_number(learner.total / learner.max_points * maximum, row[c["maximum"]])
            notes.filled += 1
        else:
            notes.not_filled.append(f"{who}: {learner.status or 'not graded'} ({learner.notebook}); "
                                    "its feedback says so, its grade is left as it was")
    notes.unknown = [f"{g.name or g.learner} (participant {g.id}, {g.notebook})" for g in by_id.values()]
    return Table(rows, table.delimiter, table.bom), notes


def feedback_zip(pages: list[tuple[str, Path]], path: Path) -> int:
    """Moodle's "Upload multiple feedback files in a zip": each page in its learner's download folder."""
    written = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, page in pages:
            if folder and page.exists():
                archive.write(page, f"{folder}/feedback.html")
                written += 1
    return written
