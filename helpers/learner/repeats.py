"""Train many copies of a small network at once, each exactly as if alone.

Keras spends most of a small model's epoch on bookkeeping, not arithmetic:
on two CPU cores the blobs MLP takes about 40 ms per epoch however few its
weights. Episode 02 trains 4 set-ups × 30 repeats × 100 epochs, so it puts
the repeats of one set-up *side by side* in one functional model, with one
input and one output per repeat, and lets one ``fit`` call run all epochs.

Nothing about the training changes: every repeat keeps its own weights, its
own shuffle of the data each epoch, the same batch size and optimiser, and
the same number of epochs, which one ``fit`` call runs in a single execution. Keras
adds the outputs' losses, and the gradient of a sum with respect to one
repeat's weights is that repeat's own gradient, so each is updated exactly
as it would be alone. (Plain SGD has no state shared between weights, so
even the optimiser step is the same; with Adam it would be too, per weight.)
"""

from __future__ import annotations

import contextlib
import math

import keras
import numpy as np
import tensorflow as tf


@contextlib.contextmanager
def _no_retracing_warnings():
    """Each side-by-side model is new, so TensorFlow traces it once and warns that it did."""
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)


def side_by_side(networks: list) -> keras.Model:
    """One model whose i-th input feeds ``networks[i]`` and whose i-th output is its prediction.

    Each network is renamed ``run_<i>``: models loaded from one file share a name,
    and a functional model needs unique ones.
    """
    for i, net in enumerate(networks):
        net.name = f"run_{i}"
    inputs = [keras.Input(shape=net.inputs[0].shape[1:], name=f"x{i}") for i, net in enumerate(networks)]
    return keras.Model(inputs, [net(x) for net, x in zip(networks, inputs)], name="side_by_side")


def shuffled_batches(x, y, repeats: int, epochs: int, batch_size: int, seed: int) -> tf.data.Dataset:
    """Each repeat's own reshuffle of (x, y) every epoch, cut into batches as ``fit`` would."""
    rng = np.random.default_rng(seed)
    n = len(x)
    order = rng.permuted(np.tile(np.arange(n), (repeats, epochs, 1)), axis=2)  # (repeats, epochs, n)
    xs = tuple(np.asarray(x)[order[r]] for r in range(repeats))  # each (epochs, n, features)
    ys = tuple(np.asarray(y)[order[r]] for r in range(repeats))
    per_epoch = tf.data.Dataset.from_tensor_slices((xs, ys))
    return per_epoch.flat_map(lambda a, b: tf.data.Dataset.from_tensor_slices((a, b)).batch(batch_size))


def fit_repeats(networks: list, x, y, *, epochs: int, batch_size: int, optimizer="sgd",
                loss="categorical_crossentropy", seed: int = 0) -> keras.Model:
    """Train every network in ``networks`` on (x, y) as its own independent run; return them side by side.

    The networks must already carry the trainable flags of their set-up; they
    are compiled here together (each one's loss summed, one optimiser).
    """
    model = side_by_side(networks)
    steps = math.ceil(len(x) / batch_size) * epochs  # every epoch's batches, in order
    # The dataset already holds all `epochs` reshuffled passes, so one Keras "epoch" of
    # `steps` batches, run in one execution, is the whole training: Python is visited once.
    model.compile(optimizer=optimizer, loss=[loss] * len(networks), steps_per_execution=steps)
    data = shuffled_batches(x, y, len(networks), epochs, batch_size, seed)
    with _no_retracing_warnings():
        model.fit(data, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
    return model


def accuracies(model: keras.Model, x, y_onehot) -> list[float]:
    """Test accuracy of each side-by-side network."""
    with _no_retracing_warnings():
        predictions = model.predict([np.asarray(x)] * len(model.inputs), verbose=0, batch_size=len(x))
    truth = np.argmax(y_onehot, axis=1)
    return [float(np.mean(np.argmax(p, axis=1) == truth)) for p in predictions]
