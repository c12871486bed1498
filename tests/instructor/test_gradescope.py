"""`grade --gradescope`: results.json as Gradescope's autograder spec has it."""

import json

from helpers.instructor.grading.lms import gradescope
from helpers.instructor.grading.lms.run import grade_submissions
from tests.support.lms_fixtures import a_grade, notebook
from tests.instructor.test_lms_submissions import graded_as_given  # noqa: F401 (a fixture)

TEST_FIELDS = {"name": str, "score": (int, float), "max_score": (int, float), "output": str, "visibility": str}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def assert_follows_the_spec(results: dict) -> None:
    assert isinstance(results["score"], (int, float)) and isinstance(results["tests"], list)
    assert results.get("visibility", "visible") in VISIBILITIES
    assert results.get("stdout_visibility", "hidden") in VISIBILITIES
    for test in results["tests"]:
        for field, kind in TEST_FIELDS.items():
            assert isinstance(test[field], kind), (field, test)
        assert test["visibility"] in VISIBILITIES and test.get("status", "passed") in ("passed", "failed")
        assert 0 <= test["score"] <= test["max_score"]
    json.dumps(results)


def test_a_test_per_exercise_with_its_verdict_and_message():
    grade = a_grade("01-iris-cost.ipynb", ["correct", "incorrect", "unattempted", "correct"],
                    messages={"transfer_head": "The head's activation should be linear."})
    results = gradescope.results([grade])
    assert_follows_the_spec(results)
    assert results["score"] == 2
    assert [t["name"] for t in results["tests"]] == ["01.build_classifier", "01.transfer_head", "01.rmse", "01.fine_tune"]
    head = results["tests"][1]
    assert head == {"name": "01.transfer_head", "score": 0, "max_score": 1, "status": "failed",
                    "output": "incorrect: The head's activation should be linear.", "visibility": "visible"}
    assert "2/4 points, graded" in results["output"]


def test_a_crash_says_so_and_an_empty_submission_scores_0_with_why():
    crashed = gradescope.results([a_grade("nb.ipynb", ["error"] * 4, "kernel died")])
    assert_follows_the_spec(crashed)
    assert crashed["score"] == 0 and "kernel died" in crashed["output"]
    empty = gradescope.results([], [{"file": "answers.pdf", "reason": "not a notebook (.pdf)"}])
    assert_follows_the_spec(empty)
    assert empty["score"] == 0 and empty["tests"] == [] and "No notebook" in empty["output"]
    assert "answers.pdf: not graded, not a notebook (.pdf)" in empty["output"]


def test_grade_writes_results_json_where_it_is_told(tmp_path, graded_as_given):  # noqa: F811
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "01-iris-cost.ipynb").write_text(notebook())
    target = tmp_path / "results" / "results.json"
    grade_submissions([str(tmp_path / "submission")], gradescope=target, out=lambda *_: None)
    results = json.loads(target.read_text())
    assert_follows_the_spec(results)
    assert results["score"] == 3 and len(results["tests"]) == 4
