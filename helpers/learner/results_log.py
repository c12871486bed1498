"""The learner's results log: one JSON line per ``check()``.

The log is a record for the learner (``python -m helpers progress``), not a
source of grades: an instructor's grader re-runs the checks itself, so
nothing written here can earn points.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

DEFAULT_LOG = Path("~/.transfer-learning-course/results.jsonl")


def log_path() -> Path:
    return Path(os.environ.get("COURSE_RESULTS", str(DEFAULT_LOG))).expanduser()


def append(record: dict) -> None:
    """Append one record; a log that cannot be written never stops a learner."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), **record}) + "\n")
    except OSError:
        pass


def read(path: Path | None = None) -> list[dict]:
    """All readable records, skipping lines that are not JSON objects."""
    path = path or log_path()
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and "exercise" in record:
            records.append(record)
    return records


def latest(records: list[dict]) -> dict[tuple[str, str], dict]:
    """The most recent record of each (episode, exercise)."""
    out: dict[tuple[str, str], dict] = {}
    for record in records:
        out[(record.get("episode", "?"), record["exercise"])] = record
    return out
