"""Build each episode's learner and solution notebooks from its one master.

A master (``masters/NN-slug.py``) is a jupytext percent notebook. In it:

* a region between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` lines (the
  BEGIN line may carry a prompt: ``# BEGIN SOLUTION: build the classifier``)
  becomes, in the learner's version, that prompt as a ``# TODO`` comment and
  ``name = ...`` for every name the region assigns at its top level (or a bare
  ``...`` when it assigns none), so later check cells see "unattempted";
* a cell tagged ``solution`` appears only in the solution version;
* ``.assert_passed(`` becomes ``.check(`` in the learner's version.

Both versions are written as ``.py`` (percent) and ``.ipynb`` without
outputs, carrying ``course`` metadata (episode, version) that graders read.
``--check`` compares what is committed with what would be written.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[2]
MASTERS = ROOT / "masters"
VERSIONS = {"solution": ROOT / "solutions", "learner": ROOT / "episodes"}
_BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION:?\s*(?P<prompt>.*)$")
_END = re.compile(r"^\s*# END SOLUTION\s*$")


class BuildError(ValueError):
    """A master is malformed (unbalanced markers, say)."""


def assigned_names(code: str) -> list[str]:
    """Names a region binds at its top level, in order (``a =``, ``a, b =``, ``def a``)."""
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


def strip_solutions(source: str, where: str = "cell") -> str:
    """The learner's version of one code cell's source."""
    out: list[str] = []
    region: list[str] | None = None
    indent = prompt = ""
    for line in source.splitlines():
        begin = _BEGIN.match(line)
        if begin:
            if region is not None:
                raise BuildError(f"{where}: BEGIN SOLUTION inside another solution region")
            region, indent, prompt = [], begin["indent"], begin["prompt"].strip()
        elif _END.match(line):
            if region is None:
                raise BuildError(f"{where}: END SOLUTION without BEGIN SOLUTION")
            code = "\n".join(l[len(indent):] if l.startswith(indent) else l for l in region)
            out.append(f"{indent}# TODO: {prompt or 'your code here'}")
            names = assigned_names(code)
            out.extend(f"{indent}{name} = ..." for name in names) if names else out.append(f"{indent}...")
            region = None
        elif region is not None:
            region.append(line)
        else:
            out.append(line)
    if region is not None:
        raise BuildError(f"{where}: BEGIN SOLUTION without END SOLUTION")
    return "\n".join(out).replace(".assert_passed(", ".check(")


def _without_markers(source: str) -> str:
    return "\n".join(l for l in source.splitlines() if not (_BEGIN.match(l) or _END.match(l)))


def make_version(master: nbformat.NotebookNode, version: str, episode: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(master)
    cells = []
    for index, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "code":
            if version == "learner":
                if "solution" in tags:
                    continue
                cell.source = strip_solutions(cell.source, f"{episode} cell {index}")
            else:
                cell.source = _without_markers(cell.source)
            cell.outputs, cell.execution_count = [], None
        cell.id = f"{version[0]}{index:03d}"  # stable ids: a rebuild changes nothing
        cells.append(cell)
    nb.cells = cells
    nb.metadata["course"] = {"episode": episode, "version": version}
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata.pop("jupytext", None)
    return nb


def rendered(master_path: Path) -> dict[Path, str]:
    """Every file a master produces, with its exact text."""
    episode = master_path.stem
    master = jupytext.read(master_path)
    files = {}
    for version, folder in VERSIONS.items():
        nb = make_version(master, version, episode)
        files[folder / f"{episode}.ipynb"] = nbformat.writes(nb) + "\n"
        files[folder / f"{episode}.py"] = jupytext.writes(nb, fmt="py:percent")
    return files


def build(check: bool = False, masters: list[Path] | None = None) -> list[Path]:
    """Write (or, with ``check``, compare) every generated file; return those that differ."""
    differ = []
    for master_path in masters or sorted(MASTERS.glob("[0-9][0-9]-*.py")):
        for path, text in rendered(master_path).items():
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                differ.append(path)
                if not check:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text, encoding="utf-8")
    return differ
