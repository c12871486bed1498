"""Episode 02's exercises: transfer between two blobs problems, and honest statistics.

Why each verdict is deterministic (the same answer gets the same verdict on any machine, at any load):
no check reads a clock. ``load_and_freeze``, ``reinit_layers`` and ``add_hidden_layer`` compare layer
structures, weights, trainable flags and the flags recorded at compile time, and the given model's
accuracy on problem 1's test points (``make_blobs`` with a fixed ``random_state``; ``predict`` of a given
model is a fixed computation). ``summarize_repeats`` recomputes the table from the learner's own
``scores`` and compares in float64 with rtol 1e-6, far above any difference the order of a sum of a
few hundred accuracies can make (about 1e-15).
"""

from __future__ import annotations

import numpy as np

from helpers.learner.checking import Exercise, Incorrect, expect
from helpers.learner.data.blobs import blobs_problem
from helpers.learner.keras_checks import (
    activation_name,
    compile_order_known,
    require_compiled_after_trainable_change,
    require_model,
    same_weights,
    weighted_layers,
)

EPISODE = "02-blobs"


def _accuracy(model, x, y_onehot) -> float:
    return float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == np.argmax(y_onehot, axis=1)))


# ---------------------------------------------------------------- load_and_freeze
def _check_load_and_freeze(model, n_fixed):
    require_model(model, "model")
    expect(isinstance(n_fixed, (int, np.integer)) and not isinstance(n_fixed, bool) and 0 <= n_fixed <= 2,
           f"`n_fixed` should be 0, 1 or 2 (how many hidden layers stay fixed); it is {n_fixed!r}.")
    layers = weighted_layers(model)
    expect(len(layers) == 3, f"The problem-1 model has three Dense layers; this one has {len(layers)}.")
    _, _, x1_test, y1_test = blobs_problem(1)
    problem1 = _accuracy(model, x1_test, y1_test)
    expect(problem1 >= 0.8,
           f"This model gets only {problem1:.0%} right on problem 1, so it is not the trained problem-1 model: "
           "load it from its file with `keras.models.load_model(...)` rather than building a fresh one.")
    frozen = [not layer.trainable for layer in layers]
    wanted = [i < n_fixed for i in range(3)]
    if frozen != wanted:
        names = ", ".join(f"layer {i + 1}" for i, f in enumerate(frozen) if f) or "no layer"
        expect(not frozen[2], "The output layer is frozen: with n_fixed hidden layers fixed, only the first "
                              "n_fixed layers are frozen and the output layer always learns.")
        raise Incorrect(f"With n_fixed={n_fixed} the first {n_fixed} layer(s) should be frozen and the rest "
                        f"trainable; frozen now: {names}. Use `for layer in model.layers[:n_fixed]: "
                        "layer.trainable = False`.")
    require_compiled_after_trainable_change(model, "model")  # load_model compiles: freezing comes after it
    compiled = ", re-compiled" if compile_order_known(model) else ""  # Keras 3.10 cannot tell (keras_checks)
    return f"Problem-1 model loaded ({problem1:.0%} on problem 1), first {n_fixed} layer(s) fixed{compiled}."


load_and_freeze = Exercise(EPISODE, "load_and_freeze", _check_load_and_freeze)


# ---------------------------------------------------------------- reinit_layers
def _check_reinit_layers(model, source_model):
    require_model(model, "model")
    require_model(source_model, "source_model")
    layers, source = weighted_layers(model), weighted_layers(source_model)
    expect(len(layers) == 3 and len(source) == 3,
           f"Both models should have the blobs MLP's three Dense layers; yours has {len(layers)}.")
    expect(same_weights(layers[0], source[0]),
           "The first hidden layer should keep the problem-1 model's weights; yours differ. "
           "Copy them with `set_weights(source_model.layers[0].get_weights())`.")
    for i in (1, 2):
        expect(not same_weights(layers[i], source[i]),
               f"Layer {i + 1} still holds the problem-1 weights: it should start afresh. Build a new layer "
               "(or a new model) for it instead of reusing the trained one.")
        expect(layers[i] is not source[i], f"Layer {i + 1} is the problem-1 model's own layer object.")
    frozen = [i + 1 for i, layer in enumerate(layers) if not layer.trainable]
    expect(not frozen, f"Layer(s) {frozen} are frozen; in this experiment every layer learns.")
    require_compiled_after_trainable_change(model, "model")
    return "First hidden layer transferred, the rest start fresh, everything trainable."


reinit_layers = Exercise(EPISODE, "reinit_layers", _check_reinit_layers)


# ---------------------------------------------------------------- add_hidden_layer
def _check_add_hidden_layer(model, source_model):
    require_model(model, "model")
    require_model(source_model, "source_model")
    layers, source = weighted_layers(model), weighted_layers(source_model)
    expect(len(source) == 3, "`source_model` should be the problem-1 model, with three Dense layers.")
    expect(not any(layer is source[2] for layer in layers) and not any(
        same_weights(layer, source[2]) for layer in layers),
        "The problem-1 output layer is still in the model: keep only its two hidden layers.")
    expect(len(layers) == 4, f"Expected the two problem-1 hidden layers, one new hidden layer and a new output "
                             f"(4 Dense layers); found {len(layers)}.")
    for i in (0, 1):
        expect(same_weights(layers[i], source[i]),
               f"Layer {i + 1} should be problem-1 hidden layer {i + 1}, weights and all.")
        expect(not layers[i].trainable, f"Problem-1 hidden layer {i + 1} is trainable: freeze both.")
    new_hidden, output = layers[2], layers[3]
    expect(new_hidden.trainable and output.trainable, "The new hidden layer and the new output must be trainable.")
    expect(activation_name(new_hidden) == "relu" and activation_name(output) == "softmax"
           and getattr(output, "units", None) == 3,
           "The new hidden layer should use relu and the output should be Dense(3, softmax).")
    require_compiled_after_trainable_change(model, "model")
    return "Two frozen problem-1 layers, then a new hidden layer and a new output."


add_hidden_layer = Exercise(EPISODE, "add_hidden_layer", _check_add_hidden_layer)


# ---------------------------------------------------------------- summarize_repeats
def expected_summary(scores: dict) -> "pd.DataFrame":
    """Mean, sample standard deviation and 95% t-interval of the mean, one row per set-up."""
    import pandas as pd
    from scipy import stats

    rows = {}
    for name, values in scores.items():
        values = np.asarray(values, dtype=float)
        n, mean, sd = len(values), values.mean(), values.std(ddof=1)
        half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
        rows[name] = {"mean": mean, "std": sd, "ci_low": mean - half, "ci_high": mean + half}
    return pd.DataFrame.from_dict(rows, orient="index")


def _check_summarize_repeats(table, scores):
    import pandas as pd
    from scipy import stats

    expect(isinstance(scores, dict) and scores,
           "`scores` should be the dict mapping each set-up to its list of accuracies.")
    expect(isinstance(table, pd.DataFrame), f"`table` should be a pandas DataFrame; it is a {type(table).__name__}.")
    missing_cols = [c for c in ("mean", "std", "ci_low", "ci_high") if c not in table.columns]
    expect(not missing_cols, f"The table needs the columns mean, std, ci_low and ci_high; missing: "
                             f"{', '.join(missing_cols)}.")
    missing_rows = [name for name in scores if name not in table.index]
    expect(not missing_rows, f"One row per set-up, indexed by its name; missing: {', '.join(map(str, missing_rows))}.")
    right = expected_summary(scores)
    for name, values in scores.items():
        values = np.asarray(values, dtype=float)
        n = len(values)
        row, want = table.loc[name], right.loc[name]
        close = lambda a, b: np.isclose(float(a), float(b), rtol=1e-6, atol=1e-9)  # noqa: E731
        expect(close(row["mean"], want["mean"]), f"{name}: the mean should be {want['mean']:.4f}, not {float(row['mean']):.4f}.")
        if not close(row["std"], want["std"]):
            expect(not close(row["std"], values.std(ddof=0)),
                   f"{name}: that is the population standard deviation (ddof=0); for a sample of {n} runs "
                   "use ddof=1 (pandas' `.std()` does, NumPy's `np.std` does not).")
            raise Incorrect(f"{name}: the standard deviation should be {want['std']:.4f}, not {float(row['std']):.4f}.")
        half = float(row["ci_high"]) - float(row["mean"])
        if not (close(row["ci_low"], want["ci_low"]) and close(row["ci_high"], want["ci_high"])):
            sd = values.std(ddof=1)
            expect(not np.isclose(half, 1.96 * sd / np.sqrt(n), rtol=1e-4),
                   f"{name}: 1.96 is the normal distribution's value; with only {n} runs use Student's t, "
                   f"`stats.t.ppf(0.975, {n - 1})` (from scipy) = {stats.t.ppf(0.975, n - 1):.3f}.")
            expect(not np.isclose(half, stats.t.ppf(0.975, n - 1) * sd, rtol=1e-4),
                   f"{name}: that interval uses the standard deviation of the runs; the interval of the *mean* "
                   "uses the standard error, std / sqrt(n).")
            raise Incorrect(f"{name}: the 95% interval should be {want['ci_low']:.4f} to {want['ci_high']:.4f}.")
    return "Means, standard deviations and 95% intervals all match."


summarize_repeats = Exercise(EPISODE, "summarize_repeats", _check_summarize_repeats)
