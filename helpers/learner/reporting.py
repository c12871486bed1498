"""Who hears of a check's result besides the learner: listeners, registered by what wants to know.

``Exercise.check()`` writes its result to the results log and then calls :func:`report`, which hands
the record to each listener registered here, so the check engine knows nothing of what listens.
Today the one listener is the live room's client (:func:`helpers.learner.room_client.send`, which
``room.join`` registers, and which a kernel started with ``COURSE_ROOM`` set registers as
``helpers.learner`` is imported). Kaggle's learntools keeps its ``tracking`` apart from its checks
in the same way.

A listener must return at once and never raise into the learner's notebook; :func:`report` still
guards each one, so a broken listener costs a check nothing.
"""

from __future__ import annotations

import contextlib
from typing import Callable

Listener = Callable[[dict], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> Listener:
    """Call ``listener(record)`` for each check result from now on (once, however often it is registered)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def forget(listener: Listener) -> None:
    """Stop calling ``listener`` (nothing happens when it was not registered)."""
    with contextlib.suppress(ValueError):
        _listeners.remove(listener)


def report(record: dict) -> None:
    """Hand one check result to every listener; returns when they have, and never raises."""
    for listener in list(_listeners):
        with contextlib.suppress(Exception):  # a full disk, a bug in a listener: the check itself carries on
            listener(record)
