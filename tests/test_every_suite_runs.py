"""Every suite pyproject.toml declares runs on every landing: `.ci/run` runs each marker, the README's
`pytest` runs everything else, and the one command that runs the marked suites reports each one."""

import json
import subprocess
import sys

from tests.support import suite_times, suites

PYPROJECT = (suites.ROOT / "pyproject.toml").read_text(encoding="utf-8")
CI_RUN = (suites.ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_ci_run_runs_every_suite_pyproject_declares():
    assert len(suites.declared(PYPROJECT)) >= 8
    assert suites.unrun(CI_RUN, PYPROJECT) == []


def test_a_suite_declared_but_not_run_is_named():
    readme_only = "python3 -m pytest\n"
    assert suites.unrun(readme_only, PYPROJECT) == suites.declared(PYPROJECT)
    by_hand = "".join(f"python3 -m pytest -m {m}\n" for m in suites.declared(PYPROJECT))
    assert suites.unrun(by_hand, PYPROJECT) == []
    # a new suite declared in pyproject.toml: a script that lists the suites by hand misses it
    one_more = PYPROJECT.replace('markers = [\n', 'markers = [\n    "gpu: on the device machine",\n', 1)
    assert suites.declared(one_more)[0] == "gpu"
    assert suites.unrun(by_hand, one_more) == ["gpu"]
    assert suites.unrun(readme_only + by_hand, one_more) == []  # addopts does not leave it out: see the test below
    # ...and a script that reads them from pyproject.toml does not; a commented-out command runs nothing
    derived = f'python3 -m pytest -m "{suites.EVERY_SUITE_COMMAND}" --suite-times x.json\n'
    assert suites.unrun(readme_only + derived, one_more) == []
    assert suites.unrun("# " + derived, one_more) == suites.declared(one_more)
    assert suites.unrun("python3 -m pytest -m 'grading and not room'\n", PYPROJECT) == [
        m for m in suites.declared(PYPROJECT) if m != "grading"]


def test_the_readme_pytest_leaves_out_exactly_the_declared_suites():
    default = suites.default_expression(PYPROJECT)
    assert [m for m in suites.declared(PYPROJECT) if suites.selects(default, m)] == []
    assert suites.selects(default, "an_unmarked_test")
    every = suites.every_suite(PYPROJECT)
    assert all(suites.selects(every, m) for m in suites.declared(PYPROJECT))
    assert not suites.selects(every, "an_unmarked_test")


def test_the_module_prints_the_expression_ci_run_uses():
    printed = subprocess.run([sys.executable, "-m", "tests.support.suites"], cwd=suites.ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
    assert printed == suites.every_suite(PYPROJECT)
    assert f'"{suites.EVERY_SUITE_COMMAND}"' in CI_RUN


def test_each_suites_count_and_seconds():
    tests = {
        "a.py::one": {"markers": ["room"], "outcome": "passed", "seconds": 1.25},
        "a.py::two": {"markers": ["room"], "outcome": "failed", "seconds": 2.0},
        "b.py::three": {"markers": ["grading", "room"], "outcome": "skipped", "seconds": 0.5},
    }
    rows = suite_times.table(tests, ["room", "grading", "browser"])
    assert rows["room"] == {"tests": 3, "passed": 1, "failed": 1, "skipped": 1, "seconds": 3.8}
    assert rows["grading"] == {"tests": 1, "passed": 0, "failed": 0, "skipped": 1, "seconds": 0.5}
    assert suite_times.vanished(rows, "room or grading or browser") == ["browser"]
    assert suite_times.vanished(rows, "room or grading") == []


def test_a_selected_suite_that_runs_no_test_fails_the_run(tmp_path):
    """A real run: one room test passes, the grading suite it also selects runs nothing."""
    out = tmp_path / "suites.json"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.support.suite_times", "tests/instructor/test_live_room_setup.py", "-n", "0", "-q",
         "-m", "room or grading", "-k", "doctor_with_no_room", "--suite-times", str(out)],
        cwd=suites.ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stdout[-3000:]
    assert "1 passed" in run.stdout
    assert "-m room: 1 tests (1 passed, 0 failed, 0 skipped)" in run.stdout
    assert "-m grading is selected but ran no test" in run.stdout
    rows = json.loads(out.read_text())
    assert rows["room"]["passed"] == 1 and rows["grading"]["tests"] == 0 and rows["browser"]["tests"] == 0
