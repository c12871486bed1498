"""What an instructor runs: the grader (one notebook, a room, the report), doctor, progress."""
