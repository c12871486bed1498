"""A notebook's cells run on one worker, in one kernel, whatever pytest and xdist versions do.

Runs the course's own conftest.py and pyproject options (``-n 2 --dist loadfile``) on a throw-away
folder in a subprocess: two small notebooks whose cells depend on each other, and a file that
conftest.py lets spread over both workers. Under the grouping that broke with pytest 9.2
(``xdist_group`` marks read through ``item._nodeid``) the cells went to both workers and raised
``NameError``; this test fails then.
"""

import re
import shutil
import subprocess
import sys

import nbformat

from conftest import SPREAD_ACROSS_WORKERS, START_FIRST
from helpers.author import build

CELLS = 8


def _notebook(path):
    cells = ["import time\nx = 0"] + ["time.sleep(0.2)\nx += 1"] * CELLS + [f"assert x == {CELLS}"]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), path)


def _spread_tests(path):
    path.parent.mkdir(parents=True)
    path.write_text("import time\n\nimport pytest\n\n\n@pytest.mark.parametrize('i', range(6))\n"
                    "def test_one_notebook_each(i):\n    time.sleep(1.0)\n")


def test_each_notebook_runs_on_one_worker_and_spread_files_use_both(tmp_path):
    # The spread file comes first: xdist hands each worker its first units (at least two) at once, so
    # if each of its tests is a unit of its own, both workers run some of them, however loaded the machine.
    shutil.copy(build.ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "solutions").mkdir()
    _notebook(tmp_path / "solutions" / "first.ipynb")
    _notebook(tmp_path / "solutions" / "second.ipynb")
    spread = SPREAD_ACROSS_WORKERS[0]
    _spread_tests(tmp_path / spread)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(build.ROOT / "pyproject.toml"), "--rootdir", str(tmp_path),
         "-n", "2", "-v", spread, "solutions"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert "NameError" not in output, output
    assert result.returncode == 0, output
    workers = {}
    passed = re.findall(r"\[(gw\d)\] \[\s*\d+%\] PASSED (\S+)", output)
    assert len(passed) == 2 * (CELLS + 2) + 6, output
    for name in ("solutions/first", "solutions/second", spread):
        workers[name] = {worker for worker, nodeid in passed if nodeid.startswith(name)}
    assert len(workers["solutions/first"]) == 1 and len(workers["solutions/second"]) == 1, output
    assert workers[spread] == {"gw0", "gw1"}, output


def test_spread_files_exist():
    for path in SPREAD_ACROSS_WORKERS:
        assert (build.ROOT / path).is_file(), f"conftest.py's SPREAD_ACROSS_WORKERS names a missing file: {path}"
    for path in START_FIRST:
        assert (build.ROOT / path).is_file(), f"conftest.py's START_FIRST names a missing file: {path}"
