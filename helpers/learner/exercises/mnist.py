"""Episode 03's exercises: split digits, freeze convolutional features, time the epochs, draw per class.

Why each verdict is deterministic (the same answer gets the same verdict on any machine, at any load):

* ``split_by_label`` and ``draw_per_class`` call the learner's function on labelled arrays the check
  makes from fixed seeds, and compare what comes back.
* ``freeze_features`` reads trainable flags and counts, and trains one seeded batch (put back after).
* ``epoch_times`` is about a measurement, so it is the one that could have depended on the clock: it
  asks only whether the learner's numbers are the two timers' epochs after the first and whether the
  ratio was computed from them. How fast the frozen epochs were on this run depends on what else the
  machine was doing; the message reports it and never judges it.
"""

from __future__ import annotations

import numpy as np

from helpers.learner.checking import Exercise, Incorrect, as_number, expect
from helpers.learner.keras_checks import (
    compile_order_known,
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
    compiled = ", compiled after freezing" if compile_order_known(model) else ""  # Keras 3.10 cannot tell
    return f"Features frozen, classifier trainable ({trainable:,} parameters){compiled}."


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


def _timer_times(timer, name):
    """A timer's per-epoch seconds: an ``EpochTimer`` (its ``.times``) or the list itself."""
    times = getattr(timer, "times", timer)
    try:
        return np.asarray(times, dtype=float).ravel()
    except (TypeError, ValueError):
        raise Incorrect(f"`{name}` should be an EpochTimer (the callback, with its `.times`).") from None


def _same(a, b) -> bool:
    return a.shape == b.shape and np.array_equal(a, b)


def _check_epoch_times(times_full, times_frozen, ratio, full_timer, frozen_timer):
    """Why the verdict is deterministic: it asks only where the learner's numbers came from (the two
    timers' epochs after the first) and whether the ratio was computed from them. Whether the frozen
    epochs were faster on this run depends on the machine's load at that moment, so it is reported in
    the message, never judged (the notebook measures the speed-up again, robustly, below)."""
    full = _as_times(times_full, "times_full")
    frozen = _as_times(times_frozen, "times_frozen")
    timers = {"full_timer": _timer_times(full_timer, "full_timer"),
              "frozen_timer": _timer_times(frozen_timer, "frozen_timer")}
    for timer_name, times in timers.items():
        expect(times.size >= 2, f"`{timer_name}` holds {times.size} epoch(s): train for at least two, so "
                                "that one is left after the first.")
    for name, mine, own, other in (("times_full", full, timers["full_timer"], timers["frozen_timer"]),
                                   ("times_frozen", frozen, timers["frozen_timer"], timers["full_timer"])):
        if _same(mine, own[1:]):
            continue
        expect(not _same(mine, own),
               f"`{name}` holds all {own.size} epochs. The first one also builds (traces) the training step, "
               "a one-off cost that is not an epoch's work: leave it out, `timer.times[1:]`.")
        expect(not (_same(mine, other[1:]) or _same(mine, other)),
               f"`{name}` holds the other model's epochs: `times_full` is the from-scratch model's "
               "(`scratch_timer`), `times_frozen` the frozen model's (`frozen_timer`).")
        expect(mine.size == own.size - 1,
               f"`{name}` should hold one duration per epoch after the first ({own.size - 1}); it holds "
               f"{mine.size}.")
        raise Incorrect(f"`{name}` is not its timer's epochs after the first: use `timer.times[1:]` of the "
                        "timer that trained that model.")
    right = float(np.mean(frozen) / np.mean(full))
    ratio = as_number(ratio, "ratio", "the frozen/full ratio of mean epoch times")
    if not np.isclose(ratio, right, rtol=1e-3):
        expect(not np.isclose(ratio, 1 / right, rtol=1e-3),
               f"{ratio:.3f} is full/frozen; the ratio asked for is frozen/full ({right:.3f}).")
        raise Incorrect(f"The ratio of mean epoch times (frozen/full) is {right:.3f}, not {ratio:.3f}: "
                        "`np.mean(times_frozen) / np.mean(times_full)`.")
    measured = f"{np.mean(frozen):.2f} s against {np.mean(full):.2f} s"
    if right < 1:
        return f"On this run a frozen epoch took {right:.0%} of a full one ({measured})."
    return (f"Your numbers are the right ones. On this run a frozen epoch took {right:.0%} of a full one "
            f"({measured}): your machine was busy during those few epochs. The cell below measures the "
            "speed-up again, with repeats.")


epoch_times = Exercise(EPISODE, "epoch_times", _check_epoch_times)


# ---------------------------------------------------------------- draw_per_class
def _uneven_labels():
    """Labels of five classes in uneven numbers (the first few of each class not at the front)."""
    counts = [40, 25, 55, 30, 50]
    y = np.concatenate([np.full(n, c) for c, n in enumerate(counts)])
    return np.random.default_rng(7).permutation(y)


def _draw(fn, y, per_class, seed):
    try:
        out = fn(y, per_class, seed)
    except Exception as exc:
        raise Incorrect(f"Your function raised {type(exc).__name__}: {exc}") from None
    expect(out is not None, "Your function returns nothing: end it with `return ...`.")
    out = np.asarray(out)
    expect(out.dtype != bool, "Return the indices of the chosen images (`np.flatnonzero` gives them), not a "
                              "boolean mask.")
    expect(out.ndim == 1 and np.issubdtype(out.dtype, np.integer),
           f"Return a flat array of integer indices into `y`; got an array of shape {out.shape} and type {out.dtype}.")
    expect(out.size == 0 or (out.min() >= 0 and out.max() < len(y)),
           "Some indices are outside `y`: return positions in `y`, not labels or counts.")
    return out


def _expect_unique(indices):
    expect(len(np.unique(indices)) == len(indices),
           "Some images were drawn twice: choose without replacement (`replace=False`).")


def _check_draw_per_class(fn):
    expect(callable(fn), f"Pass your function itself (`draw_per_class`, no brackets); got a {type(fn).__name__}.")
    y = _uneven_labels()
    classes = np.unique(y)
    first = _draw(fn, y, 6, 0)
    expect(len(first) == 6 * len(classes),
           f"With 6 per class and {len(classes)} classes you should return {6 * len(classes)} indices; "
           f"yours returned {len(first)}.")
    expect(not (len(np.unique(first)) < len(first) and set(first.tolist()) <= set(classes.tolist())),
           "Those look like labels, not indices: return the positions of the chosen images in `y`.")
    _expect_unique(first)
    counts = np.bincount(y[first], minlength=len(classes))
    expect(np.all(counts == 6),
           f"The draw is not balanced: it holds {', '.join(map(str, counts))} images of the {len(classes)} "
           "classes. Draw `per_class` indices from each class separately (`np.flatnonzero(y == c)`).")
    again, other = _draw(fn, y, 6, 0), _draw(fn, y, 6, 1)
    expect(np.array_equal(np.sort(first), np.sort(again)),
           "The same seed gave two different draws: make the generator from the seed, "
           "`np.random.default_rng(seed)`, inside your function.")
    front = np.concatenate([np.flatnonzero(y == c)[:6] for c in classes])
    expect(not np.array_equal(np.sort(first), np.sort(front)),
           "You take the first 6 images of each class: that is not random, and every draw would be the same. "
           "Choose at random with `rng.choice(indices, per_class, replace=False)`.")
    expect(not np.array_equal(np.sort(first), np.sort(other)),
           "Seeds 0 and 1 gave the same draw: use the `seed` argument, `np.random.default_rng(seed)`.")
    larger = _draw(fn, y, 20, 3)
    _expect_unique(larger)
    expect(len(larger) == 20 * len(classes) and np.all(np.bincount(y[larger], minlength=len(classes)) == 20),
           "With `per_class=20` the draw should hold 20 images of each class: use the `per_class` argument.")
    return (f"{len(classes)} classes x `per_class` different images, a new draw for each seed and the same one "
            "for the same seed.")


draw_per_class = Exercise(EPISODE, "draw_per_class", _check_draw_per_class)
