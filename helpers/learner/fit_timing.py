"""How long one plain ``fit`` takes: its first epoch apart, and a typical later epoch.

Episode 02 trains all its repeats together (``helpers.learner.repeats.fit_repeats``) and its
solution compares that with the original tutorial's way, one plain ``fit`` per run. A fair
estimate of the plain way needs two numbers, so they are measured apart:

* the first epoch also traces and builds the training step, a one-off cost each new model pays;
* every later epoch is timed on its own and the *median* is kept, so a busy moment on a shared
  machine spoils a few epochs, not the estimate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FitTimes:
    """Seconds of one plain ``fit``: the first epoch (with tracing) and each later epoch."""

    first_epoch: float
    later_epochs: tuple[float, ...]

    @property
    def typical_epoch(self) -> float:
        """The median later epoch: what an epoch costs once the training step exists."""
        return float(np.median(self.later_epochs))

    def seconds(self, epochs: int) -> float:
        """The time a plain fit of ``epochs`` epochs takes on a new model: one first epoch, the rest typical."""
        return self.first_epoch + (epochs - 1) * self.typical_epoch

    def __str__(self) -> str:
        return (f"first epoch (with tracing) {self.first_epoch:.2f} s; a later epoch "
                f"{1000 * self.typical_epoch:.0f} ms (median of {len(self.later_epochs)})")


class _EpochTimer:
    """Each epoch's wall time, recorded by the two hooks a ``LambdaCallback`` calls."""

    def __init__(self):
        self.times: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def time_plain_fit(model, x, y, *, epochs: int, batch_size: int) -> FitTimes:
    """Train a compiled, untrained ``model`` with one plain ``fit`` and return how long its epochs took.

    The model is trained for ``epochs`` epochs in all (first epoch, then the rest), as the original
    tutorial trains each run.
    """
    import keras  # late: importing this module must not start TensorFlow

    if epochs < 2:
        raise ValueError(f"time_plain_fit needs at least 2 epochs (one first, one later), not {epochs}.")
    if not getattr(model, "compiled", False):
        raise ValueError("time_plain_fit needs a compiled model: call model.compile(...) first.")
    start = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)  # traces and builds the training step
    first = time.perf_counter() - start
    timer = _EpochTimer()
    callback = keras.callbacks.LambdaCallback(on_epoch_begin=timer.on_epoch_begin, on_epoch_end=timer.on_epoch_end)
    model.fit(x, y, epochs=epochs - 1, batch_size=batch_size, verbose=0, callbacks=[callback])
    return FitTimes(first, tuple(timer.times))
