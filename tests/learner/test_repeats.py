"""Training repeats in one batched model computes exactly what training each network alone would."""

import keras
import numpy as np
import pytest

from helpers.learner.data.blobs import bayes_accuracy, blobs_problem
from helpers.learner.repeats import accuracies, fit_repeats, shuffled_batches, side_by_side, stacked_batches


def mlp():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(5, activation="relu"),
                             keras.layers.Dense(5, activation="relu"), keras.layers.Dense(3, activation="softmax")])


def frozen_below(network, n_fixed):
    for layer in network.layers[:n_fixed]:
        layer.trainable = False
    return network


def test_batched_equals_one_plain_fit_per_repeat():
    """Four set-ups mixed in one call (0, 1, 2 layers frozen, and a source shared by two repeats), 5 epochs."""
    keras.utils.set_random_seed(0)
    x, y, x_test, y_test = blobs_problem(2)
    x, y = x[:200], y[:200]  # 7 batches per epoch, the last one of 8 points
    source = mlp()
    networks = [mlp(), frozen_below(keras.models.clone_model(source), 0), frozen_below(keras.models.clone_model(source), 1),
                frozen_below(keras.models.clone_model(source), 2), mlp()]
    for net in networks[1:4]:
        net.set_weights(source.get_weights())  # transfer: the repeats start from the same source weights
    n_fixed = [0, 0, 1, 2, 0]
    initial = [n.get_weights() for n in networks]
    epochs, seed = 5, 7
    model = fit_repeats(networks, x, y, epochs=epochs, batch_size=32, seed=seed)
    batched_scores = accuracies(model, x_test, y_test)

    data = shuffled_batches(x, y, len(networks), epochs, 32, seed=seed)
    for i, weights in enumerate(initial):
        alone = frozen_below(mlp(), n_fixed[i])
        alone.set_weights(weights)
        alone.compile(optimizer="sgd", loss="categorical_crossentropy")
        alone.fit(data.map(lambda a, b, i=i: (a[i], b[i])), epochs=1, steps_per_epoch=7 * epochs, shuffle=False,
                  verbose=0)
        for mine, theirs in zip(networks[i].get_weights(), alone.get_weights()):  # written back into networks[i]
            np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
        assert not np.allclose(alone.get_weights()[-1], weights[-1])  # the output layer did learn
        for k in range(2 * n_fixed[i]):  # frozen kernels and biases: exactly the initial values
            np.testing.assert_array_equal(networks[i].get_weights()[k], weights[k])
        np.testing.assert_allclose(networks[i].predict(x_test, verbose=0), alone.predict(x_test, verbose=0),
                                   rtol=1e-5, atol=1e-6)
        truth = y_test.argmax(axis=1)
        assert batched_scores[i] == np.mean(alone.predict(x_test, verbose=0).argmax(axis=1) == truth)


def test_stacked_batches_are_each_repeats_own_shuffles():
    x = np.arange(20, dtype="float32").reshape(10, 2)
    y = np.arange(10, dtype="float32").reshape(10, 1)
    alone = list(shuffled_batches(x, y, repeats=3, epochs=2, batch_size=4, seed=5))
    stacked = list(stacked_batches(x, y, repeats=3, epochs=2, batch_size=4, seed=5))
    assert len(alone) == len(stacked) == 6
    for (xs, ys), (x_stack, y_stack) in zip(alone, stacked):
        assert x_stack.shape == (len(xs[0]), 3, 2) and y_stack.shape == (len(ys[0]), 3, 1)
        for r in range(3):
            np.testing.assert_array_equal(x_stack[:, r], xs[r])
            np.testing.assert_array_equal(y_stack[:, r], ys[r])


def test_each_repeat_has_its_own_shuffle_every_epoch():
    x = np.arange(10, dtype="float32").reshape(10, 1)
    y = np.zeros((10, 1), "float32")
    batches = list(shuffled_batches(x, y, repeats=2, epochs=2, batch_size=4, seed=0))
    assert [len(b[0][0]) for b in batches] == [4, 4, 2, 4, 4, 2]  # batches restart each epoch
    epoch = lambda r, e: np.concatenate([b[0][r].numpy().ravel() for b in batches[3 * e: 3 * e + 3]])  # noqa: E731
    for r in range(2):
        for e in range(2):
            assert sorted(epoch(r, e)) == list(range(10))  # every point once per epoch
    assert not np.array_equal(epoch(0, 0), epoch(1, 0)) and not np.array_equal(epoch(0, 0), epoch(0, 1))


def test_accuracies_per_network():
    keras.utils.set_random_seed(1)
    x, y, x_test, y_test = blobs_problem(1)
    model = fit_repeats([mlp(), mlp()], x, y, epochs=20, batch_size=32)
    scores = accuracies(model, x_test, y_test)
    assert len(scores) == 2 and all(0.5 < s <= 1 for s in scores)


def test_networks_of_different_shapes_are_refused():
    wider = keras.Sequential([keras.Input((2,)), keras.layers.Dense(6, activation="relu"),
                              keras.layers.Dense(5, activation="relu"), keras.layers.Dense(3, activation="softmax")])
    x, y, _, _ = blobs_problem(1)
    with pytest.raises(ValueError, match="differs"):
        fit_repeats([mlp(), wider], x, y, epochs=1, batch_size=32)


def test_side_by_side_gives_each_networks_own_output():
    """Episode 03 trains its conv networks side by side."""
    networks = [mlp(), mlp()]
    x = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    outputs = side_by_side(networks)([x, x])
    for net, out in zip(networks, outputs):
        np.testing.assert_allclose(np.asarray(out), np.asarray(net(x)), rtol=1e-6)


def test_bayes_accuracy_matches_the_published_ceiling():
    assert round(bayes_accuracy(2), 3) == 0.840
