"""Grading submissions that really train: the solution notebook, a typical mistake per exercise, partly solved.

All three go through the whole new path (export in a sandboxed kernel, judged outside it); the solution
notebook must keep full marks and every mistake its own message."""

import shutil

import nbformat
import pytest

from helpers.author import build
from tests.instructor.test_grading import EPISODE, grade, looping, points, with_mistakes, write

pytestmark = pytest.mark.grading  # the real solution graded end to end, with a room of mistakes: minutes


def test_solved_partial_and_mistaken_submissions(tmp_path):
    """Partly solved, with a cell that loops forever after exercise 1: the loop is cut off, grading goes on."""
    room = write(tmp_path / "room", {"mistakes": with_mistakes(), "partial_loop": looping(2)})
    shutil.copy(build.VERSIONS["solution"] / f"{EPISODE}.ipynb", room / "solution.ipynb")
    rows, _ = grade(room, tmp_path, "--jobs", "2")
    assert points(rows["solution"]) == [1, 1, 1, 1] and rows["solution"]["status"] == "graded", rows["solution"]
    assert points(rows["mistakes"]) == [0, 0, 0, 0]
    assert points(rows["partial_loop"]) == [1, 1, 0, 0] and "cell timed out" in rows["partial_loop"]["status"]
    feedback = (tmp_path / "feedback" / "mistakes.md").read_text()
    for words in ("'sigmoid' activation", "still trainable", "broadcast", "not below its default"):
        assert words in feedback, words
    partial = (tmp_path / "feedback" / "partial_loop.md").read_text()
    assert "## rmse: unattempted" in partial and "## transfer_head: correct" in partial
    assert nbformat.read(room / "solution.ipynb", 4).metadata["course"]["episode"] == EPISODE
