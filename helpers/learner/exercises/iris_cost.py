"""Episode 01's exercises: iris classifier, then a frozen transfer to cost.

Why each verdict is deterministic (the same answer gets the same verdict on any machine, at any load):
no check reads a clock, and every check judges the learner's objects as they are.

* ``build_classifier``: the layers, the compile settings and the accuracy of the learner's own model on
  the held-out flowers, split by ``train_test_split`` with a fixed ``random_state``; ``predict`` of a
  given model is a fixed computation.
* ``transfer_head``: which layer objects are shared, which are frozen, and whether a training step on a
  fixed, seeded batch (``_iris_like_batch``) moves the frozen weights; every variable is put back
  afterwards, so a second call sees the same model.
* ``rmse``: the learner's number against the check's own RMSE of the same predictions, with a
  tolerance (rtol 1e-3) far above any difference in the order of floating-point sums.
* ``fine_tune``: flags, the learning rate, a seeded training step (put back) and the RMSE of the
  learner's fine-tuned model against the frozen one's, both computed from the models given; training
  them again may give other numbers, but the same models always get the same verdict.
"""

from __future__ import annotations

import functools

import numpy as np

from helpers.learner.checking import Exercise, Incorrect, as_number, expect
from helpers.learner.keras_checks import (
    activation_name,
    learning_rate,
    loss_name,
    require_compiled,
    require_compiled_after_trainable_change,
    require_model,
    require_trained,
    same_weights,
    trainable_count,
    weighted_layers,
)

EPISODE = "01-iris-cost"
IRIS_TEST_SIZE, IRIS_SPLIT_SEED = 0.3, 42  # the split the episode uses


def _iris_held_out():
    from sklearn.model_selection import train_test_split

    from helpers.learner.data import IRIS_FEATURES, load_iris

    iris = load_iris()
    x = iris[IRIS_FEATURES].to_numpy("float32")
    y = iris["species"].astype("category").cat.codes.to_numpy()
    _, x_test, _, y_test = train_test_split(
        x, y, test_size=IRIS_TEST_SIZE, random_state=IRIS_SPLIT_SEED, stratify=y
    )
    return x_test, y_test


def _iris_like_batch(n=32, seed=0):
    """Measurements in iris' ranges, and costs of the right size, for behavioural tests."""
    rng = np.random.default_rng(seed)
    x = rng.uniform([4.3, 2.0, 1.0, 0.1], [7.9, 4.4, 6.9, 2.5], size=(n, 4)).astype("float32")
    return x, rng.uniform(2, 15, size=(n, 1)).astype("float32")


def _describe(layers) -> str:
    return ", ".join(f"Dense({l.units}, {activation_name(l)})" if hasattr(l, "units")
                     else type(l).__name__ for l in layers)


# ---------------------------------------------------------------- build_classifier
def _check_classifier(model):
    require_model(model, "classifier")
    layers = weighted_layers(model)
    wanted = [(50, "relu"), (25, "relu"), (3, "softmax")]
    got = [(getattr(l, "units", None), activation_name(l)) for l in layers]
    expect(model.inputs and tuple(model.inputs[0].shape[1:]) == (4,),
           "The classifier should take the 4 measurements as input: start with `keras.Input(shape=(4,))`.")
    expect(len(layers) == 3, f"Expected three Dense layers (50 relu, 25 relu, 3 softmax); found {_describe(layers)}.")
    for i, ((units, act), (g_units, g_act)) in enumerate(zip(wanted, got), start=1):
        expect(g_units == units, f"Dense layer {i} has {g_units} units; it should have {units}.")
        expect(g_act == act, f"Dense layer {i} uses the '{g_act}' activation; it should use '{act}'.")
    require_compiled(model, "classifier")
    expect(loss_name(model) == "categorical_crossentropy",
           f"The classifier is compiled with the loss '{loss_name(model)}'; with one-hot species use "
           "'categorical_crossentropy'.")
    require_trained(model, "classifier")
    x_test, y_test = _iris_held_out()
    accuracy = float(np.mean(np.argmax(model.predict(x_test, verbose=0), axis=1) == y_test))
    expect(accuracy >= 0.9, f"The classifier is right on only {accuracy:.0%} of the held-out flowers; "
                            "it should reach 90%. Train for more epochs, or check your labels are one-hot.")
    return f"Held-out accuracy {accuracy:.1%}: a classifier worth transferring from."


build_classifier = Exercise(EPISODE, "build_classifier", _check_classifier)


# ---------------------------------------------------------------- transfer_head
def _check_transfer_head(model3, classifier):
    require_model(model3, "model3")
    require_model(classifier, "classifier")
    layers, source = weighted_layers(model3), weighted_layers(classifier)
    expect(len(source) >= 3, "`classifier` should be the trained iris classifier with three Dense layers.")
    expect(len(layers) >= 2, f"model3 has only {_describe(layers)}; it needs the classifier's two hidden "
                             "layers and a new output layer.")
    expect(not any(l is source[2] for l in layers),
           "model3 still contains the classifier's softmax output layer: leave it out, and put a new "
           "`Dense(1)` on top of the two hidden layers.")
    head = layers[-1]
    expect(getattr(head, "units", None) != 3 or activation_name(head) != "softmax",
           "model3 ends in a 3-unit softmax, the species layer: a cost needs one linear output unit, `Dense(1)`.")
    expect(len(layers) == 3, f"model3 should be the two hidden layers plus one new output layer; it has "
                             f"{_describe(layers)}.")
    for i in range(2):
        if layers[i] is not source[i]:
            expect(same_weights(layers[i], source[i]),
                   f"Layer {i + 1} of model3 is a fresh layer, not the classifier's: its weights differ. "
                   f"Reuse the trained layer itself, `classifier.layers[{i}]`.")
    expect(getattr(head, "units", None) == 1, f"The new head has {getattr(head, 'units', '?')} units; "
                                              "a single cost needs exactly one.")
    expect(activation_name(head) == "linear",
           f"The new head uses the '{activation_name(head)}' activation; a cost can be any number, so "
           "leave it linear (`Dense(1)` with no activation).")
    trainable_hidden = [i + 1 for i in range(2) if layers[i].trainable]
    expect(not trainable_hidden,
           f"Hidden layer(s) {trainable_hidden} are still trainable: set `layer.trainable = False` on "
           "both hidden layers, then compile model3.")
    require_compiled(model3, "model3")
    expect(loss_name(model3) == "mean_squared_error",
           f"model3 is compiled with the loss '{loss_name(model3)}'; a regression on cost uses "
           "'mean_squared_error'.")
    trainable = trainable_count(model3)
    expect(trainable == 26, f"model3 has {trainable} trainable parameters; the new head alone has "
                            "25 weights + 1 bias = 26.")
    require_compiled_after_trainable_change(model3, "model3", batch=_iris_like_batch(), frozen=layers[:2])
    return "Two frozen, trained hidden layers under one new linear unit: 26 trainable parameters."


transfer_head = Exercise(EPISODE, "transfer_head", _check_transfer_head)


# ---------------------------------------------------------------- rmse
def _as_vector(values, name):
    try:
        array = np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        raise Incorrect(f"`{name}` should hold numbers; it is a {type(values).__name__}.") from None
    return array.reshape(len(array), -1)


def _check_rmse(value, model3, x_test, y_test):
    value = as_number(value, "value", "the RMSE")
    require_model(model3, "model3")
    x, y = _as_vector(x_test, "x_test"), _as_vector(y_test, "y_test")
    expect(y.shape[1] == 1, f"`y_test` should be the costs, one number per flower; its shape is {y.shape}.")
    y = y.ravel()
    predicted = np.asarray(model3.predict(x, verbose=0), dtype="float64")
    right = float(np.sqrt(np.mean((predicted.ravel() - y) ** 2)))
    broadcast = float(np.sqrt(np.mean((predicted.reshape(-1, 1) - y.reshape(1, -1)) ** 2)))
    if np.isclose(value, right, rtol=1e-3, atol=1e-4):
        return f"RMSE {right:.3f}, recomputed from model3's predictions on the test set."
    expect(not np.isclose(value, right ** 2, rtol=1e-3),
           f"{value:.4f} is the mean squared error; the RMSE is its square root ({right:.4f}).")
    expect(not np.isclose(value, broadcast, rtol=1e-3),
           "Your predictions have shape (n, 1) and the costs (n,), so subtracting them broadcast to an "
           "n×n table. Flatten the predictions first: `model3.predict(x_test).ravel()`.")
    raise Incorrect(f"You report {value:.4f}; model3's RMSE on the test set is {right:.4f}. "
                    "Did you compute it on the training data, or on another model?")


rmse = Exercise(EPISODE, "rmse", _check_rmse)


# ---------------------------------------------------------------- fine_tune
def _check_fine_tune(model, history, frozen_rmse, x_test, y_test):
    require_model(model, "model")
    frozen_rmse = as_number(frozen_rmse, "frozen_rmse", "the frozen model's RMSE")
    expect(hasattr(history, "history") and hasattr(history, "epoch"),
           f"`history` should be what `fit` returns when you fine-tune (a History); it is a "
           f"{type(history).__name__}.")
    layers = weighted_layers(model)
    still_frozen = [i + 1 for i, l in enumerate(layers) if not l.trainable]
    expect(not still_frozen, f"Layer(s) {still_frozen} are still frozen: fine-tuning sets "
                             "`trainable = True` on every layer.")
    require_compiled(model, "model")
    rate = learning_rate(model)
    default = learning_rate_default(model.optimizer)
    expect(rate < default,
           f"The optimiser's learning rate is {rate:g}, not below its default ({default:g}). Re-compile "
           "with a smaller one, e.g. `keras.optimizers.Adam(1e-4)`, so fine-tuning nudges the "
           "transferred weights instead of overwriting them. (Without re-compiling, the old optimiser stays.)")
    require_compiled_after_trainable_change(model, "model", batch=_iris_like_batch(), unfrozen=layers[:-1])
    require_trained(model, "model")
    expect(getattr(history, "model", None) is model and getattr(model, "history", None) is history,
           "`history` is not what the latest `model.fit(...)` returned: keep the History of the "
           "fine-tuning run itself, e.g. `history = model.fit(...)` after compiling again.")
    xs, ys = _as_vector(x_test, "x_test"), _as_vector(y_test, "y_test").ravel()
    tuned = float(np.sqrt(np.mean((np.asarray(model.predict(xs, verbose=0)).ravel() - ys) ** 2)))
    expect(tuned <= frozen_rmse * 1.01,
           f"After fine-tuning the test RMSE is {tuned:.3f}, worse than the frozen model's {frozen_rmse:.3f}. "
           "Lower the learning rate, or train for fewer epochs.")
    return f"Fine-tuned test RMSE {tuned:.3f} against {frozen_rmse:.3f} frozen."


def learning_rate_default(optimizer) -> float:
    """The learning rate an optimiser of this class has when none is given."""
    return float(np.asarray(type(optimizer)().learning_rate))


fine_tune = Exercise(EPISODE, "fine_tune", _check_fine_tune)


# ---------------------------------------------------------------- what an instructor's judge computes itself
@functools.lru_cache(maxsize=None)
def cost_test_split() -> tuple[np.ndarray, np.ndarray]:
    """The cost test flowers, as the master splits them: ``train_test_split(..., test_size=0.25, random_state=42)``."""
    from sklearn.model_selection import train_test_split

    from helpers.learner.data import IRIS_FEATURES, load_iris_cost

    cost = load_iris_cost()
    x = cost[IRIS_FEATURES].to_numpy("float32")
    y = cost["cost"].to_numpy("float32")
    _, x_test, _, y_test = train_test_split(x, y, test_size=0.25, random_state=42)
    return x_test, y_test


def _frozen_rmse_measured(earlier: dict, learners_value):
    """The RMSE of the model the learner submitted to ``rmse``, measured again on the judge's own split."""
    arguments = earlier.get("rmse")
    if not arguments or len(arguments) < 2 or not hasattr(arguments[1], "predict"):
        return learners_value
    x_test, y_test = cost_test_split()
    predicted = np.asarray(arguments[1].predict(x_test, verbose=0), dtype="float64").ravel()
    return float(np.sqrt(np.mean((predicted - y_test) ** 2)))


# A notebook could pass three easy flowers as "the test set": a grader's judge uses these instead
# (exercise → check parameter → rule(earlier exports, the learner's value)).
_COST_TEST = {"x_test": lambda earlier, value: cost_test_split()[0],
              "y_test": lambda earlier, value: cost_test_split()[1]}
TRUSTED_INPUTS = {
    "rmse": _COST_TEST,
    "fine_tune": {**_COST_TEST, "frozen_rmse": _frozen_rmse_measured},
}
