"""The live room's web application (Starlette): who may ask what, and the answers.

Two secrets, two roles. The **join token** (in the URL learners are given) may only post results
and read the join page; the **instructor token** may only read: the page, its state, the live
event stream, a learner's timeline and the CSV. A request without a token is refused with 401, one
with a wrong token (or the other role's) with 403, before any body is read. The instructor's URL
sets an HttpOnly, SameSite=Strict cookie and redirects to a URL without the token, so the page can
be projected without showing its secret in the address bar.

A learner's post is read up to a size limit (413 beyond it), must be JSON (415, 400) that follows
:mod:`.schema` (422 naming the problem), and is rate-limited per learner (429); only then is it
stored, in one transaction, and acknowledged with the ids the room now holds, which the client
then drops from its queue. New results go to every open instructor page as server-sent events.

The page (``static/``) is plain HTML, CSS and JavaScript from this server only (a Content Security
Policy forbids anything else, inline scripts included); it shows learners' names with
``textContent``, never as HTML.
"""

from __future__ import annotations

import asyncio
import csv
import hmac
import io
import json
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

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


def _csv_cell(value) -> str:
    """A CSV field a spreadsheet will not run as a formula (a name such as ``=HYPERLINK(...)``)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


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
        self.streams: set[asyncio.Queue] = set()

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
                "exercises": self.exercises(), "cells": list(self.cells.values()), "results": self.store.count()}

    def close_streams(self) -> None:
        """End every open event stream (the server is stopping; the pages reconnect when it is back)."""
        for queue in list(self.streams):
            queue.put_nowait(None)
        self.streams.clear()

    def publish(self, event: dict) -> None:
        data = f"event: result\ndata: {json.dumps(event)}\n\n"
        for queue in list(self.streams):
            if queue.qsize() > 5000:  # a page that stopped reading: it reloads the state when it reconnects
                self.streams.discard(queue)
                queue.put_nowait(None)
            else:
                queue.put_nowait(data)


def create_app(db: Path | str, public_url: str = "http://127.0.0.1:8765", stuck_after: int = 3,
               stuck_minutes: float = 10.0, max_learners: int = 500, rate: RateLimiter | None = None) -> Starlette:
    """The application over the room database ``db`` (made, with tokens, when new)."""
    store = Store(db)
    store.tokens()
    room = Room(store, public_url, stuck_after, stuck_minutes, max_learners, rate or RateLimiter())

    async def join_page(request: Request) -> Response:
        refused = room.role_of(request, "join")
        if refused:
            return refused
        url = room.join_url
        text = (f"You can join this room.\n\nIn a notebook cell:\n\n    from helpers import room\n"
                f"    room.join(\"{url}\", name=\"your name\")\n\nor before starting Jupyter:\n\n"
                f"    COURSE_ROOM={url} COURSE_ROOM_NAME=\"your name\" jupyter lab\n\n"
                "What is sent: your chosen name and, for each check(), its episode, exercise, status, "
                "short message and time.\nNever your code, data, variables or files.\n")
        return Response(text, media_type="text/plain; charset=utf-8", headers=SECURITY_HEADERS)

    async def post_results(request: Request) -> Response:
        refused = room.role_of(request, "join")
        if refused:
            return refused
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > schema.MAX_BODY_BYTES):
            return _error(413, f"The body is larger than {schema.MAX_BODY_BYTES} bytes.")
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return _error(415, "Send results as application/json.")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > schema.MAX_BODY_BYTES:
                return _error(413, f"The body is larger than {schema.MAX_BODY_BYTES} bytes.")
        try:
            decoded = json.loads(bytes(body).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
            return _error(400, "The body is not valid JSON.")
        try:
            learner_id, name, results = schema.post(decoded)
        except schema.Invalid as problem:
            return _error(422, f"Not stored: {problem}.")
        if learner_id not in room.learners and len(room.learners) >= room.max_learners:
            return _error(403, f"The room is full ({room.max_learners} learners).")
        if not room.rate.allow(learner_id):
            return _error(429, "Too many posts from this learner; slow down.", **{"Retry-After": "1"})
        stored, duplicates = store.add(learner_id, name, results)
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

    async def instructor_page(request: Request) -> Response:
        refused = room.role_of(request, "instructor")
        if refused:
            return refused
        if "token" in request.query_params:  # keep the secret out of the address bar (and off the projector)
            response = RedirectResponse("/instructor", status_code=303, headers=SECURITY_HEADERS)
            response.set_cookie(COOKIE, request.query_params["token"], httponly=True, samesite="lax", path="/")
            # lax, not strict: an instructor who clicks their URL in a chat or webmail arrives by a cross-site
            # navigation, and a strict cookie would not come with the redirect; every instructor route only reads.
            return response
        return HTMLResponse((STATIC / "instructor.html").read_text(encoding="utf-8"), headers=SECURITY_HEADERS)

    async def static(request: Request) -> Response:
        refused = room.role_of(request, "instructor")
        if refused:
            return refused
        name = request.path_params["name"]
        if name not in ("room.js", "room.css"):
            return _error(404, "No such file.")
        media = "text/javascript" if name.endswith(".js") else "text/css"
        return FileResponse(STATIC / name, media_type=media, headers=SECURITY_HEADERS)

    async def state(request: Request) -> Response:
        refused = room.role_of(request, "instructor")
        return refused or JSONResponse(room.state(), headers=SECURITY_HEADERS)

    async def timeline(request: Request) -> Response:
        refused = room.role_of(request, "instructor")
        if refused:
            return refused
        learner = store.learner(request.path_params["learner"])
        if learner is None:
            return _error(404, "No such learner in this room.")
        results = [{k: r[k] for k in ("seq", "episode", "exercise", "status", "message", "checked", "received")}
                   for r in store.results(learner["id"])]
        return JSONResponse({"learner": {"id": learner["id"], "name": learner["name"]}, "results": results},
                            headers=SECURITY_HEADERS)

    async def results_csv(request: Request) -> Response:
        refused = room.role_of(request, "instructor")
        if refused:
            return refused
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["received", "checked", "learner", "learner_id", "episode", "exercise", "status", "message"])
        for r in store.results():
            writer.writerow([_iso(r["received"]), _csv_cell(r["checked"]), _csv_cell(r["name"]), _csv_cell(r["learner"]),
                             _csv_cell(r["episode"]), _csv_cell(r["exercise"]), _csv_cell(r["status"]),
                             _csv_cell(r["message"])])
        stamp = time.strftime("%Y%m%d-%H%M")
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={**SECURITY_HEADERS,
                                 "Content-Disposition": f"attachment; filename=\"room-{quote(stamp)}.csv\""})

    async def events(request: Request) -> Response:
        refused = room.role_of(request, "instructor")
        if refused:
            return refused
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

    async def anything_else(request: Request) -> Response:
        refused = room.role_of(request, "join") and room.role_of(request, "instructor")
        return refused or _error(404, "Nothing here.")

    routes = [
        Route("/join/{token}", join_page),
        Route("/api/results", post_results, methods=["POST"]),
        Route("/instructor", instructor_page),
        Route("/instructor/{name}", static),
        Route("/api/state", state),
        Route("/api/events", events),
        Route("/api/learners/{learner}", timeline),
        Route("/api/results.csv", results_csv),
        Route("/{path:path}", anything_else, methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]),
    ]
    app = Starlette(routes=routes)
    app.state.room = room
    return app
