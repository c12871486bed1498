"""Self-grading exercises: ``check()``, ``hint()``, ``solution()``.

Modelled on Kaggle's learntools: each exercise is an object with a checker
function that raises :class:`Incorrect` with a sentence naming the mistake.
The :class:`Exercise` wrapper turns every outcome into a :class:`Result`, so a
learner never sees a traceback: ``...`` or ``None`` is *unattempted*, a
learner's mistake is *incorrect*, and a failure of the check itself is an
*error* reported in words.

``evaluate()`` grades without side effects; ``check()`` also appends to the
learner's results log (and, if the learner joined a live room, queues the
verdict for it: ``helpers.learner.room_client``). An instructor's grader calls ``evaluate()`` itself in
the learner's kernel, so the log never decides a grade.
"""

from __future__ import annotations

import functools
import html
import inspect
import json
import re
import textwrap
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

from helpers.learner import reporting, results_log

STATUSES = ("correct", "incorrect", "unattempted", "error")
_ICONS = {"correct": "✅", "incorrect": "❌", "unattempted": "✏️", "error": "⚠️"}
_COLOURS = {"correct": "#2e7d32", "incorrect": "#c62828", "unattempted": "#6d6d6d", "error": "#ef6c00"}


class Incorrect(Exception):
    """Raised by a checker with a message that names the learner's mistake."""


def expect(condition: bool, message: str) -> None:
    """Raise :class:`Incorrect` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise Incorrect(message)


@dataclass(frozen=True)
class Result:
    episode: str
    exercise: str
    status: str
    message: str
    points: int
    max_points: int

    @property
    def passed(self) -> bool:
        return self.status == "correct"

    def as_record(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        head = f"{_ICONS[self.status]} {self.exercise}: {self.status} ({self.points}/{self.max_points})"
        return head + "\n" + textwrap.indent(self.message, "   ")

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        body = html.escape(self.message).replace("\n", "<br>")
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 10px;margin:2px 0">'
            f"<b style=\"color:{colour}\">{_ICONS[self.status]} {html.escape(self.exercise)}: "
            f"{self.status} ({self.points}/{self.max_points})</b><br>{body}</div>"
        )


class _Text:
    """A hint or solution: readable in a terminal, rendered in a notebook."""

    def __init__(self, title: str, text: str, code: bool = False):
        self.title, self.text, self.code = title, text.strip("\n"), code

    def __repr__(self) -> str:
        return f"{self.title}\n{textwrap.indent(self.text, '    ')}"

    def _repr_markdown_(self) -> str:
        body = f"```python\n{self.text}\n```" if self.code else self.text
        return f"**{self.title}**\n\n{body}"


def _is_blank(value) -> bool:
    return value is None or value is Ellipsis


def answers(episode: str) -> dict[str, dict]:
    """The texts the build extracted from the episode's master: per exercise its hints, solution and args.

    Read from ``helpers/learner/exercises/answers/<episode>.json`` (again only
    when the file changes, e.g. after a rebuild); an assessment bundle ships
    without them, and then this is empty.
    """
    from helpers.learner.exercises import ANSWERS

    path = Path(ANSWERS) / f"{episode}.json"
    try:
        return _read_answers(str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        return {}


@functools.lru_cache(maxsize=32)
def _read_answers(path: str, _mtime_ns: int) -> dict[str, dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["exercises"]


class Exercise:
    """One graded exercise of one episode.

    Only the check is code kept here; what the learner reads (hints, the worked
    solution) and what the check receives (the check cell's arguments) come from
    the master, through the build, so they cannot drift from the notebooks.
    """

    def __init__(self, episode: str, name: str, checker, points: int = 1, success: str = "Well done."):
        self.episode, self.name, self.checker = episode, name, checker
        self.points, self.success = points, success
        self._params = list(inspect.signature(checker).parameters)
        self._hints_shown = 0

    @property
    def _texts(self) -> dict:
        return answers(self.episode).get(self.name, {})

    @property
    def hints(self) -> list[str]:
        return self._texts.get("hints", [])

    @property
    def solution_code(self) -> str:
        return self._texts.get("solution", "")

    @property
    def arguments(self) -> list[str]:
        """The expressions the episode's check cell passes, e.g. ``["model3", "classifier"]``."""
        return self._texts.get("args", [])

    @property
    def grade_args(self) -> str:
        """What an instructor's grader passes to the check: the check cell's own arguments."""
        return ", ".join(self.arguments)

    def _learner_names(self) -> dict[str, str]:
        """Check parameter → the learner's expression for it, where the check cell passes a plain name."""
        names = {}
        for param, expression in zip(self._params, self.arguments):
            if expression.isidentifier() and expression != param:
                names[param] = expression
        return names

    def _in_learner_terms(self, message: str) -> str:
        """``model`` → ``model3`` in backticked code: feedback names what the learner wrote."""
        for param, expression in self._learner_names().items():
            message = re.sub(rf"`{param}(?=[`.\[(])", f"`{expression}", message)
        return message

    def __repr__(self) -> str:
        return f"<exercise {self.episode}/{self.name}: check({', '.join(self._params)})>"

    def _result(self, status: str, message: str) -> Result:
        points = self.points if status == "correct" else 0
        return Result(self.episode, self.name, status, message, points, self.points)

    def evaluate(self, *args, **kwargs) -> Result:
        """Grade without writing to the log; never raises."""
        try:
            bound = inspect.signature(self.checker).bind(*args, **kwargs)
        except TypeError as exc:
            return self._result(
                "error", f"check() takes ({', '.join(self._params)}); it was called differently: {exc}."
            )
        blank = [name for name, value in bound.arguments.items() if _is_blank(value)]
        if blank:
            names = ", ".join(f"`{self._learner_names().get(name, name)}`" for name in blank)
            return self._result(
                "unattempted",
                f"Not attempted yet: {names} {'is' if len(blank) == 1 else 'are'} still `...` or None. "
                "Replace it with your answer and run the cell again.",
            )
        try:
            message = self.checker(*bound.args, **bound.kwargs)
        except Incorrect as mistake:
            return self._result("incorrect", self._in_learner_terms(str(mistake)))
        except Exception as exc:  # a fault of the check, or input it did not foresee
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return self._result(
                "error",
                f"The check could not finish: {type(exc).__name__}: {exc} "
                f"(in {where.name}, line {where.lineno}). Look at the values you passed; "
                "if they look right, ask an instructor.",
            )
        return self._result("correct", message or self.success)

    def check(self, *args, **kwargs) -> Result:
        """Grade the learner's answer, log it and return a displayable result."""
        result = self.evaluate(*args, **kwargs)
        results_log.append(result.as_record())
        reporting.report(result.as_record())  # to its listeners, e.g. a joined live room; never waits, never prints
        return result

    def assert_passed(self, *args, **kwargs) -> Result:
        """For solution notebooks: fail loudly when the check and its solution drift apart."""
        result = self.check(*args, **kwargs)
        if not result.passed:
            raise AssertionError(f"the solution does not pass its own check:\n{result}")
        return result

    def hint(self) -> _Text:
        """The next hint (the last one repeats)."""
        if not self.hints:
            return _Text(f"No hints for {self.name}", "Hints are not available in this copy of the course.")
        index = min(self._hints_shown, len(self.hints) - 1)
        self._hints_shown += 1
        return _Text(f"Hint {index + 1} of {len(self.hints)} for {self.name}", self.hints[index])

    def solution(self) -> _Text:
        """The master's solution region for this exercise, exactly as the solution notebook runs it."""
        if not self.solution_code:
            return _Text(f"No solution for {self.name}", "The solution is not available in this copy of the course.")
        return _Text(f"A solution to {self.name}", self.solution_code, code=True)


def exercises_of(module) -> dict[str, Exercise]:
    """The exercises a module defines, by name (for the grader and progress)."""
    return {name: obj for name, obj in vars(module).items() if isinstance(obj, Exercise)}


def as_number(value, name: str, what: str = "a number") -> float:
    """``value`` as a float, or :class:`Incorrect` saying what it should be (strings are refused)."""
    import numpy as np

    array = np.asarray(value) if not isinstance(value, (str, bytes)) else None
    if array is None or array.size != 1 or not np.issubdtype(array.dtype, np.number):
        raise Incorrect(f"`{name}` should be {what}, a single number; it is a {type(value).__name__}.")
    return float(array.reshape(()))
