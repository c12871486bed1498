"""The live room's web application (Starlette): who may ask what, and the answers.

Two secrets, two roles. The **join token** (in the URL learners are given) may only post results
and set-up checks and read the join page; the **instructor token** may only read: the page, its state, the live
event stream, a learner's timeline and the CSV. A request without a token is refused with 401, one
with a wrong token (or the other role's) with 403, before any body is read. The instructor's URL
sets an HttpOnly, SameSite=Strict cookie and redirects to a URL without the token, so the page can
be projected without showing its secret in the address bar.

A learner's post is read up to a size limit (413 beyond it), must be JSON (415, 400) that follows
:mod:`.schema` (422 naming the problem), and is rate-limited per learner (429); only then is it
stored, in one transaction, and acknowledged with the ids the room now holds, which the client
then drops from its queue. New results go to every open instructor page as server-sent events.
A set-up check's post (``/api/setup``, from ``python -m helpers doctor --room``) goes through the same
gates, the same per-learner rate limit included, and :func:`.schema.setup`; it fills the page's
set-up column and its "N of M ready" count.

The page (``static/``) is plain HTML, CSS and JavaScript from this server only (a Content Security
Policy forbids anything else, inline scripts included); it shows learners' names with
``textContent``, never as HTML.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import functools
import hmac
import io
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from helpers.instructor.csv_cells import safe_cell as _csv_cell
from helpers.instructor.live_room import schema
from helpers.instructor.live_room.store import Store

STATIC = Path(__file__).parent / "static"
COOKIE = "room_instructor"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class RateLimiter:
    """A token bucket per learner: ``burst`` posts at once, then ``per_second`` on average."""

    def __init__(self, per_second: float = 10.0, burst: int = 30):
        self.per_second, self.burst = per_second, burst
        self.buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        level, then = self.buckets.get(key, (self.burst, now))
        level = min(self.burst, level + (now - then) * self.per_second)
        if level < 1:
            self.buckets[key] = (level, now)
            return False
        self.buckets[key] = (level - 1, now)
        return True


def fold(cell: dict | None, result: dict) -> dict:
    """A learner's state on one exercise after one more result (the page shows this, the server keeps it)."""
    if cell is None:
        cell = {"learner": result["learner"], "episode": result["episode"], "exercise": result["exercise"],
                "attempts": 0, "incorrect": 0, "first": result["received"], "tried": None, "done_at": None}
    cell = dict(cell)
    cell["attempts"] += 1
    if result["status"] == "incorrect":
        cell["incorrect"] += 1
    if result["status"] in ("incorrect", "error") and cell["tried"] is None:
        cell["tried"] = result["received"]
    if result["status"] == "correct" and cell["done_at"] is None:
        cell["done_at"] = result["received"]
    cell.update(status=result["status"], message=result["message"], checked=result["checked"], last=result["received"])
    return cell


def _exercise_order() -> dict[tuple[str, str], int]:
    """The course's exercises in the order the episodes teach them (read from the build's answers)."""
    from helpers.learner.exercises import ANSWERS

    order = {}
    for path in sorted(Path(ANSWERS).glob("*.json")):
        try:
            names = json.loads(path.read_text(encoding="utf-8"))["exercises"]
        except (OSError, ValueError, KeyError):
            continue
        for name in names:
            order[(path.stem, name)] = len(order)
    return order


def _error(status: int, message: str, **headers) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={**SECURITY_HEADERS, **headers})


# The CSV: one row per check and per set-up run (exercise "set-up", status "ready" or "not ready", the problem
# as its message, and the set-up's own columns, empty on a check's row).
CSV_COLUMNS = ["received", "checked", "learner", "learner_id", "episode", "exercise", "status", "message",
               "os", "python", "tensorflow", "keras", "cached"]


def join_text(url: str) -> str:
    """The join page: a learner's three steps (install, the set-up check, joining in the workshop), and what is sent."""
    from helpers.learner.setup_check import INSTALL_LINES

    install = "\n".join(f"       {line}" for line in INSTALL_LINES)
    return (
        "You are invited to a live room of the course \"Transfer learning with TensorFlow and Keras\".\n\n"
        "1. Before the workshop, install the course (in its folder, from the course's page):\n\n"
        f"{install}\n\n"
        "2. Check your set-up, in the same folder and environment. The instructor sees whether you are ready:\n\n"
        f"       python -m helpers doctor --room {url} --name \"your name\"\n\n"
        "   It ends with one line: \"Ready\", or what to fix and how. Fix it and run the check again.\n"
        "   If the course cannot be installed on your laptop, use the Colab or Binder link on the course's page.\n\n"
        "3. In the workshop, join the room from a notebook cell:\n\n"
        f"       from helpers import room\n       room.join(\"{url}\", name=\"your name\")\n\n"
        f"   or start Jupyter with: COURSE_ROOM={url} COURSE_ROOM_NAME=\"your name\" jupyter lab\n"
        "   (room.check_setup() in a cell runs step 2 from a notebook.)\n\n"
        "What is sent: your chosen name; for each check(), its episode, exercise, status, short message and time;\n"
        "for the set-up check, ready or not, its first problem in one sentence, your operating system, the Python,\n"
        "TensorFlow and Keras versions, and which of the course's data sets and weights are cached.\n"
        "Never your code, data, variables or files, and no paths, user name or computer name.\n")


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


def setup_view(row: dict, runs: int) -> dict:
    """A learner's latest set-up run as the page shows it (and the number of runs so far)."""
    return {k: row[k] for k in ("learner", "ready", "problem", "os", "python", "tensorflow", "keras", "cached",
                                "checked", "received")} | {"runs": runs}


class Room:
    """The server's state in memory (built from the store at start) and the open event streams."""

    def __init__(self, store: Store, public_url: str, stuck_after: int, stuck_minutes: float,
                 max_learners: int, rate: RateLimiter):
        self.store, self.public_url = store, public_url.rstrip("/")
        self.stuck_after, self.stuck_minutes, self.max_learners, self.rate = stuck_after, stuck_minutes, max_learners, rate
        self.started = time.time()
        self.order = _exercise_order()
        self.learners = {row["id"]: row["name"] for row in store.learners()}
        self.cells: dict[tuple[str, str, str], dict] = {}
        for result in store.results():
            key = (result["learner"], result["episode"], result["exercise"])
            self.cells[key] = fold(self.cells.get(key), result)
        self.setups: dict[str, dict] = {}  # learner -> their latest set-up run
        for row in store.setups():
            self.add_setup(row)
        self._needs = None
        self.streams: set[asyncio.Queue] = set()

    def add_setup(self, row: dict) -> dict:
        runs = self.setups.get(row["learner"], {}).get("runs", 0) + 1
        self.setups[row["learner"]] = view = setup_view(row, runs)
        return view

    @property
    def needs(self) -> dict[str, list[str]]:
        """Episode -> what its full profile needs (read once, when a page first asks): the page says which
        episodes a learner's cache can run offline."""
        if self._needs is None:
            from helpers.learner.setup_check import episode_needs

            try:
                self._needs = episode_needs()
            except Exception:  # an installed copy without the notebooks: the page just says less
                self._needs = {}
        return self._needs

    # -- who is asking --------------------------------------------------------------------------
    def role_of(self, request: Request, role: str) -> Response | None:
        """None when the request carries ``role``'s token, else the refusal (401 or 403)."""
        given = None
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            given = header[7:].strip()
        given = given or request.query_params.get("token") or request.path_params.get("token")
        if not given and role == "instructor":
            given = request.cookies.get(COOKIE)
        if not given:
            return _error(401, "This room needs a token: use the URL the instructor gave you.",
                          **{"WWW-Authenticate": "Bearer"})
        tokens = self.store.tokens()
        if not hmac.compare_digest(given.encode(), getattr(tokens, role).encode()):
            return _error(403, "This token does not open this part of the room (it may have been revoked).")
        return None

    @property
    def join_url(self) -> str:
        return f"{self.public_url}/join/{self.store.tokens().join}"

    # -- state ----------------------------------------------------------------------------------
    def exercises(self) -> list[dict]:
        seen = {(c["episode"], c["exercise"]) for c in self.cells.values()}
        last = len(self.order)
        ordered = sorted(seen, key=lambda key: (self.order.get(key, last), key))
        return [{"episode": e, "exercise": x} for e, x in ordered]

    def state(self) -> dict:
        return {"config": {"stuck_after": self.stuck_after, "stuck_minutes": self.stuck_minutes},
                "join_url": self.join_url, "started": self.started, "now": time.time(),
                "learners": [{"id": i, "name": n} for i, n in self.learners.items()],
                "exercises": self.exercises(), "cells": list(self.cells.values()), "results": self.store.count(),
                "setups": list(self.setups.values()), "needs": self.needs}

    def close_streams(self) -> None:
        """End every open event stream (the server is stopping; the pages reconnect when it is back)."""
        for queue in list(self.streams):
            queue.put_nowait(None)
        self.streams.clear()

    def publish(self, event: dict, kind: str = "result") -> None:
        data = f"event: {kind}\ndata: {json.dumps(event)}\n\n"
        for queue in list(self.streams):
            if queue.qsize() > 5000:  # a page that stopped reading: it reloads the state when it reconnects
                self.streams.discard(queue)
                queue.put_nowait(None)
            else:
                queue.put_nowait(data)


# -- the endpoints: each reads the room from ``request.app.state.room`` (the lifespan puts it there) ------------
def requires(*roles: str):
    """Let a request through to the endpoint only with one of ``roles``' tokens; else the refusal (401 or 403).

    Written once, for every route: the check comes before the endpoint reads anything, a body included.
    """
    def decorate(endpoint):
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            room = request.app.state.room
            refusals = [room.role_of(request, role) for role in roles]
            if all(refusals):
                return refusals[-1]
            return await endpoint(request)

        return guarded

    return decorate


@requires("join")
async def join_page(request: Request) -> Response:
    room = request.app.state.room
    return Response(join_text(room.join_url), media_type="text/plain; charset=utf-8", headers=SECURITY_HEADERS)


async def read_post(request: Request):
    """The decoded JSON body of a learner's post, or the refusal (413, 415, 400)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > schema.MAX_BODY_BYTES):
        return None, _error(413, f"The body is larger than {schema.MAX_BODY_BYTES} bytes.")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return None, _error(415, "Send results as application/json.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > schema.MAX_BODY_BYTES:
            return None, _error(413, f"The body is larger than {schema.MAX_BODY_BYTES} bytes.")
    try:
        return json.loads(bytes(body).decode("utf-8")), None
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
        return None, _error(400, "The body is not valid JSON.")


def admit(room: Room, learner_id: str) -> Response | None:
    """The room's door after the schema: full (403), or this learner posting too often (429)."""
    if learner_id not in room.learners and len(room.learners) >= room.max_learners:
        return _error(403, f"The room is full ({room.max_learners} learners).")
    if not room.rate.allow(learner_id):
        return _error(429, "Too many posts from this learner; slow down.", **{"Retry-After": "1"})
    return None


async def accepted(request: Request, parse):
    """(learner id, name, payload) of a post that passes every gate, or the Response refusing it:
    the same body limit, schema check, room size and rate limit for checks and set-up posts."""
    decoded, refused = await read_post(request)
    if refused:
        return refused
    try:
        learner_id, name, payload = parse(decoded)
    except schema.Invalid as problem:
        return _error(422, f"Not stored: {problem}.")
    return admit(request.app.state.room, learner_id) or (learner_id, name, payload)


@requires("join")
async def post_results(request: Request) -> Response:
    post = await accepted(request, schema.post)
    if isinstance(post, Response):
        return post
    room = request.app.state.room
    learner_id, name, results = post
    stored, duplicates = room.store.add(learner_id, name, results)
    renamed = room.learners.get(learner_id) != name
    room.learners[learner_id] = name
    for result in stored:
        key = (learner_id, result["episode"], result["exercise"])
        room.cells[key] = cell = fold(room.cells.get(key), result)
        room.publish({"learner": {"id": learner_id, "name": name}, "cell": cell,
                      "result": {k: result[k] for k in ("seq", "id", "episode", "exercise", "status", "message",
                                                         "checked", "received")}})
    if renamed and not stored:
        room.publish({"learner": {"id": learner_id, "name": name}})
    return JSONResponse({"stored": [r["id"] for r in results], "new": len(stored), "duplicates": duplicates},
                        headers=SECURITY_HEADERS)


@requires("join")
async def post_setup(request: Request) -> Response:
    post = await accepted(request, schema.setup)
    if isinstance(post, Response):
        return post
    room = request.app.state.room
    learner_id, name, setup = post
    row = room.store.add_setup(learner_id, name, setup)
    room.learners[learner_id] = name
    if row is not None:
        room.publish({"learner": {"id": learner_id, "name": name}, "setup": room.add_setup(row),
                      "run": {k: row[k] for k in ("seq", "ready", "problem", "checked", "received")}}, "setup")
    return JSONResponse({"stored": setup["id"], "new": row is not None}, headers=SECURITY_HEADERS)


@requires("instructor")
async def instructor_page(request: Request) -> Response:
    if "token" in request.query_params:  # keep the secret out of the address bar (and off the projector)
        response = RedirectResponse("/instructor", status_code=303, headers=SECURITY_HEADERS)
        response.set_cookie(COOKIE, request.query_params["token"], httponly=True, samesite="lax", path="/")
        # lax, not strict: an instructor who clicks their URL in a chat or webmail arrives by a cross-site
        # navigation, and a strict cookie would not come with the redirect; every instructor route only reads.
        return response
    return HTMLResponse((STATIC / "instructor.html").read_text(encoding="utf-8"), headers=SECURITY_HEADERS)


@requires("instructor")
async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ("room.js", "room.css"):
        return _error(404, "No such file.")
    media = "text/javascript" if name.endswith(".js") else "text/css"
    return FileResponse(STATIC / name, media_type=media, headers=SECURITY_HEADERS)


@requires("instructor")
async def state(request: Request) -> Response:
    return JSONResponse(request.app.state.room.state(), headers=SECURITY_HEADERS)


@requires("instructor")
async def timeline(request: Request) -> Response:
    store = request.app.state.room.store
    learner = store.learner(request.path_params["learner"])
    if learner is None:
        return _error(404, "No such learner in this room.")
    results = [{k: r[k] for k in ("seq", "episode", "exercise", "status", "message", "checked", "received")}
               for r in store.results(learner["id"])]
    setups = [{k: r[k] for k in ("seq", "ready", "problem", "os", "python", "tensorflow", "keras", "cached",
                                 "checked", "received")} for r in store.setups(learner["id"])]
    return JSONResponse({"learner": {"id": learner["id"], "name": learner["name"]}, "results": results,
                         "setups": setups}, headers=SECURITY_HEADERS)


def csv_rows(store: Store) -> list[list]:
    """The CSV's rows after its header: checks and set-up runs in one timeline, each field formula-safe."""
    rows = [(r["received"], 0, r["seq"], [r["checked"], r["name"], r["learner"], r["episode"], r["exercise"],
                                          r["status"], r["message"], "", "", "", "", ""])
            for r in store.results()]
    rows += [(r["received"], 1, r["seq"], [r["checked"], r["name"], r["learner"], "", "set-up",
                                           "ready" if r["ready"] else "not ready", r["problem"], r["os"], r["python"],
                                           r["tensorflow"], r["keras"], " ".join(r["cached"])])
             for r in store.setups()]
    return [[_iso(received)] + [_csv_cell(v) for v in values]
            for received, _, _, values in sorted(rows, key=lambda row: row[:3])]


@requires("instructor")
async def results_csv(request: Request) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(request.app.state.room.store))
    stamp = time.strftime("%Y%m%d-%H%M")
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={**SECURITY_HEADERS,
                             "Content-Disposition": f"attachment; filename=\"room-{quote(stamp)}.csv\""})


@requires("instructor")
async def events(request: Request) -> Response:
    room = request.app.state.room
    queue: asyncio.Queue = asyncio.Queue()
    room.streams.add(queue)

    async def stream():
        try:
            yield "retry: 2000\n\n"
            while True:
                try:
                    data = await asyncio.wait_for(queue.get(), timeout=15)
                except asyncio.TimeoutError:
                    data = ": keep-alive\n\n"
                if data is None or room.role_of(request, "instructor") is not None:
                    return  # the page fell behind, or the tokens were revoked
                yield data
        finally:
            room.streams.discard(queue)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={**SECURITY_HEADERS, "X-Accel-Buffering": "no"})


@requires("join", "instructor")
async def anything_else(request: Request) -> Response:
    return _error(404, "Nothing here.")


routes = [
    Route("/join/{token}", join_page),
    Route("/api/results", post_results, methods=["POST"]),
    Route("/api/setup", post_setup, methods=["POST"]),
    Route("/instructor", instructor_page),
    Route("/instructor/{name}", static),
    Route("/api/state", state),
    Route("/api/events", events),
    Route("/api/learners/{learner}", timeline),
    Route("/api/results.csv", results_csv),
    Route("/{path:path}", anything_else, methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]),
]


@dataclass(frozen=True)
class Settings:
    """What ``room serve`` chose: the database, the URL learners reach, when a learner is stuck, the limits."""

    db: Path
    public_url: str = "http://127.0.0.1:8765"
    stuck_after: int = 3
    stuck_minutes: float = 10.0
    max_learners: int = 500
    rate: RateLimiter = field(default_factory=RateLimiter)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette):
    """The room's resources, owned for the server's life: the store opened (with tokens, when new) and the
    room rebuilt from it at start; at the end, every event stream ended and the store closed."""
    settings: Settings = app.state.settings
    store = Store(settings.db)
    try:
        store.tokens()
        app.state.room = Room(store, settings.public_url, settings.stuck_after, settings.stuck_minutes,
                              settings.max_learners, settings.rate)
        yield
    finally:
        if hasattr(app.state, "room"):
            app.state.room.close_streams()
        store.close()


def create_app(db: Path | str, public_url: str = "http://127.0.0.1:8765", stuck_after: int = 3,
               stuck_minutes: float = 10.0, max_learners: int = 500, rate: RateLimiter | None = None) -> Starlette:
    """The application over the room database ``db`` (made, with tokens, when new): the room is opened as the
    server starts (its lifespan), and its state is then ``app.state.room``."""
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.settings = Settings(Path(db), public_url, stuck_after, stuck_minutes, max_learners, rate or RateLimiter())
    return app
