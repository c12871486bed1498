"""Canvas's gradebook import, filled from grades.csv (``python -m helpers grades canvas``).

Read from the instructor's gradebook export (``lib/gradebook_exporter.rb``):
``Student, ID, [SIS User ID,] SIS Login ID, [...,] Section`` are the student
columns, a row starting ``    Points Possible`` holds each assignment's
maximum, the test student ("Student, Test") comes last. Canvas's import
matches students by ``ID`` and the assignment by its ``Title (id)`` header, and
takes a blank cell as "no change". So the file written has the student columns
and the one assignment column, every row of the export in its order:

* a learner graded to the end: the total, scaled to the column's points possible;
* a learner without a submission, the test student, a notebook that did not grade to the end
  (a crash, a time-out, a grader error: its status is listed), an excused ``EX``: left as the export had it
  or blank, never 0;
* a submission whose learner is not in the gradebook: listed, nothing invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from helpers.instructor.grading.lms.graded import Graded
from helpers.instructor.grading.lms.tables import Table, TableError, format_number, parse_number

TEST_STUDENT = "Student, Test"


@dataclass
class Notes:
    """What the instructor should know about the file written: each list names learners and why."""
    filled: int = 0
    missing: list[str] = field(default_factory=list)          # in the gradebook, no submission
    unknown: list[str] = field(default_factory=list)          # a submission, not in the gradebook
    not_filled: list[str] = field(default_factory=list)       # graded, but not to the end; excused; test student

    def lines(self) -> list[str]:
        out = [f"{self.filled} grade(s) filled."]
        for title, names in (("No submission (left blank)", self.missing),
                             ("Not filled, look at these by hand", self.not_filled),
                             ("Submissions of learners not in the export (not written)", self.unknown)):
            if names:
                out += [f"{title}: {len(names)}", *[f"  {n}" for n in names]]
        return out


def student_columns(table: Table) -> tuple[int, int]:
    """The index of ``ID`` and of ``Section``, the last student column; a clear error when missing."""
    ident, section = table.column("ID"), table.column("Section")
    if ident < 0 or section < ident:
        raise TableError("This is not a Canvas gradebook export: it needs the columns Student, ID, …, Section "
                         "(Grades → Export → Export Entire Gradebook).")
    return ident, section


def points_possible(table: Table, column: int) -> tuple[float, str]:
    for row in table.rows[1:]:
        if row[0].strip() == "Points Possible":
            value = parse_number(row[column])
            if value is None or value <= 0:
                raise TableError(f"The column {table.header[column]!r} has no points possible "
                                 f"({row[column]!r}); give the assignment points in Canvas and export again.")
            return value, row[column]
    raise TableError("The export has no 'Points Possible' row: export it again from Canvas's gradebook.")


def fill_gradebook(table: Table, title: str, graded: list[Graded]) -> tuple[Table, Notes]:
    """The import file's table (student columns and ``title``'s column) and what to tell the instructor."""
    ident, section = student_columns(table)
    if title not in table.header:
        assignments = [t for t in table.header[section + 1:] if t.rstrip().endswith(")")]
        raise TableError(f"No column {title!r} in the export. Its assignments: " + "; ".join(assignments))
    column = table.header.index(title)
    possible, possible_text = points_possible(table, column)
    keep = [*range(section + 1), column]
    by_id = {g.id: g for g in graded if g.lms == "canvas" and g.id}
    notes = Notes()
    rows = [[table.header[i] for i in keep]]
    for row in table.rows[1:]:
        cells = [row[i] for i in keep]
        rows.append(cells)
        if not row[ident].strip().isdigit():
            continue  # Points Possible, Canvas's "Manual Posting" row
        learner, name = by_id.pop(row[ident].strip(), None), row[0]
        if name.strip() == TEST_STUDENT:
            cells[-1] = ""
        elif learner is None:
            cells[-1] = ""
            notes.missing.append(f"{name} (ID {row[ident]})")
        elif cells[-1].strip().upper() == "EX":
            notes.not_filled.append(f"{name}: excused in Canvas (EX kept)")
        elif not learner.clean or learner.max_points <= 0:
            cells[-1] = ""
            notes.not_filled.append(f"{name}: {learner.status or 'not graded'} ({learner.notebook})")
        else:
            cells[-1] = format_number(learner.total / learner.max_points * possible, possible_text)
            notes.filled += 1
    notes.unknown = [f"{g.name or g.learner} (Canvas id {g.id}, {g.notebook})" for g in by_id.values()]
    return Table(rows, table.delimiter, table.bom), notes
