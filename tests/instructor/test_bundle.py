"""`python -m helpers bundle --assessment OUT/`: learner notebooks and helpers without any solution text."""

import json
import os
import re
import subprocess
import sys

import pytest

from helpers.author import build

MASTERS = build.ROOT / "masters"


def regions():
    """Every solution region of every master: (master, its code lines), read here independently of the bundler."""
    found = []
    for master in sorted(MASTERS.glob("*.py")):
        text = master.read_text(encoding="utf-8")
        for block in re.findall(r"# BEGIN SOLUTION[^\n]*\n(.*?)\n\s*# END SOLUTION", text, flags=re.S):
            lines = [line.strip() for line in block.splitlines()
                     if line.strip() and not line.strip().startswith("#")]
            found.append((master.name, lines))
    return found


def outside_regions():
    """What the masters say outside their solution regions: a line stated there is not a secret."""
    return "\n".join(re.sub(r"# BEGIN SOLUTION.*?# END SOLUTION", "", master.read_text(encoding="utf-8"), flags=re.S)
                     for master in sorted(MASTERS.glob("*.py")))


def bundle(tmp_path, *extra):
    out = tmp_path / "exam"
    result = subprocess.run([sys.executable, "-m", "helpers", "bundle", "--assessment", str(out), *extra],
                            capture_output=True, text=True, timeout=300)
    return out, result


@pytest.fixture(scope="module")
def exam(tmp_path_factory):
    out, result = bundle(tmp_path_factory.mktemp("bundle"), "--no-hints")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def bundle_text(folder):
    """Each file's text as a reader sees it (a notebook's cells, a JSON file's strings), by relative path."""
    texts = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        raw = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix in (".ipynb", ".json"):
            raw = "\n".join(strings(json.loads(raw)))
        texts[str(path.relative_to(folder))] = raw
    return texts


def test_no_solution_region_anywhere_in_the_bundle(exam):
    texts = bundle_text(exam)
    assert any(name.startswith("episodes/") for name in texts) and "helpers/learner/checking.py" in texts
    assert regions(), "no solution regions found in the masters"
    prose = outside_regions()
    for master, lines in regions():
        block = "\n".join(lines)
        for name, text in texts.items():
            assert block not in re.sub(r"^\s+", "", text, flags=re.M), (master, name)
            text_lines = {line.strip() for line in text.splitlines()}
            for line in lines:
                if len(line) < 12 or line in prose:  # the prose states it too: the learner version has it
                    continue
                in_check = name.startswith("helpers/learner/") and name.endswith(".py") and \
                    line in (build.ROOT / name).read_text(encoding="utf-8")
                assert line not in text_lines or in_check, (master, name, line)


def test_no_solutions_masters_build_or_grader(exam):
    for absent in ("solutions", "masters", "helpers/author", "helpers/instructor", "tests"):
        assert not (exam / absent).exists(), absent
    for path in (exam / "helpers" / "learner" / "exercises" / "answers").glob("*.json"):
        for texts in json.loads(path.read_text())["exercises"].values():
            assert texts["solution"] == "" and texts["hints"] == [] and texts["args"]


def test_solution_and_hint_say_they_are_withheld(exam):
    code = ("from helpers.learner.exercises import iris_cost as ex\n"
            "print(repr(ex.rmse.solution())); print(repr(ex.rmse.hint())); print(ex.rmse.grade_args)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=exam,
                            env={**os.environ, "PYTHONPATH": str(exam)})
    assert result.returncode == 0, result.stderr
    assert "not available in this copy" in result.stdout
    assert "frozen_rmse, model3, xc_test, yc_test" in result.stdout  # what the checks need stays
    assert str(exam) in subprocess.run([sys.executable, "-c", "import helpers; print(helpers.__file__)"],
                                       capture_output=True, text=True, cwd=exam,
                                       env={**os.environ, "PYTHONPATH": str(exam)}).stdout


def test_an_existing_folder_is_refused_without_force(tmp_path):
    (tmp_path / "exam").mkdir()
    _, result = bundle(tmp_path)
    assert result.returncode == 2 and "--force" in result.stdout and "Traceback" not in result.stderr
