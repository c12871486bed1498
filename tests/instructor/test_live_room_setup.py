"""The set-up check with real parts, slow (``pytest -m room``): learners' ``doctor --room`` processes, a room
process, the instructor's page in Chromium, ``room.check_setup()`` from a joined session, and what a room
that is absent or down costs ``doctor``, measured."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import pytest

from tests.support.live_room_support import ROOT, RoomServer, free_port
from tests.support.chromium import browser  # noqa: F401  (the fixture)

pytestmark = pytest.mark.room
SHOTS = ROOT / "tests" / "browser" / "_screenshots"


def _learner_env(home, **extra) -> dict:
    """A learner's shell: their own results folder (and so their own laptop id), no room in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_ROOM") and k != "PYTEST_CURRENT_TEST"}
    return {**env, "COURSE_RESULTS": str(home / "results.jsonl"), **extra}


def _doctor(*args: str, env: dict) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "helpers", "doctor", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.stderr == "", done.stderr
    return done.returncode, done.stdout, time.monotonic() - started


def _shadowed(folder, package: str = "seaborn"):
    """A folder that, first on PYTHONPATH, makes ``package`` unimportable (a broken install, as learners have them)."""
    (folder / package).mkdir(parents=True)
    (folder / package / "__init__.py").write_text("raise ImportError('a broken install, on purpose')\n")
    return folder


def _setup_cell(page, name: str):
    row = page.locator("#grid tbody tr", has=page.locator("th.name", has_text=name))
    return row.locator("td[data-setup]")


def test_two_learners_set_up_check_shows_ready_and_not_ready_then_the_repair_turns_green_live(tmp_path, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    ada, bo = tmp_path / "ada", tmp_path / "bo"
    with RoomServer(tmp_path / "room.sqlite") as server:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.instructor_url)
        page.wait_for_selector("#live.on")
        assert page.locator("#ready").text_content() == "0 of 0 ready"
        page.evaluate("window.__sameDocument = true")

        # Two laptops at once: Ada's is the course's environment, Bo's has a package that does not import.
        room = ["--room", server.join_url, "--name"]
        command = [sys.executable, "-m", "helpers", "doctor"]
        learners = [subprocess.Popen(command + room + [name], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
                    for name, env in (("Ada", _learner_env(ada)),
                                      ("Bo", _learner_env(bo, PYTHONPATH=str(_shadowed(tmp_path / "broken")))))]
        (ada_out, ada_err), (bo_out, bo_err) = (p.communicate(timeout=300) for p in learners)
        assert [p.returncode for p in learners] == [0, 1] and ada_err == bo_err == "", ada_err + bo_err
        assert "Sent to the room" in ada_out and "the instructor sees you as ready" in ada_out
        assert "ok          a tiny Keras model trained 5 epochs" in ada_out
        assert "an exercise check (01 rmse) runs: correct for a right answer, incorrect for a wrong one" in ada_out
        verdict = [line for line in bo_out.splitlines() if line.startswith("Not ready: ")]
        assert verdict == ["Not ready: seaborn cannot be imported (ImportError: a broken install, on purpose): in the "
                           "course's environment (activate it first), run `pip install -r requirements.lock`."]
        assert "the instructor sees you as not ready" in bo_out

        # Chromium: a ✓ for Ada, a ✗ for Bo with the reason on hover, and the count; no reload.
        _setup_cell(page, "Ada").and_(page.locator(".ready")).wait_for(timeout=10_000)
        _setup_cell(page, "Bo").and_(page.locator(".not-ready")).wait_for(timeout=10_000)
        assert _setup_cell(page, "Ada").text_content() == "✓" and _setup_cell(page, "Bo").text_content() == "✗"
        title = _setup_cell(page, "Bo").get_attribute("title")
        assert title.startswith("Bo: set-up not ready: seaborn cannot be imported (ImportError): in the course's "
                                "environment (activate it first), run `pip install -r requirements.lock`.")
        assert "Python 3." in title and "TensorFlow 2." in title and "full profile offline: 01, 02" in title
        assert "Ada: set-up ready" in _setup_cell(page, "Ada").get_attribute("title")
        assert page.locator("#ready").text_content() == "1 of 2 ready"
        page.screenshot(path=str(SHOTS / "room-setup-before-repair.png"))

        # Bo repairs the install (the shadowing package goes) and runs the check again: green, live.
        code, out, _ = _doctor(*room, "Bo", env=_learner_env(bo))
        assert code == 0 and "the instructor sees you as ready" in out
        _setup_cell(page, "Bo").and_(page.locator(".ready")).wait_for(timeout=10_000)
        assert page.locator("#ready").text_content() == "2 of 2 ready"
        assert page.locator("#grid tbody tr").count() == 2  # the same row turned green: the same laptop id
        assert page.evaluate("window.__sameDocument === true")
        page.screenshot(path=str(SHOTS / "room-setup-after-repair.png"))

        # Bo's timeline lists both runs; the CSV carries them.
        page.locator("#grid tbody th.name", has_text="Bo").click()
        page.wait_for_selector("#timeline:not([hidden]) #timeline-list li:nth-child(2)")
        assert [s.text_content() for s in page.locator("#timeline-list .status").all()] == ["not ready", "ready"]
        assert page.locator("#timeline-name").text_content() == "Bo: 0 checks, 2 set-up runs"
        csv_text = page.request.get(server.base + "/api/results.csv").text()
        assert csv_text.count(",set-up,") == 3 and ",Bo," in csv_text and "seaborn cannot be imported" in csv_text
        page.close()
        # Nothing from the laptops but the fields: no folder of theirs reached the room.
        everything = server.request("/api/state", server.instructor_token)[1]
        assert str(tmp_path) not in str(everything) and str(tmp_path) not in csv_text
    assert not errors, errors


def test_check_setup_from_a_joined_session_sends_the_verdict(tmp_path, monkeypatch, capsys):
    from helpers import room
    from helpers.learner import room_client

    monkeypatch.setenv("COURSE_RESULTS", str(tmp_path / "results.jsonl"))
    monkeypatch.setattr(room_client, "_client", None)
    with RoomServer(tmp_path / "room.sqlite") as server:
        try:
            room.join(server.join_url, name="Notebook Nia")
            said = str(room.check_setup())
        finally:
            room.leave()
        assert said == f"Sent to the room at {server.base} as 'Notebook Nia': the instructor sees you as ready."
        assert capsys.readouterr().out.splitlines()[-1].startswith("Ready")  # the report, printed in the cell
        (setup,) = server.state()["setups"]
        assert setup["ready"] is True and setup["tensorflow"].startswith("2.")
    assert "nothing was sent" in str(room.check_setup())


def _report_lines(text: str) -> list[str]:
    """The report without what changes from run to run (timings, free memory) and without the room's line."""
    lines = [line for line in text.splitlines() if not line.startswith(("Not sent", "Sent to the room"))]
    return [re.sub(r"\d+(\.\d+)?", "N", line) for line in lines]


def test_doctor_with_no_room_or_a_room_that_is_down_reports_and_exits_as_plain_doctor_within_3_s(
        tmp_path, monkeypatch, capsys):
    """``python -m helpers doctor`` is ``sys.exit(main([...]))``: timed here in one process, after a first
    (discarded) run has imported everything, so what differs between the runs is the room and the
    machine's load, not TensorFlow's import (a doctor subprocess took 60 to 106 s on 2 cores shared with
    other work; their spread alone is far above 3 s)."""
    from helpers.cli import main

    monkeypatch.setenv("COURSE_RESULTS", str(tmp_path / "results.jsonl"))
    monkeypatch.delenv("COURSE_ROOM", raising=False)
    hung = socket.create_server(("127.0.0.1", 0))  # a room that is down: it takes the connection, never answers
    hung.listen(16)

    def doctor(*args):
        started = time.monotonic()
        code = main(["doctor", *args])
        return code, capsys.readouterr().out, time.monotonic() - started

    try:
        doctor()  # imports, and the smoke test's one fit per process
        plain = doctor()
        nobody = doctor("--room", f"http://127.0.0.1:{free_port()}/join/{'t' * 32}", "--name", "Nobody")
        down = doctor("--room", f"http://127.0.0.1:{hung.getsockname()[1]}/join/{'h' * 32}", "--name", "Down")
        again = doctor()
    finally:
        hung.close()
    slowest_plain = max(plain[2], again[2])
    print(f"\ndoctor: plain {plain[2]:.1f} s and {again[2]:.1f} s; --room with nothing listening {nobody[2]:.1f} s, "
          f"with a room that never answers {down[2]:.1f} s; exit status {plain[0]}, {again[0]}, {nobody[0]}, {down[0]}",
          file=sys.stderr)
    assert plain[0] == again[0] == nobody[0] == down[0]
    for code, out, _ in (nobody, down):
        assert _report_lines(out) == _report_lines(plain[1])  # the same report, ending in the same verdict
        assert out.splitlines()[-1].startswith("Not sent: the room at http://127.0.0.1:")
        assert "run the check again when the room is up" in out.splitlines()[-1]
    assert "timed out" in down[1].splitlines()[-1]
    assert nobody[2] - slowest_plain < 3 and down[2] - slowest_plain < 3


def test_screenshot_of_a_room_before_the_workshop(browser):
    from tests.screenshots.live_room_setup_screenshot import screenshot

    out = SHOTS / "room-setup.png"
    measured = screenshot(browser, out)
    assert measured["rows"] == 30 and measured["ready"] == "22 of 30 ready" and not measured["pageScrolls"]
    assert measured["notReady"] == 5 and measured["never"] == 3
    assert out.stat().st_size > 20_000
