"""Step 1, plan: which episode a notebook is, and where each of its exercises is judged.

The episode comes from the metadata the build writes, not from the file
name. Each exercise is exported where its check cell stands (later cells may
legitimately change the objects: fine-tuning unfreezes a model), or where its
``carry_on()`` cell stands if that comes first (the check cell deleted): always
before the worked solution that ``carry_on()`` may run, so relying on it earns
nothing. Only when both are gone is it exported at the end of the notebook.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers.learner.checking import Exercise, exercises_of
from helpers.learner.exercises import exercise_modules


class NotGradable(ValueError):
    """The file is not a notebook of one of the course's episodes."""


@dataclass
class Plan:
    notebook: nbformat.NotebookNode
    episode: str
    module: str
    exercises: dict[str, Exercise]
    places: list[tuple[int, str]]  # (index of the cell before which it is exported, exercise name)


def read_episode(path: Path) -> tuple[nbformat.NotebookNode, str]:
    """The notebook and its episode, taken from the metadata the build wrote."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:
        raise NotGradable(f"not a readable notebook ({type(exc).__name__})") from None
    course = nb.metadata.get("course", {})
    episode = course.get("episode") if isinstance(course, dict) else None
    if episode not in exercise_modules():
        raise NotGradable("not one of the course's episodes (no course metadata)" if episode is None
                          else f"unknown episode {str(episode)[:40]!r}")
    if any(not isinstance(cell.get("source", ""), str) for cell in nb.cells):
        raise NotGradable("not a readable notebook (a cell without text)")
    return nb, episode


def make_plan(path: Path) -> Plan:
    nb, episode = read_episode(path)
    module = exercise_modules()[episode]
    exercises = exercises_of(importlib.import_module(module))
    places, placed = [], set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for name in exercises:
            if name not in placed and re.search(rf"\.{name}\.(check|assert_passed|carry_on)\s*\(", cell.source):
                places.append((index, name))
                placed.add(name)
    places += [(len(nb.cells), name) for name in exercises if name not in placed]
    return Plan(nb, episode, module, exercises, places)
