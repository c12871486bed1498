"""What a learner's post to the room may contain, checked before anything is stored.

The body is JSON: ``{"learner": {"id": ..., "name": ...}, "results": [{"id", "episode",
"exercise", "status", "message", "time"}, ...]}``. Nothing else is accepted (an unknown field is
refused, not ignored), so a client cannot smuggle code or data into the room by accident, and a
malformed post is answered with a 4xx naming the first problem and changes nothing.

Names are free text (a learner chooses theirs) but bounded and without control characters; they
are escaped where they are shown (the page sets ``textContent``, the CSV neutralises formulas).
"""

from __future__ import annotations

import re
from datetime import datetime

STATUSES = ("correct", "incorrect", "unattempted", "error")  # as helpers.learner.checking.STATUSES
MAX_BODY_BYTES = 64 * 1024
MAX_RESULTS_PER_POST = 100
MAX_NAME = 40
MAX_MESSAGE = 1000

_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_SLUG = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # would turn the text around it on the page


class Invalid(ValueError):
    """A post that does not follow the schema; its message says what is wrong."""


def _text(value, where: str, limit: int, allow_newlines: bool = False) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{where} must be a string")
    if len(value) > limit:
        raise Invalid(f"{where} is longer than {limit} characters")
    check = value.replace("\n", "").replace("\t", "") if allow_newlines else value
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


def post(body) -> tuple[str, str, list[dict]]:
    """``(learner id, name, results)`` from a decoded body, or :class:`Invalid`."""
    _keys(body, "the body", {"learner", "results"})
    learner = body["learner"]
    _keys(learner, "learner", {"id", "name"})
    if not isinstance(learner["id"], str) or not _ID.match(learner["id"]):
        raise Invalid("learner.id must be 8 to 64 letters, digits, '-' or '_'")
    results = body["results"]
    if not isinstance(results, list) or not results:
        raise Invalid("results must be a non-empty list")
    if len(results) > MAX_RESULTS_PER_POST:
        raise Invalid(f"results holds more than {MAX_RESULTS_PER_POST} items; send them in batches")
    clean = []
    for i, r in enumerate(results):
        where = f"results[{i}]"
        _keys(r, where, {"id", "episode", "exercise", "status", "message", "time"})
        if not isinstance(r["id"], str) or not _ID.match(r["id"]):
            raise Invalid(f"{where}.id must be 8 to 64 letters, digits, '-' or '_'")
        for field in ("episode", "exercise"):
            if not isinstance(r[field], str) or not _SLUG.match(r[field]):
                raise Invalid(f"{where}.{field} must be 1 to 64 letters, digits, '.', '-' or '_'")
        if r["status"] not in STATUSES:
            raise Invalid(f"{where}.status must be one of {', '.join(STATUSES)}")
        message = _text(r["message"], f"{where}.message", MAX_MESSAGE, allow_newlines=True)
        if not isinstance(r["time"], str) or len(r["time"]) > 40:
            raise Invalid(f"{where}.time must be an ISO 8601 time")
        try:
            datetime.fromisoformat(r["time"].replace("Z", "+00:00"))
        except ValueError:
            raise Invalid(f"{where}.time must be an ISO 8601 time") from None
        clean.append({"id": r["id"], "episode": r["episode"], "exercise": r["exercise"], "status": r["status"],
                      "message": message, "time": r["time"]})
    return learner["id"], name(learner["name"]), clean
