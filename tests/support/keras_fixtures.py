"""Small trained iris models the check tests start from (trained once per session)."""

import keras
import numpy as np
from sklearn.model_selection import train_test_split

from helpers.learner.data import IRIS_FEATURES, load_iris, load_iris_cost


def iris_split():
    iris = load_iris()
    x = iris[IRIS_FEATURES].to_numpy("float32")
    codes = iris["species"].astype("category").cat.codes
    y = keras.utils.to_categorical(codes, 3)
    return train_test_split(x, y, test_size=0.3, random_state=42, stratify=codes)


def cost_split():
    cost = load_iris_cost()
    return train_test_split(cost[IRIS_FEATURES].to_numpy("float32"), cost["cost"].to_numpy("float32"),
                            test_size=0.25, random_state=42)


def classifier_model(units=(50, 25, 3), activations=("relu", "relu", "softmax")):
    return keras.Sequential([keras.Input(shape=(4,))] + [
        keras.layers.Dense(u, activation=a) for u, a in zip(units, activations)])


def trained_classifier(epochs=60, seed=1):
    keras.utils.set_random_seed(seed)
    x_train, _, y_train, _ = iris_split()
    model = classifier_model()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, verbose=0)
    return model


def copy_of(classifier):
    """An independent trained copy (layers are shared by reference, so each test needs its own)."""
    model = keras.models.clone_model(classifier)
    model.set_weights(classifier.get_weights())
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy")
    x_train, _, y_train, _ = iris_split()
    model.train_on_batch(x_train[:8], y_train[:8])  # it counts as trained
    return model


def transfer_model(classifier, head=None, freeze=True, compile_loss="mean_squared_error"):
    hidden = classifier.layers[:2]
    for layer in hidden:
        layer.trainable = not freeze
    model = keras.Sequential([keras.Input(shape=(4,)), *hidden, head or keras.layers.Dense(1)])
    if compile_loss:
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss=compile_loss)
    return model


def rmse(model, x, y):
    return float(np.sqrt(np.mean((model.predict(x, verbose=0).ravel() - y) ** 2)))


def keras_records_trainable_at_compile() -> bool:
    """Whether the installed Keras records the `trainable` flags at compile() (3.11+; 3.10, Colab's, does not).

    Without the record a layer frozen after compile() but before the first fit cannot be seen, and
    that Keras trains it as frozen (its training step is built at the first fit): the tests expect
    "correct" there, and show the training is truly frozen."""
    from helpers.learner.keras_checks import compile_order_known

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return compile_order_known(model)


KERAS_RECORDS_TRAINABLE = keras_records_trainable_at_compile()


def fit_moves(model, layers, x, y) -> bool:
    """Whether one real `fit` step of `model` changes any of `layers`' weights (the truth a check's verdict is about)."""
    before = [w.copy() for layer in layers for w in layer.get_weights()]
    model.fit(x, y, epochs=1, batch_size=len(x), verbose=0)
    after = [w for layer in layers for w in layer.get_weights()]
    return any(not np.allclose(a, b) for a, b in zip(before, after))
