"""The course's figures, on seaborn and matplotlib.

Each function draws one kind of figure the episodes need and returns the
matplotlib ``Figure``, always with a title, labelled axes, and a legend when
more than one thing is drawn, so a learner can read a figure on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns


def _history_dict(history) -> dict:
    return history.history if hasattr(history, "history") else dict(history)


def learning_curves(histories, metric: str = "loss", title: str | None = None):
    """Training (solid) and validation (dashed) curves of one or several Keras ``History`` objects.

    ``histories`` is a History, or a mapping from a run's name to its History.
    """
    if not isinstance(histories, Mapping):
        histories = {"model": histories}
    rows = []
    for run, history in histories.items():
        logs = _history_dict(history)
        for key, split in ((metric, "training"), (f"val_{metric}", "validation")):
            for epoch, value in enumerate(logs.get(key, []), start=1):
                rows.append({"epoch": epoch, metric: value, "run": run, "split": split})
    if not rows:
        raise ValueError(f"no '{metric}' in these histories; they hold {sorted(_history_dict(next(iter(histories.values()))))}")
    frame = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(7, 4))
    sns.lineplot(data=frame, x="epoch", y=metric, hue="run", style="split", ax=ax)
    ax.set(title=title or f"Learning curves ({metric})", xlabel="epoch", ylabel=metric)
    fig.tight_layout()
    return fig


def predictions_vs_truth(y_true, predictions: Mapping[str, Sequence[float]] | Sequence[float],
                         title: str = "Predictions against truth", quantity: str = "value"):
    """Scatter of predicted against true values, with the line a perfect model would follow."""
    if not isinstance(predictions, Mapping):
        predictions = {"model": predictions}
    y_true = np.asarray(y_true, dtype=float).ravel()
    frame = pd.concat(
        [pd.DataFrame({"true": y_true, "predicted": np.asarray(p, dtype=float).ravel(), "model": name})
         for name, p in predictions.items()],
        ignore_index=True,
    )
    fig, ax = plt.subplots(figsize=(5.5, 5))
    sns.scatterplot(data=frame, x="true", y="predicted", hue="model", alpha=0.7, ax=ax)
    low, high = frame[["true", "predicted"]].min().min(), frame[["true", "predicted"]].max().max()
    ax.plot([low, high], [low, high], color="grey", linestyle=":", label="perfect prediction")
    ax.set(title=title, xlabel=f"true {quantity}", ylabel=f"predicted {quantity}")
    ax.legend()
    fig.tight_layout()
    return fig


def repeated_runs(scores: Mapping[str, Sequence[float]], title: str = "Accuracy over repeated runs",
                  ylabel: str = "test accuracy", reference: float | None = None,
                  reference_label: str = "reference"):
    """Box plot (with the individual runs) of each configuration's scores."""
    frame = pd.DataFrame([(name, s) for name, values in scores.items() for s in values],
                         columns=["configuration", "score"])
    fig, ax = plt.subplots(figsize=(7, 4))
    sns.boxplot(data=frame, x="configuration", y="score", color="white", showfliers=False, ax=ax)  # every run is drawn below
    sns.stripplot(data=frame, x="configuration", y="score", color="black", size=3, alpha=0.5, ax=ax)
    if reference is not None:
        ax.axhline(reference, color="tab:red", linestyle="--", label=reference_label)
        ax.legend()
    ax.set(title=title, xlabel="configuration", ylabel=ylabel)
    fig.tight_layout()
    return fig


def image_grid(images, labels, class_names: Sequence[str] | None = None, ncols: int = 5,
               title: str = "Sample images"):
    """A grid of images, each titled with its label's name."""
    images, labels = np.asarray(images), np.asarray(labels).ravel()
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2 * ncols, 2.2 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, label in zip(axes.flat, images, labels):
        ax.imshow(image.squeeze(), cmap="gray" if image.ndim == 2 or image.shape[-1] == 1 else None)
        ax.set_title(class_names[int(label)] if class_names is not None else str(label), fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
