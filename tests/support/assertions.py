"""What every check test asserts of a result: its status, the words its message must contain, its points."""


def assert_status(result, status, *words):
    assert result.status == status, str(result)
    for word in words:
        assert word.lower() in result.message.lower(), f"{word!r} not in: {result.message}"
    assert result.points == (result.max_points if status == "correct" else 0)
