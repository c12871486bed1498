"""Downloads as Canvas and Moodle zip them grade to the right learners; the rest is listed with its reason.

The zips are built here exactly as the LMSs name their files. The grading
itself is the room's (tested in test_grading.py); here it is replaced by one
that returns what it was given, so these tests take seconds. One Canvas zip is
graded for real in test_lms_grading.py.
"""

import csv
import json
import zipfile

import pytest

from helpers.instructor.grading.lms import intake as intake_module
from helpers.instructor.grading.lms.intake import gather, is_download
from helpers.instructor.grading.lms.run import MOODLE_ZIP, grade_submissions
from tests.support.lms_fixtures import EPISODE, a_grade, notebook, write_zip

CANVAS_FILES = {
    "lovelaceada_1234_900_01-iris-cost.ipynb": notebook(text="first try"),
    "lovelaceada_1234_950_01-iris-cost-1.ipynb": notebook(text="resubmitted"),  # the later upload wins
    "hoppergrace_LATE_55_901_01-iris-cost.ipynb": notebook(),
    "turingalan_77_text.html": "<p>my answer is in the text box</p>",
    "turingalan_77_link.html": "<a href='https://example.org'>colab</a>",
    "babbagecharles_88_902_notes.pdf": b"%PDF-1.4",
    "babbagecharles_88_903_02-blobs.ipynb": notebook("02-blobs"),
    "anon_X9k2_904_01.ipynb": notebook(),
    "knuthdon_99_905_broken.ipynb": "{ not a notebook",
    "README.txt": "not named by Canvas",
}


def by_id(intake):
    return {who.id: (path.name, who) for path, who in intake.notebooks}


def reasons(intake):
    return {s["file"]: s["reason"] for s in intake.skipped}


def test_a_canvas_zip_gives_one_notebook_per_learner_and_lists_the_rest(tmp_path):
    intake = gather([str(write_zip(tmp_path / "submissions.zip", CANVAS_FILES))], tmp_path / "work")
    assert intake.lms == "canvas" and intake.episode == EPISODE
    chosen = by_id(intake)
    assert sorted(chosen) == ["1234", "55", "99", "anon_X9k2"]
    assert chosen["1234"][0] == "lovelaceada_1234_950_01-iris-cost-1.ipynb" and not chosen["1234"][1].late
    assert chosen["55"][1].late and chosen["55"][1].name == "hoppergrace"
    assert "resubmitted" in (tmp_path / "work" / chosen["1234"][0]).read_text()
    why = reasons(intake)
    assert why["lovelaceada_1234_900_01-iris-cost.ipynb"].startswith("an older notebook of the same learner")
    assert why["turingalan_77_text.html"] == "a text entry, not a notebook"
    assert why["turingalan_77_link.html"] == "a URL entry, not a notebook"
    assert why["babbagecharles_88_902_notes.pdf"] == "not a notebook (.pdf)"
    assert why["babbagecharles_88_903_02-blobs.ipynb"] == "a notebook of episode 02-blobs, not of 01-iris-cost"
    assert "no learner in its name" in why["README.txt"]
    # every file is either graded or listed: nothing dropped silently
    assert len(intake.notebooks) + len(intake.skipped) == len(CANVAS_FILES)


def test_an_unreadable_notebook_is_graded_when_it_is_all_the_learner_sent(tmp_path):
    """So that it gets its status (not a readable notebook), as in a plain folder, rather than vanishing."""
    intake = gather([str(write_zip(tmp_path / "s.zip", CANVAS_FILES))], tmp_path / "work")
    assert by_id(intake)["99"][0] == "knuthdon_99_905_broken.ipynb"


MOODLE_LAYOUTS = {
    "folders": "{name}_{id}_assignsubmission_file/{file}",
    "folders with a trailing _": "{name}_{id}_assignsubmission_file_/{file}",
    "folders off": "{name}_{id}_assignsubmission_file_{file}",
}


@pytest.mark.parametrize("layout", MOODLE_LAYOUTS)
def test_a_moodle_zip_in_each_layout(tmp_path, layout):
    path = MOODLE_LAYOUTS[layout].format
    files = {path(name="Ada Lovelace", id=501, file="01-iris-cost.ipynb"): notebook(text="old"),
             path(name="Ada Lovelace", id=501, file="01-iris-cost (1).ipynb"): notebook(text="new"),
             path(name="Zoë Çelik", id=502, file="01-iris-cost.ipynb"): notebook(),
             path(name="Participant", id=503, file="mine.ipynb"): notebook(),
             path(name="Bo Li", id=504, file="report.pdf"): b"%PDF",
             "Bo Li_504_assignsubmission_onlinetext/onlinetext.html": "<p>see the pdf</p>"}
    times = {path(name="Ada Lovelace", id=501, file="01-iris-cost.ipynb"): (2026, 12, 1, 9, 0, 0),
             path(name="Ada Lovelace", id=501, file="01-iris-cost (1).ipynb"): (2026, 12, 2, 9, 0, 0)}
    intake = gather([str(write_zip(tmp_path / "download.zip", files, times))], tmp_path / "work")
    assert intake.lms == "moodle"
    chosen = by_id(intake)
    assert sorted(chosen) == ["501", "502", "503"]
    assert "new" in (tmp_path / "work" / chosen["501"][0]).read_text()  # the newer file of two
    assert chosen["502"][1].name == "Zoë Çelik" and chosen["503"][1].name == "Participant 503"
    assert chosen["501"][1].folder.startswith("Ada Lovelace_501_assignsubmission_file")
    # every learner's file has the same name in the download; the copies graded do not
    assert len({name for name, _ in chosen.values()}) == 3
    why = reasons(intake)
    assert why[path(name="Bo Li", id=504, file="report.pdf")] == "not a notebook (.pdf)"
    assert why["Bo Li_504_assignsubmission_onlinetext/onlinetext.html"] == "a text entry, not a notebook"
    assert why[path(name="Ada Lovelace", id=501, file="01-iris-cost.ipynb")].startswith("an older notebook")


def test_the_unpacked_folder_reads_as_the_zip_does(tmp_path):
    for name, content in CANVAS_FILES.items():
        (tmp_path / "download" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "download" / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    intake = gather([str(tmp_path / "download")], tmp_path / "work")
    assert sorted(by_id(intake)) == ["1234", "55", "99", "anon_X9k2"]


def test_a_plain_folder_is_not_a_download(tmp_path):
    (tmp_path / "room").mkdir()
    (tmp_path / "room" / "ada.ipynb").write_text(notebook())
    (tmp_path / "room" / "bo.ipynb").write_text(notebook())
    assert not is_download([str(tmp_path / "room")])
    assert is_download([str(tmp_path / "room")], lms="canvas")


def test_a_damaged_zip_is_said_in_a_sentence(tmp_path, capsys):
    from helpers.cli import main

    (tmp_path / "submissions.zip").write_bytes(b"PK\x03\x04 cut short")
    assert main(["grade", str(tmp_path / "submissions.zip"), "--csv", str(tmp_path / "grades.csv")]) == 2
    assert "is not a zip file that can be read" in capsys.readouterr().out


def test_an_oversized_member_is_listed_not_unpacked(tmp_path, monkeypatch):
    monkeypatch.setattr(intake_module, "MAX_NOTEBOOK_BYTES", len(notebook()) + 50)
    files = {"lovelaceada_1_2_big.ipynb": notebook(text="x" * 500), "hoppergrace_3_4_ok.ipynb": notebook()}
    intake = gather([str(write_zip(tmp_path / "s.zip", files))], tmp_path / "work")
    assert "over the" in reasons(intake)["lovelaceada_1_2_big.ipynb"] and sorted(by_id(intake)) == ["3"]


@pytest.fixture
def graded_as_given(monkeypatch):
    """The room's grading replaced: every notebook graded, 3 of 4 right, except a 'crash' one (kernel died)."""
    from helpers.instructor.grading import room
    from helpers.instructor.grading.report import write_csv, write_feedback

    def fake_grade(paths, csv_path=None, feedback=None, out=print, **options):
        grades = []
        for path in map(str, room.collect_notebooks(paths)):  # the room's order
            crashed = "crash" in path
            grades.append(a_grade(path, ["error"] * 4 if crashed else ["correct"] * 3 + ["incorrect"],
                                  status="kernel died" if crashed else "graded"))
            if "resumed" in path:  # as the progress file gives it back: the path it was first graded at
                grades[-1].notebook = f"/elsewhere/{len(grades)}.ipynb"
        if csv_path:
            write_csv(grades, csv_path)
        for grade in grades if feedback else []:
            write_feedback(grade, feedback)
        return grades

    monkeypatch.setattr(room, "grade", fake_grade)


def test_grades_csv_gains_identity_lms_id_and_late(tmp_path, graded_as_given):
    zipped = write_zip(tmp_path / "submissions.zip", {**CANVAS_FILES, "babbage_crash_88_906_01.ipynb": notebook()})
    out = []
    grades = grade_submissions([str(zipped)], csv_path=tmp_path / "grades.csv", feedback=tmp_path / "feedback",
                               out=out.append)
    assert len(grades) == 5
    with open(tmp_path / "grades.csv", newline="") as fh:
        rows = {row["lms_id"]: row for row in csv.DictReader(fh)}
    assert rows["55"]["late"] == "late" and rows["55"]["lms_name"] == "hoppergrace" and rows["55"]["lms"] == "canvas"
    assert rows["1234"]["late"] == "" and rows["1234"]["total"] == "3"
    assert rows["88"]["status"] == "kernel died" and rows["88"]["learner"] == "babbage_crash"
    details = json.loads((tmp_path / "grades.json").read_text())
    assert details["lms"] == "canvas" and {s["file"] for s in details["skipped"]} >= {"turingalan_77_text.html"}
    assert "not graded: turingalan_77_text.html (turingalan, id 77): a text entry, not a notebook" in "\n".join(out)
    for grade in grades:  # the Markdown feedback and the page beside it
        stem = grade.name.removesuffix(".ipynb")
        assert (tmp_path / "feedback" / f"{stem}.md").exists() and (tmp_path / "feedback" / f"{stem}.html").exists()


def test_a_moodle_download_gives_a_feedback_zip_moodle_takes(tmp_path, graded_as_given):
    files = {"Ada Lovelace_501_assignsubmission_file/01-iris-cost.ipynb": notebook(),
             "Zoë Çelik_502_assignsubmission_file_/01-iris-cost.ipynb": notebook(),
             "Participant_503_assignsubmission_file_01-iris-cost.ipynb": notebook()}
    grade_submissions([str(write_zip(tmp_path / "d.zip", files))], csv_path=tmp_path / "grades.csv",
                      feedback=tmp_path / "feedback", out=lambda *_: None)
    names = zipfile.ZipFile(tmp_path / "feedback" / MOODLE_ZIP).namelist()
    assert sorted(names) == ["Ada Lovelace_501_assignsubmission_file/feedback.html",
                             "Participant_503_assignsubmission_file/feedback.html",
                             "Zoë Çelik_502_assignsubmission_file_/feedback.html"]
    assert {moodle_import_target(n) for n in names} == {(501, "feedback.html"), (502, "feedback.html"),
                                                         (503, "feedback.html")}


def test_grades_from_the_progress_file_still_find_their_learners(tmp_path, graded_as_given):
    """The same bytes graded before (from the Canvas zip) come back with the path they were graded at."""
    files = {f"Learner {i}_{600 + i}_assignsubmission_file/resumed-{i}.ipynb": notebook(text=str(i)) for i in range(4)}
    grades = grade_submissions([str(write_zip(tmp_path / "d.zip", files))], csv_path=tmp_path / "grades.csv",
                               out=lambda *_: None)
    assert sorted((g.identity["id"], g.learner, g.name) for g in grades) == [
        (str(600 + i), f"Learner {i}", f"Learner {i}_{600 + i}_assignsubmission_file_resumed-{i}.ipynb") for i in range(4)]


def moodle_import_target(path: str):
    """What Moodle's feedback-zip importer (assignfeedback_file_zip_importer::is_valid_filename_for_import,
    Moodle >= 4.1) reads from a path in the zip: the participant id and the file name it stores."""
    parts = ("/" + path).split("/")
    while parts:
        info = parts.pop(0).split("_", 4)
        if len(info) < 4 or not info[1].isdigit() or f"{info[2]}_{info[3]}" != "assignsubmission_file":
            continue
        return int(info[1]), "/".join([info[4] if len(info) == 5 else "", *parts]).lstrip("/")
    return None


def test_an_assessment_bundle_without_the_instructors_tools_still_runs_its_commands(tmp_path):
    """The bundle leaves helpers/instructor out: the command line must not need it to start."""
    import os
    import subprocess
    import sys

    from helpers.instructor.bundle import write_assessment_bundle

    out = write_assessment_bundle(tmp_path / "exam")
    env = {**os.environ, "PYTHONPATH": str(out)}
    # -S: without site-packages, so an editable install of the whole course cannot lend helpers.instructor back
    result = subprocess.run([sys.executable, "-S", "-m", "helpers", "--help"], capture_output=True, text=True, env=env,
                            cwd=out, timeout=120)
    assert result.returncode == 0 and "{build,fetch,doctor,progress,grade,site," in result.stdout, result.stderr
    assert not (out / "helpers" / "instructor").exists()
