"""Grading learners' notebooks: each step in its own module.

* :mod:`.plan` – which episode, where each exercise is judged;
* :mod:`.notebook` – instrument, execute (sandboxed kernel), collect: one notebook;
* :mod:`.kernel_export` – the only grader code that runs in the learner's kernel;
* :mod:`.artifacts`, :mod:`.judge`, :mod:`.trusted_inputs`, :mod:`.function_runner` – the judge, outside it;
* :mod:`.sandbox` – bubblewrap;
* :mod:`.results`, :mod:`.report`, :mod:`.room` – a room's grades, CSV, feedback, progress, Dask.
"""

from helpers.instructor.grading.notebook import grade_notebook
from helpers.instructor.grading.plan import NotGradable, make_plan, read_episode
from helpers.instructor.grading.results import ExerciseGrade, NotebookGrade
from helpers.instructor.grading.room import grade

__all__ = ["ExerciseGrade", "NotGradable", "NotebookGrade", "grade", "grade_notebook", "make_plan", "read_episode"]
