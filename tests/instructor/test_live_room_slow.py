"""The live room with real parts, slow (``pytest -m room``): 200 learners at once, a server killed
and restarted, a learner's kernel, and the instructor's page in Chromium.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import threading
import time
import uuid

import nbformat
import pytest

from helpers.learner import room_client
from tests.support.live_room_support import ROOT, RoomServer, result, setup, simulate_room
from tests.support.chromium import browser  # noqa: F401  (the fixture)

pytestmark = pytest.mark.room


# -- load -------------------------------------------------------------------------------------------
async def _post(reader, writer, token: str, body: bytes, path: str = "/api/results") -> tuple[int, bytes]:
    """One HTTP/1.1 POST on a kept-alive connection, by hand: the load is the server's, not a client library's."""
    writer.write(f"POST {path} HTTP/1.1\r\nHost: room\r\nAuthorization: Bearer {token}\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def test_200_learners_posting_at_once_lose_nothing(tmp_path):
    """Each learner first posts a set-up check (``doctor --room``; every fourth one not ready), then checks."""
    learners, seconds = 200, 15.0
    acknowledged, refused, latencies = set(), [], []
    setups_acknowledged = set()

    async def learner(server: RoomServer, index: int, stop_at: float):
        learner_id, rng = f"load-{index:04d}-{uuid.uuid4().hex[:8]}", random.Random(index)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        await asyncio.sleep(rng.uniform(0, 1))  # not all in the same millisecond: a room, not a benchmark
        try:
            item = setup(index % 4 != 0)
            body = json.dumps({"learner": {"id": learner_id, "name": f"Learner {index}"}, "setup": item})
            started = time.perf_counter()
            status, answer = await _post(reader, writer, server.join_token, body.encode(), "/api/setup")
            latencies.append(time.perf_counter() - started)
            if status == 200 and json.loads(answer)["stored"] == item["id"]:
                setups_acknowledged.add(item["id"])
            else:
                refused.append(("setup", status))
            await asyncio.sleep(rng.uniform(0.2, 1.0))
            while time.monotonic() < stop_at:
                item = result(exercise=rng.choice(["epoch_times", "freeze_features", "split_by_label"]),
                              status=rng.choice(["correct", "incorrect", "unattempted"]))
                body = json.dumps({"learner": {"id": learner_id, "name": f"Learner {index}"}, "results": [item]})
                started = time.perf_counter()
                try:
                    status, answer = await _post(reader, writer, server.join_token, body.encode())
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    refused.append(repr(exc))
                    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                    continue
                latencies.append(time.perf_counter() - started)
                if status == 200 and json.loads(answer)["stored"] == [item["id"]]:
                    acknowledged.add(item["id"])
                else:
                    refused.append(status)
                await asyncio.sleep(rng.uniform(0.5, 1.5))
        finally:
            writer.close()

    seen_live, seen_setups = set(), set()

    async def instructor(server: RoomServer, done: asyncio.Event):
        """An instructor's page during the load: every acknowledged result must reach it as an event."""
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(f"GET /api/events HTTP/1.1\r\nHost: room\r\nAuthorization: Bearer {server.instructor_token}"
                     "\r\n\r\n".encode())
        await writer.drain()
        try:
            while not (done.is_set() and acknowledged <= seen_live and len(seen_setups) >= len(setups_acknowledged)):
                try:
                    line = await asyncio.wait_for(reader.readline(), timeout=1)
                except asyncio.TimeoutError:
                    if done.is_set():
                        return
                    continue
                if line.startswith(b"data: "):
                    event = json.loads(line[6:])
                    if "result" in event:
                        seen_live.add(event["result"]["id"])
                    elif "setup" in event:
                        seen_setups.add(event["learner"]["id"])
        finally:
            writer.close()

    async def room(server: RoomServer):
        stop_at, done = time.monotonic() + seconds, asyncio.Event()
        page = asyncio.create_task(instructor(server, done))
        await asyncio.sleep(0.2)
        await asyncio.gather(*(learner(server, i, stop_at) for i in range(learners)))
        done.set()
        await asyncio.wait_for(page, timeout=30)

    with RoomServer(tmp_path / "room.sqlite") as server:
        asyncio.run(room(server))
        stored = server.result_ids()
        setups_stored = server.setup_ids()
        state = server.state()
    lost, setups_lost = acknowledged - stored, setups_acknowledged - setups_stored
    live_setups = {s["learner"] for s in state["setups"]} & seen_setups
    p50, p95 = (statistics.quantiles(latencies, n=100)[i] * 1000 for i in (49, 94))
    print(f"\nload: {learners} learners for {seconds:.0f} s: {len(latencies)} posts, {len(acknowledged)} results "
          f"acknowledged, {len(stored)} stored, {len(lost)} lost; {len(setups_acknowledged)} set-up posts "
          f"acknowledged, {len(setups_stored)} stored, {len(setups_lost)} lost; {len(refused)} refused; "
          f"latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(latencies) * 1000:.1f} ms; "
          f"{len(acknowledged & seen_live)} results and {len(live_setups)} set-ups reached an open instructor stream")
    assert not lost and not refused and not setups_lost
    assert acknowledged <= seen_live and len(live_setups) == learners
    assert len(setups_acknowledged) == len(setups_stored) == learners
    assert sum(not s["ready"] for s in state["setups"]) == learners // 4
    assert len(state["learners"]) == learners and state["results"] == len(acknowledged)
    assert len(acknowledged) > learners * seconds / 2  # every learner posted all along (about once a second)
    assert p95 < 1000


# -- a server killed mid-session -----------------------------------------------------------------------
def test_server_killed_mid_session_loses_nothing_acknowledged_and_queued_results_arrive(tmp_path):
    server = RoomServer(tmp_path / "room.sqlite").start()
    acknowledged, stop = set(), threading.Event()

    def poster(index: int):  # learners posting through the kill
        learner_id = f"kill-{index}-{uuid.uuid4().hex[:8]}"
        while not stop.is_set():
            item = result()
            try:
                status, answer = server.post(learner_id, f"Poster {index}", [item])
            except OSError:
                status = None
            if status == 200 and answer["stored"] == [item["id"]]:
                acknowledged.add(item["id"])
            time.sleep(0.05)

    threads = [threading.Thread(target=poster, args=(i,), daemon=True) for i in range(8)]
    for thread in threads:
        thread.start()
    client = room_client.RoomClient(server.join_url, "Queued Ada", tmp_path / "laptop")
    try:
        time.sleep(2)
        server.kill()  # SIGKILL in the middle of the posts
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        before_restart = len(acknowledged)
        assert before_restart > 50
        # The room is down: a learner's checks queue on disk, instantly and silently.
        started = time.perf_counter()
        for status in ("unattempted", "incorrect", "correct"):
            client.enqueue({"episode": "03-mnist", "exercise": "epoch_times", "status": status, "message": status})
        # not a speed test: the queue must not wait for the dead room (a post would take up to
        # room_client.TIMEOUT each), so the bound is one TIMEOUT for all three
        assert time.perf_counter() - started < room_client.TIMEOUT
        time.sleep(1.5)
        assert client.queued() == 3 and "not reachable" in client.last_error
        restarted = RoomServer(server.db, server.port).start()
        try:
            assert (restarted.join_url, restarted.instructor_url) == (server.join_url, server.instructor_url)
            stored = restarted.result_ids()
            lost = acknowledged - stored
            print(f"\nkill -9 mid-session: {len(acknowledged)} results acknowledged before the kill, "
                  f"{len(lost)} lost after restart")
            assert not lost
            deadline = time.monotonic() + 40  # the client's own retry (no nudge): pauses of 1, 2, 4 ... s
            while client.queued() and time.monotonic() < deadline:
                time.sleep(0.2)
            delivered = time.monotonic()
            assert client.queued() == 0, client.last_error
            cells = [c for c in restarted.state()["cells"] if c["learner"] == client.learner_id]
            assert len(cells) == 1 and cells[0]["attempts"] == 3 and cells[0]["status"] == "correct"
            print(f"queued on disk while the room was down: 3 results, delivered "
                  f"{delivered - (deadline - 40):.1f} s after the restart")
        finally:
            restarted.stop()
    finally:
        client.stop()
        stop.set()
        server.kill()


# -- a learner's kernel ----------------------------------------------------------------------------------
def _notebook(*sources: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _outputs_text(nb) -> str:
    return "".join(json.dumps(cell.get("outputs", [])) for cell in nb.cells)


def test_a_learner_kernel_with_course_room_set_sends_its_checks(tmp_path, monkeypatch):
    from tests.support.notebook_runs import run_notebook

    with RoomServer(tmp_path / "room.sqlite") as server:
        monkeypatch.setenv("COURSE_ROOM", server.join_url)
        monkeypatch.setenv("COURSE_ROOM_NAME", "Kernel <b>Ada</b>")
        nb = _notebook("from helpers.learner.exercises import mnist as ex",
                       "ex.epoch_times.check(..., ..., ..., [3.0, 2.0, 2.1], [2.0, 1.0, 1.1])",
                       "ex.epoch_times.check([2.0, 2.1], [1.0, 1.1], 2.05 / 1.05, [3.0, 2.0, 2.1], [2.0, 1.0, 1.1])"
                       "  # the ratio inverted: the classic mistake",
                       "secret_data = [1, 2, 3]\n"
                       "ex.epoch_times.check([2.0, 2.1], [1.0, 1.1], 1.05 / 2.05, [3.0, 2.0, 2.1], [2.0, 1.0, 1.1])")
        work = tmp_path / "work"
        work.mkdir()
        records = run_notebook(nb, work, "quick")
        assert [r["status"] for r in records] == ["unattempted", "incorrect", "correct"]
        deadline = time.monotonic() + 15
        while server.state()["results"] < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        state = server.state()
        (learner,) = state["learners"]
        assert learner["name"] == "Kernel <b>Ada</b>"
        status, timeline = server.request(f"/api/learners/{learner['id']}", server.instructor_token)
        sent = timeline["results"]
        assert [r["status"] for r in sent] == ["unattempted", "incorrect", "correct"]
        assert [r["message"] for r in sent] == [r["message"] for r in records]
        assert "full/frozen" in sent[1]["message"]
        everything = json.dumps(timeline) + server.request("/api/results.csv", server.instructor_token)[1]
        assert "secret_data" not in everything and "[1.0, 1.1]" not in everything
        # Nothing about the room in the notebook: no stderr, no line of ours.
        text = _outputs_text(nb)
        assert "stderr" not in text and "room" not in text.lower()


def test_a_course_notebook_in_a_kernel_with_course_room_set(tmp_path, monkeypatch):
    """Episode 01's learner version (exercises blank), quick profile: each check cell reaches the room.

    (Cells that use a blank answer raise, as they do for a learner who has not written it yet.)"""
    from tests.support.notebook_runs import run_notebook

    with RoomServer(tmp_path / "room.sqlite") as server:
        monkeypatch.setenv("COURSE_ROOM", server.join_url)
        monkeypatch.setenv("COURSE_ROOM_NAME", "Episode reader")
        nb = nbformat.read(ROOT / "episodes" / "01-iris-cost.ipynb", as_version=4)
        records = run_notebook(nb, tmp_path, "quick", allow_errors=True)
        assert records and {r["status"] for r in records} == {"unattempted"}
        deadline = time.monotonic() + 15
        while server.state()["results"] < len(records) and time.monotonic() < deadline:
            time.sleep(0.2)
        cells = server.state()["cells"]
        assert sorted(c["exercise"] for c in cells) == sorted({r["exercise"] for r in records})
        assert server.state()["results"] == len(records)
        assert all(c["status"] == "unattempted" for c in cells)
        assert "room" not in _outputs_text(nb).lower()


# -- the instructor's page in Chromium ---------------------------------------------------------------------
def test_instructor_page_shows_results_live_without_reload(tmp_path, browser):
    shots = ROOT / "tests" / "browser" / "_screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with RoomServer(tmp_path / "room.sqlite") as server:
        simulate_room(server, 30)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.instructor_url)
        assert page.url == server.base + "/instructor"  # the token left the address bar
        page.wait_for_selector("#grid tbody tr:nth-child(30)")
        page.wait_for_selector("#live.on")
        fits = """() => ({
            page: document.documentElement.scrollHeight <= window.innerHeight,
            grid: document.getElementById('grid-wrap').scrollHeight <= document.getElementById('grid-wrap').clientHeight})"""
        assert page.evaluate(fits) == {"page": True, "grid": True}, "30 learners must fit on one screen"
        page.set_viewport_size({"width": 1280, "height": 720})  # a small projector
        page.wait_for_timeout(300)
        assert page.evaluate(fits) == {"page": True, "grid": True}, "30 learners must fit on 1280x720 too"
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.evaluate("window.__sameDocument = true")

        # A new learner with a hostile name, then a result for them: both appear, as text, without a reload.
        hostile = "<img src=x onerror=window.__pwned=1>"
        assert server.post("live-1234-abcd", hostile, [result("01-iris-cost", "rmse", "incorrect",
                                                              "Your RMSE is <b>on the training data</b>.")])[0] == 200
        row = page.locator("#grid tbody tr", has=page.locator("th.name", has_text=hostile))
        row.wait_for(timeout=10_000)
        cell = row.locator('td[data-exercise="rmse"]')
        assert "incorrect" in cell.get_attribute("class")
        assert "<b>on the training data</b>" in cell.get_attribute("title")
        # The learner fixes it; this time the result goes through the learner's own client, as from a notebook.
        client = room_client.RoomClient(server.join_url, hostile, tmp_path / "laptop", learner_id="live-1234-abcd")
        client.enqueue({"episode": "01-iris-cost", "exercise": "rmse", "status": "correct", "message": "Well done."})
        page.wait_for_function("""() => [...document.querySelectorAll('#grid tbody th.name')]
            .find(th => th.textContent.startsWith('<img'))?.parentElement
            .querySelector('td[data-exercise="rmse"]').classList.contains('correct')""", timeout=10_000)
        # New exercises get columns of their own, live, in the course's order (not the order they arrived in):
        # the first exercise of two later episodes, the later one first.
        (early, early_exercise), (late, late_exercise) = _first_exercises_of_later_episodes()
        assert server.post("live-1234-abcd", hostile, [result(late, late_exercise, "incorrect", "Slower.")])[0] == 200
        page.wait_for_selector(f'#grid thead th[title="{late} / {late_exercise}"]', timeout=10_000)
        assert server.post("live-1234-abcd", hostile, [result(early, early_exercise, "correct", "Yes.")])[0] == 200
        page.wait_for_selector(f'#grid thead th[title="{early} / {early_exercise}"]', timeout=10_000)
        columns = [th.get_attribute("title") for th in page.locator("#grid thead th[title]").all()]
        assert columns[-2:] == [f"{early} / {early_exercise}", f"{late} / {late_exercise}"]
        assert page.evaluate("window.__sameDocument === true && window.__pwned === undefined")
        assert page.locator("#grid img").count() == 0
        assert page.locator("#counts").text_content().startswith("31 learners")

        # Stuck counts and common mistakes; a learner's timeline; the CSV.
        stuck = page.locator('tfoot tr:nth-child(2) td[data-exercise="transfer_head"]').text_content()
        assert int(stuck) >= 1
        assert "learners on" in page.locator("#messages li").first.text_content()
        page.screenshot(path=str(shots / "room-instructor.png"))
        row.locator("th.name").click()
        page.wait_for_selector("#timeline:not([hidden]) #timeline-list li:nth-child(2)")
        assert page.locator("#timeline-name").text_content().startswith(hostile)
        assert [s.text_content() for s in page.locator("#timeline-list .status").all()] == [
            "incorrect", "correct", "incorrect", "correct"]
        page.screenshot(path=str(shots / "room-timeline.png"))
        page.keyboard.press("Escape")
        client.stop()
        csv_reply = page.request.get(server.base + "/api/results.csv")
        assert csv_reply.status == 200 and hostile in csv_reply.text()
        page.close()
    assert not errors, errors
    assert all(url.startswith(server.base) for url in requests), [u for u in requests if not u.startswith(server.base)]


def _first_exercises_of_later_episodes():
    """(episode, its first exercise) for the second and third episodes: discovered, never listed here."""
    import importlib

    from helpers.learner.checking import exercises_of
    from helpers.learner.exercises import exercise_modules

    modules = exercise_modules()
    return [(episode, next(iter(exercises_of(importlib.import_module(modules[episode])))))
            for episode in sorted(modules)[1:3]]


def test_an_open_page_carries_on_after_the_server_is_killed_and_restarted(tmp_path, browser):
    server = RoomServer(tmp_path / "room.sqlite").start()
    try:
        assert server.post("before-0001-abcd", "Before", [result("01-iris-cost", "rmse", "incorrect", "No.")])[0] == 200
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(server.instructor_url)
        page.wait_for_selector("#live.on")
        page.evaluate("window.__sameDocument = true")
        server.kill()
        page.wait_for_selector("#live.off", timeout=10_000)
        server = RoomServer(server.db, server.port).start()
        page.wait_for_selector("#live.on", timeout=15_000)  # EventSource reconnects; the cookie still opens it
        assert server.post("after-0001-abcd", "After", [result("01-iris-cost", "rmse", "correct", "Yes.")])[0] == 200
        page.wait_for_selector('tr[data-learner="after-0001-abcd"] td.correct', timeout=10_000)
        assert page.locator('tr[data-learner="before-0001-abcd"] td.incorrect').count() == 1
        assert page.evaluate("window.__sameDocument === true")
        page.close()
    finally:
        server.stop()


def test_an_event_that_arrives_while_the_state_is_loading_is_not_lost(tmp_path, browser):
    """The page reloads the whole state when its stream (re)opens. A check that lands after the server read that state
    but before the page applied it comes as an event: the stale state must not wipe it out (CI saw this race once)."""
    with RoomServer(tmp_path / "room.sqlite") as server:
        assert server.post("early-0001-abcd", "Early", [result("01-iris-cost", "rmse", "incorrect", "No.")])[0] == 200
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        loads = []

        def stale_state(route):
            loads.append(route.request.url)
            reply = route.fetch()  # the server's state, read now: before the check below
            if len(loads) == 2:  # the load the stream's opening starts
                assert server.post("late-0001-abcd", "Late", [result("01-iris-cost", "rmse", "correct", "Yes.")])[0] == 200
                time.sleep(1.0)  # the check's event reaches the page while this state is still on its way
            route.fulfill(response=reply)

        page.route("**/api/state", stale_state)
        page.goto(server.instructor_url)
        for _ in range(100):  # the stale state has been handed to the page
            if len(loads) >= 2:
                break
            page.wait_for_timeout(100)
        page.wait_for_timeout(1_000)  # and applied
        assert len(loads) >= 2, loads
        assert page.locator('tr[data-learner="late-0001-abcd"] td.correct').count() == 1
        assert page.locator('tr[data-learner="early-0001-abcd"] td.incorrect').count() == 1
        page.close()


def test_no_progress_for_m_minutes_counts_as_stuck(tmp_path, browser):
    """A first failing check, then nothing passed for M minutes: the exercise's stuck count says so."""
    with RoomServer(tmp_path / "room.sqlite", None, "--stuck-minutes", "0.02", "--stuck-after", "9") as server:
        assert server.post("slow-0001-abcd", "Slow", [result("01-iris-cost", "rmse", "incorrect", "Not yet.")])[0] == 200
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(server.instructor_url)
        page.wait_for_selector("#live.on")
        time.sleep(1.5)  # more than 0.02 minutes since the first failing check
        assert server.post("fast-0001-abcd", "Fast", [result("01-iris-cost", "rmse", "correct", "Well done.")])[0] == 200
        page.wait_for_function("""() => document.querySelector('tfoot tr:nth-child(2) td[data-exercise="rmse"]')
            ?.textContent === '1'""", timeout=10_000)
        page.close()


def test_screenshot_of_a_room_of_30(tmp_path, browser):
    from tests.screenshots.live_room_screenshot import screenshot

    out = ROOT / "tests" / "browser" / "_screenshots" / "room-30-learners.png"
    measured = screenshot(browser, out)
    assert measured == {"rows": 30, "pageScrolls": False, "gridScrolls": False}
    assert out.stat().st_size > 20_000
