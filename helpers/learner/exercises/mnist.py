"""Episode 03's exercises: split digits, freeze convolutional features, time the epochs."""

from __future__ import annotations

import numpy as np

from helpers.learner.checking import Exercise, Incorrect, as_number, expect
from helpers.learner.keras_checks import (
    require_compiled_after_trainable_change,
    require_model,
    trainable_count,
)

EPISODE = "03-mnist"


# ---------------------------------------------------------------- split_by_label
def _labelled_images(n=40, seed=0):
    """Images whose every pixel equals their label, so the check can see if x and y stay paired."""
    rng = np.random.default_rng(seed)
    y = np.concatenate([np.arange(10), rng.integers(0, 10, n - 10)]).astype("uint8")
    x = np.broadcast_to(y[:, None, None], (n, 28, 28)).astype("uint8").copy()
    return x, y


def _check_split_by_label(fn):
    expect(callable(fn), f"Pass your function itself (`split_by_label`, no brackets); got a {type(fn).__name__}.")
    x, y = _labelled_images()
    try:
        out = fn(x, y)
    except Exception as exc:  # the learner's code failing is their mistake, not the check's
        raise Incorrect(f"Your function raised {type(exc).__name__}: {exc}") from None
    expect(isinstance(out, (tuple, list)) and len(out) == 4,
           "Return four arrays: `x_low, y_low, x_high, y_high` (digits 0-4, then digits 5-9 relabelled 0-4).")
    x_low, y_low, x_high, y_high = (np.asarray(a) for a in out)
    expect(len(x_low) == len(y_low) and len(x_high) == len(y_high),
           "Each x must have as many images as its y has labels.")
    expect(set(np.unique(y_low)) <= set(range(5)) and len(y_low) == int(np.sum(y < 5)),
           f"The first set should hold exactly the digits 0-4 ({int(np.sum(y < 5))} of the check's "
           f"{len(y)} images); yours holds labels {sorted(set(np.unique(y_low).tolist()))}. Use `y < 5`.")
    expect(len(y_high) == int(np.sum(y >= 5)),
           f"The second set should hold exactly the digits 5-9 ({int(np.sum(y >= 5))} images); yours has {len(y_high)}.")
    expect(not set(np.unique(y_high)) <= set(range(5, 10)) or not len(y_high),
           "The digits 5-9 keep their labels 5-9: subtract 5 so they become 0-4, as a 5-unit output needs.")
    expect(set(np.unique(y_high)) <= set(range(5)), "After shifting, the second set's labels should be 0-4.")
    pixels_low = x_low.reshape(len(x_low), -1)[:, 0]
    pixels_high = x_high.reshape(len(x_high), -1)[:, 0]
    expect(np.array_equal(pixels_low, y_low) and np.array_equal(pixels_high, y_high + 5),
           "The images and labels no longer line up: select x and y with the same mask.")
    return "Digits 0-4 and 5-9 (relabelled 0-4) split with images and labels still paired."


split_by_label = Exercise(EPISODE, "split_by_label", _check_split_by_label)


# ---------------------------------------------------------------- freeze_features
def _check_freeze_features(model, feature_layers):
    require_model(model, "model")
    expect(isinstance(feature_layers, (list, tuple)) and feature_layers,
           "`feature_layers` should be the list of feature layers you built the model from.")
    in_model = [layer for layer in feature_layers if any(layer is l for l in model.layers)]
    expect(len(in_model) == len(feature_layers),
           "Some of `feature_layers` are not in the model: build the transfer model from the very same "
           "layer objects that were trained on 5-9.")
    still_trainable = [layer.name for layer in feature_layers if layer.trainable and layer.weights]
    expect(not still_trainable, f"Feature layer(s) {', '.join(still_trainable)} are still trainable: set "
                                "`layer.trainable = False` on every feature layer.")
    classification = [layer for layer in model.layers if not any(layer is f for f in feature_layers)]
    frozen_head = [layer.name for layer in classification if layer.weights and not layer.trainable]
    expect(not frozen_head, f"Classification layer(s) {', '.join(frozen_head)} are frozen too: only the "
                            "feature layers should be.")
    expected = trainable_count(classification)
    trainable = trainable_count(model)
    expect(trainable == expected, f"The model has {trainable} trainable parameters; its classification "
                                  f"layers have {expected}.")
    shape = tuple(model.inputs[0].shape[1:])
    outputs = int(model.outputs[0].shape[-1])
    rng = np.random.default_rng(0)
    x = rng.random((8, *shape), dtype="float32")
    y = np.arange(8) % outputs
    y = np.eye(outputs, dtype="float32")[y] if "sparse" not in str(getattr(model, "loss", "")) else y
    require_compiled_after_trainable_change(model, "model", batch=(x, y),
                                            frozen=[layer for layer in feature_layers if layer.weights])
    return f"Features frozen, classifier trainable ({trainable:,} parameters), compiled after freezing."


freeze_features = Exercise(EPISODE, "freeze_features", _check_freeze_features)


# ---------------------------------------------------------------- epoch_times
def _as_times(values, name):
    try:
        times = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise Incorrect(f"`{name}` should be a list of seconds, one per epoch.") from None
    expect(times.size >= 1, f"`{name}` is empty: did your callback's `on_epoch_end` append to it?")
    expect(np.all(np.isfinite(times)) and np.all(times > 0), f"`{name}` should hold positive durations in seconds.")
    expect(not (times.size > 1 and np.all(times > 1e6)),
           f"`{name}` looks like clock readings (time.time()), not durations: store `end - start`.")
    expect(not (times.size > 2 and np.all(np.diff(times) > 0.5 * times[0])),
           f"`{name}` grows by about one epoch each time: it looks cumulative. Reset the start time in "
           "`on_epoch_begin`.")
    return times


def _check_epoch_times(times_full, times_frozen, ratio=None):
    full = _as_times(times_full, "times_full")
    frozen = _as_times(times_frozen, "times_frozen")
    right = float(np.mean(frozen) / np.mean(full))
    expect(right < 1,
           f"A frozen epoch took {np.mean(frozen):.2f} s on average against {np.mean(full):.2f} s for the "
           "full network: the frozen model should be faster. Did you compile it after freezing?")
    if ratio is not None:
        ratio = as_number(ratio, "ratio", "the frozen/full ratio of mean epoch times")
        if not np.isclose(ratio, right, rtol=1e-3):
            expect(not np.isclose(ratio, 1 / right, rtol=1e-3),
                   f"{ratio:.3f} is full/frozen; the ratio asked for is frozen/full ({right:.3f}).")
            raise Incorrect(f"The ratio of mean epoch times (frozen/full) is {right:.3f}, not {ratio:.3f}.")
    return f"A frozen epoch takes {right:.0%} of a full one ({np.mean(frozen):.2f} s against {np.mean(full):.2f} s)."


epoch_times = Exercise(EPISODE, "epoch_times", _check_epoch_times)
