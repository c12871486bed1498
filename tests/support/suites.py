"""The test suites pyproject.toml declares (its markers), and which of them a CI script runs.

The README's ``pytest`` leaves out every declared marker (addopts' ``-m``); ``.ci/run`` runs them all in
one more command, whose ``-m`` is read from pyproject.toml here (``python3 -m tests.support.suites``
prints it), so a suite declared there runs on every landing without anyone adding it by hand.
tests/test_every_suite_runs.py fails when a declared marker is run by no pytest command of ``.ci/run``.
"""

from __future__ import annotations

import re
import shlex
import sys
import tomllib
from pathlib import Path

from _pytest.mark.expression import Expression  # pytest's own evaluator of `-m` expressions

ROOT = Path(__file__).resolve().parents[2]
# How .ci/run asks for the expression below; unrun() expands it the way the shell would.
EVERY_SUITE_COMMAND = "$(python3 -m tests.support.suites)"


def _pytest_options(pyproject: str) -> dict:
    return tomllib.loads(pyproject)["tool"]["pytest"]["ini_options"]


def declared(pyproject: str) -> list[str]:
    """The markers pyproject.toml declares, in its order: "name: what it runs" -> name."""
    return [line.split(":", 1)[0].strip() for line in _pytest_options(pyproject)["markers"]]


def every_suite(pyproject: str) -> str:
    """The ``-m`` expression that selects every declared suite."""
    return " or ".join(declared(pyproject))


def default_expression(pyproject: str) -> str:
    """The ``-m`` a plain ``pytest`` runs with (addopts'), or "" when addopts sets none."""
    words = shlex.split(_pytest_options(pyproject).get("addopts", ""))
    return words[words.index("-m") + 1] if "-m" in words else ""


def pytest_expressions(script: str, pyproject: str) -> list[str]:
    """The ``-m`` of every pytest command in a shell script (a plain ``pytest``: addopts' own).

    A variable set to ``$(python3 -m tests.support.suites)`` and used as ``-m "$name"`` is expanded as the shell
    would; any other expansion is an error, not a guess."""
    found, variables = [], {}
    for line in script.replace("\\\n", " ").splitlines():
        if line.lstrip().startswith("#") or not ("pytest" in line or re.match(r"\s*\w+=", line)):
            continue
        words = shlex.split(line, comments=True)
        if len(words) == 1 and re.fullmatch(r"\w+=.*", words[0]):
            name, value = words[0].split("=", 1)
            variables[name] = every_suite(pyproject) if value == EVERY_SUITE_COMMAND else value
            continue
        if "pytest" not in words:
            continue
        options = words[words.index("pytest") + 1:]
        given = [options[i + 1] for i, w in enumerate(options[:-1]) if w == "-m"]
        expression = given[-1] if given else default_expression(pyproject)
        if expression == EVERY_SUITE_COMMAND:
            expression = every_suite(pyproject)
        elif expression.startswith("$"):
            name = expression.strip("${}")
            if name not in variables:
                raise ValueError(f"pytest -m {expression}: {name} is not set in the script")
            expression = variables[name]
        found.append(expression)
    return found


def selects(expression: str, marker: str) -> bool:
    """Does ``-m expression`` select a test that carries ``marker`` (and no other declared marker)?"""
    return not expression or Expression.compile(expression).evaluate(lambda name, **_: name == marker)


def unrun(script: str, pyproject: str) -> list[str]:
    """The declared markers that no pytest command of ``script`` selects."""
    expressions = pytest_expressions(script, pyproject)
    return [m for m in declared(pyproject) if not any(selects(e, m) for e in expressions)]


if __name__ == "__main__":
    sys.stdout.write(every_suite((ROOT / "pyproject.toml").read_text(encoding="utf-8")) + "\n")
