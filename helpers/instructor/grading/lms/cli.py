"""The command line of the LMS round trip: ``grade``'s ``--lms``, ``--episode``, ``--gradescope``, and
``python -m helpers grades canvas|moodle|report``."""

from __future__ import annotations

import re
from pathlib import Path

from helpers.instructor.grading.lms.gradescope import DEFAULT as GRADESCOPE_RESULTS


def add_grade_options(p) -> None:
    p.add_argument("--lms", choices=["canvas", "moodle"],
                   help="read the paths as this LMS's download (default: recognised from a .zip or the file names)")
    p.add_argument("--episode", help="a download's episode, e.g. 01-iris-cost (default: the one most of its notebooks are)")
    p.add_argument("--gradescope", nargs="?", const=str(GRADESCOPE_RESULTS), metavar="RESULTS_JSON",
                   help=f"write Gradescope's results.json (default {GRADESCOPE_RESULTS})")


def add_grades_parser(sub) -> None:
    p = sub.add_parser("grades", help="instructors: grades.csv into Canvas's or Moodle's import file, or a class report")
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser("canvas", help="fill one assignment column of a Canvas gradebook export")
    q.add_argument("grades", help="grades.csv written by `grade` from a Canvas download")
    q.add_argument("--gradebook", required=True, metavar="EXPORT.csv", help="Canvas: Grades → Export entire gradebook")
    q.add_argument("--column", required=True, metavar='"TITLE (ID)"', help="the assignment's column, as the export names it")
    q.add_argument("-o", "--out", required=True, metavar="IMPORT.csv", help="the file to import into Canvas")
    q.set_defaults(run=_canvas)
    q = actions.add_parser("moodle", help="fill Moodle's offline grading worksheet")
    q.add_argument("grades", help="grades.csv written by `grade` from a Moodle download")
    q.add_argument("--worksheet", required=True, metavar="WORKSHEET.csv", help="Moodle: Download grading worksheet")
    q.add_argument("-o", "--out", required=True, metavar="IMPORT.csv", help="the worksheet to upload")
    q.add_argument("--columns", action="append", default=[], metavar="KEY=HEADER",
                   help="a header in the site's language: identifier, grade, maximum, modified, feedback or name")
    q.set_defaults(run=_moodle)
    q = actions.add_parser("report", help="the class report: one HTML page")
    q.add_argument("grades", help="grades.csv written by `grade`")
    q.add_argument("-o", "--out", default="class-report.html", help="the page to write (default class-report.html)")
    q.add_argument("--gradebook", metavar="EXPORT.csv", help="a Canvas gradebook export: lists who handed nothing in")
    q.add_argument("--worksheet", metavar="WORKSHEET.csv", help="a Moodle worksheet: lists who handed nothing in")
    q.add_argument("--title", default="Class report", help="the page's title")
    q.set_defaults(run=_report)


def _print_notes(notes, written: Path) -> None:
    print(f"Written {written}.")
    for line in notes.lines():
        print(line)


def _same(a: str, b: str) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def _fill_import(args, lms: str, export: str, fill) -> int:
    """Read grades.csv (graded from ``lms``'s download) and the LMS's own ``export``, let ``fill(table, rows)``
    fill it, write the import file: the one body of ``grades canvas`` and ``grades moodle``."""
    from helpers.instructor.grading.lms import graded, tables

    try:
        rows, _ = graded.load(Path(args.grades))
        if rows and not any(r.lms == lms for r in rows):
            title = lms.capitalize()
            print(f"{args.grades} has no {title} ids: grade the {title} download (its .zip or folder) to make it.")
            return 2
        table, notes = fill(tables.read_table(Path(export)), rows)
    except tables.TableError as exc:
        print(exc)
        return 2
    tables.write_table(table, Path(args.out))
    _print_notes(notes, Path(args.out))
    return 0


def _canvas(args) -> int:
    from helpers.instructor.grading.lms import canvas

    if _same(args.out, args.gradebook):
        print("-o must be a new file: the export is kept as it is.")
        return 2
    return _fill_import(args, "canvas", args.gradebook,
                        lambda table, rows: canvas.fill_gradebook(table, args.column, rows))


def _moodle(args) -> int:
    from helpers.instructor.grading.lms import moodle

    names = dict(item.split("=", 1) for item in args.columns if "=" in item)
    if _same(args.out, args.worksheet) or set(names) - set(moodle.COLUMNS):
        print("-o must be a new file, and --columns keys are: " + ", ".join(moodle.COLUMNS))
        return 2
    return _fill_import(args, "moodle", args.worksheet, lambda table, rows: moodle.fill_worksheet(table, rows, names))


def missing_learners(rows, gradebook: str | None, worksheet: str | None) -> list[str]:
    """Who is in the gradebook or worksheet but handed nothing in. With a gradebook, the report also shows
    each learner by the gradebook's name (a Canvas download names them "lovelaceada")."""
    from helpers.instructor.grading.lms import canvas, tables

    ids = {r.id for r in rows}
    if gradebook:
        table = tables.read_table(Path(gradebook))
        ident, _ = canvas.student_columns(table)
        names = {row[ident].strip(): row[0] for row in table.rows[1:] if row[ident].strip().isdigit()}
        for r in rows:
            r.name = names.get(r.id, r.name) if r.lms == "canvas" else r.name
        return [f"{name} (ID {uid})" for uid, name in names.items()
                if uid not in ids and name.strip() != canvas.TEST_STUDENT]
    if worksheet:  # Moodle's download does not say who was late; the worksheet's Status does ("… late")
        table = tables.read_table(Path(worksheet))
        ident, name, status = table.column("Identifier"), table.column("Full name"), table.column("Status")
        found = [(row, re.search(r"(\d+)\s*$", row[ident])) for row in table.rows[1:]] if ident >= 0 else []
        late = {m.group(1) for row, m in found if m and status >= 0 and re.search(r"\blate\b", row[status])}
        for r in rows:
            r.late = r.late or (r.lms == "moodle" and r.id in late)
        return [f"{row[name] if name >= 0 else row[ident]} ({row[ident]})" for row, m in found
                if m and m.group(1) not in ids]
    return []


def _report(args) -> int:
    from helpers.instructor.grading.lms.class_report import write_class_report
    from helpers.instructor.grading.lms import graded, tables

    try:
        rows, skipped = graded.load(Path(args.grades))
        missing = missing_learners(rows, args.gradebook, args.worksheet)
    except tables.TableError as exc:
        print(exc)
        return 2
    print(f"Class report: {write_class_report(Path(args.out), rows, skipped, missing, args.title)}")
    return 0
