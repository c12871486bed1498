"""Named mistakes of the check tests, through the new path: exported as data, judged from the artifacts.

Each case exports the arguments with the very code the grader runs in a kernel
(:mod:`helpers.instructor.grading.kernel_export`, here in-process), copies
them as the grader does and judges them as the judge process does; the verdict
must be the one the check gives on the live objects, message included. The
Keras 3 mistake that a saved model forgets (frozen after compiling, without
compiling again) is among them.
"""

import keras
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.instructor.grading.artifacts import capture
from helpers.instructor.grading.judge import judge_one
from helpers.learner.exercises import blobs, dollar_street, iris_cost, mnist
from tests.support.keras_fixtures import cost_split, trained_classifier, transfer_model
from tests.learner.test_mnist_checks import right_split


def judged(tmp_path, exercise, **values):
    """Export ``values`` (named as in the check cell), capture, judge: the judge's record."""
    from helpers.instructor.grading.kernel_export import export_arguments

    folder = tmp_path / "kernel" / exercise.name
    export_arguments(str(folder), ", ".join(values), dict(values))
    assert capture(folder, tmp_path / "captured" / exercise.name) is None
    return judge_one(_module_of(exercise), exercise.name,
                     tmp_path / "captured" / exercise.name, tmp_path / "scratch", {})


def _module_of(exercise):
    for module in (iris_cost, blobs, mnist, dollar_street):
        if getattr(module, exercise.name, None) is exercise:
            return module.__name__
    raise LookupError(exercise.name)


def same_verdict(tmp_path, exercise, words, **values):
    live = exercise.evaluate(*values.values())
    record = judged(tmp_path, exercise, **values)
    assert record["status"] == live.status, (record, live)
    assert live.message in record["message"], (record["message"], live.message)
    assert words.lower() in record["message"].lower()
    return record


@pytest.fixture(scope="module")
def classifier():
    return trained_classifier(epochs=30)


def stale_transfer(classifier):
    """Compiled and trained with every layer trainable, frozen afterwards, not compiled again."""
    copy = keras.models.clone_model(classifier)
    copy.set_weights(classifier.get_weights())
    model3 = transfer_model(copy, freeze=False)
    x, y = np.ones((4, 4), "float32"), np.ones((4, 1), "float32")
    model3.train_on_batch(x, y)
    for layer in model3.layers[:2]:
        layer.trainable = False
    return model3, copy


def test_frozen_after_compiling_survives_the_export(tmp_path, classifier):
    model3, copy = stale_transfer(classifier)
    record = same_verdict(tmp_path, iris_cost.transfer_head, "compile(...)` again after freezing",
                          model3=model3, classifier=copy)
    assert "compile state exported" in record["message"]


def test_transfer_head_right_and_one_layer_still_trainable(tmp_path, classifier):
    copy = keras.models.clone_model(classifier)
    copy.set_weights(classifier.get_weights())
    same_verdict(tmp_path / "right", iris_cost.transfer_head, "26 trainable",
                 model3=transfer_model(copy), classifier=copy)
    copy2 = keras.models.clone_model(classifier)
    copy2.set_weights(classifier.get_weights())
    model3 = transfer_model(copy2)
    model3.layers[1].trainable = True
    model3.compile(optimizer="adam", loss="mean_squared_error")
    same_verdict(tmp_path / "wrong", iris_cost.transfer_head, "still trainable", model3=model3, classifier=copy2)


def test_rmse_broadcast_and_the_graders_own_test_set(tmp_path, classifier):
    copy = keras.models.clone_model(classifier)
    copy.set_weights(classifier.get_weights())
    model3 = transfer_model(copy)
    _, x_test, _, y_test = cost_split()
    broadcast = float(np.sqrt(np.mean((model3.predict(x_test, verbose=0) - y_test) ** 2)))
    same_verdict(tmp_path / "broadcast", iris_cost.rmse, "broadcast",
                 frozen_rmse=broadcast, model3=model3, xc_test=x_test, yc_test=y_test)
    # a notebook that passes three flowers of its own and their RMSE is measured on the grader's test set
    right_on_three = float(np.sqrt(np.mean((model3.predict(x_test[:3], verbose=0).ravel() - y_test[:3]) ** 2)))
    record = judged(tmp_path / "three", iris_cost.rmse, frozen_rmse=right_on_three, model3=model3,
                    xc_test=x_test[:3], yc_test=y_test[:3])
    assert record["status"] == "incorrect" and "grader used its own" in record["message"]


def test_a_table_population_std(tmp_path):
    scores = {"a": [0.8, 0.82, 0.79, 0.85, 0.81], "b": [0.7, 0.75, 0.72, 0.74, 0.71]}
    rows = {}
    for name, values in scores.items():
        values = np.asarray(values)
        n, mean, sd = len(values), values.mean(), values.std(ddof=0)
        half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
        rows[name] = {"mean": mean, "std": sd, "ci_low": mean - half, "ci_high": mean + half}
    same_verdict(tmp_path, blobs.summarize_repeats, "ddof=1",
                 summary=pd.DataFrame.from_dict(rows, orient="index"), scores=scores)


def not_shifted(x, y):
    low = y < 5
    return x[low], y[low], x[~low], y[~low]


def raises(x, y):
    return x[y < 5], y.nonexistent


def test_a_learners_function_runs_in_a_child_process(tmp_path):
    same_verdict(tmp_path / "right", mnist.split_by_label, "paired", split_by_label=right_split)
    same_verdict(tmp_path / "shift", mnist.split_by_label, "subtract 5", split_by_label=not_shifted)
    same_verdict(tmp_path / "raises", mnist.split_by_label, "AttributeError", split_by_label=raises)


def test_layers_by_reference_and_a_stale_freeze(tmp_path):
    features = [keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.Flatten()]
    model = keras.Sequential([keras.Input((12, 12, 1)), *features, keras.layers.Dense(5, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adadelta(1.0), loss="sparse_categorical_crossentropy")
    model.fit(np.random.default_rng(0).random((8, 12, 12, 1), dtype="float32"), np.arange(8) % 5, verbose=0)
    for layer in features:
        layer.trainable = False
    same_verdict(tmp_path, mnist.freeze_features, "compile(...)` again",
                 transfer_model=model, feature_layers=features)


def test_a_callback_by_its_settings(tmp_path):
    same_verdict(tmp_path / "loss", dollar_street.early_stopping, "val_loss",
                 early_stopping=keras.callbacks.EarlyStopping(monitor="loss", patience=5, restore_best_weights=True))
    same_verdict(tmp_path / "right", dollar_street.early_stopping, "goes back to the best",
                 early_stopping=keras.callbacks.EarlyStopping(monitor="val_loss", patience=5,
                                                              restore_best_weights=True))


def draws(y, per_class, seed):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.unique(y)])


def first_ones(y, per_class, seed):
    return np.concatenate([np.flatnonzero(y == c)[:per_class] for c in np.unique(y)])


def test_a_function_called_with_numbers(tmp_path):
    same_verdict(tmp_path / "right", mnist.draw_per_class, "new draw for each seed", draw_per_class=draws)
    same_verdict(tmp_path / "first", mnist.draw_per_class, "not random", draw_per_class=first_ones)


def test_a_history_keeps_its_link_to_the_model(tmp_path, classifier):
    copy = keras.models.clone_model(classifier)
    copy.set_weights(classifier.get_weights())
    model3 = transfer_model(copy)
    x_train, x_test, y_train, y_test = cost_split()
    model3.fit(x_train, y_train, epochs=2, verbose=0)
    frozen = float(np.sqrt(np.mean((model3.predict(x_test, verbose=0).ravel() - y_test) ** 2)))
    for layer in model3.layers:
        layer.trainable = True
    model3.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mean_squared_error")
    history = model3.fit(x_train, y_train, epochs=2, verbose=0)
    same_verdict(tmp_path / "right", iris_cost.fine_tune, "fine-tuned test rmse", model3=model3, fine_history=history,
                 frozen_rmse=frozen + 1, xc_test=x_test, yc_test=y_test)
    older = model3.fit(x_train, y_train, epochs=1, verbose=0) and history
    same_verdict(tmp_path / "older", iris_cost.fine_tune, "latest", model3=model3, fine_history=older,
                 frozen_rmse=frozen + 1, xc_test=x_test, yc_test=y_test)
