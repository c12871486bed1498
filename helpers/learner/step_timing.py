"""Time training steps of several models fairly: in turns, many times over, on copies.

One run's epochs, timed once each, are a noisy clock: a busy moment on a laptop
(a browser, an update) during one epoch can hide a real difference. Like Python's
``timeit``, this times the same work many times; the models take turns, round
after round, so a busy moment falls on all of them.
"""

from __future__ import annotations

import random
import timeit

import keras
import numpy as np


def training_step_seconds(models: dict, x_batch, y_batch, compile_model, rounds: int = 11,
                          steps: int = 5) -> dict[str, np.ndarray]:
    """Seconds per training step of each model (name -> one mean per round), on a copy of it.

    Each copy keeps its model's ``trainable`` flags and is compiled with ``compile_model``; its
    first step (which builds the training step) is not timed. The models themselves are not
    trained, and Python's random state (from which copies draw their initial weights' seeds) is
    put back, so the notebook's later cells draw what they would have drawn without this.
    """
    state = random.getstate()
    try:
        copies = {name: keras.models.clone_model(model) for name, model in models.items()}
        for copy in copies.values():
            compile_model(copy)
            copy.train_on_batch(x_batch, y_batch)
        times = {name: [] for name in copies}
        for _ in range(rounds):
            for name, copy in copies.items():
                times[name].append(timeit.timeit(lambda: copy.train_on_batch(x_batch, y_batch), number=steps) / steps)
    finally:
        random.setstate(state)
    return {name: np.array(seconds) for name, seconds in times.items()}
