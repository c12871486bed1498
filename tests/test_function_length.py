"""No function in helpers/ longer than 60 lines: each one a reader can hold in their head.

Measured with ``ast`` from a function's ``def`` line to its last line (docstring, comments and nested
functions included), the way a reader meets it. A longer one is named with its place and length.
"""

import ast
from pathlib import Path

from helpers.learner.paths import ROOT

HELPERS = ROOT / "helpers"
LIMIT = 60


def function_lengths(folder: Path) -> list[tuple[int, str]]:
    """``(lines, "path:line name")`` for every function and method under ``folder``, longest first."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((node.end_lineno - node.lineno + 1, f"{path.relative_to(folder.parent)}:{node.lineno} {node.name}"))
    return sorted(found, reverse=True)


def test_no_function_in_helpers_is_longer_than_60_lines():
    too_long = [f"{where} ({lines} lines)" for lines, where in function_lengths(HELPERS) if lines > LIMIT]
    assert too_long == []


def test_the_measure_counts_a_function_from_def_to_its_last_line(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT))
    (tmp_path / "long.py").write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n")
    where = f"{tmp_path.name}/long.py"
    assert function_lengths(tmp_path) == [(LIMIT + 1, f"{where}:5 long"), (2, f"{where}:1 short")]
