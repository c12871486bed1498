"""Moodle's offline grading worksheet round trip: Grade, Feedback comments and Last modified (grade) filled
by participant id, every other cell as the worksheet had it."""

import codecs
import csv
import html
import io

import pytest

from helpers.cli import main
from helpers.instructor.csv_cells import unguard
from helpers.instructor.grading.lms import moodle
from helpers.instructor.grading.lms.run import write_details
from helpers.instructor.grading.report import write_csv
from tests.support.lms_fixtures import a_grade
from tests.instructor.test_lms_canvas import runnable

HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
          "Last modified (submission)", "Last modified (grade)", "Feedback comments"]
WORKSHEET = [
    HEADER,
    ["Participant 501", "Ada Lovelace", "ada@example.org", "Submitted for grading", "", "100,00", "Yes",
     "Monday, 30 November 2026, 10:00 AM", "-", ""],
    ["Participant 502", 'Mary "May" O\'Brien, Jr.', "mary@example.org", "Submitted for grading - 1 day late", "", "100,00",
     "Yes", "Tuesday, 1 December 2026, 11:00 PM", "-", ""],
    ["Participant 503", "Zoë Çelik", "zoe@example.org", "No submission", "", "100,00", "Yes", "-", "-", ""],
    ["Participant 504", "=HYPERLINK(\"http://x\")", "h@example.org", "Submitted for grading", "", "100,00", "Yes",
     "Monday, 30 November 2026, 9:00 AM", "-", ""],
]
WHEN = 1796385600.0  # a fixed time for "Last modified (grade)"


def moodle_grades(folder):
    def grade(who, pid, statuses, status="graded", messages=None):
        return a_grade(f"{who}.ipynb", statuses, status, {"lms": "moodle", "id": pid, "name": who,
                                                           "folder": f"{who}_{pid}_assignsubmission_file"}, messages)

    grades = [grade("Ada Lovelace", "501", ["correct", "correct", "correct", "incorrect"],
                    messages={"fine_tune": "The learning rate <1e-3> is not below its default & too high.",
                              "rmse": "RMSE 0.728, recomputed.\n(The grader used its own `x_test`.)"}),
              grade("Mary", "502", ["error"] * 4, "kernel died"),
              grade("Formula", "504", ["incorrect"] * 4),
              grade("Stranger", "999", ["correct"] * 4)]
    write_csv(grades, folder / "grades.csv")
    write_details(grades, None, folder / "grades.csv")
    return folder / "grades.csv"


def write_sheet(path, rows, delimiter, bom):
    text = io.StringIO(newline="")
    csv.writer(text, delimiter=delimiter).writerows(rows)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.getvalue().encode("utf-8"))
    return path


@pytest.mark.parametrize("delimiter, bom", [(",", False), (";", True)])
def test_the_worksheet_gets_grade_feedback_and_time_by_participant(tmp_path, capsys, monkeypatch, delimiter, bom):
    monkeypatch.setattr(moodle.time, "time", lambda: WHEN)
    sheet = write_sheet(tmp_path / "worksheet.csv", WORKSHEET, delimiter, bom)
    code = main(["grades", "moodle", str(moodle_grades(tmp_path)), "--worksheet", str(sheet),
                 "-o", str(tmp_path / "import.csv")])
    said = capsys.readouterr().out
    assert code == 0, said
    raw = (tmp_path / "import.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) == bom
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=delimiter))
    assert not [c for row in rows for c in row if runnable(c)]
    rows = [[unguard(c) for c in row] for row in rows]
    stamp = moodle.moodle_time(WHEN)
    ada, mary, zoe, formula = rows[1:]
    assert ada[:4] + ada[5:8] == WORKSHEET[1][:4] + WORKSHEET[1][5:8] and ada[4] == "75" and ada[8] == stamp
    lines = ada[9].split("\n")
    assert lines[0] == "build_classifier: correct (1/1) – Well done.<br>" and len(lines) == 4
    assert html.escape("<1e-3> is not below its default & too high.") in lines[3]
    assert lines[2] == html.escape("rmse: correct (1/1) – RMSE 0.728, recomputed. (The grader used its own `x_test`.)") + "<br>"
    # a crash: the grade is left as it was, the feedback says why
    assert mary[4] == "" and mary[9].startswith("Not graded automatically: kernel died.") and mary[8] == stamp
    assert zoe == WORKSHEET[3]  # no submission: the row as it was
    assert formula[4] == "0" and formula[1] == WORKSHEET[4][1]
    assert "2 grade(s) filled." in said and "Zoë Çelik (Participant 503)" in said
    assert "Stranger (participant 999, Stranger.ipynb)" in said and "Mary \"May\" O'Brien, Jr.: kernel died" in said


def test_moodle_time_is_the_worksheets_english_format():
    assert moodle.moodle_time(WHEN).count(",") == 2 and moodle.moodle_time(WHEN).endswith(("AM", "PM"))


def test_a_localised_worksheet_is_read_with_columns_named(tmp_path, capsys):
    german = ["Kennung", "Vollständiger Name", "Status", "Bewertung", "Höchstbewertung", "Zuletzt geändert (Bewertung)",
              "Feedback als Kommentar"]
    sheet = write_sheet(tmp_path / "w.csv", [german, ["Teilnehmer/in 501", "Ada", "", "", "100", "-", ""]], ",", False)
    args = ["grades", "moodle", str(moodle_grades(tmp_path)), "--worksheet", str(sheet), "-o", str(tmp_path / "o.csv")]
    assert main(args) == 2 and "--columns" in capsys.readouterr().out
    named = ["--columns", "identifier=Kennung", "--columns", "grade=Bewertung", "--columns", "maximum=Höchstbewertung",
             "--columns", "modified=Zuletzt geändert (Bewertung)", "--columns", "feedback=Feedback als Kommentar",
             "--columns", "name=Vollständiger Name"]
    assert main(args + named) == 0
    with open(tmp_path / "o.csv", newline="", encoding="utf-8") as fh:
        assert list(csv.reader(fh))[1][3] == "75"


def test_a_scale_grade_is_refused_in_a_sentence(tmp_path, capsys):
    rows = [HEADER, ["Participant 501", "Ada", "", "", "", "Pass/Fail", "Yes", "-", "-", ""]]
    sheet = write_sheet(tmp_path / "w.csv", rows, ",", False)
    code = main(["grades", "moodle", str(moodle_grades(tmp_path)), "--worksheet", str(sheet), "-o", str(tmp_path / "o.csv")])
    assert code == 2 and "not a number" in capsys.readouterr().out


def test_the_report_takes_moodles_late_learners_and_missing_ones_from_the_worksheet(tmp_path, capsys):
    sheet = write_sheet(tmp_path / "worksheet.csv", WORKSHEET, ",", False)
    assert main(["grades", "report", str(moodle_grades(tmp_path)), "--worksheet", str(sheet),
                 "-o", str(tmp_path / "report.html")]) == 0, capsys.readouterr().out
    page = (tmp_path / "report.html").read_text()
    late, missing = (page.split(f'id="{key}"')[1].split("</ul>")[0] for key in ("late", "missing"))
    assert "Mary" in late and "Ada" not in late  # "Submitted for grading - 1 day late"
    assert "Zoë Çelik (Participant 503)" in missing and "Ada" not in missing
