"""The exercise framework: statuses, never raising, the log, display."""

import json

import pytest

from helpers.learner import results_log
from helpers.learner.checking import Exercise, Incorrect, Result, as_number, expect


def _square_checker(value, n):
    expect(value == n * n, f"{value} is not {n} squared; multiply {n} by itself.")
    return "Right."


def _broken_checker(value):
    return {}["missing"]


square = Exercise("00-test", "square", _square_checker)
broken = Exercise("00-test", "broken", _broken_checker)


@pytest.fixture(autouse=True)
def texts(tmp_path, monkeypatch):
    """The answers file the build would write for a master whose check cells are `ex.square.check(v, n)`."""
    monkeypatch.setattr("helpers.learner.exercises.ANSWERS", str(tmp_path))
    (tmp_path / "00-test.json").write_text(json.dumps({"exercises": {
        "square": {"prompt": "square n", "hints": ["first", "second"], "solution": "v = n * n", "args": ["v", "n"]},
    }}))


@pytest.fixture
def log(tmp_path, monkeypatch):
    path = tmp_path / "log.jsonl"
    monkeypatch.setenv("COURSE_RESULTS", str(path))
    return path


def test_correct_and_incorrect(log):
    assert square.check(9, 3).status == "correct"
    wrong = square.check(8, 3)
    assert (wrong.status, wrong.points, wrong.max_points) == ("incorrect", 0, 1)
    assert "multiply 3 by itself" in wrong.message


@pytest.mark.parametrize("blank", [None, ...])
def test_blank_is_unattempted(log, blank):
    result = square.check(blank, 3)
    assert result.status == "unattempted" and "`v`" in result.message


def test_exception_in_check_is_reported_not_raised(log):
    result = broken.check(1)
    assert result.status == "error"
    assert "KeyError" in result.message and "could not finish" in result.message


def test_wrong_arguments_are_reported_not_raised(log):
    result = square.check(1)
    assert result.status == "error" and "check() takes (value, n)" in result.message


def test_every_check_is_logged(log):
    square.check(9, 3)
    square.check(..., 3)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["status"] for r in records] == ["correct", "unattempted"]
    assert records[0]["episode"] == "00-test" and records[0]["exercise"] == "square"


def test_evaluate_does_not_log(log):
    square.evaluate(9, 3)
    assert not log.exists()


def test_unwritable_log_does_not_stop_the_learner(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("COURSE_RESULTS", str(blocker / "log.jsonl"))
    assert square.check(9, 3).passed


def test_assert_passed(log):
    assert square.assert_passed(9, 3).passed
    with pytest.raises(AssertionError, match="does not pass its own check"):
        square.assert_passed(8, 3)


def test_hints_step_through_then_repeat():
    exercise = Exercise("00-test", "square", _square_checker)
    assert [exercise.hint().text.split("\n")[0] for _ in range(3)] == ["first", "second", "second"]
    assert "last hint" not in square.hint().text and "`ex.square.solution()`" in square.hint().text
    assert "```python\nv = n * n\n```" in exercise.solution()._repr_markdown_()


def test_messages_name_the_check_cells_variables():
    assert "`v` is still" in square.evaluate(..., 3).message
    assert square.grade_args == "v, n"


def test_without_answers_hint_and_solution_say_so(tmp_path, monkeypatch):
    monkeypatch.setattr("helpers.learner.exercises.ANSWERS", str(tmp_path / "none"))
    assert "not available" in square.solution().text and "not available" in square.hint().text


def test_result_displays_in_terminal_and_notebook():
    result = Result("00-test", "square", "incorrect", "8 is <not> 9", 0, 1)
    assert "square: incorrect (0/1)" in str(result) and "8 is <not> 9" in str(result)
    assert "&lt;not&gt;" in result._repr_html_()


def test_as_number():
    import numpy as np

    assert as_number(np.float32(0.5), "v") == 0.5
    assert as_number(np.array([0.25]), "v") == 0.25
    for bad in ("0.7", [1, 2], {"a": 1}):
        with pytest.raises(Incorrect, match="single number"):
            as_number(bad, "v")


def test_results_log_skips_garbage(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('not json\n[1]\n{"exercise": "a", "episode": "e", "status": "correct"}\n')
    assert len(results_log.read(path)) == 1


# ---------------------------------------------------------------- carry_on: a stuck learner carries on
def test_carry_on_keeps_a_passing_answer(log):
    namespace = {"v": 9, "n": 3}
    note = square.carry_on(namespace)
    assert (namespace["v"], namespace["n"]) == (9, 3) and "your own answer" in repr(note)


@pytest.mark.parametrize("learners_v, status", [(..., "not done yet"), (8, "not correct yet")])
def test_carry_on_runs_the_worked_solution_in_place_of_a_blank_or_wrong_answer(log, learners_v, status):
    namespace = {"v": learners_v, "n": 4}
    note = square.carry_on(namespace)
    assert namespace["v"] == 16, "the worked solution ran in the learner's namespace"
    assert f"square is {status}" in repr(note) and "`v`" in repr(note), note
    assert not log.exists(), "carry_on never writes a verdict: it earns nothing"


def test_carry_on_reads_the_calling_notebooks_globals(log):
    global v, n
    v, n = ..., 5
    try:
        square.carry_on()
        assert v == 25
    finally:
        del v, n


def test_carry_on_never_reaches_the_room(log, monkeypatch):
    sent = []
    monkeypatch.setattr("helpers.learner.room_client.send", sent.append)
    square.carry_on({"v": ..., "n": 2})
    assert sent == []


def test_carry_on_reuses_the_checks_verdict_on_the_same_objects(log):
    calls = []

    def counting(value, n):
        calls.append(value)
        expect(value == n * n, "no")

    counted = Exercise("00-test", "square", counting)
    answer = 9
    counted.check(answer, 3)
    counted.carry_on({"v": answer, "n": 3})
    assert len(calls) == 1, "the check cell just judged these very objects"
    counted.carry_on({"v": 4.0, "n": 3})  # other objects: judged again, and replaced by the solution
    assert len(calls) == 2


def test_carry_on_without_a_worked_solution_says_so(log, tmp_path, monkeypatch):
    monkeypatch.setattr("helpers.learner.exercises.ANSWERS", str(tmp_path / "none"))  # an assessment bundle
    namespace = {"v": ..., "n": 3}
    note = square.carry_on(namespace)
    assert namespace["v"] is ... and "no worked solution" in repr(note)


def test_carry_on_when_the_solution_cannot_run_is_a_message(log):
    namespace = {"v": ...}  # `n` is missing: the learner skipped the cell that makes it
    note = square.carry_on(namespace)
    assert "could not run here" in repr(note) and "NameError" in repr(note)


def test_carry_on_when_the_answer_passes_but_a_name_it_should_make_is_blank(log, tmp_path, monkeypatch):
    """A learner who ran `fit` without keeping its history: the check passes, the next cell would not."""
    monkeypatch.setattr("helpers.learner.exercises.ANSWERS", str(tmp_path))
    (tmp_path / "00-hist.json").write_text(json.dumps({"exercises": {"square": {
        "prompt": "square n", "hints": ["h"], "solution": "v = n * n\nhistory = [v]", "args": ["v", "n"]}}}))
    namespace = {"v": 9, "n": 3, "history": ...}
    note = Exercise("00-hist", "square", _square_checker).carry_on(namespace)
    assert namespace["history"] == [9] and "passed, but `history` is still blank" in repr(note), note
