"""Episode 03's checks against right answers and the mistakes learners make."""

import keras
import numpy as np
import pytest

from helpers.learner.exercises import mnist as ex
from tests.support.assertions import assert_status
from tests.support.keras_fixtures import KERAS_RECORDS_TRAINABLE




# ---------------------------------------------------------------- split_by_label
def right_split(x, y):
    low = y < 5
    return x[low], y[low], x[~low], y[~low] - 5


def test_split_right():
    assert_status(ex.split_by_label.evaluate(right_split), "correct")


def test_split_not_shifted():
    def fn(x, y):
        low = y < 5
        return x[low], y[low], x[~low], y[~low]
    assert_status(ex.split_by_label.evaluate(fn), "incorrect", "subtract 5")


def test_split_wrong_boundary():
    def fn(x, y):
        low = y <= 5
        return x[low], y[low], x[~low], y[~low] - 5
    assert_status(ex.split_by_label.evaluate(fn), "incorrect", "exactly the digits 0-4", "y < 5")


def test_split_unpaired():
    def fn(x, y):
        low = y < 5
        return x[:low.sum()], y[low], x[low.sum():], y[~low] - 5  # x sliced, not masked
    assert_status(ex.split_by_label.evaluate(fn), "incorrect", "line up")


def test_split_wrong_return_and_raises():
    assert_status(ex.split_by_label.evaluate(lambda x, y: (x, y)), "incorrect", "four arrays")
    assert_status(ex.split_by_label.evaluate(lambda x, y: x[y < 5, 99]), "incorrect", "raised IndexError")
    assert_status(ex.split_by_label.evaluate(right_split(np.zeros((2, 28, 28)), np.array([1, 7]))),
                  "incorrect", "function itself")
    assert_status(ex.split_by_label.evaluate(...), "unattempted")


# ---------------------------------------------------------------- freeze_features
def make(num_classes=5):
    features = [keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.MaxPooling2D(2),
                keras.layers.Flatten()]
    head = [keras.layers.Dense(8, activation="relu"), keras.layers.Dense(num_classes, activation="softmax")]
    model = keras.Sequential([keras.Input((28, 28, 1))] + features + head)
    return model, features


def compile_(model):
    model.compile(optimizer=keras.optimizers.Adadelta(1.0), loss="sparse_categorical_crossentropy")


def trained(model):
    rng = np.random.default_rng(0)
    model.fit(rng.random((32, 28, 28, 1), dtype="float32"), np.arange(32) % 5, epochs=1, verbose=0)


@pytest.fixture
def trained_model():
    model, features = make()
    compile_(model)
    trained(model)
    return model, features


def test_freeze_right(trained_model):
    model, features = trained_model
    for layer in features:
        layer.trainable = False
    compile_(model)
    assert_status(ex.freeze_features.evaluate(model, features), "correct",
                  "compiled after freezing" if KERAS_RECORDS_TRAINABLE else "parameters")


def test_freeze_forgot_to_compile(trained_model):
    model, features = trained_model
    for layer in features:
        layer.trainable = False
    assert_status(ex.freeze_features.evaluate(model, features), "incorrect", "compile(...)` again")


def test_freeze_not_frozen(trained_model):
    model, features = trained_model
    compile_(model)
    assert_status(ex.freeze_features.evaluate(model, features), "incorrect", "still trainable")


def test_freeze_head_frozen_too(trained_model):
    model, features = trained_model
    for layer in model.layers:
        layer.trainable = False
    compile_(model)
    assert_status(ex.freeze_features.evaluate(model, features), "incorrect", "frozen too")


def test_freeze_other_layers(trained_model):
    model, _ = trained_model
    _, other_features = make()
    assert_status(ex.freeze_features.evaluate(model, other_features), "incorrect", "very same")


def test_freeze_bad_arguments(trained_model):
    model, features = trained_model
    assert_status(ex.freeze_features.evaluate(model, "features"), "incorrect", "list of feature layers")
    assert_status(ex.freeze_features.evaluate(None, features), "unattempted")


# ---------------------------------------------------------------- epoch_times
class Timer:
    """What the notebook's EpochTimer leaves behind: one duration per epoch, the first with tracing."""

    def __init__(self, *times):
        self.times = list(times)


def timers(full=(12.0, 8.8, 8.9), frozen=(6.0, 4.4, 4.5)):
    return Timer(*full), Timer(*frozen)


def right_answer(full_timer, frozen_timer):
    times_full, times_frozen = full_timer.times[1:], frozen_timer.times[1:]
    return times_full, times_frozen, np.mean(times_frozen) / np.mean(times_full), full_timer, frozen_timer


def test_times_right():
    assert_status(ex.epoch_times.evaluate(*right_answer(*timers())), "correct", "50%", "4.45 s against 8.85 s")


def test_times_right_on_a_busy_laptop():
    """The right answer stays right when a busy moment made the frozen epochs slower on this run."""
    result = ex.epoch_times.evaluate(*right_answer(*timers(full=(1.5, 1.00, 1.05), frozen=(1.6, 1.10, 1.20))))
    assert_status(result, "correct", "112%", "busy", "measures the speed-up again")
    assert "compile" not in result.message


def test_times_ratio_inverted():
    full_timer, frozen_timer = timers()
    ratio = np.mean(full_timer.times[1:]) / np.mean(frozen_timer.times[1:])
    assert_status(ex.epoch_times.evaluate(full_timer.times[1:], frozen_timer.times[1:], ratio, full_timer, frozen_timer),
                  "incorrect", "full/frozen")


def test_times_ratio_wrong():
    full_timer, frozen_timer = timers()
    assert_status(ex.epoch_times.evaluate(full_timer.times[1:], frozen_timer.times[1:], 0.8, full_timer, frozen_timer),
                  "incorrect", "not 0.800")


def test_times_first_epoch_included():
    """All epochs passed: the first one also traces the training step."""
    full_timer, frozen_timer = timers()
    ratio = np.mean(frozen_timer.times) / np.mean(full_timer.times)
    assert_status(ex.epoch_times.evaluate(full_timer.times, frozen_timer.times, ratio, full_timer, frozen_timer),
                  "incorrect", "holds all 3 epochs", "times[1:]")
    assert_status(ex.epoch_times.evaluate(full_timer.times[1:], frozen_timer.times, 0.6, full_timer, frozen_timer),
                  "incorrect", "`times_frozen` holds all 3")


def test_times_wrong_timer():
    """The two timers swapped, or the 5-9 model's timer taken for the from-scratch one."""
    full_timer, frozen_timer = timers()
    swapped = ex.epoch_times.evaluate(frozen_timer.times[1:], full_timer.times[1:], 2.0, full_timer, frozen_timer)
    assert_status(swapped, "incorrect", "other model's", "scratch_timer")
    source_timer = Timer(15.0, 10.1, 10.3)
    times_full = source_timer.times[1:]
    ratio = np.mean(frozen_timer.times[1:]) / np.mean(times_full)
    assert_status(ex.epoch_times.evaluate(times_full, frozen_timer.times[1:], ratio, full_timer, frozen_timer),
                  "incorrect", "not its timer's epochs")


def test_times_wrong_number_of_epochs():
    full_timer, frozen_timer = timers()
    assert_status(ex.epoch_times.evaluate(full_timer.times[2:], frozen_timer.times[1:], 0.5, full_timer, frozen_timer),
                  "incorrect", "after the first (2)", "holds 1")


def test_times_timestamps_and_cumulative():
    full_timer, frozen_timer = timers()
    assert_status(ex.epoch_times.evaluate([1.79e9, 1.79e9 + 9], frozen_timer.times[1:], 0.5, full_timer, frozen_timer),
                  "incorrect", "clock readings")
    assert_status(ex.epoch_times.evaluate([9, 18, 27, 36], frozen_timer.times[1:], 0.5, full_timer, frozen_timer),
                  "incorrect", "cumulative")


def test_times_bad_input():
    full_timer, frozen_timer = timers()
    assert_status(ex.epoch_times.evaluate([], [1.0], 0.5, full_timer, frozen_timer), "incorrect", "empty")
    assert_status(ex.epoch_times.evaluate(["fast"], [1.0], 0.5, full_timer, frozen_timer), "incorrect", "list of seconds")
    assert_status(ex.epoch_times.evaluate([9.0, -1.0], [1.0], 0.5, full_timer, frozen_timer), "incorrect", "positive")
    assert_status(ex.epoch_times.evaluate(..., [1.0], 0.5, full_timer, frozen_timer), "unattempted")
    assert_status(ex.epoch_times.evaluate([8.8], [4.4], 0.5, Timer(8.8), frozen_timer), "incorrect", "at least two")
    assert_status(ex.epoch_times.evaluate([8.8], [4.4], 0.5, "timer", frozen_timer), "incorrect", "EpochTimer")


# ---------------------------------------------------------------- draw_per_class
def right_draw(y, per_class, seed):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.unique(y)])


def test_draw_right():
    assert_status(ex.draw_per_class.evaluate(right_draw), "correct", "per_class")

    def as_list(y, per_class, seed):  # a list of Python ints is as good as an array
        return [int(i) for i in right_draw(y, per_class, seed)]
    assert_status(ex.draw_per_class.evaluate(as_list), "correct")


def test_draw_not_balanced():
    def plain(y, per_class, seed):  # the usual first idea: n random images, whatever their class
        rng = np.random.default_rng(seed)
        return rng.choice(len(y), per_class * len(np.unique(y)), replace=False)
    assert_status(ex.draw_per_class.evaluate(plain), "incorrect", "not balanced", "np.flatnonzero")


def test_draw_with_replacement():
    def twice(y, per_class, seed):
        rng = np.random.default_rng(seed)
        return np.concatenate([rng.choice(np.flatnonzero(y == c), per_class) for c in np.unique(y)])
    assert_status(ex.draw_per_class.evaluate(twice), "incorrect", "drawn twice", "replace=False")


def test_draw_first_of_each_class():
    def first(y, per_class, seed):
        return np.concatenate([np.flatnonzero(y == c)[:per_class] for c in np.unique(y)])
    assert_status(ex.draw_per_class.evaluate(first), "incorrect", "first 6 images", "not random")


def test_draw_seed_ignored_or_global():
    def fixed(y, per_class, seed):
        return right_draw(y, per_class, 0)
    assert_status(ex.draw_per_class.evaluate(fixed), "incorrect", "Seeds 0 and 1 gave the same draw")

    rng = np.random.default_rng(0)

    def shared_generator(y, per_class, seed):  # one generator made outside: the seed does nothing
        return np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.unique(y)])
    assert_status(ex.draw_per_class.evaluate(shared_generator), "incorrect", "same seed gave two different draws")


def test_draw_wrong_outputs():
    assert_status(ex.draw_per_class.evaluate(lambda y, per_class, seed: np.isin(np.arange(len(y)),
                                                                             right_draw(y, per_class, seed))),
                  "incorrect", "boolean mask")
    assert_status(ex.draw_per_class.evaluate(lambda y, per_class, seed: y[right_draw(y, per_class, seed)]),
                  "incorrect", "labels, not indices")
    assert_status(ex.draw_per_class.evaluate(lambda y, per_class, seed: right_draw(y, 6, seed)),
                  "incorrect", "per_class=20")
    assert_status(ex.draw_per_class.evaluate(lambda y, per_class, seed: right_draw(y, per_class, seed) + 1000),
                  "incorrect", "outside `y`")


def test_draw_bad_input():
    def forgot_return(y, per_class, seed):
        right_draw(y, per_class, seed)
    assert_status(ex.draw_per_class.evaluate(forgot_return), "incorrect", "returns nothing")
    assert_status(ex.draw_per_class.evaluate(lambda y, n: y[:n]), "incorrect", "raised TypeError")
    assert_status(ex.draw_per_class.evaluate(right_draw(np.arange(10) % 5, 1, 0)), "incorrect", "function itself")
    assert_status(ex.draw_per_class.evaluate(...), "unattempted")
