"""Train many copies of a small network at once, each exactly as if alone.

Keras spends most of a small model's training on per-step overhead, not
arithmetic: the blobs MLP has 63 weights, yet a plain ``fit`` takes tens of
milliseconds per epoch. Episode 02 trains 4 set-ups x 30 repeats x 100
epochs, so ``fit_repeats`` trains all the repeats as *one batched model*:
each layer keeps the R repeats' weights stacked along a leading axis
(``kernel[r]`` is repeat r's kernel) and computes every repeat's output with
one ``einsum``. A training step is then a few fused ops for all repeats
together, where R separate networks would pay the overhead R times.

Nothing about the training changes, and ``tests/learner/test_repeats.py`` checks it
against one plain ``fit`` per repeat:

- each repeat starts from the weights of the ordinary Keras network it was
  given (so transfer still copies the source's layers), and its trained
  weights are written back into that network;
- each repeat sees its own reshuffle of the data every epoch (the order
  ``shuffled_batches`` gives), cut into batches of the same size;
- the loss is the *sum* over repeats of each repeat's mean batch loss, and the
  gradient of a sum with respect to repeat r's weights is repeat r's own
  gradient; plain SGD (and any per-weight optimiser) then makes the update
  each repeat would make alone;
- a layer frozen in a repeat's network (``trainable = False``) passes no
  gradient to that repeat's slice of the stacked weights, so with SGD its
  weights stay exactly as they were, even when set-ups with different frozen
  layers train in one call.

``side_by_side`` (one functional model holding R ordinary networks) is kept for
networks that are not plain stacks of Dense layers, as in episode 03.
"""

from __future__ import annotations

import contextlib
import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops


@contextlib.contextmanager
def _no_retracing_warnings():
    """Each model here is new, so TensorFlow traces it once and warns that it did."""
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


def shuffle_orders(n: int, repeats: int, epochs: int, seed: int) -> np.ndarray:
    """Indices (repeats, epochs, n): row [r, e] is repeat r's own shuffle of the n points in epoch e."""
    rng = np.random.default_rng(seed)
    return rng.permuted(np.tile(np.arange(n), (repeats, epochs, 1)), axis=2)


def shuffled_batches(x, y, repeats: int, epochs: int, batch_size: int, seed: int) -> tf.data.Dataset:
    """Each repeat's own reshuffle of (x, y) every epoch, cut into batches as ``fit`` would.

    Each element is a pair of tuples, one entry per repeat: what one plain ``fit``
    per repeat is fed in ``tests/learner/test_repeats.py``, and ``side_by_side`` takes.
    """
    order = shuffle_orders(len(x), repeats, epochs, seed)
    xs = tuple(np.asarray(x)[order[r]] for r in range(repeats))  # each (epochs, n, features)
    ys = tuple(np.asarray(y)[order[r]] for r in range(repeats))
    per_epoch = tf.data.Dataset.from_tensor_slices((xs, ys))
    return per_epoch.flat_map(lambda a, b: tf.data.Dataset.from_tensor_slices((a, b)).batch(batch_size))


def stacked_batches(x, y, repeats: int, epochs: int, batch_size: int, seed: int) -> tf.data.Dataset:
    """The same batches as ``shuffled_batches``, stacked: x (batch, repeats, features), y likewise.

    Only the indices are stored per repeat and epoch; each batch is gathered from
    (x, y) when it is needed.
    """
    order = shuffle_orders(len(x), repeats, epochs, seed).transpose(1, 2, 0)  # (epochs, n, repeats)
    x, y = tf.constant(np.asarray(x, "float32")), tf.constant(np.asarray(y, "float32"))
    per_epoch = tf.data.Dataset.from_tensor_slices(order.astype("int32"))
    batches = per_epoch.flat_map(lambda e: tf.data.Dataset.from_tensor_slices(e).batch(batch_size))
    return batches.map(lambda i: (tf.gather(x, i), tf.gather(y, i)))


class StackedDense(keras.layers.Layer):
    """R Dense layers in one: input (batch, R, in), kernel (R, in, out), output (batch, R, out).

    ``trainable_mask[r]`` False freezes repeat r's slice: the forward pass reads the
    same values, but no gradient flows to that slice.
    """

    def __init__(self, kernels, biases, activation, trainable_mask, **kwargs):
        super().__init__(**kwargs)
        self.activation = activation
        self.trainable_mask = np.asarray(trainable_mask, bool)
        self.kernel = self.add_weight(shape=np.shape(kernels), initializer="zeros", name="kernel")
        self.bias = self.add_weight(shape=np.shape(biases), initializer="zeros", name="bias")
        self.kernel.assign(np.asarray(kernels, "float32"))
        self.bias.assign(np.asarray(biases, "float32"))

    def call(self, x):
        kernel, bias = self.kernel, self.bias
        if not self.trainable_mask.all():  # frozen slices: same values, zero gradient
            kernel = ops.where(self.trainable_mask[:, None, None], kernel, ops.stop_gradient(kernel))
            bias = ops.where(self.trainable_mask[:, None], bias, ops.stop_gradient(bias))
        return self.activation(ops.einsum("bri,rio->bro", x, kernel) + bias)


def _summed_over_repeats(loss):
    """Each repeat's loss, summed over repeats; Keras then averages over the batch."""
    per_point = keras.losses.get(loss)

    def summed(y_true, y_pred):  # (batch, repeats, classes) -> (batch,)
        return ops.sum(per_point(y_true, y_pred), axis=-1)
    return summed


def batched(networks: list) -> keras.Model:
    """One batched model holding the weights and frozen layers of ``networks`` (same Dense stack each)."""
    layer_lists = [net.layers for net in networks]
    if any(len(layers) != len(layer_lists[0]) for layers in layer_lists):
        raise ValueError("every network must have the same layers")
    stacked = []
    for depth, layers in enumerate(zip(*layer_lists)):
        first = layers[0]
        if not all(isinstance(layer, keras.layers.Dense) and layer.use_bias for layer in layers):
            raise ValueError(f"layer {depth}: fit_repeats batches Dense layers with biases only; "
                             "use side_by_side for other networks")
        if any(layer.activation is not first.activation or layer.kernel.shape != first.kernel.shape
               for layer in layers):
            raise ValueError(f"layer {depth} differs between networks")
        stacked.append(StackedDense(np.stack([layer.kernel.numpy() for layer in layers]),
                                    np.stack([layer.bias.numpy() for layer in layers]),
                                    first.activation, [layer.trainable for layer in layers], name=f"stacked_{depth}"))
    features = layer_lists[0][0].kernel.shape[0]
    return keras.Sequential([keras.Input(shape=(len(networks), features))] + stacked, name="batched")


def write_back(model: keras.Model, networks: list) -> None:
    """Copy each repeat's slice of the stacked weights into its ordinary network."""
    for depth, layer in enumerate(model.layers):
        kernels, biases = layer.kernel.numpy(), layer.bias.numpy()
        for r, net in enumerate(networks):
            net.layers[depth].kernel.assign(kernels[r])
            net.layers[depth].bias.assign(biases[r])


def fit_repeats(networks: list, x, y, *, epochs: int, batch_size: int, optimizer="sgd",
                loss="categorical_crossentropy", seed: int = 0) -> keras.Model:
    """Train every network in ``networks`` on (x, y) as its own independent run, all in one batched model.

    The networks (stacks of Dense layers of one shape) must already carry their
    initial weights and the trainable flags of their set-up; set-ups may be mixed.
    Their trained weights are written back into them. Returns the batched model,
    for ``accuracies``.
    """
    model = batched(networks)
    steps = math.ceil(len(x) / batch_size) * epochs  # every epoch's batches, in order
    # The dataset already holds all `epochs` reshuffled passes, so one Keras "epoch" of
    # `steps` batches, run in one execution, is the whole training: Python is visited once.
    model.compile(optimizer=keras.optimizers.get(optimizer), loss=_summed_over_repeats(loss),
                  steps_per_execution=steps)
    data = stacked_batches(x, y, len(networks), epochs, batch_size, seed)
    with _no_retracing_warnings():
        model.fit(data, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
    write_back(model, networks)
    return model


def accuracies(model: keras.Model, x, y_onehot) -> list[float]:
    """Test accuracy of each repeat of a model from ``fit_repeats`` (or of each network side by side)."""
    x = np.asarray(x, "float32")
    if len(model.inputs) > 1:  # side by side
        with _no_retracing_warnings():
            predictions = model.predict([x] * len(model.inputs), verbose=0, batch_size=len(x))
    else:  # batched: every repeat sees every point; called directly, no prediction step is traced
        repeats = model.inputs[0].shape[1]
        stacked = ops.convert_to_numpy(model(np.repeat(x[:, None, :], repeats, axis=1), training=False))
        predictions = [stacked[:, r] for r in range(repeats)]
    truth = np.argmax(y_onehot, axis=1)
    return [float(np.mean(np.argmax(p, axis=1) == truth)) for p in predictions]
