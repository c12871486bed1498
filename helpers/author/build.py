"""Build each episode's learner and solution notebooks, and its exercise texts, from its one master.

A master (``masters/NN-slug.py``) is a jupytext percent notebook. In it:

* a region between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` lines (the
  BEGIN line may carry a prompt: ``# BEGIN SOLUTION: build the classifier``)
  becomes, in the learner's version, that prompt as a ``# TODO`` comment and
  ``name = ...`` for every name the region assigns at its top level (or a bare
  ``...`` when it assigns none), so later check cells see "unattempted";
* ``# HINT: ...`` lines at the top of a region (a hint may go on over lines
  that start with ``#`` and at least two spaces) are the exercise's hints, in
  the order the learner gets them; they appear in neither notebook;
* the first check cell after a region (``ex.<name>.assert_passed(<args>)``)
  names the exercise the region solves and the expressions its check receives;
* a cell tagged ``solution`` appears only in the solution version;
* ``.assert_passed(`` becomes ``.check(`` in the learner's version, and the build adds the
  learner's help cells after each check (:func:`help_cells`: hint, solution, ``carry_on()``).

The region's code is the exercise's solution: the build writes it, the hints
and the check cell's arguments to ``helpers/learner/exercises/answers/<episode>.json``,
which ``ex.<name>.solution()``, ``hint()`` and the grader read. So the solution
a learner is shown is, byte for byte, the code the solution notebook runs.
Like d2l's ``#@save``, the book is the source and the library is generated.

Both notebook versions are written as ``.py`` (percent) and ``.ipynb`` without
outputs, carrying ``course`` metadata (episode, version, and whatever the
master's own ``course`` header declares, e.g. ``key_numbers``) that graders and
benchmarks read. ``--check`` compares what is committed with what would be written.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat

from helpers.author import publishing
from helpers.author.errors import BuildError
from helpers.learner.checking import assigned_names
from helpers.learner.paths import ROOT

MASTERS = ROOT / "masters"
VERSIONS = {"solution": ROOT / "solutions", "learner": ROOT / "episodes"}
ANSWERS = ROOT / "helpers" / "learner" / "exercises" / "answers"
_BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION:?\s*(?P<prompt>.*)$")
_END = re.compile(r"^\s*# END SOLUTION\s*$")
_HINT = re.compile(r"^\s*# HINT:\s*(?P<text>.*)$")
_HINT_MORE = re.compile(r"^\s*#\s{2,}(?P<text>\S.*)$")
CHECK_METHODS = ("assert_passed", "check")


def masters(folder: Path | None = None) -> list[Path]:
    """Every episode's master, in order: the one list of episodes (``NN-slug.py``)."""
    return sorted((folder or MASTERS).glob("[0-9][0-9]-*.py"))


def needs(master_path: Path) -> list[str]:
    """The data sets and weights an episode needs in the full profile, from the loaders its master calls."""
    from helpers.learner.data import notebook_resources

    return notebook_resources(jupytext.read(master_path).cells)


@dataclass
class Region:
    """One solution region of a master: its prompt, its hints and its code (markers and hints left out)."""

    prompt: str
    hints: list[str] = field(default_factory=list)
    code: str = ""


def _dedent(lines: list[str], indent: str) -> str:
    return "\n".join(l[len(indent):] if l.startswith(indent) else l for l in lines)


def split_cell(source: str, where: str = "cell") -> tuple[str, str, list[Region]]:
    """A code cell's (learner source, solution source, solution regions)."""
    learner: list[str] = []
    solution: list[str] = []
    regions: list[Region] = []
    body: list[str] | None = None
    indent = ""
    region: Region | None = None
    in_hints = False
    for line in source.splitlines():
        begin = _BEGIN.match(line)
        if begin:
            if body is not None:
                raise BuildError(f"{where}: BEGIN SOLUTION inside another solution region")
            body, indent, in_hints = [], begin["indent"], True
            region = Region(begin["prompt"].strip())
        elif _END.match(line):
            if body is None:
                raise BuildError(f"{where}: END SOLUTION without BEGIN SOLUTION")
            region.code = _dedent(body, indent).strip("\n")
            regions.append(region)
            learner.append(f"{indent}# TODO: {region.prompt or 'your code here'}")
            names = assigned_names(region.code)
            learner.extend(f"{indent}{name} = ..." for name in names) if names else learner.append(f"{indent}...")
            body = region = None
        elif body is not None:
            hint, more = _HINT.match(line), _HINT_MORE.match(line)
            if in_hints and hint:
                region.hints.append(hint["text"].strip())
            elif in_hints and more and region.hints:
                region.hints[-1] += " " + more["text"].strip()
            else:
                in_hints = False
                body.append(line)
                solution.append(line)
        else:
            learner.append(line)
            solution.append(line)
    if body is not None:
        raise BuildError(f"{where}: BEGIN SOLUTION without END SOLUTION")
    return "\n".join(learner).replace(".assert_passed(", ".check("), "\n".join(solution), regions


def strip_solutions(source: str, where: str = "cell") -> str:
    """The learner's version of one code cell's source."""
    return split_cell(source, where)[0]


def check_calls(source: str) -> list[tuple[str, list[str]]]:
    """``(exercise, [argument expressions])`` for each ``<module>.<exercise>.assert_passed(...)`` in a cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in CHECK_METHODS and isinstance(node.func.value, ast.Attribute)
                and isinstance(node.func.value.value, ast.Name)):
            args = [ast.get_source_segment(source, a) for a in node.args]
            args += [f"{k.arg}={ast.get_source_segment(source, k.value)}" for k in node.keywords]
            calls.append((node.func.value.attr, args))
    return calls


def help_cells(exercise: str, after: str) -> list[nbformat.NotebookNode]:
    """The learner's cells after an exercise's check: a hint, the worked solution, and carrying on.

    Written by the build, the same for every exercise, so no episode can forget them: one call per
    cell, so a learner who asks for a hint, another hint, then the solution sees each in turn; and
    ``carry_on()``, which keeps the learner's answer if it passed and otherwise runs the worked
    solution, so a learner who is stuck can run every later cell (it never earns a grade).
    """
    sources = [
        ("h", f'# ex.{exercise}.hint()  # stuck? delete the "# " and run this cell; run it again for the next hint'),
        ("s", f'# ex.{exercise}.solution()  # a worked solution, when the hints are not enough'),
        ("c", f"ex.{exercise}.carry_on()  # your answer if it passed, else the worked solution, for the cells below"),
    ]
    cells = []
    for suffix, source in sources:
        cell = nbformat.v4.new_code_cell(source)
        cell.id = f"{after}{suffix}"
        cells.append(cell)
    return cells


def make_versions(master: nbformat.NotebookNode, episode: str) -> tuple[dict, dict]:
    """The learner and solution notebooks of one master, and its exercises' texts."""
    versions = {version: copy.deepcopy(master) for version in VERSIONS}
    exercises: dict[str, dict] = {}
    pending: list[Region] = []
    kept: dict[str, list] = {version: [] for version in VERSIONS}
    for index, cell in enumerate(master.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "code":
            learner_src, solution_src, regions = split_cell(cell.source, f"{episode} cell {index}")
            checked = check_calls(solution_src)
            pending += regions
            for name, args in checked:
                if not pending:
                    raise BuildError(f"{episode} cell {index}: the check of {name!r} has no solution region before it")
                if name in exercises:
                    raise BuildError(f"{episode} cell {index}: {name!r} is checked twice")
                exercises[name] = {
                    "prompt": " / ".join(r.prompt for r in pending),
                    "hints": [h for r in pending for h in r.hints],
                    "solution": "\n\n".join(r.code for r in pending),
                    "args": args,
                }
                pending = []
        for version in VERSIONS:
            if version == "learner" and "solution" in tags:
                continue
            out = copy.deepcopy(cell)
            if cell.cell_type == "code":
                out.source = learner_src if version == "learner" else solution_src
                out.outputs, out.execution_count = [], None
                if checked:  # what the grader passes to each check, recorded where it is written
                    out.metadata["course"] = {"checks": {name: args for name, args in checked}}
            out.id = f"{version[0]}{index:03d}"  # stable ids: a rebuild changes nothing
            kept[version].append(out)
            if version == "learner" and cell.cell_type == "code":
                kept[version] += [cell for name, _ in checked for cell in help_cells(name, f"l{index:03d}")]
    if pending:
        raise BuildError(f"{episode}: a solution region ({pending[0].prompt!r}) has no check cell after it")
    for name, exercise in exercises.items():
        if not exercise["hints"]:
            raise BuildError(f"{episode}: exercise {name!r} has no `# HINT:` line in its solution region")
    notebooks = {}
    declared = dict(master.metadata.get("course", {}))
    for version, nb in versions.items():
        nb.cells = kept[version]
        # what the master declares (e.g. the benchmarks' key numbers) is for the solution's runners only
        nb.metadata["course"] = {**(declared if version == "solution" else {}), "episode": episode, "version": version}
        nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
        nb.metadata.pop("jupytext", None)
        notebooks[version] = nb
    return notebooks, exercises


def _without_check_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The ``.py`` a learner reads keeps only tags: the check record is for tools, in the ``.ipynb``."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.metadata.pop("course", None)
    return nb


def _without_writer_version(text: str) -> str:
    """The paired ``.py`` less jupytext's ``jupytext_version:`` header line, which names the jupytext
    that wrote it: with it, ``build --check`` failed wherever another jupytext the range allows was
    installed (1.16 to 1.19, .ci/oldest), though every cell was the same. Jupytext does not need it
    to read the file back."""
    return re.sub(r"(?m)^#\s+jupytext_version: \S+\n", "", text, count=1)


def rendered(master_path: Path) -> dict[Path, str]:
    """Every file a master produces, with its exact text."""
    episode = master_path.stem
    notebooks, exercises = make_versions(jupytext.read(master_path), episode)
    repository, branch = publishing.settings()
    files = {}
    for version, folder in VERSIONS.items():
        if repository:  # links under the title, Colab's set-up cell (see publishing.py); blank: nothing
            publishing.decorate(notebooks[version], repository, branch, f"{folder.name}/{episode}.ipynb",
                                needs(master_path))
        files[folder / f"{episode}.ipynb"] = nbformat.writes(notebooks[version]) + "\n"
        files[folder / f"{episode}.py"] = _without_writer_version(
            jupytext.writes(_without_check_metadata(notebooks[version]), fmt="py:percent"))
    if exercises:
        files[ANSWERS / f"{episode}.json"] = json.dumps(
            {"episode": episode, "generated_from": f"masters/{master_path.name}", "exercises": exercises},
            indent=1, ensure_ascii=False) + "\n"
    return files


def build(check: bool = False, masters_: list[Path] | None = None) -> list[Path]:
    """Write (or, with ``check``, compare) every generated file; return those that differ."""
    from helpers.author import episode_table

    differ = []
    files = {path: text for master_path in masters_ or masters() for path, text in rendered(master_path).items()}
    readme = ROOT / "README.md"
    if readme.exists():  # the links table between README's <!-- links --> markers, for every episode
        files[readme] = publishing.readme_with_links(readme.read_text(encoding="utf-8"), *publishing.settings(),
                                                     [m.stem for m in masters()])
    files.update(episode_table.generated(ROOT, masters(), files.get(readme)))  # the schedule, README's table
    for path, text in files.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            differ.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return differ


def paste_solutions(learner: nbformat.NotebookNode, solutions: dict[str, tuple[str, str]]) -> nbformat.NotebookNode:
    """The learner's notebook with each blank replaced by a solution text, as a learner would paste it.

    ``solutions`` maps an exercise to ``(prompt, code)``: the blank is the
    ``# TODO: <prompt>`` line and the ``name = ...`` stubs after it.
    """
    nb = copy.deepcopy(learner)
    for name, (prompt, code) in solutions.items():
        todo = re.compile(rf"^(?P<indent>\s*)# TODO: {re.escape(prompt or 'your code here')}$")
        for cell in nb.cells:
            lines = cell.source.splitlines()
            at = next((i for i, line in enumerate(lines) if todo.match(line)), None)
            if cell.cell_type != "code" or at is None:
                continue
            indent = todo.match(lines[at])["indent"]
            stubs = [f"{indent}{n} = ..." for n in assigned_names(code)] or [f"{indent}..."]
            if lines[at + 1:at + 1 + len(stubs)] != stubs:
                raise BuildError(f"{name}: the blank after '# TODO: {prompt}' is not {stubs}")
            pasted = [f"{indent}{line}" if line else line for line in code.splitlines()]
            cell.source = "\n".join(lines[:at] + pasted + lines[at + 1 + len(stubs):])
            break
        else:
            raise BuildError(f"{name}: no blank '# TODO: {prompt}' in the learner's notebook")
    return nb
