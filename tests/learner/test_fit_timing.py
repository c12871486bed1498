"""time_plain_fit times a plain fit the way episode 02's solution needs: first epoch apart, later ones by median."""

import keras
import numpy as np
import pytest

from helpers.learner.fit_timing import FitTimes, time_plain_fit


def small_model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return model


def test_times_every_epoch_and_trains_the_model():
    x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    y = keras.utils.to_categorical(np.arange(64) % 3, 3)
    model = small_model()
    times = time_plain_fit(model, x, y, epochs=4, batch_size=32)
    assert times.first_epoch > 0 and len(times.later_epochs) == 3 and all(t > 0 for t in times.later_epochs)
    assert int(model.optimizer.iterations) == 4 * 2, "4 epochs of 2 batches each"
    assert "first epoch (with tracing)" in str(times) and "median of 3" in str(times)


def test_estimate_is_first_epoch_plus_typical_later_ones():
    times = FitTimes(first_epoch=1.0, later_epochs=(0.1, 0.2, 9.0))  # one busy epoch does not count
    assert times.typical_epoch == pytest.approx(0.2)
    assert times.seconds(100) == pytest.approx(1.0 + 99 * 0.2)


def test_bad_input_gets_a_clear_message():
    x, y = np.zeros((4, 2), "float32"), np.zeros((4, 3), "float32")
    with pytest.raises(ValueError, match="at least 2 epochs"):
        time_plain_fit(small_model(), x, y, epochs=1, batch_size=2)
    uncompiled = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="compiled model"):
        time_plain_fit(uncompiled, x, y, epochs=2, batch_size=2)
