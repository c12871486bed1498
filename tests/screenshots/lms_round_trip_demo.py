"""The LMS round trip of a class, shown: ``python tests/screenshots/lms_round_trip_demo.py OUT_FOLDER [LEARNERS]``.

Makes a class of episode-01 submissions (the real solution pasted in, typical mistakes, partly solved,
blank, one that crashes its kernel), lays it out as a Canvas zip and as a Moodle zip exactly as they
name files (a late one, a resubmission, a text entry), makes the gradebook export and the worksheet
(with two learners who handed nothing in and Canvas's test student), grades the Canvas zip with
``--jobs 2`` (timed), grades the Moodle zip from the same progress file (each learner's notebook has
the same bytes in both zips, so nothing runs twice), writes both import files and the class report,
and screenshots the report and one feedback page into docs/.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import nbformat  # noqa: E402

from tests.support.lms_fixtures import write_zip  # noqa: E402
from tests.instructor.test_grading import crashing, learner, short_blank, solved, with_mistakes  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
COLUMN = "Notebook 01: iris cost (4242)"
FIRST = ["Ada", "Zoë", "Mary Ann", "Grace", "Alan", "Émile", "Chidi", "Aiko", "Björn", "Lucía", "Noor", "Tomás",
         "Priya", "Olu", "Saoirse", "Hana", "Mateo", "Ingrid", "Kofi", "Li", "Ana", "Yusuf", "Eva", "Ravi", "Sven",
         "Amara", "Jonas", "Mei", "Diego", "Fatima", "Kai", "Nia"]
LAST = ["Lovelace", "Çelik", "O'Brien", "Hopper", "Turing", "Durkheim", "Okafor", "Tanaka", "Sørensen", "García",
        "Haddad", "Ruiz", "Sharma", "Adeyemi", "Ní Bhriain", "Novak", "López", "Berg", "Mensah", "Wei", "Silva",
        "Demir", "Kowalska", "Iyer", "Lund", "Diallo", "Weber", "Chen", "Fernández", "Rahman", "Müller", "Owusu"]


def kinds(n: int) -> list[str]:
    """What each learner handed in: a few real solutions, mistakes, partly solved, mostly blank, one crash."""
    base = ["solution"] * 4 + ["mistakes"] * 3 + ["partial"] * 3 + ["crash"] + ["blank"] * 9 + ["short blank"] * 10
    return (base * (n // len(base) + 1))[:n]


def make(kind: str, who: str) -> str:
    nb = {"solution": solved, "mistakes": with_mistakes, "partial": lambda: solved(2), "crash": crashing,
          "blank": learner, "short blank": short_blank}[kind]()
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"Handed in by {who}."))  # each learner's bytes their own
    return nbformat.writes(nb)


def sortable(first: str, last: str) -> str:
    """Canvas's file-name form of a sortable name: "Last, First", lower case, non-word characters removed."""
    return "".join(c for c in f"{last}, {first}".lower() if c.isascii() and (c.isalnum() or c == "_"))


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",", bom: bool = False) -> Path:
    text = io.StringIO(newline="")
    csv.writer(text, delimiter=delimiter).writerows(rows)
    path.write_bytes(("\ufeff" if bom else "").encode() + text.getvalue().encode("utf-8"))
    return path


def the_class(out: Path, n: int) -> dict:
    learners = [(FIRST[i % 32], LAST[i % 32] + ("" if i < 32 else f" {i}"), 1000 + i, 500 + i) for i in range(n + 2)]
    handed, missing = learners[:n], learners[n:]
    canvas, moodle = {}, {}
    for i, ((first, last, uid, pid), kind) in enumerate(zip(handed, kinds(n))):
        content = make(kind, f"{first} {last}")
        late = "_LATE" if i % 7 == 3 else ""
        canvas[f"{sortable(first, last)}{late}_{uid}_{90000 + i}_01-iris-cost.ipynb"] = content
        moodle[f"{first} {last}_{pid}_assignsubmission_file/01-iris-cost.ipynb"] = content
    first, last, uid, pid = handed[min(5, n - 1)]
    canvas[f"{sortable(first, last)}_{uid}_{80000}_01-iris-cost.ipynb"] = make("blank", "an older upload")
    canvas[f"{sortable(first, last)}_{uid}_text.html"] = "<p>My notebook is attached.</p>"
    write_zip(out / "canvas-submissions.zip", canvas)
    write_zip(out / "moodle-submissions.zip", moodle)
    students = [[f"{last}, {first}", str(uid), f"S{uid}", f"u{uid}", "Section 1", "", ""]
                for first, last, uid, _ in learners]
    write_csv(out / "canvas-export.csv", [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", COLUMN,
                                           "Current Score"], ["    Points Possible", "", "", "", "", "20", "(read only)"],
                                          *students, ["Student, Test", "9999", "", "", "Section 1", "", ""]],
              delimiter=";", bom=True)
    header = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
              "Last modified (submission)", "Last modified (grade)", "Feedback comments"]
    rows = [[f"Participant {pid}", f"{first} {last}", f"u{pid}@example.org",
             "Submitted for grading" if (first, last, uid, pid) in handed else "No submission", "", "100.00", "Yes",
             "Thursday, 03 December 2026, 09:00 PM", "-", ""] for first, last, uid, pid in learners]
    write_csv(out / "moodle-worksheet.csv", [header, *rows])
    return {"kinds": dict(zip([f"{f} {la}" for f, la, _, _ in handed], kinds(n)))}


def helpers(*args: str, cwd: Path) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True, text=True, cwd=cwd)
    print(result.stdout[-4000:], result.stderr[-2000:] if result.returncode else "", sep="\n")
    if result.returncode:
        raise SystemExit(f"python -m helpers {' '.join(args)}: exit status {result.returncode}")
    return time.monotonic() - started, result.stdout


def screenshots(report: Path, page: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import chromium_path

    shots = [ROOT / "docs" / "lms-class-report.png", ROOT / "docs" / "lms-feedback-page.png"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(),
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for source, shot in zip((report, page), shots):
            tab = browser.new_page(viewport={"width": 1100, "height": 900})
            tab.goto(source.as_uri())
            tab.screenshot(path=str(shot), full_page=True)
            tab.close()
        browser.close()
    return shots


def main(out: Path, n: int = 30) -> None:
    out.mkdir(parents=True, exist_ok=True)
    the_class(out, n)
    common = ["--jobs", "2", "--timeout", "300", "--progress", str(out / "progress.jsonl")]
    seconds, _ = helpers("grade", "canvas-submissions.zip", "--csv", "canvas/grades.csv", "--feedback",
                         "canvas/feedback", *common, cwd=out)
    print(f"Canvas zip of {n} learners graded in {seconds:.0f} s with --jobs 2")
    seconds, _ = helpers("grade", "moodle-submissions.zip", "--csv", "moodle/grades.csv", "--feedback",
                         "moodle/feedback", *common, cwd=out)
    print(f"Moodle zip: {seconds:.0f} s (the same notebooks, from the progress file)")
    helpers("grades", "canvas", "canvas/grades.csv", "--gradebook", "canvas-export.csv", "--column", COLUMN,
            "-o", "canvas-import.csv", cwd=out)
    helpers("grades", "moodle", "moodle/grades.csv", "--worksheet", "moodle-worksheet.csv", "-o",
            "moodle-import.csv", cwd=out)
    helpers("grades", "report", "canvas/grades.csv", "--gradebook", "canvas-export.csv", "-o", "class-report.html",
            "--title", "Episode 01, a class of 30: Canvas", cwd=out)
    for name in ("canvas-import.csv", "moodle-import.csv"):
        print(f"--- {name}, first rows:\n" + "\n".join((out / name).read_text(encoding="utf-8-sig").splitlines()[:5]))
    page = sorted((out / "canvas" / "feedback").glob("turingalan_*.html"))[0]  # a learner of typical mistakes
    print("Screenshots:", *screenshots(out / "class-report.html", page))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("lms-demo"), int(sys.argv[2]) if len(sys.argv) > 2 else 30)
