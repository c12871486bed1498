"""One module of exercises per episode: ``from helpers.learner.exercises import iris_cost as ex``.

Each module declares the episode it belongs to (``EPISODE = "01-iris-cost"``);
nothing else lists the episodes. The texts a learner sees (hints, the worked
solution) and the expressions the grader passes to each check are not kept
here: the build extracts them from the episode's master into ``answers/``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil

ANSWERS = os.path.join(__path__[0], "answers")


def exercise_modules() -> dict[str, str]:
    """Episode → module name, for every module in this package that declares ``EPISODE``."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        name = f"{__name__}.{info.name}"
        episode = getattr(importlib.import_module(name), "EPISODE", None)
        if episode:
            found[episode] = name
    return dict(sorted(found.items()))

