"""The helpers behind episode 03's sweep and its step timing: each network learns from its own draw only;
timing copies leaves the timed models and Python's random state as they were."""

import random

import keras
import numpy as np

from helpers.learner.side_by_side_runs import train_and_test_side_by_side
from helpers.learner.step_timing import training_step_seconds


def _network():
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation="softmax")])


def test_each_network_learns_from_its_own_draw_only():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype("float32")
    y = np.repeat([0, 1], 100)
    picks = [np.flatnonzero(y == 0), np.flatnonzero(y == 1)]  # network 0 sees only class 0, network 1 only class 1
    keras.utils.set_random_seed(0)
    accuracies = train_and_test_side_by_side([_network(), _network()], x, y, picks, x[:50], np.zeros(50, int),
                                             optimizer=keras.optimizers.Adam(0.05), steps=60, batch_size=16)
    assert accuracies[0] > 0.9 and accuracies[1] < 0.1, accuracies  # the test images are all class 0


def test_step_timing_leaves_the_models_and_the_random_state_alone():
    frozen, full = _network(), _network()
    frozen.layers[0].trainable = False
    weights = [m.get_weights() for m in (frozen, full)]
    random.seed(1)
    state = random.getstate()

    def compile_model(model):
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")

    seconds = training_step_seconds({"frozen": frozen, "full": full}, np.ones((8, 4), "float32"), np.zeros(8, int),
                                    compile_model, rounds=3, steps=2)
    assert set(seconds) == {"frozen", "full"} and all(len(s) == 3 and (s > 0).all() for s in seconds.values())
    assert random.getstate() == state
    for model, before in zip((frozen, full), weights):
        assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    assert not frozen.layers[0].trainable and not frozen.compiled  # the copies were compiled, not the models
