"""``python -m helpers bundle --assessment OUT/``: what learners get for an assessment, without the answers.

In a workshop ``ex.<name>.solution()`` is one call away, so a grade measures
progress, not proof. For an assessment the bundle holds the learner
notebooks, the data, and a copy of the ``helpers`` package whose exercise
texts (``helpers/learner/exercises/answers/*.json``) keep each check's
arguments and prompt but not the solution (nor, with ``--no-hints``, the
hints): ``solution()`` then says it is not available. The author's build and
the instructor's tools stay out, and so do the solution notebooks and the
masters. Before it finishes, the bundle is searched for every line of every
solution region of every master: a line found anywhere stops it.

The grader grades a notebook from a bundle exactly like any other.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from helpers.learner.paths import ROOT
_BEGIN = re.compile(r"^\s*# BEGIN SOLUTION")
_END = re.compile(r"^\s*# END SOLUTION\s*$")
_HINT = re.compile(r"^\s*#\s*HINT")
SHIPPED = ("data", "pyproject.toml", "requirements.txt", "LICENSE", "LICENSE-CONTENT.md")
LEFT_OUT = ("author", "instructor", "__pycache__")


class BundleError(RuntimeError):
    """The bundle could not be written, or would contain a solution."""


def solution_regions(masters: Path = ROOT / "masters") -> dict[str, list[str]]:
    """Master file name → the text of each of its solution regions (hint comments left out)."""
    regions: dict[str, list[str]] = {}
    for master in sorted(masters.glob("*.py")):
        inside, current = False, []
        for line in master.read_text(encoding="utf-8").splitlines():
            if _BEGIN.match(line):
                inside, current = True, []
            elif _END.match(line) and inside:
                inside = False
                regions.setdefault(master.name, []).append("\n".join(current))
            elif inside and not _HINT.match(line) and not re.match(r"^\s*#\s{2,}", line):
                current.append(line)
    return regions


def telltale_lines(masters: Path = ROOT / "masters") -> set[str]:
    """Solution lines worth searching for: code lines that a master's text outside its regions does not contain
    (the prose may state a line, e.g. the input layer to use; the learner notebook rightly has it too)."""
    outside: list[str] = []
    for master in sorted(masters.glob("*.py")):
        inside = False
        for line in master.read_text(encoding="utf-8").splitlines():
            if _BEGIN.match(line):
                inside = True
            elif _END.match(line):
                inside = False
            elif not inside:
                outside.append(line)
    prose = "\n".join(outside)
    lines = set()
    for texts in solution_regions(masters).values():
        for text in texts:
            for line in text.splitlines():
                line = line.strip()
                if len(line) >= 12 and not line.startswith("#") and line not in prose:
                    lines.add(line)
    return lines


def find_solutions(folder: Path, masters: Path = ROOT / "masters") -> list[tuple[str, str]]:
    """(file, line) for every solution line found in any file under ``folder``."""
    lines = telltale_lines(masters)
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix == ".ipynb" or path.suffix == ".json":  # compare what JSON escapes, unescaped
            text = text.replace('\\"', '"').replace("\\n", "\n")
        for line in lines:
            if line in text:
                found.append((str(path.relative_to(folder)), line))
    return found


HINT_WITHHELD = "(This hint spells out a line of the solution, so it is withheld in this copy.)"


def _copy_helpers(target: Path, withhold_hints: bool) -> None:
    source = ROOT / "helpers"
    shutil.copytree(source, target / "helpers",
                    ignore=lambda folder, names: [n for n in names if n in LEFT_OUT or n.endswith(".pyc")])
    answers = target / "helpers" / "learner" / "exercises" / "answers"
    for path in sorted(answers.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        telltale = telltale_lines()
        for texts in data.get("exercises", {}).values():
            texts["solution"] = ""
            if withhold_hints:
                texts["hints"] = []
            texts["hints"] = [HINT_WITHHELD if any(line in hint for line in telltale) else hint
                              for hint in texts.get("hints", [])]
        data["withheld"] = ["solution", "hints"] if withhold_hints else ["solution"]
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _in_check_code(file: str, line: str) -> bool:
    """Whether a solution line is in the bundle only because a check computes the same thing itself
    (e.g. the 95% interval that the statistics check recomputes): the course's own check module, unchanged."""
    original = ROOT / file
    return file.startswith("helpers/learner/") and file.endswith(".py") and original.is_file() \
        and line in original.read_text(encoding="utf-8")


def write_assessment_bundle(out: Path, withhold_hints: bool = False, force: bool = False) -> Path:
    """Write the bundle into ``out`` (which must not exist, unless ``force``); refuse if a solution leaks."""
    out = Path(out)
    if out.exists():
        if not force:
            raise BundleError(f"{out} exists: choose a new folder, or pass --force to replace it.")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    try:
        shutil.copytree(ROOT / "episodes", out / "episodes", ignore=shutil.ignore_patterns("*.py", ".ipynb_checkpoints"))
        for name in SHIPPED:
            path = ROOT / name
            if path.is_dir():
                shutil.copytree(path, out / name, ignore=shutil.ignore_patterns("__pycache__"))
            elif path.is_file():
                shutil.copy2(path, out / name)
        _copy_helpers(out, withhold_hints)
        (out / "README.md").write_text(
            "# Transfer learning with TensorFlow and Keras: assessment copy\n\n"
            "`pip install -r requirements.txt`, then open the notebooks in `episodes/`. The checks work as in the "
            "course; `solution()`" + (" and `hint()` are" if withhold_hints else " is") +
            " withheld in this copy.\n", encoding="utf-8")
    except OSError as exc:
        raise BundleError(f"Could not write the bundle: {exc}") from None
    leaks = [(file, line) for file, line in find_solutions(out) if not _in_check_code(file, line)]
    if leaks:
        shutil.rmtree(out)
        where = "; ".join(f"{file}: {line[:60]}" for file, line in leaks[:5])
        raise BundleError(f"Refused: solution text would be in the bundle ({where}).")
    return out
