"""The class report and the learners' feedback pages: what they say, and that Chromium opens them cleanly."""

import html
import re

import pytest

from helpers.cli import main
from helpers.instructor.grading.lms.class_report import class_report
from helpers.instructor.grading.feedback_page import feedback_html, first_hint
from helpers.instructor.grading.lms.graded import load
from helpers.instructor.grading.lms.run import write_details
from helpers.instructor.grading.report import write_csv
from tests.support.lms_fixtures import EPISODE, a_grade
from tests.instructor.test_lms_canvas import EXPORT, write_export

HOSTILE = "<script>alert('x')</script> & <img src=x onerror=alert(1)>"
SIGMOID = "The output layer has a 'sigmoid' activation; species are exclusive: use 'softmax'."


def a_class(folder):
    def grade(who, uid, statuses, status="graded", late=False, messages=None):
        return a_grade(f"{who}.ipynb", statuses, status, {"lms": "canvas", "id": uid, "name": who, "late": late},
                       messages)

    grades = [grade("ada", "1234", ["correct"] * 4),
              grade("bo", "55", ["incorrect", "correct", "correct", "correct"], late=True,
                    messages={"build_classifier": SIGMOID}),
              grade("cy", "66", ["incorrect", "unattempted", "unattempted", "unattempted"],
                    messages={"build_classifier": SIGMOID}),
              grade("dee", "77", ["incorrect", "incorrect", "correct", "correct"],
                    messages={"build_classifier": HOSTILE, "transfer_head": "The head is not linear."}),
              grade("eve", "88", ["error"] * 4, "kernel died")]
    grades[2].cell_errors = ["cell 7: NameError: name 'classifier' is not defined"]
    write_csv(grades, folder / "grades.csv")
    write_details(grades, None, folder / "grades.csv")
    return grades


def test_the_report_counts_right_answers_mistakes_late_missing_and_crashes(tmp_path, capsys):
    a_class(tmp_path)
    export = write_export(tmp_path / "export.csv", EXPORT, ";", True)
    assert main(["grades", "report", str(tmp_path / "grades.csv"), "--gradebook", str(export),
                 "-o", str(tmp_path / "report.html")]) == 0, capsys.readouterr().out
    page = (tmp_path / "report.html").read_text()
    right = dict(re.findall(r'data-exercise="([\w.]+)">(\d+/\d+)<', page))
    assert right == {"01.build_classifier": "1/5", "01.transfer_head": "2/5", "01.rmse": "3/5", "01.fine_tune": "3/5"}
    mistakes = re.findall(r"<li><span class=\"count\">(\d+) learners?</span> on <strong>([\w.]+)</strong>: (.*?)</li>",
                          page)
    assert mistakes[0] == ("2", "01.build_classifier", html.escape(SIGMOID))  # the most common first
    assert ("1", "01.build_classifier", html.escape(HOSTILE)) in mistakes and "<script>" not in page
    assert 'src="data:image/png;base64,' in page
    late = page.split('id="late"')[1].split("</ul>")[0]
    assert "O&#x27;Brien, &quot;Mary&quot; Ann" in late and "Lovelace" not in late  # by the gradebook's names
    missing = page.split('id="missing"')[1].split("</ul>")[0]
    assert "Hopper, Grace (ID 99)" in missing and "Student, Test" not in missing and "Lovelace" not in missing
    assert "=cmd|&#x27; /C calc&#x27;!A0: kernel died (eve.ipynb)" in page.split('id="not-graded"')[1]


def test_without_grades_json_the_csv_is_enough(tmp_path):
    a_class(tmp_path)
    (tmp_path / "grades.json").unlink()
    graded, skipped = load(tmp_path / "grades.csv")
    page = class_report(graded, skipped)
    assert 'data-exercise="01.rmse">3/5<' in page and "grades.json, which" in page


def test_the_feedback_page_has_verdict_message_hint_and_first_errors():
    grade = a_grade("cy.ipynb", ["incorrect", "correct", "unattempted", "error"],
                    messages={"build_classifier": HOSTILE}, identity={"name": "Çelik, Zoë", "late": True})
    grade.cell_errors = ["cell 7: NameError: name 'classifier' is not defined"]
    page = feedback_html(grade)
    assert "Feedback for Çelik, Zoë" in page and "late" in page and "1/4 points" in page
    assert html.escape(HOSTILE) in page and "<script>" not in page and "<img" not in page
    assert "✗ incorrect" in page and "✓ correct" in page
    hint = first_hint(EPISODE, "build_classifier")
    assert hint and html.escape(hint) in page  # the hint to try next, for what is not right yet
    assert html.escape(first_hint(EPISODE, "transfer_head")) not in page  # none for what is right
    assert "NameError: name &#x27;classifier&#x27; is not defined" in page


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import chromium_path

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(),
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


def open_cleanly(browser, path):
    """Open a page from disk; return what it shows and every console error or page error."""
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    text = page.inner_text("body")
    image = page.evaluate("() => [...document.images].map(i => i.naturalWidth)")
    page.close()
    return text, image, problems


def test_report_and_feedback_pages_open_in_chromium_without_errors(tmp_path, chromium):
    from helpers.instructor.grading.feedback_page import write_feedback_page

    grades = a_class(tmp_path)
    assert main(["grades", "report", str(tmp_path / "grades.csv"), "-o", str(tmp_path / "report.html")]) == 0
    text, images, problems = open_cleanly(chromium, tmp_path / "report.html")
    assert problems == [] and "Most common incorrect messages" in text and HOSTILE in text
    assert images and images[0] > 300  # the chart was decoded
    for grade in grades:
        text, _, problems = open_cleanly(chromium, write_feedback_page(grade, tmp_path / "feedback"))
        assert problems == [] and f"Feedback for {grade.identity['name']}" in text
