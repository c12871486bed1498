"""``python -m helpers progress``: a learner's latest result for each exercise."""

from __future__ import annotations

import importlib

from helpers.learner import results_log
from helpers.learner.checking import exercises_of
from helpers.learner.exercises import exercise_modules


def summary(path=None) -> list[dict]:
    """One row per known exercise (and any other logged one), with its latest status."""
    latest = results_log.latest(results_log.read(path))
    rows = []
    for episode, module_name in exercise_modules().items():
        for name, exercise in exercises_of(importlib.import_module(module_name)).items():
            record = latest.pop((episode, name), None)
            rows.append({"episode": episode, "exercise": name,
                         "status": record["status"] if record else "not checked",
                         "points": record["points"] if record else 0, "max_points": exercise.points})
    for (episode, name), record in latest.items():
        rows.append({"episode": episode, "exercise": name, "status": record["status"],
                     "points": record.get("points", 0), "max_points": record.get("max_points", 0)})
    return rows


def report(path=None, out=print) -> int:
    rows = summary(path)
    out(f"Results log: {path or results_log.log_path()}")
    width = max(len(f"{r['episode']} {r['exercise']}") for r in rows)
    for r in rows:
        out(f"  {(r['episode'] + ' ' + r['exercise']).ljust(width)}  {r['status']:12s} {r['points']}/{r['max_points']}")
    done = sum(r["points"] for r in rows)
    total = sum(r["max_points"] for r in rows)
    out(f"Total: {done}/{total} points, {sum(r['status'] == 'correct' for r in rows)} of {len(rows)} exercises correct.")
    return 0
