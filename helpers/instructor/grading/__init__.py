"""Grading learners' notebooks: each step in its own module.

* :mod:`.plan` – which episode, where each exercise is judged;
* :mod:`.notebook` – instrument, execute (sandboxed kernel), collect: one notebook;
* :mod:`.kernel_export` – the only grader code that runs in the learner's kernel;
* :mod:`.artifacts`, :mod:`.judge`, :mod:`.trusted_inputs`, :mod:`.function_runner` – the judge, outside it;
* :mod:`.sandbox` – bubblewrap;
* :mod:`.results`, :mod:`.report`, :mod:`.room` – a room's grades, CSV, feedback, progress, Dask.
"""

import importlib

# Imported when first used: the judge and the function runner start as ``python -m`` modules of this
# package, and must not pay for nbclient, Dask or the exercise modules they do not need.
_WHERE = {"grade_notebook": "notebook", "NotGradable": "plan", "make_plan": "plan", "read_episode": "plan",
          "ExerciseGrade": "results", "NotebookGrade": "results", "grade": "room"}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
