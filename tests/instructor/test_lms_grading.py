"""A Canvas zip graded for real: each notebook to its learner, a crash and a forgery keep their status as in a
plain folder, and the import file says so rather than giving a silent 0."""

import csv
import subprocess
import sys

import nbformat
import pytest

from helpers.cli import main
from tests.support.lms_fixtures import write_zip
from tests.instructor.test_grading import CELL_TIMEOUT, FORGERIES, crashing, short_blank, with_cell
from tests.instructor.test_lms_canvas import write_export

pytestmark = pytest.mark.grading  # notebooks run in the sandboxed kernel: a minute or two

COLUMN = "Notebook 01 (4242)"


def test_a_canvas_zip_with_a_crash_and_a_forgery(tmp_path, capsys):
    older = short_blank()
    older.cells.insert(1, nbformat.v4.new_code_cell("import os\nos._exit(1)"))  # would crash: must not be graded
    files = {"lovelaceada_1234_900_01-iris-cost.ipynb": nbformat.writes(older),
             "lovelaceada_1234_950_01-iris-cost-1.ipynb": nbformat.writes(short_blank()),
             "hoppergrace_LATE_55_901_01-iris-cost.ipynb": nbformat.writes(crashing()),
             "babbagecharles_88_902_01-iris-cost.ipynb": nbformat.writes(with_cell(FORGERIES["redefined_checks_and_log"])),
             "knuthdon_99_903_01.ipynb": "{ this is not a notebook",
             "turingalan_77_text.html": "<p>see my notebook</p>"}
    zipped = write_zip(tmp_path / "submissions.zip", files)
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "helpers", "grade", str(zipped), "--csv", str(out / "grades.csv"),
                             "--feedback", str(out / "feedback"), "--jobs", "2", "--timeout", CELL_TIMEOUT],
                            capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not graded: turingalan_77_text.html (turingalan, id 77): a text entry, not a notebook" in result.stdout
    assert "not graded: lovelaceada_1234_900_01-iris-cost.ipynb" in result.stdout
    with open(out / "grades.csv", newline="") as fh:
        rows = {row["lms_id"]: row for row in csv.DictReader(fh)}
    assert sorted(rows) == ["1234", "55", "88", "99"]
    assert rows["1234"]["status"].startswith("graded") and rows["1234"]["total"] == "0"  # blank, and not the crash
    assert rows["55"]["status"].startswith("kernel died") and rows["55"]["late"] == "late"
    assert rows["88"]["status"].startswith("graded") and rows["88"]["total"] == "0"  # the forgery earns nothing
    assert "not a readable notebook" in rows["99"]["status"]
    assert (out / "feedback" / "hoppergrace_LATE_55_901_01-iris-cost.html").exists()

    export = [["Student", "ID", "SIS Login ID", "Section", COLUMN], ["    Points Possible", "", "", "", "20"],
              ["Lovelace, Ada", "1234", "ada", "A", ""], ["Hopper, Grace", "55", "grace", "A", "12"],
              ["Babbage, Charles", "88", "cb", "A", ""], ["Knuth, Don", "99", "dk", "A", ""],
              ["Turing, Alan", "77", "at", "A", ""], ["Student, Test", "1000", "", "A", ""]]
    capsys.readouterr()
    assert main(["grades", "canvas", str(out / "grades.csv"), "--gradebook",
                 str(write_export(tmp_path / "export.csv", export, ",", False)), "--column", COLUMN,
                 "-o", str(tmp_path / "import.csv")]) == 0
    said = capsys.readouterr().out
    with open(tmp_path / "import.csv", newline="") as fh:
        cells = {row[1]: row[-1] for row in csv.reader(fh)}
    assert cells == {"ID": COLUMN, "": "20", "1234": "0", "55": "", "88": "0", "99": "", "77": "", "1000": ""}
    assert "Hopper, Grace: kernel died" in said and "Knuth, Don: not a readable notebook" in said
    assert "Turing, Alan (ID 77)" in said.split("No submission")[1]
