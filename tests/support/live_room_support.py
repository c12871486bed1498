"""Shared by the live room's tests and its screenshot script: a real server in a subprocess, posts, a simulated room.

The server is ``python -m helpers room serve`` itself, on 127.0.0.1 and a free port, with its own
database; its printed URLs are how the tests learn the tokens, as an instructor would.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

from helpers.learner.paths import ROOT
from tests.support.chromium import free_port  # noqa: F401  (the tests import it from here)


class RoomServer:
    """``room serve`` in a subprocess: its URLs and tokens, start/kill/restart on the same database."""

    def __init__(self, db: Path, port: int | None = None, *extra: str, host: str = "127.0.0.1"):
        self.db, self.port, self.extra, self.host = Path(db), port or free_port(), extra, host
        self.process: subprocess.Popen | None = None
        self.output = ""

    def start(self, timeout: float = 30) -> "RoomServer":
        log = self.db.with_suffix(f".{time.monotonic_ns()}.log")
        self.log = log
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "helpers", "room", "serve", "--host", self.host, "--port", str(self.port),
                 "--db", str(self.db), *self.extra],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + timeout
        while True:
            self.output = log.read_text()
            join = re.search(r"Join URL.*?(http://\S+)", self.output)
            instructor = re.search(r"Instructor URL.*?(http://\S+)", self.output)
            if join and instructor and self._answers(join.group(1)):
                break
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"room serve did not start:\n{self.output}")
            time.sleep(0.1)
        self.join_url, self.instructor_url = join.group(1), instructor.group(1)
        self.base = f"http://127.0.0.1:{self.port}"
        self.join_token = self.join_url.rsplit("/", 1)[1]
        self.instructor_token = self.instructor_url.split("token=", 1)[1]
        return self

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            with urllib.request.urlopen(url.replace("0.0.0.0", "127.0.0.1"), timeout=2) as reply:
                return reply.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a laptop's process is killed."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- requests ---------------------------------------------------------------------------------
    def request(self, path: str, token: str | None = None, body: bytes | None = None, method: str | None = None,
                content_type: str = "application/json", headers: dict | None = None, timeout: float = 10):
        """``(status, decoded body)`` of one request; the token goes in an Authorization header."""
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            all_headers.setdefault("Content-Type", content_type)
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                status, raw, kind = reply.status, reply.read(), reply.headers.get("content-type", "")
        except urllib.error.HTTPError as refused:
            status, raw, kind = refused.code, refused.read(), refused.headers.get("content-type", "")
        return status, (json.loads(raw) if "json" in kind and raw else raw.decode("utf-8", "replace"))

    def post(self, learner_id: str, name: str, results: list[dict], token: str | None = None):
        body = json.dumps({"learner": {"id": learner_id, "name": name}, "results": results}).encode()
        return self.request("/api/results", token or self.join_token, body)

    def post_setup(self, learner_id: str, name: str, setup: dict, token: str | None = None, **extra):
        """A set-up check's post (``doctor --room``), with ``extra`` top-level fields when a test wants them."""
        body = json.dumps({"learner": {"id": learner_id, "name": name}, "setup": setup, **extra}).encode()
        return self.request("/api/setup", token or self.join_token, body)

    def state(self) -> dict:
        status, state = self.request("/api/state", self.instructor_token)
        assert status == 200, state
        return state

    def result_ids(self) -> set[str]:
        """Every stored result's id, read straight from the database (a reader beside the server, as WAL allows)."""
        import sqlite3

        db = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return {row[0] for row in db.execute("SELECT id FROM results")}
        finally:
            db.close()

    def setup_ids(self) -> set[str]:
        """Every stored set-up run's id, from the database as :meth:`result_ids` reads it."""
        import sqlite3

        db = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return {row[0] for row in db.execute("SELECT id FROM setups")}
        finally:
            db.close()


def result(episode="03-mnist", exercise="epoch_times", status="incorrect", message="A frozen epoch took longer.",
           when: datetime | None = None) -> dict:
    return {"id": uuid.uuid4().hex, "episode": episode, "exercise": exercise, "status": status, "message": message,
            "time": (when or datetime.now(timezone.utc)).isoformat(timespec="seconds")}


def setup(ready: bool = True, problem: str = "", **fields) -> dict:
    """A valid set-up post's ``setup`` object, as ``setup_check.payload`` makes them (``fields`` override)."""
    return {"id": uuid.uuid4().hex, "time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "ready": ready,
            "problem": "" if ready else (problem or "seaborn cannot be imported (ModuleNotFoundError): in the course's "
                                         "environment (activate it first), run `pip install -r requirements.lock`."),
            "os": "Linux 6.1 x86_64", "python": "3.11.7", "tensorflow": "2.21.0", "keras": "3.15.1",
            "cached": ["fashion_mnist", "mnist_subset"], **fields}


# Problems the set-up check really reports (helpers.learner.setup_check), for simulated rooms.
SETUP_PROBLEMS = [
    "tensorflow cannot be imported (ModuleNotFoundError): in the course's environment (activate it first), "
    "run `pip install -r requirements.lock`.",
    "Python 3.14.0 is not one TensorFlow supports (3.10 to 3.13): make the course's environment with Python 3.11 "
    "and run `pip install -r requirements.lock` in it, or use the Colab or Binder link on the course's page.",
    "Check results cannot be logged (PermissionError): make its folder writable, or set COURSE_RESULTS to a file "
    "in a folder you can write (e.g. in your home folder).",
    "Only 0.6 GB of disk is free where Keras' cache lives; the course needs about 1 GB: delete files you do not "
    "need, or set KERAS_HOME to a folder on a larger disk.",
]


def simulate_setups(server: "RoomServer", learners: int = 30, seed: int = 2, never: int = 3,
                    not_ready: int = 5) -> list[str]:
    """The evening before a workshop: most of the room ran the set-up check and is ready, a few are not
    (each with a real problem sentence), ``never`` never ran it (they show up with their first check).
    Returns the learners' ids."""
    rng = random.Random(seed)
    ids = [f"sim-{i:04d}-{uuid.uuid4().hex[:8]}" for i in range(learners)]
    for i, learner_id in enumerate(ids[: learners - never]):
        name = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i // len(NAMES) + 1}")
        if i % (learners // max(not_ready, 1)) == 1 and not_ready:
            item = setup(False, SETUP_PROBLEMS[i % len(SETUP_PROBLEMS)], cached=[])
        else:
            cached = sorted(rng.sample(["mnist", "fashion_mnist", "cifar10", "mnist_subset"], rng.randint(1, 4)))
            item = setup(True, cached=cached, os=rng.choice(["Linux 6.1 x86_64", "macOS 14.5 arm64", "Windows 11 AMD64"]))
        status, answer = server.post_setup(learner_id, name, item)
        assert status == 200, answer
    for i, learner_id in enumerate(ids[learners - never:], start=learners - never):  # joined from a notebook only
        name = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i // len(NAMES) + 1}")
        status, answer = server.post(learner_id, name, [result("01-iris-cost", "build_classifier", "unattempted",
                                                               "Not attempted yet.")])
        assert status == 200, answer
    return ids


NAMES = ["Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret",
         "Claude", "Radia", "Dennis", "Shafi", "Tim", "Hedy", "Ken", "Sophie", "Linus", "Karen", "Guido",
         "Anita", "Yukihiro", "Jean", "Niklaus", "Lynn", "Bjarne", "Mary", "Leslie", "Annie"]
# Episode 01's exercises with mistakes its checks really report (shortened).
SCRIPT = [
    ("01-iris-cost", "build_classifier", ["`classifier` reaches 61% accuracy on the test flowers; aim for 90%: "
                                          "train longer (more epochs) or check the learning rate."]),
    ("01-iris-cost", "transfer_head", ["Frozen layers still move: compile the model again after freezing.",
                                       "The new head should have one unit without activation (a regression)."]),
    ("01-iris-cost", "rmse", ["Your RMSE is on the training data; compute it on the test set."]),
    ("01-iris-cost", "fine_tune", ["Fine-tuning used Adam's default rate 1e-3: use a rate 10 times smaller."]),
]


def simulate_room(server: RoomServer, learners: int = 30, seed: int = 1, pause: float = 0.0,
                  ids: list[str] | None = None) -> None:
    """A plausible workshop: learners at different exercises, some stuck, each check a real post.

    The room is played in rounds, one exercise per round, ``pause`` seconds apart, so the page's
    progress lines have a shape. ``ids``: the learners' ids (e.g. those :func:`simulate_setups` used).
    """
    rng = random.Random(seed)
    people = []
    for i in range(learners):
        learner_id = ids[i] if ids else f"sim-{i:04d}-{uuid.uuid4().hex[:8]}"
        name = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i // len(NAMES) + 1}")
        people.append((learner_id, name, rng.choices(range(len(SCRIPT) + 1), weights=[1, 3, 5, 4, 2])[0]))
    for step, (episode, exercise, mistakes) in enumerate(SCRIPT):
        if step and pause:
            time.sleep(pause)
        for learner_id, name, reached in people:
            if step > reached:
                continue
            results = [result(episode, exercise, "unattempted", "Not attempted yet.")]
            tries = rng.choice([0, 1, 2, 4, 5] if step == 1 else [0, 1, 1, 2])
            results += [result(episode, exercise, "incorrect", rng.choice(mistakes)) for _ in range(tries)]
            if step < reached:
                results.append(result(episode, exercise, "correct", "Well done."))
            status, answer = server.post(learner_id, name, results)
            assert status == 200, answer
