"""Every figure is readable on its own: title, axis labels, a legend when several things are drawn."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.learner import plotting  # noqa: E402


class FakeHistory:  # what keras.callbacks.History exposes
    def __init__(self, n=5, val=True):
        self.history = {"loss": list(np.linspace(1, 0.2, n))}
        if val:
            self.history["val_loss"] = list(np.linspace(1.1, 0.4, n))


def labelled(fig, legend):
    ax = fig.axes[0]
    assert ax.get_title() or fig._suptitle is not None
    assert ax.get_xlabel() and ax.get_ylabel()
    assert (ax.get_legend() is not None) == legend


def test_learning_curves_one_and_several_runs():
    labelled(plotting.learning_curves(FakeHistory()), legend=True)
    labelled(plotting.learning_curves({"a": FakeHistory(), "b": FakeHistory(8, val=False)}), legend=True)
    with pytest.raises(ValueError, match="no 'accuracy'"):
        plotting.learning_curves(FakeHistory(), metric="accuracy")


def test_predictions_vs_truth():
    fig = plotting.predictions_vs_truth([1, 2, 3], {"m": [1.1, 2.2, 2.9], "n": [[1], [2], [3]]}, quantity="cost")
    labelled(fig, legend=True)
    assert fig.axes[0].get_xlabel() == "true cost"


def test_repeated_runs_with_reference():
    labelled(plotting.repeated_runs({"a": [0.8, 0.82], "b": [0.7, 0.75]}, reference=0.84), legend=True)
    labelled(plotting.repeated_runs({"a": [0.8, 0.82]}), legend=False)


def test_image_grid():
    fig = plotting.image_grid(np.zeros((6, 8, 8)), [0, 1, 2, 0, 1, 2], class_names=["a", "b", "c"], ncols=3)
    assert fig._suptitle.get_text() == "Sample images"
    assert [ax.get_title() for ax in fig.axes[:3]] == ["a", "b", "c"]
