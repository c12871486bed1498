"""Training side by side computes exactly what training each network alone would."""

import keras
import numpy as np

from helpers.learner.data.blobs import bayes_accuracy, blobs_problem
from helpers.learner.repeats import accuracies, fit_repeats, shuffled_batches


def mlp():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(5, activation="relu"),
                             keras.layers.Dense(5, activation="relu"), keras.layers.Dense(3, activation="softmax")])


def test_side_by_side_equals_alone():
    keras.utils.set_random_seed(0)
    x, y, _, _ = blobs_problem(2)
    x, y = x[:100], y[:100]
    networks = [mlp() for _ in range(3)]
    initial = [n.get_weights() for n in networks]
    frozen = networks[2].layers[0]
    frozen.trainable = False  # a frozen layer inside one repeat stays frozen
    fit_repeats(networks, x, y, epochs=3, batch_size=32, seed=7)

    data = shuffled_batches(x, y, 3, 3, 32, seed=7)
    for i, weights in enumerate(initial):
        alone = mlp()
        alone.set_weights(weights)
        alone.layers[0].trainable = i != 2
        alone.compile(optimizer="sgd", loss="categorical_crossentropy")
        alone.fit(data.map(lambda a, b, i=i: (a[i], b[i])), epochs=1, verbose=0)
        for mine, theirs in zip(networks[i].get_weights(), alone.get_weights()):
            np.testing.assert_allclose(mine, theirs, atol=1e-5)
    np.testing.assert_array_equal(networks[2].layers[0].get_weights()[0], initial[2][0])


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


def test_bayes_accuracy_matches_the_published_ceiling():
    assert round(bayes_accuracy(2), 3) == 0.840
