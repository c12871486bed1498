"""The live room: an instructor sees every learner's check results as they happen.

A small web server runs on the instructor's laptop (``python -m helpers room serve``). Learners
who join (``from helpers import room; room.join(url, name=...)`` or ``COURSE_ROOM=<url>``) send
each ``check()``'s verdict and short message, never their code, data or files (the learner side is
``helpers.learner.room_client``). The pieces, one concern each:

* :mod:`.store`: the room's state in SQLite (WAL mode), tokens included, so a restart loses nothing
  that was acknowledged and keeps the URLs valid until ``room revoke``;
* :mod:`.schema`: what a learner's post may contain, checked field by field before anything is stored;
* :mod:`.app`: the Starlette application (authentication, size and rate limits, the instructor's
  page and API, server-sent events);
* :mod:`.server`: starting it under uvicorn and printing the two URLs.
"""
