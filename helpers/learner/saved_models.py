"""Where the notebooks save the models they train: a folder of the course's own, not the learner's.

A notebook that saved ``model.keras`` beside itself filled the learner's copy of the course with
files git then reports as new. The default sits beside the results log (``~/.transfer-learning-course/``);
``COURSE_MODELS`` moves it (the tests point it at a temporary folder). In the grader's sandbox the
home folder is the notebook's own work folder, so saving works there too.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_FOLDER = Path("~/.transfer-learning-course/models")


def model_path(filename: str) -> Path:
    """The path to save ``filename`` (e.g. ``"iris_classifier.keras"``) at; its folder is made if missing."""
    folder = Path(os.environ.get("COURSE_MODELS", str(DEFAULT_FOLDER))).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / filename
