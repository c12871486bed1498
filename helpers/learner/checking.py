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

import ast
import contextlib
import functools
import html
import inspect
import json
import logging
import re
import sys
import textwrap
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

from helpers.learner import reporting, results_log

STATUSES = ("correct", "incorrect", "unattempted", "error")
_ICONS = {"correct": "✅", "incorrect": "❌", "unattempted": "✏️", "error": "⚠️"}
_PLAIN = {"correct": "correct", "incorrect": "not correct yet", "unattempted": "not done yet",
          "error": "not checkable yet"}
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


class _Note:
    """One line for the learner (what ``carry_on`` did): plain in a terminal, Markdown in a notebook."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text


def assigned_names(code: str) -> list[str]:
    """Names a piece of code binds at its top level, in order (``a =``, ``a, b =``, ``def a``).

    The build blanks these names in the learner's version; ``carry_on`` names them when it runs the
    worked solution in their place.
    """
    names: list[str] = []

    def add(target):
        if isinstance(target, ast.Name) and target.id not in names:
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                add(element)

    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                add(target)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            add(node.target)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name not in names:
            names.append(node.name)
    return names


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
        self._last_check: tuple[tuple, Result] | None = None  # (ids of the values checked, their verdict)

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
        self._last_check = (_identities(args, kwargs), result)
        results_log.append(result.as_record())
        reporting.report(result.as_record())  # to its listeners, e.g. a joined live room; never waits, never prints
        return result

    def assert_passed(self, *args, **kwargs) -> Result:
        """For solution notebooks: fail loudly when the check and its solution drift apart."""
        result = self.check(*args, **kwargs)
        if not result.passed:
            raise AssertionError(f"the solution does not pass its own check:\n{result}")
        return result

    def carry_on(self, namespace: dict | None = None) -> _Note:
        """Keep the learner's answer if it passes; otherwise run the worked solution, so later cells work.

        A learner who is stuck on one exercise can still follow the rest of the
        episode. It never earns a grade: it writes nothing to the results log or
        the live room, and the grader judges each exercise where its check cell
        (or this call, if the check cell was deleted) stands, before the worked
        solution has run. ``namespace`` defaults to the calling notebook's globals.
        """
        namespace = sys._getframe(1).f_globals if namespace is None else namespace
        verdict = self._verdict_in(namespace)
        made = assigned_names(self.solution_code) if self.solution_code else []
        blank = [f"`{n}`" for n in made if _is_blank(namespace.get(n))]  # e.g. `fit` run, its history not kept
        if verdict.passed and not blank:
            return _Note(f"✅ Carrying on with your own answer to {self.name}.")
        state = (f"passed, but {_and(blank)} {'is' if len(blank) == 1 else 'are'} still blank" if verdict.passed
                 else f"is {_PLAIN[verdict.status]}")
        if not made:
            return _Note(f"⚠️ {self.name} {state}, and this copy of the course has no worked solution: "
                         "finish the exercise before you run the cells below it.")
        try:
            with _quiet_tensorflow():
                exec(compile(self.solution_code, f"<worked solution of {self.name}>", "exec"), namespace)
        except Exception as exc:  # the learner's earlier cells left something the solution needs in another state
            return _Note(f"⚠️ {self.name} {state}, and the worked solution could not run here "
                         f"({type(exc).__name__}: {exc}). Run the notebook from the top, or ask an instructor.")
        return _Note(f"↪️ {self.name} {state}, so the cells below use the worked solution's "
                     f"{_and(f'`{n}`' for n in made)}. Your check still says {verdict.status}: "
                     "come back to the exercise any time.")

    def _verdict_in(self, namespace: dict) -> Result:
        """The check's verdict on the check cell's own arguments, read from ``namespace``
        (the last ``check()``'s, when it judged these very objects: no second training step)."""
        try:
            args = [eval(a, namespace) for a in self.arguments if not _keyword(a)]  # noqa: S307 the master's own text
            kwargs = {k: eval(v, namespace) for k, v in filter(None, map(_keyword, self.arguments))}  # noqa: S307
        except Exception as exc:
            return self._result("unattempted", f"Its values are not there yet ({type(exc).__name__}: {exc}).")
        if self._last_check and self._last_check[0] == _identities(args, kwargs):
            return self._last_check[1]
        return self.evaluate(*args, **kwargs)

    def hint(self) -> _Text:
        """The next hint (the last one repeats, and points to the solution)."""
        if not self.hints:
            return _Text(f"No hints for {self.name}", "Hints are not available in this copy of the course.")
        index = min(self._hints_shown, len(self.hints) - 1)
        last = self._hints_shown >= len(self.hints) - 1
        self._hints_shown += 1
        more = f"\n\nThat was the last hint. Still stuck? `ex.{self.name}.solution()` shows a worked answer." if last else ""
        return _Text(f"Hint {index + 1} of {len(self.hints)} for {self.name}", self.hints[index] + more)

    def solution(self) -> _Text:
        """The master's solution region for this exercise, exactly as the solution notebook runs it."""
        if not self.solution_code:
            return _Text(f"No solution for {self.name}", "The solution is not available in this copy of the course.")
        return _Text(f"A solution to {self.name}", self.solution_code, code=True)


@contextlib.contextmanager
def _quiet_tensorflow():
    """TensorFlow's Python warnings (e.g. "5 out of the last 5 calls ... triggered tf.function retracing")
    are about the worked solution's speed, not the learner's work: not shown while it runs for them."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _and(words) -> str:
    words = list(words)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def _identities(args, kwargs) -> tuple:
    return tuple(id(a) for a in args) + tuple((k, id(v)) for k, v in sorted(kwargs.items()))


def _keyword(argument: str):
    """``("k", "expr")`` for a check cell's keyword argument ``k=expr``, else ``None``."""
    match = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*=(?!=)\s*(.*)", argument, re.S)
    return (match[1], match[2]) if match else None


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
