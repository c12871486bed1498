"""Canvas's gradebook round trip: the export in, an import file out with the one assignment column filled.

The export is written here as Canvas's gradebook_exporter.rb writes it (BOM, ``;`` for a decimal-comma
locale, quoted names, the Points Possible row, a name starting with ``=`` quoted Canvas's way and one
raw, an excused learner, the test student last); the grades as ``grade`` writes them.
"""

import codecs
import csv
import io

import pytest

from helpers.cli import main
from helpers.instructor.csv_cells import unguard
from helpers.instructor.grading.lms.run import write_details
from helpers.instructor.grading.report import write_csv
from tests.support.lms_fixtures import a_grade

COLUMN = "Notebook 01 (4242)"
EXPORT = [
    ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Quiz 1 (111)", COLUMN, "Current Score"],
    ["", "", "", "", "", "", "Manual Posting", ""],  # Canvas's row for an assignment posted by hand
    ["    Points Possible", "", "", "", "", "5,00", "10,00", "(read only)"],
    ["Lovelace, Ada", "1234", "S1", "ada", "Section A", "4,00", "", "80"],
    ['O\'Brien, "Mary" Ann', "55", "S2", "mary", "Section A", "5,00", "2,00", "90"],
    ["Çelik, Zoë", "66", "S3", "zoe", "Section B", "", "", ""],
    ['="=HYPERLINK(""http://x"",""y"")"', "77", "S4", "h", "Section B", "", "", ""],
    ["=cmd|' /C calc'!A0", "88", "S5", "c", "Section B", "", "", ""],
    ["Hopper, Grace", "99", "", "grace", "Section A", "", "EX", ""],
    ["Student, Test", "1000", "", "", "Section A", "", "", ""],
]
ID = {"ada": "1234", "mary": "55", "zoe": "66", "formula": "77", "grace": "99", "test": "1000", "stranger": "31337"}


def canvas_grades(folder):
    def grade(who, statuses, status="graded"):
        return a_grade(f"{who}.ipynb", statuses, status, {"lms": "canvas", "id": ID[who], "name": who})

    grades = [grade("ada", ["correct", "correct", "correct", "incorrect"]),
              grade("mary", ["error"] * 4, "kernel died"),  # crashed: status kept, never a silent 0
              grade("zoe", ["correct"] * 4),
              grade("formula", ["incorrect"] * 4),  # graded to the end: a real 0
              grade("grace", ["correct"] * 4), grade("test", ["correct"] * 4), grade("stranger", ["correct"] * 4)]
    write_csv(grades, folder / "grades.csv")
    write_details(grades, None, folder / "grades.csv")
    return folder / "grades.csv"


def write_export(path, rows, delimiter, bom):
    text = io.StringIO(newline="")
    csv.writer(text, delimiter=delimiter).writerows(rows)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.getvalue().encode("utf-8"))
    return path


def runnable(cell: str) -> bool:
    """Whether a spreadsheet would run the cell as a formula (a number such as -1 is a number)."""
    return cell[:1] in ("=", "+", "@", "\t", "\r") or (cell[:1] == "-" and cell != "-" and not
                                                       cell.replace(",", ".").lstrip("-").replace(".", "").isdigit())


def read_back(path, delimiter):
    raw = path.read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=delimiter))
    return raw, rows


@pytest.mark.parametrize("delimiter, bom", [(";", True), (",", False), (",", True)])
def test_the_import_fills_the_column_by_id_and_leaves_the_rest(tmp_path, capsys, delimiter, bom):
    export = write_export(tmp_path / "export.csv", EXPORT, delimiter, bom)
    code = main(["grades", "canvas", str(canvas_grades(tmp_path)), "--gradebook", str(export), "--column", COLUMN,
                 "-o", str(tmp_path / "import.csv")])
    said = capsys.readouterr().out
    assert code == 0, said
    raw, rows = read_back(tmp_path / "import.csv", delimiter)
    assert raw.startswith(codecs.BOM_UTF8) == bom
    # student columns and the one assignment column, every row in the export's order
    expected = [row[:5] + [row[6]] for row in EXPORT]
    filled = {"1234": "7,5", "66": "10", "77": "0"}
    for row in expected:
        if row[1].isdigit():
            row[5] = filled.get(row[1], "EX" if row[1] == "99" else "")
    assert expected[1][5] == "Manual Posting" and expected[2][5] == "10,00"
    assert [[unguard(c) for c in row] for row in rows] == expected
    # no cell can run as a formula
    assert not [c for row in rows for c in row if runnable(c)]
    assert rows[6][0].startswith("'=") and rows[7][0] == "'=cmd|' /C calc'!A0"
    # what the instructor is told: the crash, the learner without a submission, the stranger
    assert "3 grade(s) filled." in said
    assert "O'Brien, \"Mary\" Ann: kernel died (mary.ipynb)" in said
    assert "=cmd|' /C calc'!A0 (ID 88)" in said.split("No submission")[1]
    assert "stranger (Canvas id 31337, stranger.ipynb)" in said
    assert "Hopper, Grace: excused in Canvas (EX kept)" in said


def test_a_missing_column_names_the_ones_there(tmp_path, capsys):
    export = write_export(tmp_path / "export.csv", EXPORT, ",", False)
    code = main(["grades", "canvas", str(canvas_grades(tmp_path)), "--gradebook", str(export),
                 "--column", "Notebook 1 (4243)", "-o", str(tmp_path / "import.csv")])
    assert code == 2 and "Quiz 1 (111); Notebook 01 (4242)" in capsys.readouterr().out
    assert not (tmp_path / "import.csv").exists()


@pytest.mark.parametrize("broken, words", [
    ([["Name", "Score"], ["Ada", "1"]], "not a Canvas gradebook export"),
    ([EXPORT[0], *EXPORT[3:]], "no 'Points Possible' row"),
])
def test_an_export_that_is_not_canvas_is_said_in_a_sentence(tmp_path, capsys, broken, words):
    export = write_export(tmp_path / "export.csv", broken, ",", False)
    code = main(["grades", "canvas", str(canvas_grades(tmp_path)), "--gradebook", str(export), "--column", COLUMN,
                 "-o", str(tmp_path / "import.csv")])
    assert code == 2 and words in capsys.readouterr().out


def test_a_latin1_export_is_refused_with_what_to_do(tmp_path, capsys):
    (tmp_path / "export.csv").write_bytes("Student,ID,Section\nÇelik,1,A\n".encode("latin-1"))
    code = main(["grades", "canvas", str(canvas_grades(tmp_path)), "--gradebook", str(tmp_path / "export.csv"),
                 "--column", COLUMN, "-o", str(tmp_path / "import.csv")])
    assert code == 2 and "not UTF-8" in capsys.readouterr().out


def test_grades_of_a_plain_folder_have_no_canvas_ids(tmp_path, capsys):
    write_csv([a_grade("ada.ipynb", ["correct"] * 4)], tmp_path / "grades.csv")
    export = write_export(tmp_path / "export.csv", EXPORT, ",", False)
    code = main(["grades", "canvas", str(tmp_path / "grades.csv"), "--gradebook", str(export), "--column", COLUMN,
                 "-o", str(tmp_path / "import.csv")])
    assert code == 2 and "no Canvas ids" in capsys.readouterr().out
