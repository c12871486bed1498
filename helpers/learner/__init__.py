"""What a learner's notebook imports: the profile switch, data, plots, exercises and the check engine.

Nothing here knows about building notebooks (``helpers.author``) or grading
them (``helpers.instructor``); those layers import this one, never the reverse
(the import-linter contract in ``pyproject.toml`` says so, and ``tests/`` runs it).

A kernel started with ``COURSE_ROOM`` set (the live room's join URL) has joined that room: its
client is imported here, so that it listens to every check from the first one on.
"""
import os

if os.environ.get("COURSE_ROOM", "").strip():
    from helpers.learner import room_client  # noqa: F401  (registers its listener with reporting)
