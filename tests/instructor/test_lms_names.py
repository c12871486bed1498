"""Who handed a file in, read from the names Canvas and Moodle give the files of a download (pure functions)."""

import pytest

from helpers.instructor.grading.lms.names import canvas_identity, detect, moodle_identity

CANVAS = [
    # file name in the zip, (user id, name, late, the learner's own file name, attachment id, entry)
    ("lovelaceada_1234_98765_01-iris-cost.ipynb", ("1234", "lovelaceada", False, "01-iris-cost.ipynb", 98765, "")),
    ("lovelaceada_LATE_1234_98766_01-iris-cost.ipynb", ("1234", "lovelaceada", True, "01-iris-cost.ipynb", 98766, "")),
    # a re-upload: Canvas's -1 lands inside the learner's name, even inside an extension; the ids are the prefix's
    ("lovelaceada_1234_98767_01-iris-cost-1.ipynb", ("1234", "lovelaceada", False, "01-iris-cost-1.ipynb", 98767, "")),
    ("obrienmaryann_55_66_work.tar-1.gz", ("55", "obrienmaryann", False, "work.tar-1.gz", 66, "")),
    # the learner's own file name may hold underscores and digits
    ("hoppergrace_LATE_7_8_my_01_2026_final.ipynb", ("7", "hoppergrace", True, "my_01_2026_final.ipynb", 8, "")),
    # a name Canvas kept an underscore in
    ("de_la_cruz_juan_12_13_a.ipynb", ("12", "de_la_cruz_juan", False, "a.ipynb", 13, "")),
    # anonymous grading: anon_<id> in place of the name, with or without the user id
    ("anon_x1Ab9_98765_01-iris-cost.ipynb", ("anon_x1Ab9", "anon_x1Ab9", False, "01-iris-cost.ipynb", 98765, "")),
    ("anon_x1Ab9_LATE_1234_98765_01.ipynb", ("1234", "anon_x1Ab9", True, "01.ipynb", 98765, "")),
    # text and URL entries
    ("turingalan_77_text.html", ("77", "turingalan", False, "turingalan_77_text.html", 0, "text")),
    ("turingalan_LATE_77_link.html", ("77", "turingalan", True, "turingalan_LATE_77_link.html", 0, "link")),
]
NOT_CANVAS = ["01-iris-cost.ipynb", "Ada Lovelace_12_assignsubmission_file_01.ipynb", "notes_final.pdf",
              "lovelaceada_12_notes.pdf", "_1234_98765_x.ipynb"]

MOODLE = [
    # path in the zip, (participant id, name as given, folder, the learner's own path, entry)
    ("Ada Lovelace_501_assignsubmission_file/01-iris-cost.ipynb",
     ("501", "Ada Lovelace", "Ada Lovelace_501_assignsubmission_file", "01-iris-cost.ipynb", "")),
    # older Moodle: a trailing _ on the folder
    ("Ada Lovelace_501_assignsubmission_file_/01-iris-cost.ipynb",
     ("501", "Ada Lovelace", "Ada Lovelace_501_assignsubmission_file_", "01-iris-cost.ipynb", "")),
    # folders off
    ("Ada Lovelace_501_assignsubmission_file_01-iris-cost.ipynb",
     ("501", "Ada Lovelace", "Ada Lovelace_501_assignsubmission_file", "01-iris-cost.ipynb", "")),
    # blind marking
    ("Participant_7788_assignsubmission_file/work/01.ipynb",
     ("7788", "Participant 7788", "Participant_7788_assignsubmission_file", "work/01.ipynb", "")),
    # names with commas, accents, apostrophes, underscores and digits
    ("Zoë Çelik-O'Brien_9_assignsubmission_file/a_1_2.ipynb",
     ("9", "Zoë Çelik-O'Brien", "Zoë Çelik-O'Brien_9_assignsubmission_file", "a_1_2.ipynb", "")),
    ("Jo_Ann 2nd_10_assignsubmission_file/x.ipynb", ("10", "Jo_Ann 2nd", "Jo_Ann 2nd_10_assignsubmission_file", "x.ipynb", "")),
    # an online text
    ("Ada Lovelace_501_assignsubmission_onlinetext/onlinetext.html",
     ("501", "Ada Lovelace", "Ada Lovelace_501_assignsubmission_onlinetext", "onlinetext.html", "text")),
]
NOT_MOODLE = ["01-iris-cost.ipynb", "lovelaceada_1234_98765_01.ipynb", "Ada Lovelace_assignsubmission_file/x.ipynb",
              "Ada Lovelace_x1_assignsubmission_file/x.ipynb"]


@pytest.mark.parametrize("name, expected", CANVAS)
def test_canvas_names(name, expected):
    who = canvas_identity(name)
    assert (who.id, who.name, who.late, who.file, who.order, who.entry) == expected and who.lms == "canvas"


@pytest.mark.parametrize("name", NOT_CANVAS)
def test_names_canvas_did_not_write(name):
    assert canvas_identity(name) is None


@pytest.mark.parametrize("path, expected", MOODLE)
def test_moodle_paths(path, expected):
    who = moodle_identity(path)
    assert (who.id, who.name, who.folder, who.file, who.entry) == expected and who.lms == "moodle" and not who.late


@pytest.mark.parametrize("path", NOT_MOODLE)
def test_paths_moodle_did_not_write(path):
    assert moodle_identity(path) is None


def test_the_scheme_is_the_one_most_files_follow():
    assert detect([name for name, _ in CANVAS]) == "canvas"
    assert detect([path for path, _ in MOODLE]) == "moodle"
    assert detect(["ada.ipynb", "bo.ipynb", "lovelaceada_1_2_x.ipynb"]) == ""  # a plain folder with one odd name
    assert detect([]) == ""
