"""The live room's wire format, written once for both ends: what a post carries and its limits.

The learner's client (:mod:`helpers.learner.room_client`, :mod:`helpers.learner.setup_check`) builds
posts to these rules, and the instructor's server (:mod:`helpers.instructor.live_room.schema`)
refuses any post that breaks them. Both import this module, so a limit or a field changed here
changes on both sides at once: a client can never send what its own room would refuse. It lives in
the learner layer (standard library only) because the learner's side must not import the server's.

Two kinds of post exist:

* check results, ``{"learner": {"id", "name"}, "results": [RESULT_FIELDS, ...]}`` (at most
  :data:`MAX_RESULTS_PER_POST` results and :data:`MAX_BODY_BYTES` bytes);
* one set-up verdict, ``{"learner": {...}, "setup": {SETUP_FIELDS}}``, whose free text names no
  path, address or host (:func:`personal`; the client first :func:`scrub`\\ s what it sends).
"""

from __future__ import annotations

import re

from helpers.learner.checking import STATUSES  # a result's status: what the check engine says, nothing else

__all__ = ["STATUSES", "RESULT_FIELDS", "SETUP_FIELDS", "MAX_BODY_BYTES", "MAX_RESULTS_PER_POST", "MAX_NAME",
           "MAX_MESSAGE", "MAX_PROBLEM", "CONTROL", "BIDI", "MESSAGE_WHITESPACE", "without_controls",
           "COURSE_FILES", "personal", "scrub"]

RESULT_FIELDS = ("id", "episode", "exercise", "status", "message", "time")
SETUP_FIELDS = ("id", "time", "ready", "problem", "os", "python", "tensorflow", "keras", "cached")
MAX_BODY_BYTES = 64 * 1024
MAX_RESULTS_PER_POST = 100
MAX_NAME = 40
MAX_MESSAGE = 1000
MAX_PROBLEM = 400

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Text-direction controls: they would turn the text around them on the instructor's page.
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MESSAGE_WHITESPACE = "\n\t"  # the only control characters a check's message may carry

# What would tell the room where or who a laptop is: a path, an address, a login@host, a host name.
COURSE_FILES = ("requirements.lock", "requirements.txt", "environment.yml")  # dotted names that are not hosts
_PERSONAL = (
    ("a path", re.compile(r"[/\\]|(^|[\s'\"`(=:])~|\b[A-Za-z]:[/\\]")),
    ("an address", re.compile(r"\b\d{1,3}(\.\d{1,3}){3}\b|\[?\b[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}\b\]?|@")),
    ("a host name", re.compile(r"\b[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z0-9-]{2,})+\b")),
)


def without_controls(text: str, keep: str = "") -> str:
    """``text`` less its control characters (those in ``keep`` stay): what the room would refuse."""
    return CONTROL.sub(lambda found: found.group(0) if found.group(0) in keep else "", text)


def personal(text: str) -> str | None:
    """What in ``text`` could name a laptop or its user ("a path", "an address", "a host name"), or None."""
    for what, pattern in _PERSONAL:
        if any(m.group(0) not in COURSE_FILES for m in pattern.finditer(text)):
            return what
    return None


def scrub(text: str) -> str:
    """``text`` with each word :func:`personal` would refuse replaced by '…' (the client's side of the rule)."""
    def clean(word: str) -> str:
        if not personal(word):
            return word
        end = re.search(r"[.,;:)`'\"]*$", word).group(0)
        return "…" + end  # keep the sentence's punctuation

    return re.sub(r"\S+", lambda m: clean(m.group(0)), text)
