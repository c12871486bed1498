"""What grading one notebook produces: a :class:`NotebookGrade` of :class:`ExerciseGrade` s.

One type with its own totals and columns, so that the CSV, the feedback
files, the terminal table and the progress file all read the same object
(and the progress file round-trips it through JSON).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class ExerciseGrade:
    name: str
    status: str
    points: int
    max_points: int
    message: str

    @classmethod
    def from_record(cls, name: str, record: dict, max_points: int) -> "ExerciseGrade":
        """From a judge's record; points follow the status and the grader's own maximum, whatever it says."""
        status = record.get("status") if record.get("status") in ("correct", "incorrect", "unattempted", "error") \
            else "error"
        return cls(name, status, max_points if status == "correct" else 0, max_points,
                   str(record.get("message", ""))[:4000])


@dataclass
class NotebookGrade:
    notebook: str
    learner: str
    episode: str = ""
    status: str = ""
    exercises: dict[str, ExerciseGrade] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0
    sandbox: str = ""
    fingerprint: str = ""
    cell_errors: list[str] = field(default_factory=list)  # the first error of each cell that raised (10 at most)
    # who handed it in, as the LMS's download names them (lms, id, name, late, folder, file); empty for a plain folder
    identity: dict = field(default_factory=dict)

    @classmethod
    def for_path(cls, path: Path | str) -> "NotebookGrade":
        return cls(notebook=str(path), learner=Path(path).stem)

    @property
    def total(self) -> int:
        return sum(e.points for e in self.exercises.values())

    @property
    def max_points(self) -> int:
        return sum(e.max_points for e in self.exercises.values())

    @property
    def name(self) -> str:
        return Path(self.notebook).name

    def column(self, exercise: str) -> str:
        """The CSV column of one of this notebook's exercises: episode number, dot, exercise name."""
        return f"{self.episode[:2]}.{exercise}"

    def points_by_column(self) -> dict[str, ExerciseGrade]:
        return {self.column(name): grade for name, grade in self.exercises.items()}

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "NotebookGrade":
        exercises = {name: ExerciseGrade(**value) for name, value in data.get("exercises", {}).items()}
        return cls(**{**data, "exercises": exercises})


def columns(grades: list[NotebookGrade]) -> list[str]:
    """Every exercise column, in the order the notebooks first name them."""
    found: dict[str, None] = {}
    for grade in grades:
        for column in grade.points_by_column():
            found.setdefault(column, None)
    return list(found)
