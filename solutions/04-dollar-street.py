# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Episode 04 — DenseNet121 from ImageNet on Dollar Street 10
#
# **Teaching:** 45 min · **Exercises:** 30 min
#
# **Questions**
# - How do I put a network pre-trained on ImageNet to work on my own small image data set?
# - Which parts of the recipe decide whether it works: preprocessing, freezing, BatchNormalization?
# - How do I make it fast on a laptop without a GPU?
#
# **Objectives**
# - Load a `keras.applications` model with its ImageNet weights and freeze it under a new head.
# - Preprocess images the way the pre-trained network expects (`preprocess_input`), and show why.
# - Hold out a validation set from the training images; keep the test images for the final figure.
# - Run the frozen base over the images once and train the head on the stored features.
# - Compare with a network trained from scratch, then fine-tune the last block with a low learning rate,
#   after seeing what Adam's default rate does to it.
# - Report test accuracy with a confidence interval, and compare test with test.
#
# This episode grows from the Carpentries' *Introduction to deep learning*, episode "Transfer
# learning", which freezes DenseNet121 under a small head and reports 64% accuracy on its test images
# (used for validation as well) against 30% for a small network trained from scratch. We rebuild that
# model, then fix what it leaves out.

# %% [markdown]
# ## Set-up
#
# The set-up cell picks the profile: `full` is the real course; `quick` trains on fewer images
# for fewer epochs. On a slow laptop, put `%env COURSE_PROFILE=quick` at the top of the cell and run
# it again.

# %%
import time

from helpers.learner.data import densenet_weights, load_dollar_street  # the course's helpers first
from helpers.learner.data.up_front import check_data_up_front
from helpers.learner.exercises import dollar_street as ex
from helpers.learner.plotting import image_grid, learning_curves
from helpers.learner.profile import course_profile
from helpers.learner.progress import Progress

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from scipy.stats import binomtest
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split

settings = course_profile(full=dict(images=None, test_images=None, epochs=30, fine_tune_epochs=5),
                          quick=dict(images=160, test_images=96, epochs=5, fine_tune_epochs=1))
BATCH_SIZE = 32
keras.utils.set_random_seed(0)
tf.get_logger().setLevel("ERROR")  # TensorFlow's notes on re-tracing functions are not for us
print("Keras", keras.__version__)

# %% [markdown]
# ## 1. The data
#
# Dollar Street 10 holds photographs of ten kinds of household objects (day bed, dishrag, plate,
# running shoe, soap dispenser, street sign, table lamp, tile roof, toilet seat, washing machine)
# taken in homes around the world by Gapminder's Dollar Street project, scaled down to 64×64 pixels
# for the Carpentries lesson (CC BY 4.0, Zenodo record 10970014). We also need DenseNet121's
# weights, learned on ImageNet. The first cell checks that both are on your computer; if one is
# missing, it stops there and says how to get it, before any training starts.

# %%
check_data_up_front(load_dollar_street, densenet_weights)

# %% [markdown]
# In the quick profile without Dollar Street 10, `load_dollar_street()` uses a stand-in of the same
# shape and says so: every number below is then the stand-in's, not Dollar Street's.

# %%
data = load_dollar_street()
print(f"data set: {data.name}; {len(data.x_train)} training and {len(data.x_test)} test images of shape "
      f"{data.x_train.shape[1:]}, pixel values {data.x_train.min()}-{data.x_train.max()}")

# %%
image_grid(data.x_train[:15], data.y_train[:15], class_names=data.class_names,
           title=f"{data.name}: the first 15 training images");

# %% [markdown]
# ### A validation set of our own
#
# The original tutorial validates on the test images, and early stopping then picks its epoch by
# looking at them: the test accuracy it reports has been used to make a decision. We carve a
# validation set out of the *training* images (20%, the same classes in the same proportions, a fixed
# seed) and touch the test images only for the final figure.

# %%
x_all, y_all = data.x_train[:settings.images], data.y_train[:settings.images]
x_train, x_val, y_train, y_val = train_test_split(x_all, y_all, test_size=0.2, stratify=y_all, random_state=0)
x_test, y_test = data.x_test[:settings.test_images], data.y_test[:settings.test_images]
print(f"training {len(x_train)}, validation {len(x_val)}, test {len(x_test)} images")

# %% [markdown]
# ## 2. Preprocessing the way DenseNet121 learned
#
# A pre-trained network expects its inputs scaled as they were in training. The original tutorial
# divides by 255; DenseNet121 saw ImageNet pixels scaled to 0–1 *and then* standardised with
# ImageNet's mean and standard deviation per colour channel. Every model in `keras.applications`
# ships its own function for this: `keras.applications.densenet.preprocess_input`.
#
# ### Exercise 1: preprocess (`preprocess`)
#
# Write `preprocess(images)` that takes 0–255 images and returns what
# `keras.applications.densenet.preprocess_input` makes of them. Careful: on a float array that
# function works *in place*; give it a copy.

# %%
def preprocess(images):
    return keras.applications.densenet.preprocess_input(np.array(images, dtype="float32"))


# %%
ex.preprocess.assert_passed(preprocess)

# %%
x_train_pre, x_val_pre, x_test_pre = preprocess(x_train), preprocess(x_val), preprocess(x_test)
channels = pd.DataFrame({"divided by 255": (x_train / 255).mean(axis=(0, 1, 2)),
                         "preprocess_input": x_train_pre.mean(axis=(0, 1, 2), dtype="float64")},  # float32 sums drift
                        index=["red", "green", "blue"]).round(3)
channels.index.name = "mean per channel"
channels

# %% tags=["solution"]
imagenet_mean, imagenet_std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
assert channels["divided by 255"].between(0, 1).all(), channels
assert np.allclose(channels["preprocess_input"], (channels["divided by 255"] - imagenet_mean) / imagenet_std,
                   atol=0.01), channels  # ImageNet's units
if not data.stand_in:  # photographs
    assert channels["preprocess_input"].abs().max() < 1, channels
else:  # mostly black digits or clothes
    assert (channels["preprocess_input"] < 0).all(), channels

# %% [markdown]
# Divided by 255, each channel's mean sits between 0 and 1. After `preprocess_input` it is in
# ImageNet's units: standard deviations from ImageNet's mean colour, as DenseNet121's first layers
# expect. Read the table: for photographs like Dollar Street's, the means sit within 1 of 0.
# Section 6 compares what the two scalings give.
#
# ## 3. The pre-trained base
#
# `keras.applications.DenseNet121` builds the network and loads its ImageNet weights from Keras'
# cache (`~/.keras/models`, fetched once by `python -m helpers fetch densenet121_imagenet_notop`).
# `include_top=False` drops its 1000-class ImageNet classifier; `pooling="max"` ends it in one
# 1024-number vector per image. It was trained on larger images than ours, so we will upscale
# 64→160 pixels inside the model.

# %% tags=["nbval-ignore-output"]
weights = densenet_weights()  # "imagenet", or None (announced) in the quick profile without the file
base_model = keras.applications.DenseNet121(include_top=False, weights=weights, pooling="max",
                                            input_shape=(160, 160, 3))
print(f"DenseNet121 with weights={weights!r}: {len(base_model.layers)} layers, "
      f"{base_model.count_params():,} parameters")

# %% [markdown]
# ### Models inside models: the functional API
#
# So far our models were `keras.Sequential` stacks. To put a resizing layer, the whole base and a
# new head together, Keras has the **functional API**: make an input, call layers on it one after
# the other like functions, and make a `keras.Model` from the input and the last output. A whole
# model can be called like a layer, so a model can sit inside another. A tiny example, with an
# inner model called with `training=False`, which asks it to run in *inference mode*
# (BatchNormalization uses its stored statistics, Dropout does nothing); section 5 tests whether
# that request holds while the outer model trains:

# %%
tiny_inputs = keras.Input(shape=(8,))
tiny_hidden = keras.layers.Dense(6, activation="relu")(tiny_inputs)  # a layer, called on the input
inner = keras.Sequential([keras.Input(shape=(6,)), keras.layers.BatchNormalization(), keras.layers.Dense(4)],
                         name="inner")
tiny_outputs = inner(tiny_hidden, training=False)  # a whole model, called like a layer
tiny_model = keras.Model(tiny_inputs, tiny_outputs)
tiny_model.summary()

# %% [markdown]
# The summary shows the inner model as one line, with all its parameters.
#
# ### Exercise 2: freeze the base under a new head (`freeze_base`)
#
# Build `model` the same way:
#
# 1. an input of 64×64×3, called `inputs`;
# 2. a `keras.layers.Resizing(160, 160)` layer on it;
# 3. the base, called as `base_model(x, training=False)`; call its output `features`;
# 4. a head of its own, `head = keras.Sequential([keras.Input(shape=(1024,)), ...], name="head")`:
#    Flatten → BatchNormalization → Dense(50, relu) → Dropout(0.5) → Dense(10) (section 4 trains
#    that same `head` alone; the Flatten does nothing on a 1024-number vector, and is kept to match
#    the original);
# 5. `model`, from `inputs` to the head called on `features`;
# 6. the base frozen, before compiling;
# 7. compiled (after the last change to `trainable`) with Adam,
#    `keras.losses.SparseCategoricalCrossentropy(from_logits=True)` and accuracy.
#
# The skeleton:
#
# ```python
# base_model.trainable = False
# inputs = keras.Input(shape=(64, 64, 3))
# upscaled = keras.layers.Resizing(160, 160)(inputs)
# features = base_model(upscaled, training=False)
# head = keras.Sequential([keras.Input(shape=(1024,)), ...], name="head")
# model = keras.Model(inputs, head(features))
# model.compile(...)
# ```
#
# The Keras guide to transfer learning calls the base with `training=False` in the same way. The
# last Dense layer has no activation: it gives *logits*, and `from_logits=True` tells the loss so.

# %%
base_model.trainable = False
inputs = keras.Input(shape=(64, 64, 3))
upscaled = keras.layers.Resizing(160, 160)(inputs)
features = base_model(upscaled, training=False)
head = keras.Sequential([
    keras.Input(shape=(1024,)),
    keras.layers.Flatten(),
    keras.layers.BatchNormalization(),
    keras.layers.Dense(50, activation="relu"),
    keras.layers.Dropout(0.5),
    keras.layers.Dense(10),
], name="head")
model = keras.Model(inputs, head(features))
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])

# %%
ex.freeze_base.assert_passed(model, base_model)

# %% [markdown]
# ### Exercise 3: count the parameters (`count_parameters`)
#
# Read `model.summary()` (the base shows as one line) and set `total` to the number of parameters
# and `trainable` to the number that training will change. Why is the second so much smaller, and
# what does that mean for the time an epoch takes?

# %% tags=["nbval-ignore-output"]
model.summary()

# %%
total = model.count_params()
trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)

# %%
ex.count_parameters.assert_passed(total, trainable, model)

# %% [markdown]
# Only the head's weights train (its BatchNormalization's moving mean and variance are updated, but
# not by gradients, so they count as non-trainable). Yet each training step must still push every
# image forward through the whole frozen base. That is the expensive part, and it gives
# the same answer in every epoch.
#
# ## 4. Run the frozen base once
#
# So we run it once: a model from the input to `features` turns every image into its 1024 numbers,
# and the head then trains on those stored numbers. The model is the same; only the order of work
# changes.

# %% tags=["nbval-ignore-output"]
feature_extractor = keras.Model(inputs, features)
start = time.perf_counter()
f_train = feature_extractor.predict(x_train_pre, batch_size=BATCH_SIZE, verbose=0,
                                    callbacks=[Progress("features of the training images")])
f_val = feature_extractor.predict(x_val_pre, batch_size=BATCH_SIZE, verbose=0,
                                  callbacks=[Progress("features of the validation images")])
extract_seconds = time.perf_counter() - start
ms_per_image = 1000 * extract_seconds / (len(x_train) + len(x_val))
print(f"features of {len(x_train) + len(x_val)} images in {extract_seconds:.1f} s ({ms_per_image:.0f} ms per image); "
      f"shape {f_train.shape}")

# %% [markdown]
# ### Exercise 4: stop early (`early_stopping`)
#
# Create `early_stopping`, a Keras callback that stops training when a *validation* metric has not
# improved for 5 epochs and then puts back the weights of the best epoch. Keras has one:
# `keras.callbacks.EarlyStopping`. Its `monitor` names the metric to watch (such as `"val_loss"`),
# `patience` is how many epochs without improvement it waits, and `restore_best_weights=True` puts
# back the best epoch's weights when it stops. A callback goes into `fit(..., callbacks=[...])`.

# %%
early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)

# %%
ex.early_stopping.assert_passed(early_stopping)

# %% [markdown]
# Now train the head, on the stored features, with the original's settings: batch 32, up to
# `settings.epochs` epochs (30 in the full profile), early stopping with patience 5.

# %% tags=["nbval-ignore-output"]
head.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
             metrics=["accuracy"])
start = time.perf_counter()
head_history = head.fit(f_train, y_train, validation_data=(f_val, y_val), batch_size=BATCH_SIZE,
                        epochs=settings.epochs, callbacks=[early_stopping, Progress("the head")], verbose=0)
head_seconds = time.perf_counter() - start
head_epochs = len(head_history.history["loss"])
frozen_val_accuracy = head.evaluate(f_val, y_val, verbose=0)[1]
print(f"head trained for {head_epochs} epochs in {head_seconds:.1f} s; validation accuracy {frozen_val_accuracy:.3f}")

# %%
learning_curves(head_history, metric="accuracy",
                title=f"Head on frozen DenseNet121 features ({data.name})");

# %% [markdown]
# The head inside `model` is the very head we just trained, so the whole model, fed images, gives the
# same answers as the head fed stored features:

# %%
same = np.allclose(model.predict(x_val_pre, verbose=0, callbacks=[Progress("the full model on the validation images")]),
                   head.predict(f_val, verbose=0), atol=1e-3)
print("full model on images == head on stored features:", same)

# %% [markdown]
# ### The original's way, timed
#
# The original tutorial fits the whole model, so every epoch runs every image through the base again.
# We time three epochs of that on a copy of the model (a copy of its structure; the weights do not
# matter for timing), and from them estimate how long the original's way takes for as many epochs as
# our head needed. This takes a minute or two on a laptop.


# %% tags=["nbval-ignore-output"]
original_way = keras.models.clone_model(model)
original_way.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                 metrics=["accuracy"])
epoch_seconds = []
for epoch in range(3):
    start = time.perf_counter()
    original_way.fit(x_train_pre, y_train, validation_data=(x_val_pre, y_val), batch_size=BATCH_SIZE, epochs=1,
                 verbose=0, callbacks=[Progress(f"the original's way, epoch {epoch + 1} of 3")])
    epoch_seconds.append(time.perf_counter() - start)
original_first_epoch_seconds, original_epoch_seconds = epoch_seconds[0], min(epoch_seconds[1:])
original_way_estimate = original_first_epoch_seconds + original_epoch_seconds * (head_epochs - 1)
cached_seconds = extract_seconds + head_seconds
print(f"the original's way: first epoch {original_first_epoch_seconds:.1f} s, then {original_epoch_seconds:.1f} s per "
      f"epoch (the faster of {epoch_seconds[1]:.1f} and {epoch_seconds[2]:.1f} s), so about {original_way_estimate:.0f} s "
      f"for the {head_epochs} epochs the head needed")
print(f"features once, then the head: {extract_seconds:.1f} s + {head_seconds:.1f} s = {cached_seconds:.1f} s "
      f"({original_way_estimate / cached_seconds:.1f}x faster)")
del original_way

# %% [markdown]
# ## 5. BatchNormalization: what keeps it in inference mode?
#
# A BatchNormalization layer normalises with the statistics it learned on ImageNet (inference mode)
# or with those of the current batch (training mode), and in training mode it also moves its stored
# statistics towards those of each batch of 32 of our images, away from ImageNet's. The
# Keras guide builds the model with `base_model(x, training=False)` so that the base stays in
# inference mode when it is unfrozen for fine-tuning. Does it?
#
# `fit` calls the model with `training=True` at every step. We make that call, on 8 images, on a
# copy of our model with its base unfrozen, and count the BatchNormalization layers whose stored
# statistics moved; then again with those layers frozen.

# %%
def norms_updated(model_copy, norms, batch):
    """How many of `norms` (BatchNormalization layers) change their statistics in a training call."""
    before = [layer.moving_mean.numpy().copy() for layer in norms]
    model_copy(batch, training=True)  # what fit does at every step
    return sum(not np.allclose(b, layer.moving_mean.numpy()) for b, layer in zip(before, norms))


# %% tags=["nbval-ignore-output"]
copy = keras.models.clone_model(model)
copy.set_weights(model.get_weights())
copy_base = copy.get_layer(base_model.name)
norms = [layer for layer in copy_base.layers if isinstance(layer, keras.layers.BatchNormalization)]
copy_base.trainable = True  # the whole base unfrozen, BatchNormalization included
updated_unfrozen = norms_updated(copy, norms, x_val_pre[:8])
for layer in norms:
    layer.trainable = False  # BatchNormalization frozen, the rest still trainable
updated_frozen = norms_updated(copy, norms, x_val_pre[:8])
print(f"built with training=False, base unfrozen: {updated_unfrozen} of {len(norms)} BatchNormalization "
      "layers updated their statistics")
print(f"the same with the BatchNormalization layers frozen: {updated_frozen} of {len(norms)}")
del copy, copy_base

# %% [markdown]
# In Keras 3.15 `training=False` in a functional model does **not** survive `fit` (the lines above
# show what yours does): the call's `training=True` reaches every layer (keras-team/keras issue
# 20285 describes the same). What keeps a BatchNormalization layer in inference mode is its own
# `trainable=False`: a frozen
# BatchNormalization layer always normalises with its stored statistics. So when we fine-tune
# (section 8) we unfreeze layers *except* BatchNormalization. We keep `training=False` in the model
# anyway, as the Keras guide does: it does no harm, and it does take effect wherever you call the
# base on its own.
#
# ## 6. Why `preprocess_input`: what one validation set can and cannot show
#
# The reason to use `preprocess_input` is section 2's table: it gives the base inputs on the scale
# its weights were trained on. Does it change the accuracy here? The same frozen base and a fresh
# head of the same shape, trained the same way, but on features of images divided by 255 as in the
# original. With a validation set this small, we print each accuracy with its 95% confidence
# interval: the range of true accuracies that could well have given the count we measured on these
# few hundred images (`interval` computes the usual binomial interval, Wilson's, with scipy).


# %%
def interval(accuracy, n):
    """95% confidence interval (Wilson) of an accuracy measured on n images."""
    ci = binomtest(round(accuracy * n), n).proportion_ci(confidence_level=0.95, method="wilson")
    return ci.low, ci.high


def with_interval(accuracy, n):
    low, high = interval(accuracy, n)
    return f"{accuracy:.3f} (95% CI {low:.3f}-{high:.3f}, {n} images)"

# %% tags=["nbval-ignore-output"]
f_train_255 = feature_extractor.predict(x_train / 255, batch_size=BATCH_SIZE, verbose=0,
                                        callbacks=[Progress("features of the training images / 255")])
f_val_255 = feature_extractor.predict(x_val / 255, batch_size=BATCH_SIZE, verbose=0,
                                      callbacks=[Progress("features of the validation images / 255")])
head_255 = keras.models.clone_model(head)
head_255.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                 metrics=["accuracy"])
head_255.fit(f_train_255, y_train, validation_data=(f_val_255, y_val), batch_size=BATCH_SIZE,
             epochs=settings.epochs, callbacks=[early_stopping], verbose=0)
val_accuracy_255 = head_255.evaluate(f_val_255, y_val, verbose=0)[1]
overlap = interval(frozen_val_accuracy, len(y_val))[0] <= interval(val_accuracy_255, len(y_val))[1]
print(f"validation accuracy, preprocess_input: {with_interval(frozen_val_accuracy, len(y_val))}")
print(f"validation accuracy, divided by 255:   {with_interval(val_accuracy_255, len(y_val))}")
print("the intervals overlap: this set cannot tell the two apart" if overlap else
      "the intervals do not overlap")

# %% [markdown]
# Read the lines above for your run. Where the intervals overlap, this experiment does not show a
# difference either way, and that is the honest conclusion; it is no reason to feed a network inputs
# on a scale it never saw. (With the stand-in's random weights nothing about ImageNet follows from
# these lines; the lesson needs ImageNet's weights.)

# %% [markdown]
# ## 7. The control: a small network from scratch
#
# Did ImageNet help? The original's comparison is the small convolutional network of its previous
# episode, trained from scratch on the same images (pixels divided by 255), with the same early
# stopping.

# %% tags=["nbval-ignore-output"]
scratch = keras.Sequential([
    keras.Input(shape=(64, 64, 3)),
    keras.layers.Conv2D(50, 3, activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Conv2D(50, 3, activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Flatten(),
    keras.layers.Dense(50, activation="relu"),
    keras.layers.Dense(10),
], name="from_scratch")
scratch.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=["accuracy"])
start = time.perf_counter()
scratch_history = scratch.fit(x_train / 255, y_train, validation_data=(x_val / 255, y_val),
                              batch_size=BATCH_SIZE, epochs=settings.epochs, verbose=0,
                              callbacks=[early_stopping, Progress("from scratch")])
scratch_seconds = time.perf_counter() - start
scratch_val_accuracy = scratch.evaluate(x_val / 255, y_val, verbose=0)[1]
print(f"from scratch: validation accuracy {scratch_val_accuracy:.3f} after "
      f"{len(scratch_history.history['loss'])} epochs ({scratch_seconds:.1f} s)")

# %%
learning_curves({"frozen DenseNet121 + head": head_history, "from scratch": scratch_history},
                metric="accuracy", title=f"Transfer against training from scratch ({data.name})");

# %% [markdown]
# Before we change the model by fine-tuning it, we record its test predictions; we look at them only
# in the final table.

# %% tags=["nbval-ignore-output"]
f_test = feature_extractor.predict(x_test_pre, batch_size=BATCH_SIZE, verbose=0,  # the same model, in two steps
                                   callbacks=[Progress("features of the test images")])
frozen_test_accuracy = head.evaluate(f_test, y_test, verbose=0)[1]
scratch_test_accuracy = scratch.evaluate(x_test / 255, y_test, verbose=0)[1]

# %% [markdown]
# ## 8. Fine-tuning the last dense block
#
# With the head trained, we can let the last of DenseNet121's four dense blocks (the layers named
# `conv5_...`) adapt to our images too, in small steps so that what it learned on ImageNet is nudged,
# not overwritten. Its BatchNormalization layers stay frozen, which (section 5) is what keeps them in
# inference mode.
#
# ### First, the mistake: fine-tuning at Adam's default rate
#
# A copy of our model (head trained, base frozen) gets the last block unfrozen, BatchNormalization
# still frozen, but is compiled with `optimizer="adam"`, whose default learning rate (1e-3) is ten
# to a hundred times what fine-tuning calls for. We watch its validation accuracy, epoch by epoch,
# against the frozen model's.

# %% tags=["nbval-ignore-output"]
hasty = keras.models.clone_model(model)
hasty.set_weights(model.get_weights())
hasty_base = hasty.get_layer(base_model.name)
hasty_base.trainable = True
for layer in hasty_base.layers:
    layer.trainable = layer.name.startswith("conv5_") and not isinstance(layer, keras.layers.BatchNormalization)
hasty.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
hasty_rate = float(hasty.optimizer.learning_rate)  # Adam's default
hasty_history = hasty.fit(x_train_pre, y_train, validation_data=(x_val_pre, y_val), batch_size=BATCH_SIZE,
                          epochs=settings.fine_tune_epochs, verbose=0,
                          callbacks=[Progress(f"fine-tuning at {hasty_rate:g}")])
hasty_val_accuracy = hasty_history.history["val_accuracy"][-1]
hasty_lowest = min(hasty_history.history["val_accuracy"])
print(f"frozen model: validation accuracy {frozen_val_accuracy:.3f}; fine-tuned at {hasty_rate:g}, epoch by epoch: "
      + ", ".join(f"{a:.3f}" for a in hasty_history.history["val_accuracy"]))
del hasty, hasty_base

# %% [markdown]
# Large steps on pre-trained weights, with a few hundred images, move them far from what ImageNet
# taught in the first few batches, and the head, trained on the old features, no longer fits the new
# ones: on Dollar Street with ImageNet's weights, validation accuracy typically falls below the
# frozen model's. (With the stand-in's random weights there is nothing to destroy, and the mistake
# can even look better; the lesson needs ImageNet's weights.)
#
# ### The recipe
#
# Head trained first (done), only the top block, BatchNormalization frozen, a small learning rate,
# and early stopping on the validation set. Fine-tuning is also where **augmentation** can come in:
# random flips and small rotations show the network a slightly different version of each image in
# every epoch. They could not be used with stored features, which were computed once from the
# unchanged images; now that the base must run in every epoch anyway (its last block is learning),
# each epoch can see new versions of the images. (We do not measure here what augmentation adds; try
# the fine-tuning without it.)

# %%
augment = keras.Sequential([keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.05)],
                           name="augment")

# %% [markdown]
# ### Exercise 5: unfreeze the last dense block (`fine_tune`)
#
# Put the augmentation in front of the model,
# `fine_model = keras.Model(fine_inputs, model(augment(fine_inputs)))` with
# `fine_inputs = keras.Input(shape=(64, 64, 3))`. Then make trainable exactly the layers of
# `base_model` whose names start with `conv5_`, except the BatchNormalization layers, and compile
# `fine_model` (same loss and metric) with Adam at a learning rate of at most 1e-4, after the last
# change to `trainable`.

# %%
fine_inputs = keras.Input(shape=(64, 64, 3))
fine_model = keras.Model(fine_inputs, model(augment(fine_inputs)))
base_model.trainable = True
for layer in base_model.layers:
    layer.trainable = (layer.name.startswith("conv5_")
                       and not isinstance(layer, keras.layers.BatchNormalization))
fine_model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-5),
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                   metrics=["accuracy"])

# %%
ex.fine_tune.assert_passed(fine_model, base_model)

# %% tags=["nbval-ignore-output"]
fine_rate = float(fine_model.optimizer.learning_rate)  # the rate you chose
start = time.perf_counter()
fine_history = fine_model.fit(x_train_pre, y_train, validation_data=(x_val_pre, y_val), batch_size=BATCH_SIZE,
                              epochs=settings.fine_tune_epochs, verbose=0,
                              callbacks=[early_stopping, Progress(f"fine-tuning at {fine_rate:g}")])
fine_seconds = time.perf_counter() - start
fine_epochs = len(fine_history.history["loss"])
fine_val_accuracy = fine_model.evaluate(x_val_pre, y_val, verbose=0)[1]
print(f"fine-tuned at {fine_rate:g}: {fine_epochs} epoch(s) in {fine_seconds:.0f} s (the first includes building "
      f"the training step); validation accuracy {frozen_val_accuracy:.3f} -> {fine_val_accuracy:.3f}")

# %%
learning_curves({f"Adam at {hasty_rate:g} (the mistake)": hasty_history,
                 f"Adam at {fine_rate:g} (the recipe)": fine_history},
                metric="accuracy", title=f"Fine-tuning the last block ({data.name}); frozen model: "
                                         f"{frozen_val_accuracy:.3f} on validation");

# %% [markdown]
# ## 9. Results on the test images
#
# The original reports 0.64 for the frozen model, measured on test images it also used to stop
# training; our test images have made no decision. We compare test with test, and give each test
# accuracy a 95% confidence interval: with a test set this small, it is several points wide.

# %% tags=["nbval-ignore-output"]
predicted = model.predict(x_test_pre, verbose=0, callbacks=[Progress("test images")]).argmax(axis=1)  # `model` inside `fine_model`, fine-tuned
fine_test_accuracy = float(np.mean(predicted == y_test))
tests = [scratch_test_accuracy, frozen_test_accuracy, fine_test_accuracy]
results = pd.DataFrame({
    "validation accuracy": [scratch_val_accuracy, frozen_val_accuracy, fine_val_accuracy],
    "test accuracy": tests,
    "test 95% CI": ["{:.3f}-{:.3f}".format(*interval(a, len(y_test))) for a in tests],
}, index=["small CNN from scratch", "frozen DenseNet121 + head", "... then last block fine-tuned"]).round(3)
frozen_low, frozen_high = interval(frozen_test_accuracy, len(y_test))
where = "below" if 0.64 < frozen_low else "above" if 0.64 > frozen_high else "inside"
print(f"{data.name}, {len(y_test)} test images; DenseNet121 weights={weights!r}. The original's 0.64 (frozen, its "
      f"test images) lies {where} our frozen model's interval; it reports 0.30 from scratch.")
results

# %%
matrix = ConfusionMatrixDisplay.from_predictions(y_test, predicted, display_labels=data.class_names,
                                                 xticks_rotation="vertical", colorbar=False)
matrix.ax_.set_title(f"Fine-tuned DenseNet121 on {data.name}: test images");

# %%
transfer = max(frozen_test_accuracy, fine_test_accuracy)
print(f"Transfer reached {transfer:.3f} on the test images against {scratch_test_accuracy:.3f} from scratch.")
if weights is None or data.stand_in:
    print("Careful: a stand-in ran here (DenseNet121 without ImageNet's weights, or images other than Dollar "
          "Street's), so these are not the course's numbers.")

# %% tags=["solution"]
# Claims made in the prose, checked on every run.
assert (total, trainable) == (7_093_360, 53_808), (total, trainable)  # the original's counts
assert same, "the head trained on stored features is the head inside the model"
assert cached_seconds < original_way_estimate, (cached_seconds, original_way_estimate)
assert updated_unfrozen == len(norms) and updated_frozen == 0, (updated_unfrozen, updated_frozen)  # section 5
assert frozen_low <= frozen_test_accuracy <= frozen_high and frozen_high - frozen_low > 0.05  # "several points"
real = not data.stand_in and weights == "imagenet"
if real and settings.profile == "full":
    assert hasty_lowest < frozen_val_accuracy, (hasty_lowest, frozen_val_accuracy)  # the mistake, measured
    assert fine_val_accuracy > hasty_lowest, (fine_val_accuracy, hasty_lowest)  # the recipe does better
    assert transfer > scratch_test_accuracy, (transfer, scratch_test_accuracy)

# %% [markdown]
# **What we find.** Running the frozen base once instead of in every epoch changes only the work,
# not the model: it is faster, and gives the same answers. With ImageNet's weights, the frozen
# DenseNet121 and its small head beat the network trained from scratch on the test images, and
# careful fine-tuning keeps or adds to that, where Adam's default rate loses ground first. The test
# set is small, so each test accuracy comes with an interval several points wide. The lines above
# give your numbers; they will differ a little from run to run.
#
# ## Key points
# - `keras.applications` gives a pre-trained network and, next to it, the preprocessing it was
#   trained with: use `preprocess_input`, not your own scaling.
# - The functional API puts models inside models: `keras.Model(inputs, head(base(x, training=False)))`.
# - Freeze the base (`trainable = False`) and compile after the last change to `trainable`; end the
#   head in logits with `from_logits=True` in the loss.
# - To keep BatchNormalization layers in inference mode while you train, freeze them
#   (`trainable = False`); don't rely on `training=False` alone.
# - A frozen base gives the same features every epoch: compute them once and train the head on them.
# - Keep a validation set apart from the test set; compare test with test, with an interval; compare
#   with a network trained from scratch.
# - Fine-tune last: head trained first, only the top block, BatchNormalization frozen, a learning rate
#   of 1e-4 or less (Adam's default 1e-3 is the classic mistake). Augmentation fits in here.
#
# <details><summary><b>Instructor notes</b></summary>
#
# - Prepare the room with `python -m helpers fetch dollar_street_10 densenet121_imagenet_notop` (about
#   30 MB of weights), or `fetch --all`; copy `~/.keras` to each laptop for an offline room. In the
#   full profile the first data cell stops, within seconds, if either is missing, and names them
#   with that command.
# - What the solution notebook checks, per profile: always, that storing the features is faster
#   than the original's way (its first epoch counted apart), that the whole model then gives the
#   head's answers exactly, that only unfrozen BatchNormalization layers move their statistics, and
#   that the test interval is more than 5 points wide; on Dollar Street with ImageNet's weights in
#   the full profile, also that fine-tuning at Adam's default rate drops validation accuracy below
#   the frozen model's at some epoch, that the recipe ends above that low point, and that transfer
#   beats the network from scratch on the test images.
# - The quick profile without the weights builds DenseNet121 with random weights: transfer then
#   loses to the network from scratch (a typical quick run: about 0.1 against 0.6), the reverse of
#   the real course; the last cell warns that a stand-in ran. Its stand-in for Dollar Street
#   (Fashion-MNIST or digits resized to 64×64×3) has per-channel means below 0 after
#   `preprocess_input`: mostly black images, darker than ImageNet's average photograph.
# - The notebook prints its own costs: milliseconds per image of the feature pass, the original's
#   seconds per epoch, the fine-tuning time. The estimate of the original's way counts its first
#   epoch (which also builds the training step) apart, and takes the faster of the two later epochs
#   for each further epoch, as `timeit` takes the fastest of its repeats: a busy moment can only slow
#   an epoch down, so the estimate stays on the original's side. Our way's times include its one-off
#   costs (building the feature pass and the head's training step). `benchmarks/feature_caching.py`
#   measures the original's way against stored features on your machine.
# - Exercise 2 is the heart of the episode: let learners compare their head with the summary.
# - Timing: data and validation set 10 min, preprocessing 10 min, base, functional API and head 15 min, stored
#   features and timing 10 min, BatchNormalization and preprocessing 10 min, control 5 min,
#   fine-tuning (the mistake and the recipe) and results 15 min.
# </details>
