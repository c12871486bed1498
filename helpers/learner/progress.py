"""Progress for the long cells: one bar that updates in place, saying what runs and the time left.

A cell that trains for minutes and prints nothing until it ends looks like a hang on a laptop.
So every long ``fit`` and ``predict`` of the episodes passes ``callbacks=[Progress("...")]``:
one bar over all the batches of the call (every epoch of a fit), with the epoch and the latest
validation accuracy beside it, and tqdm's estimate of the time left. Loops of many runs (episode
03's sweep) share one bar, :func:`progress_bar`, over all of their steps.

The bars are ``tqdm.auto``'s: in JupyterLab a widget (ipywidgets), elsewhere a text line that
rewrites itself. Either way they write to stdout, never stderr: a learner sees stderr as a red
box, and the suite fails any notebook that writes there. In the quick profile (the tests, CI)
they stay silent; nobody watches those runs, and their outputs stay short.
"""

from __future__ import annotations

import sys

import keras
from tqdm.auto import tqdm

from helpers.learner.profile import is_quick


def progress_bar(total: int | None, desc: str, unit: str = "step"):
    """A tqdm bar on stdout, silent in the quick profile; use it as a context manager or close it."""
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stdout, disable=is_quick(), leave=True,
                mininterval=0.5)


class Progress(keras.callbacks.Callback):
    """One bar over every batch of a ``fit`` (all its epochs) or a ``predict`` call.

    ``Progress("frozen features")`` opens its own bar when the call begins and closes it when it
    ends (early stopping closes it early, and says after how many epochs). ``Progress(desc,
    bar=shared)`` moves a bar the caller made with :func:`progress_bar` instead, so several
    calls fill one line; the caller then closes it.
    """

    def __init__(self, desc: str = "training", bar=None):
        super().__init__()
        self.desc, self._shared, self._bar = desc, bar, bar
        self._epochs, self._steps, self._epoch, self._done = 1, 0, 0, 0

    def _begin(self, total):
        self._done = 0
        if self._shared is None:
            self._bar = progress_bar(total, self.desc)
        else:
            self._shared.set_description(self.desc, refresh=False)

    def _advance(self, done):
        if done > self._done:
            self._bar.update(done - self._done)
            self._done = done

    def _end(self, note=""):
        if note:
            self._bar.set_postfix_str(note, refresh=False)
        if self._shared is None:
            self._bar.close()
        else:
            self._bar.refresh()

    # fit
    def on_train_begin(self, logs=None):
        self._epochs, self._steps = self.params.get("epochs") or 1, self.params.get("steps") or 0
        self._begin(self._epochs * self._steps or None)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._bar.set_postfix_str(f"epoch {epoch + 1} of {self._epochs}", refresh=False)

    def on_train_batch_end(self, batch, logs=None):
        self._advance(self._epoch * self._steps + batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        self._advance((epoch + 1) * self._steps)
        seen = [f"{name} {value:.3f}" for name, value in (logs or {}).items() if name == "val_accuracy"]
        self._bar.set_postfix_str(", ".join([f"epoch {epoch + 1} of {self._epochs}"] + seen))

    def on_train_end(self, logs=None):
        stopped = self._epoch + 1 < self._epochs
        self._end(f"stopped early after {self._epoch + 1} of {self._epochs} epochs" if stopped else "")

    # predict
    def on_predict_begin(self, logs=None):
        self._steps = self.params.get("steps") or 0
        self._begin(self._steps or None)

    def on_predict_batch_end(self, batch, logs=None):
        self._advance(batch + 1)

    def on_predict_end(self, logs=None):
        self._end()
