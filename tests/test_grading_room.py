"""Grading submissions that really train: solved, with a typical mistake per exercise, partly solved."""

from tests.test_grading import grade, looping, points, solved, with_mistakes, write


def test_solved_partial_and_mistaken_submissions(tmp_path):
    """Partly solved, with a cell that loops forever after exercise 1: the loop is cut off, grading goes on."""
    room = write(tmp_path / "room", {"solved": solved(), "mistakes": with_mistakes(), "partial_loop": looping(2)})
    rows, _ = grade(room, tmp_path, "--jobs", "2", "--timeout", "40")
    assert points(rows["solved"]) == [1, 1, 1, 1] and rows["solved"]["status"] == "graded"
    assert points(rows["mistakes"]) == [0, 0, 0, 0]
    assert points(rows["partial_loop"]) == [1, 1, 0, 0] and "cell timed out" in rows["partial_loop"]["status"]
    feedback = (tmp_path / "feedback" / "mistakes.md").read_text()
    for words in ("'sigmoid' activation", "still trainable", "broadcast", "not below its default"):
        assert words in feedback, words
    partial = (tmp_path / "feedback" / "partial_loop.md").read_text()
    assert "## rmse: unattempted" in partial and "## transfer_head: correct" in partial
