"""What an instructor runs: the grader (one notebook, a room, the report), doctor, progress, and the live room (``live_room``: learners' checks as they happen)."""
