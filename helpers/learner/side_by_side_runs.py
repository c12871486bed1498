"""Train many small networks, each on its own draw of the data, as one Keras model.

Episode 03's sweep trains dozens of small networks (every data size, every draw)
for a few hundred steps each. Trained one by one, Keras' per-step overhead would
cost more than the arithmetic; trained side by side (``repeats.side_by_side``:
one model whose i-th input feeds the i-th network), each network is still
updated exactly as if it were alone, on batches of its own draw only.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from helpers.learner.repeats import side_by_side


def _own_batches(x, y, picks, batch_size: int) -> tf.data.Dataset:
    """Endless batches: element i of each is a batch of network i's own images, reshuffled with seed i."""
    streams = [tf.data.Dataset.from_tensor_slices((x[pick], y[pick])).shuffle(len(pick), seed=i).repeat()
               .batch(batch_size) for i, pick in enumerate(picks)]
    return tf.data.Dataset.zip(tuple(streams)).map(lambda *pairs: tuple(zip(*pairs)))  # (all x, all y)


def _accuracies(model, count: int, x_test, y_test, chunk: int = 1000) -> list[float]:
    """Each output's accuracy on the test images, calling the model directly (no prediction step is built)."""
    correct = np.zeros(count)
    for i in range(0, len(x_test), chunk):
        outputs = model([x_test[i:i + chunk]] * count, training=False)
        correct += [np.sum(keras.ops.convert_to_numpy(p).argmax(axis=1) == y_test[i:i + chunk]) for p in outputs]
    return list(correct / len(x_test))


def train_and_test_side_by_side(networks, x, y, picks, x_test, y_test, *, optimizer, steps: int,
                                batch_size: int = 32, callbacks=()) -> list[float]:
    """Train ``networks[i]`` on ``x[picks[i]], y[picks[i]]`` for ``steps`` batches; return each one's test accuracy.

    The loss is sparse categorical cross-entropy on softmax outputs. Keras runs a tenth of the steps
    per call (``steps_per_execution``): few calls, and a progress callback still moves ten times.
    """
    model = side_by_side(list(networks))
    model.compile(optimizer=optimizer, steps_per_execution=max(1, steps // 10),
                  loss=["sparse_categorical_crossentropy"] * len(picks))
    model.fit(_own_batches(x, y, picks, batch_size), steps_per_epoch=steps, shuffle=False, verbose=0,
              callbacks=list(callbacks))
    return _accuracies(model, len(picks), x_test, y_test)
