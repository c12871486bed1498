"""Episodes 03 and 04 at full size: the full profile's settings and data sizes, on replicas (long).

``pytest -m full_size``. The data the full profile needs cannot be fetched here, so the run uses
full-size replicas (tests/author/test_replicas.py; ``COURSE_REPLICAS`` names their folder, else they are
made once in ``_build/replicas``). Each solution notebook runs top to bottom in a fresh kernel in
the full profile, as ``pytest``'s nbval run does in the quick one (any cell error fails it; any
stderr output fails it, as the conftest hook does for nbval), with a timed client instead of nbval
because the checks below need each cell's seconds and when it first showed something:

- every check correct; every real-data claim reported as skipped (the replica announces itself);
- every cell that ran longer than 10 s showed progress (or a line) before its last 10 s;
- the figures (Run All, the five longest cells, the kernel's peak memory) are written to
  ``_build/full_size/<episode>.json`` for benchmarks/README.md and the README's episode table;
- then, as a learner sees it: JupyterLab in Chromium, Run All on episode 04's solution in the full
  profile; while a cell is still running ([*]) its output must hold tqdm's bar as a widget, saying
  what runs, how far it is and the time left ("features of the training images: 41%|████ | 9/22
  [00:10<00:14, ...]"), and the bar must move between two looks. Its screenshot is in
  tests/browser/_screenshots/ (and docs/lab-progress-full-profile.png).

Each test is a unit of its own under pytest-xdist (conftest.py's SPREAD_ACROSS_WORKERS), and this file's start
first (START_FIRST): in .ci/run, which runs every marked suite at once, episodes 03 and 04 run side by side, one
core each, while the other suites fill in. Their seconds are then each other's: the figures for
benchmarks/README.md come from ``benchmarks/run.py --profiles full-size``, run alone.
"""

import fcntl
import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest

from helpers.author import build
from tests.support.notebook_runs import longest, run_timed, silent_long_cells
from helpers.learner.data import replicas
from tests.browser.conftest import browser, running_lab, screenshots  # noqa: F401  (fixtures)
from tests.browser.test_jupyterlab import STDERR, menu, open_notebook

pytestmark = pytest.mark.full_size
OUT = build.ROOT / "_build" / "full_size"


@pytest.fixture(scope="session")
def full_size_replicas():
    from helpers.author.replicas import make

    named = os.environ.get(replicas.ENV)
    root = Path(named) if named else build.ROOT / "_build" / "replicas"
    root.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f".{root.name}.lock", "w") as lock:  # each worker asks: one makes them, the others wait
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / replicas.MANIFEST).is_file():  # written last, once every file is there
            make(root)
    return root


def test_full_size_replicas_have_the_real_shapes_and_dtypes(full_size_replicas, monkeypatch):
    """The replicas this run uses, at full size: Keras' own loaders read them, DenseNet121 loads the weights."""
    import keras
    import numpy as np

    from tests.author.test_replicas import REAL, _keras_reads

    root = full_size_replicas
    for module, path in (("mnist", "datasets/mnist.npz"), ("cifar10", "datasets/cifar-10-batches-py-target")):
        (x_train, y_train), (x_test, y_test) = _keras_reads(module, root / path, monkeypatch)
        got = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
        assert {k: (v.shape, str(v.dtype)) for k, v in got.items()} == REAL[module]
    for name, (shape, dtype) in REAL["dollar_street_10"].items():
        array = np.load(root / "datasets/dollar-street-10" / name, allow_pickle=False)
        assert (array.shape, str(array.dtype)) == (shape, dtype), name
    weights = root / "models/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5"
    model = keras.applications.DenseNet121(include_top=False, weights=str(weights), pooling="max",
                                           input_shape=(160, 160, 3))
    assert model.count_params() == 7_037_504  # the episode's 7,093,360 less its head's 55,856


# (episode, what its data lines must announce)
EPISODES = [
    ("03-mnist", [replicas.TITLES["mnist"], replicas.TITLES["cifar10"]]),
    ("04-dollar-street", [replicas.TITLES["dollar_street_10"], replicas.TITLES["densenet121_imagenet_notop"]]),
]


@pytest.mark.parametrize("episode, announced", EPISODES, ids=[e for e, _ in EPISODES])
def test_episode_runs_at_full_size(episode, announced, full_size_replicas, tmp_path):
    nb = nbformat.read(build.VERSIONS["solution"] / f"{episode}.ipynb", as_version=4)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{episode}.cells.jsonl").unlink(missing_ok=True)
    run = run_timed(nb, tmp_path, "full", env={replicas.ENV: str(full_size_replicas)}, timeout=3600,
                    cell_log=OUT / f"{episode}.cells.jsonl")
    (OUT / f"{episode}.json").write_text(json.dumps({k: v for k, v in run.items() if k != "records"}, indent=1))
    nbformat.write(nb, OUT / f"{episode}.ipynb")
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if o.get("output_type") == "stream")
    assert "Course profile 'full'" in printed
    for line in announced:
        assert line in printed and "every claim asserted only on the real data is skipped" in printed
    assert not [t for t in run["cells"] if t["stderr"]], [t for t in run["cells"] if t["stderr"]]
    assert run["records"] and {r["status"] for r in run["records"]} == {"correct"}, run["records"]
    assert not silent_long_cells(run["cells"]), silent_long_cells(run["cells"])
    print(episode, run["wall_seconds"], "s;", run["peak_rss_mb"], "MB;",
          [(t["cell"], t["seconds"]) for t in longest(run["cells"])])


LAB_EPISODE = "04-dollar-street"
BAR = ".widget-hprogress"
# "N/M [elapsed<left" as tqdm writes it: how far, how long so far, the estimate of the time left
COUNTS = re.compile(r"(\d+)/(\d+) \[(\d\d:)?\d\d:\d\d<(\d\d:)?\d\d:\d\d")


def running_bar(page):
    """(cell, the bar's text) of a cell still running whose output holds a progress widget, else None."""
    cells = page.locator(".jp-Notebook .jp-CodeCell", has=page.locator(BAR))
    for i in range(cells.count()):
        cell = cells.nth(i)
        if "*" in cell.locator(".jp-InputPrompt").inner_text():
            text = cell.locator(".jp-OutputArea .widget-hbox").last.inner_text()
            return cell, " ".join(text.split())
    return None


def test_a_long_cell_shows_a_moving_bar_with_the_time_left(browser, full_size_replicas, tmp_path,
                                                            screenshots):
    with running_lab(tmp_path, COURSE_PROFILE="full", COURSE_REPLICAS=str(full_size_replicas)) as lab:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        try:
            open_notebook(page, lab, f"solutions/{LAB_EPISODE}.ipynb")
            menu(page, "Run", "Run All Cells")
            deadline, seen = time.monotonic() + 900, None
            while time.monotonic() < deadline and not (seen and COUNTS.search(seen[1])):
                seen = running_bar(page)
                time.sleep(1)
            assert seen and COUNTS.search(seen[1]), f"no running cell showed a bar with counts: {seen}"
            cell, first = seen
            cell.scroll_into_view_if_needed()
            time.sleep(4)
            later = " ".join(cell.locator(".jp-OutputArea .widget-hbox").last.inner_text().split())
            shot = screenshots / f"lab-{LAB_EPISODE}-full-profile-progress.png"
            cell.screenshot(path=str(shot))
            print("progress bar:", first, "->", later, "; screenshot:", shot)
            assert later != first, (first, later)  # it moves: the count, the time, or the next bar
            assert not page.locator(STDERR).count(), page.locator(STDERR).all_inner_texts()
        finally:
            context.close()
            lab.shut_down_kernels()
