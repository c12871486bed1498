"""What a learner's post to the room may contain, checked before anything is stored.

The body is JSON: ``{"learner": {"id": ..., "name": ...}, "results": [{"id", "episode",
"exercise", "status", "message", "time"}, ...]}``. Nothing else is accepted (an unknown field is
refused, not ignored), so a client cannot smuggle code or data into the room by accident, and a
malformed post is answered with a 4xx naming the first problem and changes nothing.

A set-up check's post (``python -m helpers doctor --room``) is ``{"learner": {...}, "setup": {...}}``
with exactly :data:`SETUP_FIELDS`: the verdict, its first problem in one sentence, the operating
system, the Python, TensorFlow and Keras versions, and which course resources are cached. Its text
may not carry a path, an address or anything that looks like a host name (:func:`personal`), so a
laptop's folders and name stay on the laptop even if a client tried to send them.

Names are free text (a learner chooses theirs) but bounded and without control characters; they
are escaped where they are shown (the page sets ``textContent``, the CSV neutralises formulas).
"""

from __future__ import annotations

import re
from datetime import datetime

from helpers.learner.room_format import (  # noqa: F401  (the wire format, shared with the client; re-exported)
    BIDI as _BIDI,
    CONTROL as _CONTROL,
    COURSE_FILES,
    MAX_BODY_BYTES,
    MAX_MESSAGE,
    MAX_NAME,
    MAX_PROBLEM,
    MAX_RESULTS_PER_POST,
    MESSAGE_WHITESPACE,
    RESULT_FIELDS,
    SETUP_FIELDS,
    STATUSES,
    personal,
    scrub,
)

_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_SLUG = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_VERSION = re.compile(r"^\d{1,4}(\.\d{1,6}){0,3}$")   # a release, without local labels ("2.21.0", "3.11.7")
_OS = re.compile(r"^[A-Za-z][A-Za-z0-9 ._()-]{0,59}$")


class Invalid(ValueError):
    """A post that does not follow the schema; its message says what is wrong."""


def _text(value, where: str, limit: int, allow_newlines: bool = False) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{where} must be a string")
    if len(value) > limit:
        raise Invalid(f"{where} is longer than {limit} characters")
    check = value.translate({ord(c): None for c in MESSAGE_WHITESPACE}) if allow_newlines else value
    if _CONTROL.search(check):
        raise Invalid(f"{where} contains control characters")
    return value


def _keys(obj, where: str, required: set[str]) -> None:
    if not isinstance(obj, dict):
        raise Invalid(f"{where} must be a JSON object")
    missing, extra = required - obj.keys(), obj.keys() - required
    if missing:
        raise Invalid(f"{where} lacks {', '.join(sorted(missing))}")
    if extra:
        raise Invalid(f"{where} has unknown field(s) {', '.join(sorted(extra))}")


def name(value) -> str:
    """A learner's chosen name: 1 to 40 characters, no control characters, trimmed."""
    text = _text(value, "learner.name", MAX_NAME).strip()
    if _BIDI.search(text):
        raise Invalid("learner.name contains text-direction controls")
    if not text:
        raise Invalid("learner.name is empty")
    return text


def _identifier(value, where: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise Invalid(f"{where} must be 8 to 64 letters, digits, '-' or '_'")
    return value


def _time(value, where: str) -> str:
    """An ISO 8601 time, as the client's clock wrote it (kept as text)."""
    if not isinstance(value, str) or len(value) > 40:
        raise Invalid(f"{where} must be an ISO 8601 time")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"{where} must be an ISO 8601 time") from None
    return value


def _learner(body, payload: str) -> dict:
    """The envelope of every post: exactly ``learner`` (a well-formed id, a name) and ``payload``."""
    _keys(body, "the body", {"learner", payload})
    learner = body["learner"]
    _keys(learner, "learner", {"id", "name"})
    _identifier(learner["id"], "learner.id")
    return learner


def post(body) -> tuple[str, str, list[dict]]:
    """``(learner id, name, results)`` from a decoded body, or :class:`Invalid`."""
    learner = _learner(body, "results")
    results = body["results"]
    if not isinstance(results, list) or not results:
        raise Invalid("results must be a non-empty list")
    if len(results) > MAX_RESULTS_PER_POST:
        raise Invalid(f"results holds more than {MAX_RESULTS_PER_POST} items; send them in batches")
    clean = []
    for i, r in enumerate(results):
        where = f"results[{i}]"
        _keys(r, where, set(RESULT_FIELDS))
        _identifier(r["id"], f"{where}.id")
        for field in ("episode", "exercise"):
            if not isinstance(r[field], str) or not _SLUG.match(r[field]):
                raise Invalid(f"{where}.{field} must be 1 to 64 letters, digits, '.', '-' or '_'")
        if r["status"] not in STATUSES:
            raise Invalid(f"{where}.status must be one of {', '.join(STATUSES)}")
        message = _text(r["message"], f"{where}.message", MAX_MESSAGE, allow_newlines=True)
        _time(r["time"], f"{where}.time")
        clean.append({"id": r["id"], "episode": r["episode"], "exercise": r["exercise"], "status": r["status"],
                      "message": message, "time": r["time"]})
    return learner["id"], name(learner["name"]), clean


def _free_text(value, where: str, limit: int) -> str:
    text = _text(value, where, limit)
    if _BIDI.search(text):
        raise Invalid(f"{where} contains text-direction controls")
    found = personal(text)
    if found:
        raise Invalid(f"{where} contains what looks like {found}; a set-up post names no paths, addresses or hosts")
    return text


def setup(body) -> tuple[str, str, dict]:
    """``(learner id, name, setup)`` from a decoded set-up post, or :class:`Invalid`."""
    learner = _learner(body, "setup")
    s = body["setup"]
    _keys(s, "setup", set(SETUP_FIELDS))
    _identifier(s["id"], "setup.id")
    _time(s["time"], "setup.time")
    if not isinstance(s["ready"], bool):
        raise Invalid("setup.ready must be true or false")
    problem = _free_text(s["problem"], "setup.problem", MAX_PROBLEM).strip()
    if s["ready"] and problem:
        raise Invalid("setup.problem must be empty when setup.ready is true")
    if not s["ready"] and not problem:
        raise Invalid("setup.problem must say what is wrong when setup.ready is false")
    if not isinstance(s["os"], str) or not _OS.match(s["os"]):
        raise Invalid("setup.os must be 1 to 60 letters, digits, spaces, '.', '-', '_' or brackets")
    _free_text(s["os"], "setup.os", 60)
    if not isinstance(s["python"], str) or not _VERSION.match(s["python"]):
        raise Invalid("setup.python must be a version such as 3.11.7")
    for package in ("tensorflow", "keras"):
        if not isinstance(s[package], str) or not (s[package] == "" or _VERSION.match(s[package])):
            raise Invalid(f"setup.{package} must be a version such as 2.21.0, or \"\" when it does not import")
    from helpers.learner.data.registry import RESOURCES  # the course's resources: the only names allowed

    cached = s["cached"]
    if not isinstance(cached, list) or len(cached) > len(RESOURCES) or len(set(map(str, cached))) != len(cached):
        raise Invalid("setup.cached must be a list of the course's resource names, each once")
    unknown = [c for c in cached if not isinstance(c, str) or c not in RESOURCES]
    if unknown:
        raise Invalid(f"setup.cached may name only the course's resources ({', '.join(RESOURCES)})")
    clean = {"id": s["id"], "time": s["time"], "ready": s["ready"], "problem": problem, "os": s["os"],
             "python": s["python"], "tensorflow": s["tensorflow"], "keras": s["keras"], "cached": sorted(cached)}
    return learner["id"], name(learner["name"]), clean
