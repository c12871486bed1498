"""Episode 02's checks against right answers and the mistakes learners make."""

import keras
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.learner.data.blobs import blobs_problem
from helpers.learner.exercises import blobs as ex
from tests.support.assertions import assert_status


def blobs_mlp():
    return keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(5, activation="relu", kernel_initializer="he_uniform"),
        keras.layers.Dense(5, activation="relu", kernel_initializer="he_uniform"),
        keras.layers.Dense(3, activation="softmax"),
    ])


@pytest.fixture(scope="module")
def source_path(tmp_path_factory):
    keras.utils.set_random_seed(1)
    x, y, _, _ = blobs_problem(1)
    model = blobs_mlp()
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=60, verbose=0)
    path = tmp_path_factory.mktemp("blobs") / "problem1.keras"
    model.save(path)
    return path




def loaded_and_frozen(path, n_fixed, frozen=None, compile_again=True):
    model = keras.models.load_model(path)
    for i, layer in enumerate(model.layers):
        layer.trainable = i not in (frozen if frozen is not None else range(n_fixed))
    if compile_again:
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return model


# ---------------------------------------------------------------- load_and_freeze
@pytest.mark.parametrize("n_fixed", [0, 1, 2])
def test_load_and_freeze_right(source_path, n_fixed):
    assert_status(ex.load_and_freeze.evaluate(loaded_and_frozen(source_path, n_fixed), n_fixed), "correct")


def test_load_and_freeze_wrong_layers(source_path):
    assert_status(ex.load_and_freeze.evaluate(loaded_and_frozen(source_path, 1, frozen=[1]), 1),
                  "incorrect", "frozen now: layer 2")
    assert_status(ex.load_and_freeze.evaluate(loaded_and_frozen(source_path, 2, frozen=[0]), 2),
                  "incorrect", "first 2 layer(s) should be frozen")


def test_load_and_freeze_output_frozen(source_path):
    assert_status(ex.load_and_freeze.evaluate(loaded_and_frozen(source_path, 1, frozen=[0, 2]), 1),
                  "incorrect", "output layer is frozen")


def test_load_and_freeze_not_recompiled(source_path):
    model = loaded_and_frozen(source_path, 2, compile_again=False)
    assert_status(ex.load_and_freeze.evaluate(model, 2), "incorrect", "compile again", "`one_fixed.compile(...)`")


def test_load_and_freeze_fresh_model(source_path):
    model = blobs_mlp()
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert_status(ex.load_and_freeze.evaluate(model, 1), "incorrect", "not the trained problem-1 model", "load_model")


@pytest.mark.parametrize("n_fixed", [3, -1, "1", 1.0, True])
def test_load_and_freeze_bad_n_fixed(source_path, n_fixed):
    assert_status(ex.load_and_freeze.evaluate(loaded_and_frozen(source_path, 0), n_fixed), "incorrect", "0, 1 or 2")


def test_load_and_freeze_blank_and_wrong_type():
    assert_status(ex.load_and_freeze.evaluate(..., 1), "unattempted")
    assert_status(ex.load_and_freeze.evaluate("blobs_problem1.keras", 1), "incorrect", "keras model")


# ---------------------------------------------------------------- summarize_repeats
SCORES = {"standalone": [0.78, 0.81, 0.70, 0.83, 0.79], "fixed=0": [0.816, 0.82, 0.818, 0.815, 0.819]}


def right_table(scores=SCORES, ddof=1, t=True, standard_error=True):
    rows = {}
    for name, values in scores.items():
        values = np.asarray(values)
        n, mean, sd = len(values), values.mean(), values.std(ddof=ddof)
        factor = stats.t.ppf(0.975, n - 1) if t else 1.96
        half = factor * (sd / np.sqrt(n) if standard_error else values.std(ddof=1))
        rows[name] = {"mean": mean, "std": sd, "ci_low": mean - half, "ci_high": mean + half}
    return pd.DataFrame.from_dict(rows, orient="index")


def test_summary_right():
    assert_status(ex.summarize_repeats.evaluate(right_table(), SCORES), "correct")
    describe = pd.DataFrame(SCORES).agg(["mean", "std"]).T  # pandas' way, with the interval added
    half = stats.t.ppf(0.975, 4) * describe["std"] / np.sqrt(5)
    describe["ci_low"], describe["ci_high"] = describe["mean"] - half, describe["mean"] + half
    assert_status(ex.summarize_repeats.evaluate(describe, SCORES), "correct")


def test_summary_population_std():
    assert_status(ex.summarize_repeats.evaluate(right_table(ddof=0), SCORES), "incorrect", "ddof=1")


def test_summary_normal_instead_of_t():
    assert_status(ex.summarize_repeats.evaluate(right_table(t=False), SCORES), "incorrect", "student's t")


def test_summary_std_instead_of_standard_error():
    assert_status(ex.summarize_repeats.evaluate(right_table(standard_error=False), SCORES),
                  "incorrect", "standard error")


def test_summary_missing_row_and_column():
    assert_status(ex.summarize_repeats.evaluate(right_table().drop(index="fixed=0"), SCORES), "incorrect", "fixed=0")
    assert_status(ex.summarize_repeats.evaluate(right_table().drop(columns="ci_low"), SCORES), "incorrect", "ci_low")


def test_summary_wrong_mean_and_types():
    table = right_table()
    table.loc["standalone", "mean"] = 0.9
    assert_status(ex.summarize_repeats.evaluate(table, SCORES), "incorrect", "mean should be")
    assert_status(ex.summarize_repeats.evaluate({"mean": 1}, SCORES), "incorrect", "dataframe")
    assert_status(ex.summarize_repeats.evaluate(None, SCORES), "unattempted")


# ---------------------------------------------------------------- reinit_layers
def test_reinit_right(source_path):
    source = keras.models.load_model(source_path)
    model = blobs_mlp()
    model.layers[0].set_weights(source.layers[0].get_weights())
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert_status(ex.reinit_layers.evaluate(model, source), "correct")


def test_reinit_nothing_reinitialised(source_path):
    source = keras.models.load_model(source_path)
    model = keras.models.load_model(source_path)
    assert_status(ex.reinit_layers.evaluate(model, source), "incorrect", "layer 2 still holds the problem-1 weights")


def test_reinit_first_layer_lost(source_path):
    source = keras.models.load_model(source_path)
    model = blobs_mlp()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert_status(ex.reinit_layers.evaluate(model, source), "incorrect", "first hidden layer should keep")


def test_reinit_first_layer_frozen(source_path):
    source = keras.models.load_model(source_path)
    model = blobs_mlp()
    model.layers[0].set_weights(source.layers[0].get_weights())
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert_status(ex.reinit_layers.evaluate(model, source), "incorrect", "frozen", "every layer learns")


# ---------------------------------------------------------------- add_hidden_layer
def with_new_layer(source, freeze=True, keep_output=False, extra=True):
    hidden = source.layers[:2]
    for layer in hidden:
        layer.trainable = not freeze
    layers = [keras.Input((2,)), *hidden]
    if extra:
        layers.append(keras.layers.Dense(5, activation="relu"))
    layers.append(source.layers[2] if keep_output else keras.layers.Dense(3, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return model


def test_add_hidden_layer_right(source_path):
    source = keras.models.load_model(source_path)
    assert_status(ex.add_hidden_layer.evaluate(with_new_layer(source), source), "correct")


def test_add_hidden_layer_not_frozen(source_path):
    source = keras.models.load_model(source_path)
    assert_status(ex.add_hidden_layer.evaluate(with_new_layer(source, freeze=False), source), "incorrect", "freeze both")


def test_add_hidden_layer_old_output_kept(source_path):
    source = keras.models.load_model(source_path)
    assert_status(ex.add_hidden_layer.evaluate(with_new_layer(source, keep_output=True), source),
                  "incorrect", "output layer is still in the model")


def test_add_hidden_layer_no_new_layer(source_path):
    source = keras.models.load_model(source_path)
    assert_status(ex.add_hidden_layer.evaluate(with_new_layer(source, extra=False), source), "incorrect", "4 dense layers")


def test_add_hidden_layer_fresh_copies(source_path):
    source = keras.models.load_model(source_path)
    model = with_new_layer(blobs_mlp())  # a fresh model's layers, not the source's
    assert_status(ex.add_hidden_layer.evaluate(model, source), "incorrect", "weights and all")
