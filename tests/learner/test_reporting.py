"""check() reaches its listeners (the live room's client among them) without knowing them, and none can break it."""

import os
import subprocess
import sys

import pytest

from helpers.learner import reporting
from helpers.learner.checking import Exercise, expect


def _checker(value):
    expect(value == 42, "Not 42.")


answer = Exercise("00-test", "answer", _checker)


@pytest.fixture
def heard(monkeypatch, tmp_path):
    """A listener that keeps what it hears, registered for one test (the registry is restored after it)."""
    monkeypatch.setenv("COURSE_RESULTS", str(tmp_path / "log.jsonl"))
    monkeypatch.setattr(reporting, "_listeners", [])
    records = []
    reporting.listen(records.append)
    return records


def test_each_check_is_reported_once_to_each_listener(heard):
    reporting.listen(heard.append)  # registered twice: still heard once
    answer.check(41)
    answer.check(42)
    assert [(r["exercise"], r["status"]) for r in heard] == [("answer", "incorrect"), ("answer", "correct")]


def test_a_listener_that_fails_costs_the_check_nothing(heard):
    def broken(record):
        raise OSError("disk full")

    reporting.listen(broken)
    reporting.forget(heard.append)
    assert answer.check(42).status == "correct"
    reporting.forget(broken)
    assert answer.check(42).passed and heard == []  # forgotten: no longer called


def test_joining_a_room_registers_the_room_client(monkeypatch, tmp_path):
    from helpers.learner import room_client

    monkeypatch.setattr(reporting, "_listeners", [])
    monkeypatch.setenv("COURSE_RESULTS", str(tmp_path / "log.jsonl"))
    monkeypatch.setattr(room_client.RoomClient, "reachable", lambda self, timeout=0: False)
    monkeypatch.setattr(room_client, "_client", None)  # the process-wide client, as it was, after the test
    monkeypatch.setattr(room_client, "_from_environment_tried", False)
    try:
        room_client.join(f"http://127.0.0.1:9/join/{'j' * 32}", name="Listener")
        assert reporting._listeners == [room_client.send]
    finally:
        room_client.leave()


def test_a_kernel_with_course_room_set_listens_from_its_first_check():
    """``COURSE_ROOM`` in the environment: importing the check engine is enough (as in a learner's kernel)."""
    env = {**os.environ, "COURSE_ROOM": f"http://127.0.0.1:9/join/{'k' * 32}"}
    code = ("from helpers.learner import checking, reporting, room_client\n"
            "print(reporting._listeners == [room_client.send])")
    without = {k: v for k, v in env.items() if k != "COURSE_ROOM"}
    code_without = "from helpers.learner import checking, reporting\nprint(reporting._listeners)"
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip() == "True"
    assert subprocess.run([sys.executable, "-c", code_without], env=without, capture_output=True,
                          text=True).stdout.strip() == "[]"
