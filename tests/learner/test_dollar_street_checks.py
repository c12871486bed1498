"""Episode 04's checks against right answers and the mistakes learners make.

One DenseNet121 (random weights: the checks look at structure, flags and
behaviour, not at what the weights know) is built per module and shared;
every model builder sets the flags it needs itself.
"""

import keras
import numpy as np
import pytest
from keras.applications import densenet, mobilenet_v2, resnet50

from helpers.learner.exercises import dollar_street as ex
from tests.support.assertions import assert_status
from tests.support.keras_fixtures import KERAS_RECORDS_TRAINABLE, fit_moves

LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@pytest.fixture(scope="module")
def base():
    return keras.applications.DenseNet121(include_top=False, weights=None, pooling="max", input_shape=(160, 160, 3))


def head_layers(units=50, rate=0.5, activation=None, norm=True, outputs=10):
    layers = [keras.Input((1024,)), keras.layers.Flatten()]
    layers += [keras.layers.BatchNormalization()] if norm else []
    layers += [keras.layers.Dense(units, activation="relu"), keras.layers.Dropout(rate),
               keras.layers.Dense(outputs, activation=activation)]
    return keras.Sequential(layers, name="head")


def build(base, head=None, resize=True, freeze=True, loss=LOSS, compile_=True, base_model=None):
    base.trainable = not freeze
    inputs = keras.Input((64, 64, 3) if resize else (160, 160, 3))
    x = keras.layers.Resizing(160, 160)(inputs) if resize else inputs
    features = (base_model or base)(x, training=False)
    model = keras.Model(inputs, (head or head_layers())(features))
    if compile_:
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


# ---------------------------------------------------------------- preprocess
def right_preprocess(images):
    return densenet.preprocess_input(np.array(images, dtype="float32"))


def test_preprocess_right():
    assert_status(ex.preprocess.evaluate(right_preprocess), "correct")


def test_preprocess_in_place_passes_with_a_note():
    assert_status(ex.preprocess.evaluate(lambda images: densenet.preprocess_input(images)), "correct", "in place")


@pytest.mark.parametrize("fn, words", [
    (lambda images: images / 255, ("only divides by 255", "preprocess_input")),
    (lambda images: images / 255.0 * 1.0, ("only divides by 255",)),
    (lambda images: mobilenet_v2.preprocess_input(np.array(images, dtype="float32")), ("-1..1", "MobileNet")),
    (lambda images: resnet50.preprocess_input(np.array(images, dtype="float32")), ("ResNet50", "caffe")),
    (lambda images: densenet.preprocess_input(np.array(images, dtype="float32") / 255), ("before calling",)),
    (lambda images: (np.array(images, dtype="float32") - 127.5) / 64, ("differs", "up to")),
    (lambda images: keras.ops.image.resize(right_preprocess(images), (160, 160)), ("keep the shape", "Resizing")),
])
def test_preprocess_mistakes(fn, words):
    assert_status(ex.preprocess.evaluate(fn), "incorrect", *words)


def test_preprocess_bad_input():
    def forgot_return(images):
        densenet.preprocess_input(np.array(images, dtype="float32"))

    assert_status(ex.preprocess.evaluate(forgot_return), "incorrect", "returns nothing")
    assert_status(ex.preprocess.evaluate(right_preprocess(np.zeros((1, 64, 64, 3)))), "incorrect", "function itself")
    assert_status(ex.preprocess.evaluate(lambda images: images.nope), "incorrect", "raised AttributeError")
    assert_status(ex.preprocess.evaluate(...), "unattempted")
    assert_status(ex.preprocess.evaluate(None), "unattempted")


# ---------------------------------------------------------------- freeze_base
def test_freeze_base_right(base):
    assert_status(ex.freeze_base.evaluate(build(base), base), "correct", "53,808")


def test_freeze_base_right_with_softmax_free_sequential_head_and_no_flatten(base):
    head = keras.Sequential([keras.Input((1024,)), keras.layers.BatchNormalization(),
                             keras.layers.Dense(50, activation="relu"), keras.layers.Dropout(0.5),
                             keras.layers.Dense(10)])
    assert_status(ex.freeze_base.evaluate(build(base, head=head), base), "correct")


def test_freeze_base_softmax_with_from_logits(base):
    model = build(base, head=head_layers(activation="softmax"))
    assert_status(ex.freeze_base.evaluate(model, base), "incorrect", "softmax a second time")


def test_freeze_base_softmax_with_probabilities_loss(base):
    model = build(base, head=head_layers(activation="softmax"), loss="sparse_categorical_crossentropy")
    assert_status(ex.freeze_base.evaluate(model, base), "incorrect", "activation softmax", "logits")


def test_freeze_base_logits_without_from_logits(base):
    model = build(base, loss="sparse_categorical_crossentropy")
    assert_status(ex.freeze_base.evaluate(model, base), "incorrect", "from_logits=True")


def test_freeze_base_one_hot_loss(base):
    model = build(base, loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    assert_status(ex.freeze_base.evaluate(model, base), "incorrect", "SparseCategoricalCrossentropy")


@pytest.mark.parametrize("head, words", [
    (dict(units=100), ("50 units", "100")),
    (dict(rate=0.2), ("Dropout rate should be 0.5", "0.2")),
    (dict(norm=False), ("head should be", "Dense, Dropout, Dense")),
    (dict(outputs=5), ("10 outputs",)),
])
def test_freeze_base_head_not_as_specified(base, head, words):
    assert_status(ex.freeze_base.evaluate(build(base, head=head_layers(**head)), base), "incorrect", *words)


def test_freeze_base_inline_head(base):
    """Head layers applied straight to `features`: the model is right, but section 4 needs `head` alone."""
    base.trainable = False
    inputs = keras.Input((64, 64, 3))
    x = base(keras.layers.Resizing(160, 160)(inputs), training=False)
    for layer in (keras.layers.Flatten(), keras.layers.BatchNormalization(), keras.layers.Dense(50, activation="relu"),
                  keras.layers.Dropout(0.5), keras.layers.Dense(10)):
        x = layer(x)
    model = keras.Model(inputs, x)
    model.compile(optimizer="adam", loss=LOSS, metrics=["accuracy"])
    assert_status(ex.freeze_base.evaluate(model, base), "incorrect", "model of its own", "keras.Input(shape=(1024,))")


def test_freeze_base_head_on_the_wrong_input(base):
    """A head model of its own, but built on the images' shape instead of the 1024 features."""
    head = keras.Sequential([keras.layers.Flatten(), keras.layers.BatchNormalization(),
                             keras.layers.Dense(50, activation="relu"), keras.layers.Dropout(0.5),
                             keras.layers.Dense(10)], name="head")
    head.build((None, 32, 32))
    base.trainable = False
    inputs = keras.Input((64, 64, 3))
    features = base(keras.layers.Resizing(160, 160)(inputs), training=False)
    model = keras.Model(inputs, head(keras.layers.Reshape((32, 32))(features)))
    model.compile(optimizer="adam", loss=LOSS, metrics=["accuracy"])
    assert_status(ex.freeze_base.evaluate(model, base), "incorrect", "(32, 32)", "keras.Input(shape=(1024,))")


def test_freeze_base_without_resizing(base):
    assert_status(ex.freeze_base.evaluate(build(base, resize=False), base), "incorrect", "64x64x3")


def test_freeze_base_average_pooling():
    avg = keras.applications.DenseNet121(include_top=False, weights=None, pooling="avg", input_shape=(160, 160, 3))
    assert_status(ex.freeze_base.evaluate(build(avg), avg), "incorrect", "pooling='max'", "GlobalAveragePooling2D")


def test_freeze_base_not_compiled(base):
    assert_status(ex.freeze_base.evaluate(build(base, compile_=False), base), "incorrect", "not been compiled")


def test_freeze_base_frozen_after_compiling(base):
    model = build(base, freeze=False)
    base.trainable = False
    if KERAS_RECORDS_TRAINABLE:
        assert_status(ex.freeze_base.evaluate(model, base), "incorrect", "compile again")
    else:  # Keras 3.10 keeps no record of the order, and its first fit trains this model as frozen
        assert_status(ex.freeze_base.evaluate(model, base), "correct")
        x = np.random.default_rng(0).random((2, 64, 64, 3), dtype="float32") * 255
        assert not fit_moves(model, [base], x, np.arange(2))


def test_freeze_base_only_convolutions_frozen(base):
    """Freezing the convolutions but not BatchNormalization leaves those in training mode in fit."""
    model = build(base, compile_=False)
    base.trainable = True
    for layer in base.layers:
        if isinstance(layer, keras.layers.Conv2D):
            layer.trainable = False
    model.compile(optimizer="adam", loss=LOSS)
    before = [w.numpy().copy() for w in base.weights]
    assert_status(ex.freeze_base.evaluate(model, base), "incorrect", "BatchNormalization layers are still trainable",
                  "training mode")
    base.trainable = False  # Keras 3 passes a new value down to every layer, an unchanged one not
    base.trainable = True  # the whole base
    model.compile(optimizer="adam", loss=LOSS)
    assert_status(ex.freeze_base.evaluate(model, base), "incorrect", "still trainable", "training mode included")
    assert all(np.array_equal(b, w.numpy()) for b, w in zip(before, base.weights)), "the check changed the base"


def test_freeze_base_batchnorm_training_mode_is_named(base, monkeypatch):
    monkeypatch.setattr(ex, "base_batchnorm_in_training_mode", lambda model, base_model: True)
    assert_status(ex.freeze_base.evaluate(build(base), base), "incorrect", "training mode", "BatchNormalization")


def test_batchnorm_probe_sees_training_mode_and_restores(base):
    model = build(base)
    assert not ex.base_batchnorm_in_training_mode(model, base)
    base.trainable = True  # unfrozen: Keras 3's fit would update the statistics despite training=False
    before = [w.numpy().copy() for w in base.non_trainable_weights]
    assert ex.base_batchnorm_in_training_mode(model, base)
    assert all(np.array_equal(b, w.numpy()) for b, w in zip(before, base.non_trainable_weights))


def test_freeze_base_wrong_objects(base):
    model = build(base)
    other = keras.applications.DenseNet121(include_top=False, weights=None, pooling="max", input_shape=(160, 160, 3))
    assert_status(ex.freeze_base.evaluate(model, other), "incorrect", "not part of `model`")
    assert_status(ex.freeze_base.evaluate(model.layers[1], base), "incorrect", "single layer")
    assert_status(ex.freeze_base.evaluate(..., base), "unattempted")


# ---------------------------------------------------------------- count_parameters
@pytest.fixture
def frozen(base):
    return build(base)


def test_count_right(frozen):
    assert_status(ex.count_parameters.evaluate(7_093_360, 53_808, frozen), "correct", "0.8%")
    assert_status(ex.count_parameters.evaluate(np.int64(7_093_360), 53_808.0, frozen), "correct")


@pytest.mark.parametrize("total, trainable, words", [
    (53_808, 7_093_360, ("swapped",)),
    (7_093_360, 7_093_360, ("whole model",)),
    (7_093_360, 55_856, ("moving mean and variance",)),
    (7_037_504, 53_808, ("base alone",)),
    (7_093_000, 53_808, ("'Total params'",)),
    (7_093_360, 51_760, ("'Trainable params'",)),
    (7_093_360.5, 53_808, ("whole number",)),
    ("7,093,360", 53_808, ("single number",)),
])
def test_count_mistakes(frozen, total, trainable, words):
    assert_status(ex.count_parameters.evaluate(total, trainable, frozen), "incorrect", *words)


def test_count_unattempted(frozen):
    assert_status(ex.count_parameters.evaluate(..., ..., frozen), "unattempted")


# ---------------------------------------------------------------- early_stopping
def test_early_stopping_right():
    for monitor in ("val_loss", "val_accuracy"):
        stopper = keras.callbacks.EarlyStopping(monitor=monitor, patience=5, restore_best_weights=True)
        assert_status(ex.early_stopping.evaluate(stopper), "correct", monitor)
    assert_status(ex.early_stopping.evaluate([stopper]), "correct")


@pytest.mark.parametrize("kwargs, words", [
    (dict(monitor="loss"), ("training metric", "val_loss")),
    (dict(monitor="accuracy"), ("training metric",)),
    (dict(patience=3), ("patience should be 5", "3")),
    (dict(restore_best_weights=False), ("restore_best_weights=True",)),
    (dict(monitor="val_accuracy", mode="min"), ("mode='min'", "wrong direction")),
])
def test_early_stopping_mistakes(kwargs, words):
    settings = dict(monitor="val_loss", patience=5, restore_best_weights=True) | kwargs
    stopper = keras.callbacks.EarlyStopping(**settings)
    assert_status(ex.early_stopping.evaluate(stopper), "incorrect", *words)


def test_early_stopping_wrong_objects():
    assert_status(ex.early_stopping.evaluate(keras.callbacks.EarlyStopping), "incorrect", "class")
    assert_status(ex.early_stopping.evaluate(keras.callbacks.History()), "incorrect", "History")
    stopper = keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)
    assert_status(ex.early_stopping.evaluate([stopper, stopper]), "incorrect", "not a list")
    assert_status(ex.early_stopping.evaluate(...), "unattempted")


# ---------------------------------------------------------------- fine_tune
def unfreeze(base, keep=lambda layer: layer.name.startswith("conv5_")
             and not isinstance(layer, keras.layers.BatchNormalization)):
    base.trainable = True
    for layer in base.layers:
        layer.trainable = keep(layer)


def fine_model(base, rate=1e-5, keep=None, augment=True):
    model = build(base)
    unfreeze(base, **({"keep": keep} if keep else {}))
    if augment:
        inputs = keras.Input((64, 64, 3))
        model = keras.Model(inputs, model(keras.layers.RandomFlip("horizontal")(inputs)))
    model.compile(optimizer=keras.optimizers.Adam(rate), loss=LOSS, metrics=["accuracy"])
    return model


def test_fine_tune_right(base):
    assert_status(ex.fine_tune.evaluate(fine_model(base), base), "correct", "32 layers", "1e-05")
    assert_status(ex.fine_tune.evaluate(fine_model(base, augment=False, rate=1e-4), base), "correct")


def test_fine_tune_learning_rate_too_high(base):
    assert_status(ex.fine_tune.evaluate(fine_model(base, rate=1e-3), base), "incorrect", "0.001", "at most 1e-4")


@pytest.mark.parametrize("keep, words", [
    (lambda layer: True, ("whole base is trainable",)),
    (lambda layer: layer.name.startswith("conv5_"), ("BatchNormalization layers are trainable", "conv5_block1_0_bn")),
    (lambda layer: layer.name.startswith(("conv4_", "conv5_")) and not isinstance(layer, keras.layers.BatchNormalization),
     ("outside the last dense block", "conv4_block1")),
    (lambda layer: False, ("still frozen",)),
    (lambda layer: layer.name.startswith("conv5_block16") and not isinstance(layer, keras.layers.BatchNormalization),
     ("still frozen", "conv5_block1_")),
])
def test_fine_tune_wrong_layers(base, keep, words):
    assert_status(ex.fine_tune.evaluate(fine_model(base, keep=keep), base), "incorrect", *words)


def test_fine_tune_block_unfrozen_inside_a_frozen_base(base):
    model = build(base)
    for layer in base.layers:
        layer.trainable = layer.name.startswith("conv5_") and not isinstance(layer, keras.layers.BatchNormalization)
    base.trainable = False  # unchanged, so not passed down: the flags above stand, yet nothing in the base trains
    model.compile(optimizer=keras.optimizers.Adam(1e-5), loss=LOSS)
    assert_status(ex.fine_tune.evaluate(model, base), "incorrect", "`base_model.trainable` is still False")


def test_fine_tune_not_compiled_again(base):
    model = build(base)
    unfreeze(base)
    # Keras 3.10 cannot see the order (tests/support/keras_fixtures.py): the first thing wrong there is the rate
    assert_status(ex.fine_tune.evaluate(model, base), "incorrect",
                  "compile again" if KERAS_RECORDS_TRAINABLE else "learning rate")


def test_fine_tune_head_frozen(base):
    model = fine_model(base)
    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.Dense):
            layer.trainable = False
    model.compile(optimizer=keras.optimizers.Adam(1e-5), loss=LOSS)
    assert_status(ex.fine_tune.evaluate(model, base), "incorrect", "head trainable")


def test_fine_tune_unattempted(base):
    assert_status(ex.fine_tune.evaluate(..., base), "unattempted")
