"""Sending check results to an instructor's live room, in the background, never in the learner's way.

A learner opts in, with ``room.join("<join URL>", name="Ada")`` in a cell (``from helpers import
room``) or ``COURSE_ROOM=<join URL>`` (and ``COURSE_ROOM_NAME``) in the environment. From then on
:func:`send`, which ``Exercise.check`` calls, records each result. What leaves the laptop is only
this: the chosen name, a random id of this laptop's course folder (so two learners who pick the
same name stay two rows), and per check its episode, exercise, status, short message and time.
Never code, data, variables or files: :func:`outgoing` is the whole list, and it copies fields by
name rather than passing the check's record on.

A learner's set-up check (``python -m helpers doctor --room <join URL>``, or :func:`check_setup`
in a notebook) sends the room its verdict once, straight away (:meth:`RoomClient.send_setup`): ready
or not, the first problem in a sentence, the operating system, the Python, TensorFlow and Keras
versions and which course resources are cached (``helpers.learner.setup_check.payload``), and
nothing else.

A check must never wait for the room, fail because of it, or print anything about it. So
:func:`send` only appends to a queue file (bounded: the newest :data:`QUEUE_LIMIT` results) and
wakes a daemon thread, which posts batches with a short timeout and removes a result from the
queue only once the room has acknowledged storing it. While the room is unreachable the queue
waits on disk (it survives a kernel restart) and the thread retries with growing pauses; results
arrive when the room is back. Errors go to :func:`status`, never to the notebook.

This module uses only the standard library (``urllib``): joining a room installs nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from helpers.learner import reporting, results_log
from helpers.learner import room_format as wire
from helpers.learner.room_format import MAX_MESSAGE  # noqa: F401  (characters of a check's message that are sent)

QUEUE_LIMIT = 500        # results kept on disk while the room is unreachable (the oldest go first)
BATCH = wire.MAX_RESULTS_PER_POST           # results per post (the server's limit)
BATCH_BYTES = wire.MAX_BODY_BYTES * 3 // 4  # and bytes per post, well below the server's body limit
TIMEOUT = 2.0            # seconds a post may take before it counts as failed
MAX_PAUSE = 30.0         # longest pause between retries while the room is unreachable
_JOIN_PATH = re.compile(r"^(?P<prefix>.*)/join/(?P<token>[A-Za-z0-9_-]{16,128})/?$")

try:  # one sender at a time per queue file, across kernels on the same laptop
    import fcntl
    msvcrt = None
except ImportError:  # Windows: lock the lock file's first byte instead
    fcntl = None
    import msvcrt


def folder() -> Path:
    """Where the queue and this laptop's room id live: beside the results log."""
    return results_log.log_path().parent / "room"


def parse_join_url(url: str) -> tuple[str, str]:
    """``(base URL, join token)`` from a join URL such as ``http://10.0.0.5:8765/join/<token>``."""
    if not isinstance(url, str):
        raise ValueError("The join URL must be a string, e.g. \"http://10.0.0.5:8765/join/...\".")
    parts = urlsplit(url.strip())
    match = _JOIN_PATH.match(parts.path)
    if parts.scheme not in ("http", "https") or not parts.netloc or not match:
        raise ValueError(f"{url!r} is not a room's join URL (it looks like http://HOST:PORT/join/TOKEN); "
                         "copy it again from the instructor.")
    return f"{parts.scheme}://{parts.netloc}{match['prefix']}", match["token"]


def clean_name(name) -> str:
    text = wire.BIDI.sub("", wire.without_controls(str(name).replace("\n", " ").replace("\t", " ")))
    text = text.strip()[:wire.MAX_NAME]
    if not text:
        raise ValueError("Choose a name to show the instructor, e.g. room.join(url, name=\"Ada\").")
    return text


def outgoing(record: dict) -> dict:
    """What is sent for one check result: :data:`~helpers.learner.room_format.RESULT_FIELDS`, nothing else."""
    message = wire.without_controls(str(record.get("message", "")), keep=wire.MESSAGE_WHITESPACE)
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE - 1] + "…"
    return {"id": uuid.uuid4().hex, "episode": str(record.get("episode", "?")),
            "exercise": str(record.get("exercise", "?")), "status": str(record.get("status", "error")),
            "message": message, "time": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _laptop_id(where: Path) -> str:
    """This laptop's course folder's random id, kept in ``where``.

    Where that folder cannot be written (a set-up check that fails for that very reason), the id is
    a hash of the folder and the machine's hardware address instead: opaque, and the same on every
    run while the folder stays unwritable, so repeated checks stay one row in the room."""
    path = where / "client-id"
    with contextlib.suppress(OSError):
        text = path.read_text().strip()
        if re.fullmatch(r"[0-9a-f]{32}", text):
            return text
    text = uuid.uuid4().hex
    try:
        where.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError:
        return hashlib.sha256(f"{where.resolve()} {uuid.getnode()}".encode()).hexdigest()[:32]
    return text


def _first_fitting(items: list[dict]) -> list[dict]:
    """The longest first part of ``items`` whose post stays under BATCH_BYTES (at least one item)."""
    size = 0
    for n, item in enumerate(items):
        size += len(json.dumps(item)) + 2
        if size > BATCH_BYTES and n:
            return items[:n]
    return items


class RoomClient:
    """One room joined: a queue file on disk and the daemon thread that empties it."""

    def __init__(self, url: str, name: str, where: Path | None = None, learner_id: str | None = None):
        self.base, self.token = parse_join_url(url)
        self.url, self.name = url.strip(), clean_name(name)
        self.folder = Path(where) if where is not None else folder()
        self.learner_id = learner_id or _laptop_id(self.folder)
        key = hashlib.sha256(f"{self.base} {self.token}".encode()).hexdigest()[:16]
        self.queue_path = self.folder / f"queue-{key}.jsonl"
        self.sent, self.last_error, self.last_sent = 0, None, None
        self._known = None  # ((size, mtime) of the queue file, its number of lines) after our last write
        self._lock = threading.Lock()
        self._wake, self._stopped = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    # -- the queue (called from the learner's thread: quick, silent) ----------------------------
    @contextlib.contextmanager
    def _locked(self):
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(self.folder / "queue.lock", "a+") as lock:
                if fcntl is not None:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                else:
                    lock.seek(0)
                    msvcrt.locking(lock.fileno(), msvcrt.LK_LOCK, 1)  # retries for 10 s, then OSError
                try:
                    yield
                finally:
                    if fcntl is not None:
                        fcntl.flock(lock, fcntl.LOCK_UN)
                    else:
                        lock.seek(0)
                        msvcrt.locking(lock.fileno(), msvcrt.LK_UNLCK, 1)

    def _read(self) -> list[dict]:
        try:
            lines = self.queue_path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        items = []
        for line in lines:
            with contextlib.suppress(ValueError):
                item = json.loads(line)
                if isinstance(item, dict) and "id" in item:
                    items.append(item)
        return items

    def _write(self, items: list[dict]) -> None:
        temporary = self.queue_path.with_suffix(".tmp")
        temporary.write_text("".join(json.dumps(i) + "\n" for i in items[-QUEUE_LIMIT:]), encoding="utf-8")
        os.replace(temporary, self.queue_path)
        self._known = None

    def _stat(self):
        with contextlib.suppress(OSError):
            st = self.queue_path.stat()
            return st.st_size, st.st_mtime_ns
        return None

    def enqueue(self, record: dict) -> None:
        """Queue one check result (only :func:`outgoing`'s fields) and wake the sender.

        An append of one line; the file is read again only when another process changed it since
        (then its lines are counted) or when it holds more than :data:`QUEUE_LIMIT` (then trimmed).
        """
        item = outgoing(record)
        with self._locked():
            if self._known is None or self._known[0] != self._stat():
                self._known = (None, len(self._read()))
            with open(self.queue_path, "a", encoding="utf-8") as queue:
                queue.write(json.dumps(item) + "\n")
            count = self._known[1] + 1
            if count > QUEUE_LIMIT:
                self._write(self._read())
                count = QUEUE_LIMIT
            self._known = (self._stat(), count)
        self.start()
        self._wake.set()

    def queued(self) -> int:
        with contextlib.suppress(OSError):
            with self._locked():
                return len(self._read())
        return 0

    # -- sending (the daemon thread) ------------------------------------------------------------
    def _post(self, items: list[dict], endpoint: str = "results") -> tuple[int, dict]:
        import urllib.error
        import urllib.request  # here, not at the top: a notebook that never joins a room never pays for it

        what = {"results": items} if endpoint == "results" else {"setup": items}
        body = json.dumps({"learner": {"id": self.learner_id, "name": self.name}, **what}).encode()
        request = urllib.request.Request(f"{self.base}/api/{endpoint}", data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
                return reply.status, json.loads(reply.read() or b"{}")
        except urllib.error.HTTPError as refused:
            with contextlib.suppress(Exception):
                return refused.code, json.loads(refused.read() or b"{}")
            return refused.code, {}

    def _forget(self, ids: set[str]) -> None:
        with self._locked():
            self._write([i for i in self._read() if i["id"] not in ids])

    def flush(self) -> float | None:
        """Send what is queued; ``None`` when the queue is empty, else seconds to wait before trying again."""
        batch_size = BATCH
        while not self._stopped.is_set():
            with self._locked():
                items = _first_fitting(self._read()[:batch_size])
            if not items:
                return None
            try:
                code, answer = self._post(items)
            except (OSError, ValueError) as exc:  # unreachable, refused, timed out, a garbled reply
                self.last_error = f"room not reachable: {exc}"
                return 1.0
            if code == 200:
                self._forget(set(answer.get("stored", [])) & {i["id"] for i in items})
                self.sent += len(items)
                self.last_sent, self.last_error, batch_size = time.time(), None, BATCH
                continue
            self.last_error = f"the room answered {code}: {answer.get('error', '')}".strip()
            if code == 429:
                return 1.0
            if code not in (400, 413, 422):  # a revoked token, a full room, a wrong URL, a proxy, a server
                return 10.0                  # fault: nothing says the results are bad, so keep them, retry later
            if len(items) > 1:  # one bad result: find it by sending fewer at a time
                batch_size = max(1, len(items) // 2) if code == 413 else 1
            else:  # the room refused this one result itself: it can never be stored
                self._forget({items[0]["id"]})
        return None

    def _run(self) -> None:
        pause = None
        while not self._stopped.is_set():
            self._wake.wait(timeout=pause)
            self._wake.clear()
            if self._stopped.is_set():
                return
            try:
                wait = self.flush()
            except Exception as exc:  # nothing may escape into the learner's notebook
                self.last_error, wait = f"{type(exc).__name__}: {exc}", 5.0
            if wait is None:
                pause = None
            else:  # back off while the room stays away: 1, 2, 4 ... 30 s
                pause = min(MAX_PAUSE, max(wait, (pause or 0.5) * 2))

    def start(self) -> None:
        """Start the sender (it sends what an earlier session left queued, too)."""
        if self._thread is None or not self._thread.is_alive():
            self._stopped.clear()
            self._thread = threading.Thread(target=self._run, name="course-room-sender", daemon=True)
            self._thread.start()
            self._wake.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()

    def drain(self, timeout: float = 1.5) -> bool:
        """Wait up to ``timeout`` seconds for the queue to empty (at exit); True when it did."""
        deadline = time.monotonic() + timeout
        self._wake.set()
        while time.monotonic() < deadline:
            if self.queued() == 0:
                return True
            time.sleep(0.05)
        return False

    def send_setup(self, setup: dict) -> str:
        """Post a set-up check's verdict (:func:`helpers.learner.setup_check.payload`) now; what happened, in a sentence.

        Not queued: the set-up check is run by hand, and says at once whether the room has it. One
        attempt with the usual timeout, so a room that is down costs at most :data:`TIMEOUT` seconds.
        """
        try:
            code, answer = self._post(setup, endpoint="setup")
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return (f"Not sent: the room at {self.base} did not answer ({reason}). Your set-up is as above; "
                    "run the check again when the room is up.")
        if code == 200:
            verdict = "ready" if setup.get("ready") else "not ready, with the problem above"
            return f"Sent to the room at {self.base} as {self.name!r}: the instructor sees you as {verdict}."
        if code == 429:
            return "Not sent: the room is busy (too many posts from this laptop); run the check again in a minute."
        return f"Not sent: the room answered {code}: {answer.get('error', 'no reason given')}"

    def reachable(self, timeout: float = TIMEOUT) -> bool:
        import urllib.request

        request = urllib.request.Request(f"{self.base}/join/{self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                return reply.status == 200
        except (OSError, ValueError):
            return False


_client: RoomClient | None = None
_from_environment_tried = False


def active() -> RoomClient | None:
    """The room joined in this process: by :func:`join`, else from ``COURSE_ROOM`` (once), else None."""
    global _client, _from_environment_tried
    if _client is None and not _from_environment_tried:
        _from_environment_tried = True
        url = os.environ.get("COURSE_ROOM", "").strip()
        if url:
            try:
                where = folder()
                name = default_name(where)
                _client = RoomClient(url, name, where)
                _client.start()
            except (ValueError, OSError):
                _client = None
    return _client


def send(record: dict) -> None:
    """Queue one check result for the room, if one was joined; returns at once and never raises.

    The listener :func:`join` registers with :mod:`helpers.learner.reporting` (``Exercise.check``
    reports to it); it is registered as this module is imported too, so a room joined through
    ``COURSE_ROOM`` (``helpers.learner`` imports this module when that is set) hears every check."""
    try:
        client = active()
        if client is not None:
            client.enqueue(record)
    except Exception:  # a full disk, an unwritable folder: the check itself must carry on
        pass


class Status:
    """What :func:`join` and :func:`status` show in a notebook: one plain sentence."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def join(url: str, name: str) -> Status:
    """Join the instructor's live room: from now on each ``check()`` result is sent (see the module's doc)."""
    global _client, _from_environment_tried
    client = RoomClient(url, name)
    if _client is not None:
        _client.stop()
    _client, _from_environment_tried = client, True
    reporting.listen(send)  # each check() from now on reaches send()
    client.start()
    where = client.base
    if client.reachable():
        return Status(f"Joined the room at {where} as {client.name!r}. Each check() now sends its episode, "
                      "exercise, status, message and time; never your code, data or files.")
    return Status(f"Joined the room at {where} as {client.name!r}, but it is not reachable right now: results wait "
                  "on this laptop and are sent when it is. Your checks work as usual either way.")


def leave() -> Status:
    """Stop sending (results still queued stay on disk, for the next join of the same room)."""
    global _client
    if _client is not None:
        _client.stop()
    _client = None
    return Status("Left the room: checks are no longer sent.")


def status() -> Status:
    client = active()
    if client is None:
        return Status("Not in a room: checks stay on this laptop.")
    text = f"In the room at {client.base} as {client.name!r}: {client.sent} sent, {client.queued()} waiting to be sent."
    if client.last_error:
        text += f" Last problem: {client.last_error}."
    return Status(text)


def default_name(where: Path | None = None) -> str:
    """``COURSE_ROOM_NAME``, else ``learner-xxxx`` from this laptop's id (as a notebook's client shows it)."""
    return os.environ.get("COURSE_ROOM_NAME", "").strip() or f"learner-{_laptop_id(where or folder())[:4]}"


def send_setup(url: str, name: str | None, setup: dict) -> str:
    """Send a set-up verdict to the room at join URL ``url`` (``doctor --room``); a sentence saying what happened."""
    try:
        client = RoomClient(url, name or default_name())
    except ValueError as exc:
        return f"Not sent: {exc}"
    return client.send_setup(setup)


def check_setup(strict: bool = False) -> Status:
    """Run the set-up check here (``python -m helpers doctor``'s report) and send its verdict to the joined room.

    In a notebook: ``room.join(url, name="Ada")`` then ``room.check_setup()``. Only the verdict is sent
    (:data:`helpers.learner.room_format.SETUP_FIELDS`); the report itself stays in the cell.
    """
    from helpers.learner import doctor

    found = doctor.run(strict=strict)  # prints the report, its verdict last
    client = active()
    if client is None:
        return Status("Not in a room, so nothing was sent: join first with room.join(\"<join URL>\", name=\"...\").")
    return Status(client.send_setup(found.setup()))


reporting.listen(send)  # a no-op until a room is joined: send() asks active() first


@atexit.register
def _send_the_last_ones() -> None:  # a kernel shut down right after a check: try briefly, else it stays queued
    with contextlib.suppress(Exception):
        if _client is not None and not _client._stopped.is_set():
            _client.drain(1.5)
