"""Episode 04's exercises: preprocess for DenseNet121, freeze it under a head, count, stop early, fine-tune.

Why each verdict is deterministic (the same answer gets the same verdict on any machine, at any load):
no check reads a clock. ``preprocess`` runs the learner's function on images from a seeded generator
and compares with ``preprocess_input`` within atol 1e-3; ``head``, ``freeze_base``, ``count_parameters``,
``early_stopping`` and ``fine_tune`` read layer structures, trainable flags, parameter counts and
callback settings; where a check calls the model (BatchNormalization's statistics, a training step) it
uses seeded inputs and puts every variable back, so a second call sees the same model.
"""

from __future__ import annotations

import numpy as np

from helpers.learner.checking import Exercise, Incorrect, as_number, expect
from helpers.learner.keras_checks import (
    activation_name,
    learning_rate,
    require_compiled_after_trainable_change,
    trainable_count,
    require_model,
)

EPISODE = "04-dollar-street"
LAST_BLOCK = "conv5_"  # DenseNet121's last dense block: layers conv5_block1_* ... conv5_block16_*


def _keras():
    import keras

    return keras


def _to_numpy(value):
    try:
        return np.asarray(_keras().ops.convert_to_numpy(value), dtype="float64")
    except Exception:
        return np.asarray(value, dtype="float64")


# ---------------------------------------------------------------- preprocess
def _check_preprocess(fn):
    expect(callable(fn), f"Pass your function itself (`preprocess`, no brackets); got a {type(fn).__name__}.")
    from keras.applications import densenet

    images = np.random.default_rng(4).integers(0, 256, (3, 64, 64, 3)).astype("uint8")
    expected = densenet.preprocess_input(images.astype("float32"))
    notes = []
    for given in (images.copy(), images.astype("float32")):
        before = given.copy()
        try:
            out = fn(given)
        except Exception as exc:
            raise Incorrect(f"Your function raised {type(exc).__name__} on {given.dtype} images: {exc}") from None
        expect(out is not None, "Your function returns nothing: end it with `return ...`.")
        out = _to_numpy(out)
        expect(out.shape == images.shape,
               f"Your function turns images of shape {images.shape} into {out.shape}: keep the shape "
               "(the Resizing layer in the model does the upscaling).")
        if not np.allclose(out, expected, atol=1e-3):
            x = images.astype("float64")
            expect(not np.allclose(out, x / 255, atol=1e-3),
                   "Your function only divides by 255, as the original tutorial does. DenseNet121 learned "
                   "ImageNet from pixels scaled to 0-1 *and then* standardised with ImageNet's mean and "
                   "standard deviation per colour channel; use `keras.applications.densenet.preprocess_input`.")
            expect(not np.allclose(out, x / 127.5 - 1, atol=1e-3),
                   "Your function scales pixels to -1..1: that is the preprocessing of MobileNet and "
                   "Inception ('tf' mode). DenseNet's own is `keras.applications.densenet.preprocess_input`.")
            expect(not np.allclose(out, densenet.preprocess_input(x / 255), atol=1e-3),
                   "You divided by 255 before calling `preprocess_input`, which divides by 255 itself: "
                   "pass it the 0-255 pixels.")
            expect(not np.allclose(out, x[..., ::-1] - [103.939, 116.779, 123.68], atol=1e-2),
                   "That is the preprocessing of ResNet50 and VGG ('caffe' mode: BGR, mean subtracted). "
                   "Use `keras.applications.densenet.preprocess_input`.")
            gap = float(np.max(np.abs(out - expected)))
            raise Incorrect(f"On {given.dtype} images your result differs from "
                            f"`keras.applications.densenet.preprocess_input` by up to {gap:.3g}.")
        if not np.array_equal(given, before):
            notes.append("\nNote: your function changed the float array it was given (`preprocess_input` "
                         "works in place on float arrays), so calling it twice on the same array would "
                         "preprocess twice. Safer: `preprocess_input(np.array(images, dtype='float32'))`.")
    return "Same as `densenet.preprocess_input`: 0-1, then ImageNet's channel means and deviations." + "".join(notes[:1])


preprocess = Exercise(EPISODE, "preprocess", _check_preprocess)


# ---------------------------------------------------------------- shared model inspection
def _walk(model):
    """Every layer of ``model``, nested models opened, in the order of their ``.layers`` lists."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, _keras().Model):
            yield from _walk(layer)


def _own_layers(model, base_model):
    """The layers of ``model`` that are not ``base_model`` or inside it, in order."""
    inside = {id(layer) for layer in base_model._flatten_layers(include_self=True)}
    return [layer for layer in _walk(model)
            if id(layer) not in inside and not isinstance(layer, _keras().Model)]


def _require_base_inside(model, base_model):
    require_model(model, "model")
    require_model(base_model, "base_model")
    ids = {id(layer) for layer in model._flatten_layers(include_self=True)}
    expect(id(base_model) in ids or all(id(layer) in ids for layer in base_model.layers[1:]),
           "`base_model` is not part of `model`: build the model by calling `base_model(x, training=False)` "
           "on the upscaled images.")


def base_batchnorm_in_training_mode(model, base_model) -> bool:
    """Whether training ``model`` would update the statistics of the base's BatchNormalization layers.

    ``fit`` calls the model with ``training=True``, and in a Keras 3
    functional model that reaches the base even where it was built with
    ``base_model(x, training=False)``. What keeps a BatchNormalization layer in
    inference mode is its own ``trainable=False``. The check makes the same
    call on two images and puts every statistic back afterwards.
    """
    keras = _keras()
    norms = [layer for layer in base_model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]
    statistics = [v for layer in norms for v in layer.non_trainable_variables]
    if not statistics:
        return False
    saved = [np.array(v.numpy(), copy=True) for v in statistics]
    try:
        shape = tuple(model.inputs[0].shape[1:])
        model(np.random.default_rng(0).normal(size=(2, *shape)).astype("float32"), training=True)
        return any(not np.allclose(v.numpy(), s) for v, s in zip(statistics, saved))
    finally:
        for variable, value in zip(statistics, saved):
            variable.assign(value)


def _loss_from_logits(model):
    loss = model.loss
    if isinstance(loss, str):
        return False, loss
    return bool(getattr(loss, "from_logits", False)), type(loss).__name__


# ---------------------------------------------------------------- freeze_base
HEAD = "Flatten -> BatchNormalization -> Dense(50, relu) -> Dropout(0.5) -> Dense(10)"


def _check_head(layers):
    keras = _keras()
    kinds = (keras.layers.BatchNormalization, keras.layers.Dense, keras.layers.Dropout)
    head = [layer for layer in layers if isinstance(layer, kinds)]
    described = ", ".join(type(layer).__name__ for layer in head) or "nothing"
    expect([type(layer) for layer in head] == [keras.layers.BatchNormalization, keras.layers.Dense,
                                               keras.layers.Dropout, keras.layers.Dense],
           f"The head should be {HEAD}; after the base your model has {described}.")
    _, hidden, dropout, out = head
    expect(hidden.units == 50 and activation_name(hidden) == "relu",
           f"The hidden Dense layer should have 50 units and relu; it has {hidden.units} and "
           f"{activation_name(hidden)}.")
    expect(abs(dropout.rate - 0.5) < 1e-9, f"The Dropout rate should be 0.5; it is {dropout.rate}.")
    return out


def _require_standalone_head(model, base_model, out):
    """The head is a model of its own on 1024 numbers, so that section 4 can train it on stored features."""
    keras = _keras()
    heads = [layer for layer in _walk(model) if isinstance(layer, keras.Model) and layer is not base_model
             and any(inner is out for inner in layer._flatten_layers(include_self=False))]
    standalone = [head for head in heads if head.inputs and tuple(head.inputs[0].shape[1:]) == (1024,)]
    expect(standalone,
           "Your head's layers sit directly in `model`. Make the head a model of its own, "
           "`head = keras.Sequential([keras.Input(shape=(1024,)), ...], name='head')`, and call it on "
           "`features`: section 4 trains that same `head` alone, on the stored 1024-number features."
           if not heads else
           f"Your head is a model of its own, but it takes inputs of shape {tuple(heads[0].inputs[0].shape[1:])}: "
           "start it with `keras.Input(shape=(1024,))`, the 1024 numbers the base gives per image.")


def _check_freeze_base(model, base_model):
    keras = _keras()
    _require_base_inside(model, base_model)
    expect(tuple(model.inputs[0].shape[1:]) == (64, 64, 3),
           f"The model should take the 64x64x3 images; its input is {tuple(model.inputs[0].shape[1:])}.")
    expect(tuple(base_model.inputs[0].shape[1:3]) == (160, 160),
           f"DenseNet121 here works at 160x160 (`input_shape=(160, 160, 3)`); yours takes "
           f"{tuple(base_model.inputs[0].shape[1:3])}.")
    own = _own_layers(model, base_model)
    expect(any(isinstance(layer, keras.layers.Resizing) for layer in own),
           "Upscale the 64x64 images to 160x160 with a `keras.layers.Resizing(160, 160)` layer before the base.")
    expect(isinstance(base_model.layers[-1], keras.layers.GlobalMaxPooling2D),
           "Build the base with `pooling='max'`, so that it ends in one 1024-number vector per image "
           f"(its last layer is {type(base_model.layers[-1]).__name__}).")
    thawed = [layer for layer in base_model._flatten_layers(include_self=False) if layer.trainable_weights]
    norms = [layer for layer in thawed if isinstance(layer, keras.layers.BatchNormalization)]
    expect(not thawed or len(norms) < len(thawed),
           f"The base's {len(norms)} BatchNormalization layers are still trainable, so `fit` runs them in "
           "training mode: they would re-estimate ImageNet's statistics from each batch of 32 (in Keras 3, "
           "`training=False` in the model does not stop that). Freeze the whole base: "
           "`base_model.trainable = False`.")
    expect(not thawed, f"The base is still trainable ({len(thawed)} layers, "
                       f"{trainable_count(base_model):,} weights, its "
                       "BatchNormalization layers in training mode included): set `base_model.trainable = False` "
                       "before compiling.")
    out = _check_head(own)
    _require_standalone_head(model, base_model, out)
    expect(out.units == 10 and int(model.outputs[0].shape[-1]) == 10,
           f"The model should end in 10 outputs, one per class; it has {int(model.outputs[0].shape[-1])}.")
    require_compiled_after_trainable_change(model, "model")
    from_logits, loss = _loss_from_logits(model)
    expect("SparseCategoricalCrossentropy" in loss or loss == "sparse_categorical_crossentropy",
           f"Use `keras.losses.SparseCategoricalCrossentropy(from_logits=True)` (labels are integers 0-9); "
           f"the loss is {loss}.")
    activation = activation_name(out)
    expect(not (activation == "softmax" and from_logits),
           "The last layer applies softmax *and* the loss has `from_logits=True`: the loss would apply "
           "softmax a second time. Leave the last Dense layer without activation (it gives logits).")
    expect(activation == "linear",
           f"The last Dense layer has activation {activation}: leave it linear so it gives logits, as the "
           "loss's `from_logits=True` expects.")
    expect(from_logits, "The last layer gives logits, but the loss expects probabilities: use "
                        "`SparseCategoricalCrossentropy(from_logits=True)`.")
    expect(not base_batchnorm_in_training_mode(model, base_model),
           "The base's BatchNormalization layers would run in training mode during `fit`, re-estimating "
           "ImageNet's statistics from batches of 32: freeze them too (`base_model.trainable = False` "
           "freezes every layer). In Keras 3, `training=False` in the model does not stop `fit` from "
           "calling them with `training=True`.")
    trainable = trainable_count(model)
    return f"Base frozen, head as specified, logits with `from_logits=True`: {trainable:,} trainable parameters."


freeze_base = Exercise(EPISODE, "freeze_base", _check_freeze_base)


# ---------------------------------------------------------------- count_parameters
def _count(value, name):
    number = as_number(value, name, "a number of parameters")
    expect(float(number).is_integer() and number >= 0, f"`{name}` should be a whole number of parameters.")
    return int(number)


def _check_count_parameters(total, trainable, model):
    keras = _keras()
    require_model(model, "model")
    total, trainable = _count(total, "total"), _count(trainable, "trainable")
    true_total = int(model.count_params())
    true_trainable = trainable_count(model)
    if (total, trainable) == (true_total, true_trainable):
        return (f"{total:,} parameters, of which {trainable:,} ({trainable / total:.1%}) train: "
                "only the head learns, though every step still runs the images through the whole base.")
    expect((total, trainable) != (true_trainable, true_total), "You swapped the two numbers.")
    expect(trainable != true_total or true_trainable == true_total,
           "`trainable` is the whole model, but the frozen base's weights do not train. "
           "Look at 'Trainable params' in `model.summary()`.")
    statistics = sum(int(np.prod(w.shape)) for layer in model._flatten_layers(include_self=False)
                     if isinstance(layer, keras.layers.BatchNormalization) and layer.trainable
                     for w in layer.non_trainable_weights)
    expect(not statistics or trainable != true_trainable + statistics,
           "`trainable` includes the head's BatchNormalization moving mean and variance: Keras updates them "
           "during training, but not by gradient descent, so they count as non-trainable.")
    expect(trainable == true_trainable,
           f"`trainable` is {trainable:,}; that is not what `model.summary()` reports as 'Trainable params'.")
    bases = [layer for layer in model._flatten_layers(include_self=False)
             if isinstance(layer, keras.Model) and layer.count_params() == total]
    expect(not bases, f"{total:,} is the base alone; `total` also counts the head.")
    raise Incorrect(f"`total` is {total:,}; that is not what `model.summary()` reports as 'Total params' "
                    "(or `model.count_params()`).")


count_parameters = Exercise(EPISODE, "count_parameters", _check_count_parameters)


# ---------------------------------------------------------------- early_stopping
def _check_early_stopping(callback):
    keras = _keras()
    if isinstance(callback, (list, tuple)):
        stoppers = [c for c in callback if isinstance(c, keras.callbacks.EarlyStopping)]
        expect(len(stoppers) == 1, "Pass the EarlyStopping callback itself, not a list.")
        callback = stoppers[0]
    if isinstance(callback, type):
        raise Incorrect("You passed the class `EarlyStopping` itself: create one, `keras.callbacks.EarlyStopping(...)`.")
    expect(isinstance(callback, keras.callbacks.EarlyStopping),
           f"`early_stopping` should be a `keras.callbacks.EarlyStopping`; it is a {type(callback).__name__}"
           + (" from tf.keras (Keras 2): use `keras.callbacks.EarlyStopping`." if "tf_keras" in
              type(callback).__module__ or "tensorflow.python" in type(callback).__module__ else "."))
    monitor = str(callback.monitor)
    expect(monitor.startswith("val_"),
           f"It monitors '{monitor}', a training metric, which goes on improving while the model overfits: "
           "monitor the validation loss ('val_loss') or accuracy ('val_accuracy').")
    expect(callback.patience == 5, f"Patience should be 5 epochs, as in the original; it is {callback.patience}.")
    expect(bool(callback.restore_best_weights),
           "Set `restore_best_weights=True`: otherwise the model you keep is the one from 5 epochs *after* "
           "the best, the epochs that made early stopping stop.")
    mode = getattr(callback, "mode", "auto")
    expect(not ("acc" in monitor and mode == "min") and not ("loss" in monitor and mode == "max"),
           f"mode='{mode}' makes it look for the wrong direction of '{monitor}': leave mode='auto'.")
    return f"Stops after 5 epochs without improvement in '{monitor}' and goes back to the best epoch."


early_stopping = Exercise(EPISODE, "early_stopping", _check_early_stopping)


# ---------------------------------------------------------------- fine_tune
def _check_fine_tune(model, base_model):
    keras = _keras()
    _require_base_inside(model, base_model)
    layers = [layer for layer in base_model._flatten_layers(include_self=False) if layer.weights]
    norms = [layer for layer in layers if isinstance(layer, keras.layers.BatchNormalization)]
    others = [layer for layer in layers if not isinstance(layer, keras.layers.BatchNormalization)]
    block = [layer for layer in others if layer.name.startswith(LAST_BLOCK)]
    expect(block, f"No layer of the base is named '{LAST_BLOCK}...': is `base_model` a DenseNet121?")
    expect(base_model.trainable or not any(layer.trainable for layer in block),
           "The `conv5_` layers say `trainable=True`, but `base_model.trainable` is still False, and while it "
           "is none of its layers train. Set `base_model.trainable = True` first, then freeze the other layers.")
    if all(layer.trainable for layer in layers):
        raise Incorrect("The whole base is trainable, all 7 million weights: unfreeze only the last dense block "
                        f"(the layers whose names start with '{LAST_BLOCK}'), and keep BatchNormalization frozen.")
    expect(any(layer.trainable for layer in block),
           f"The last dense block is still frozen: make the layers whose names start with '{LAST_BLOCK}' trainable "
           "(set `base_model.trainable = True` first, then freeze the others).")
    frozen = [layer.name for layer in block if not layer.trainable]
    expect(not frozen, f"{len(frozen)} of the last block's {len(block)} layers with weights are still frozen "
                       f"(e.g. {', '.join(frozen[:2])}).")
    outside = [layer.name for layer in others if layer.trainable and not layer.name.startswith(LAST_BLOCK)]
    expect(not outside, f"{len(outside)} layers outside the last dense block are trainable too (e.g. {', '.join(outside[:2])}): "
                        f"only '{LAST_BLOCK}...' layers should be.")
    thawed = [layer.name for layer in norms if layer.trainable]
    expect(not thawed, f"{len(thawed)} BatchNormalization layers are trainable (e.g. {', '.join(thawed[:2])}): keep them "
                       "frozen; with batches of 32 their ImageNet statistics would be re-estimated badly.")
    head = [layer for layer in _own_layers(model, base_model) if isinstance(layer, keras.layers.Dense)]
    expect(head and all(layer.trainable for layer in head), "Keep the head trainable while fine-tuning.")
    require_compiled_after_trainable_change(model, "model")
    rate = learning_rate(model)
    expect(0 < rate <= 1e-4,
           f"The learning rate is {rate:g}. Pre-trained weights need small steps: use at most 1e-4 "
           "(e.g. `keras.optimizers.Adam(1e-5)`); Adam's default 1e-3 can wreck them in a few batches.")
    return (f"{len(block)} layers of the last dense block train, BatchNormalization frozen, "
            f"learning rate {rate:g}.")


fine_tune = Exercise(EPISODE, "fine_tune", _check_fine_tune)
