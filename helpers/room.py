"""Join the instructor's live room from a notebook: ``from helpers import room; room.join(url, name="Ada")``.

``room.check_setup()`` then runs the set-up check (``python -m helpers doctor``) and sends the room its verdict.

A short public name for :mod:`helpers.learner.room_client`, which holds the code and explains what
is sent (each check's verdict and message; never code, data or files) and why a check never waits
for the room.
"""

from helpers.learner.room_client import check_setup, join, leave, status

__all__ = ["check_setup", "join", "leave", "status"]
