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
# # Episode 01 — From iris species to iris cost: your first transfer
#
# **Teaching:** 40 min · **Exercises:** 25 min
#
# **Questions**
# - What does it mean, in Keras, to *reuse* the layers of a trained network?
# - Can a classifier's hidden layers help a different task, a regression?
# - How do we know whether transfer helped, and what does fine-tuning cost the original task?
#
# **Objectives**
# - Train a small classifier, watching a validation set, and judge it on flowers it has not seen.
# - Tell sharing a layer from copying it (`keras.models.clone_model`).
# - Freeze trained layers under a new head, compile again, and train only the head.
# - Compare the transfer with honest baselines: the mean, a network trained from scratch,
#   the same network with random frozen layers, and fine-tuning.
# - Recognise a domain shift between the source and the target data.
# - Measure what fine-tuning makes the shared layers forget.
#
# This episode grows from a published example (Jeff Heaton's iris-cost transfer) and fixes what
# it leaves out: a held-out test set, baselines, and a data set whose best possible error is known.

# %% [markdown]
# ## Set-up
#
# The set-up cell loads the tools and chooses how long we train. The `full` profile is the course
# as taught; the `quick` profile trains for fewer epochs, for a slow laptop or a short session.
# The line `settings = course_profile(...)` shows both. To switch to the quick profile, add the
# line `%env COURSE_PROFILE=quick` at the top of the set-up cell and run it again.

# %%
from helpers.learner.data import IRIS_FEATURES, load_iris, load_iris_cost  # helpers first: it keeps TensorFlow's start-up log quiet
from helpers.learner.data.iris_cost import NOISE_SD, cost_formula  # the rule that made the cost data
from helpers.learner.exercises import iris_cost as ex
from helpers.learner.plotting import learning_curves, predictions_vs_truth
from helpers.learner.profile import course_profile
from helpers.learner.saved_models import model_path

import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from sklearn.model_selection import train_test_split

settings = course_profile(full=dict(epochs=150), quick=dict(epochs=50))
keras.utils.set_random_seed(42)  # same weights and shuffles on every run of this notebook on this machine
print("Keras", keras.__version__, "on", keras.backend.backend())

# %% [markdown]
# Setting a random seed makes a run repeatable on one machine. Your neighbour's laptop may still
# print slightly different numbers: another CPU, another number of threads, and floating-point sums come out in
# another order.
#
# ## 1. A classifier for iris species
#
# Fisher's iris: four measurements (cm) of 150 flowers of three species. We keep 30% of the
# flowers aside as the **test** set, *stratified* so each species is equally represented, and
# look at them only at the end. From the rest we take a fifth as a **validation** set, to watch
# training as it goes; the remaining flowers are the ones the network learns from.

# %%
iris = load_iris()
x = iris[IRIS_FEATURES].to_numpy("float32")
species = iris["species"].astype("category")
y = keras.utils.to_categorical(species.cat.codes, num_classes=3)  # one-hot: [1, 0, 0] for setosa
x_train, x_test, y_train, y_test = train_test_split(
    x, y, test_size=0.3, random_state=42, stratify=species.cat.codes
)
x_fit, x_val, y_fit, y_val = train_test_split(x_train, y_train, test_size=0.2, random_state=42, stratify=y_train)
print(f"{len(x_fit)} flowers to learn from, {len(x_val)} for validation, {len(x_test)} held out for the end")
print(f"species: {list(species.cat.categories)}")

# %% [markdown]
# ### Exercise 1: build and train the classifier (`build_classifier`)
#
# Build `classifier`: 4 inputs → `Dense(50, relu)` → `Dense(25, relu)` → `Dense(3, softmax)`.
# Compile it with Adam at a learning rate of 0.01 (ten times Adam's default; the cells after the
# exercise show why), categorical cross-entropy and accuracy, then train it on `x_fit`, `y_fit` for
# `settings.epochs` epochs with `validation_data=(x_val, y_val)`.
# The check measures accuracy on the held-out test flowers: aim for at least 90%.

# %% tags=["nbval-ignore-output"]
# TODO: build, compile and train `classifier`
classifier = ...
classifier_history = ...

# %%
ex.build_classifier.check(classifier)

# %%
# ex.build_classifier.hint()  # stuck? delete the "# " and run this cell; run it again for the next hint

# %%
# ex.build_classifier.solution()  # a worked solution, when the hints are not enough

# %%
ex.build_classifier.carry_on()  # your answer if it passed, else the worked solution, for the cells below

# %% [markdown]
# Why 0.01? Train the same architecture again (`clone_model` gives fresh random weights) at
# Adam's default rate, 0.001, on the same flowers for the same number of epochs:

# %% tags=["nbval-ignore-output"]
default_rate = keras.models.clone_model(classifier)
default_rate.compile(optimizer=keras.optimizers.Adam(), loss="categorical_crossentropy", metrics=["accuracy"])
default_history = default_rate.fit(x_fit, y_fit, epochs=settings.epochs, verbose=0)
fast, slow = classifier_history.history["loss"], default_history.history["loss"]
for epoch in (20, settings.epochs):
    print(f"training loss after {epoch:3d} epochs: {fast[epoch - 1]:.3f} at 0.01, {slow[epoch - 1]:.3f} at 0.001")

# %%
learning_curves({"Adam 0.01": classifier_history, "Adam 0.001 (default)": default_history},
                title="Iris classifier: cross-entropy per epoch at two learning rates");

# %% [markdown]
# With so few flowers an epoch is only a handful of steps. In a typical run, the training loss at
# the default rate is still more than twice as high after 20 epochs (your numbers are printed
# above, and will differ a little). The larger rate gets there in fewer steps, which is what a
# short course run needs.
#
# Training accuracy flatters a model: it has seen those flowers. The held-out accuracy is the
# one to report.

# %%
train_accuracy = classifier.evaluate(x_fit, y_fit, verbose=0)[1]
test_accuracy = classifier.evaluate(x_test, y_test, verbose=0)[1]
print(f"accuracy on training flowers {train_accuracy:.3f}, on held-out test flowers {test_accuracy:.3f}")

# %% [markdown]
# Save it in Keras' native format, as you would before handing a model to a colleague (or to
# your future self). `.keras` files hold the architecture, weights and optimiser; the old `.h5`
# format is legacy in Keras 3. `model_path` names a file in the course's own folder for saved
# models (`~/.transfer-learning-course/models`, unless the `COURSE_MODELS` environment variable
# names another), so nothing lands beside this notebook.

# %% tags=["nbval-ignore-output"]
classifier_path = model_path("iris_classifier.keras")
classifier.save(classifier_path)
reloaded = keras.models.load_model(classifier_path)
print("saved to", classifier_path)
print("reloaded model predicts the same:",
      np.allclose(reloaded.predict(x_test, verbose=0), classifier.predict(x_test, verbose=0)))

# %% [markdown]
# ## 2. Sharing a layer is not copying it
#
# The original example "clones" the classifier by adding its layers to a new `Sequential`.
# That makes a second model around the **same layer objects**: train one and the other changes
# (section 8 shows it).

# %%
model2 = keras.Sequential([keras.Input(shape=(4,))] + classifier.layers)
print("same layer object:", model2.layers[0] is classifier.layers[0])

# %% [markdown]
# `keras.models.clone_model` builds new layers with the same architecture but fresh weights;
# `set_weights` then copies the values. That is a real, independent copy.

# %%
independent = keras.models.clone_model(classifier)
print("same layer object after clone_model:", independent.layers[0] is classifier.layers[0])
print("same weights before set_weights:",
      np.allclose(independent.layers[0].get_weights()[0], classifier.layers[0].get_weights()[0]))
independent.set_weights(classifier.get_weights())
print("same weights after set_weights: ",
      np.allclose(independent.layers[0].get_weights()[0], classifier.layers[0].get_weights()[0]))

# %% [markdown]
# In transfer learning we *want* the trained weights; whether we share or copy the layers
# decides whether later training can still change the original (section 8 measures it).

# %% [markdown]
# ## 3. A new task: what does a flower cost?
#
# `data/iris_cost.csv` holds 300 flowers with the same four measurements and a **cost**
# instead of a species. We made it ourselves (`data/make_data.py`): the cost is a fixed formula
# of the measurements plus random noise with a standard deviation of 0.5. So we know the best any
# model can do *on average* over new flowers: the formula's own error. (On a finite test set a
# model can land a little below it by luck.)

# %%
cost = load_iris_cost()
cost.describe().round(2)

# %%
x_cost = cost[IRIS_FEATURES].to_numpy("float32")
y_cost = cost["cost"].to_numpy("float32")
xc_train, xc_test, yc_train, yc_test = train_test_split(x_cost, y_cost, test_size=0.25, random_state=42)
xc_fit, xc_val, yc_fit, yc_val = train_test_split(xc_train, yc_train, test_size=0.2, random_state=42)


def test_rmse(predictions):
    """Root-mean-squared error on the held-out test flowers (exercise 3 writes the formula out)."""
    return float(np.sqrt(np.mean((np.ravel(predictions) - yc_test) ** 2)))


noise_floor = test_rmse(cost_formula(pd.DataFrame(xc_test, columns=IRIS_FEATURES)))
mean_rmse = test_rmse(np.full_like(yc_test, yc_fit.mean()))
print(f"{len(xc_fit)} flowers to learn from, {len(xc_val)} for validation, {len(xc_test)} for the test")
print(f"noise floor (the true formula's RMSE on the test flowers): {noise_floor:.3f} (noise sd {NOISE_SD})")
print(f"predicting the training mean:                               {mean_rmse:.3f}")

# %% [markdown]
# ### Are these flowers irises?
#
# The generator drew each of the four measurements **uniformly** across the range iris covers,
# independently of the others. Real irises are not like that: a long petal comes with a wide
# petal, and the three species form tight clusters. Plot both data sets:

# %%
both = pd.concat([iris.assign(data=iris["species"]), cost.assign(data="cost data set")], ignore_index=True)
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, (across, up) in zip(axes, [("sepal_l", "sepal_w"), ("petal_l", "petal_w")]):
    sns.scatterplot(data=both, x=across, y=up, hue="data", style="data", s=20, alpha=0.8, ax=ax,
                    legend=ax is axes[1])
fig.suptitle("Real irises (by species) and the flowers of the cost data set");

# %% [markdown]
# A number for what the picture shows: how far (in cm, over the four measurements) is each flower
# from the nearest iris the classifier learned from? Held-out irises give the distances a real
# iris has; any cost flower farther away than *every* held-out iris looks like no iris at all.

# %%
def nearest_iris_distance(points):
    """Distance from each point to the nearest iris the classifier was trained on."""
    return np.linalg.norm(points[:, None, :] - x_fit[None, :, :], axis=2).min(axis=1)


iris_distance = nearest_iris_distance(x_test)
cost_distance = nearest_iris_distance(x_cost)
unlike_any_iris = float(np.mean(cost_distance > iris_distance.max()))
print(f"median distance to the nearest training iris: held-out irises {np.median(iris_distance):.2f} cm, "
      f"cost flowers {np.median(cost_distance):.2f} cm")
print(f"cost flowers farther than every held-out iris: {unlike_any_iris:.0%}")

# %% [markdown]
# Most cost flowers (the percentage printed above) lie farther from every training iris than any
# real iris does. This is a **domain shift**: the source task (species) was learned on one region of
# measurement space, and the target task (cost) asks about mostly another. Features learned where
# there were irises can say little about where there were none. Keep it in mind when you read the
# results.

# %% [markdown]
# ## 4. Transfer: frozen hidden layers, new head
#
# We keep the classifier's two hidden layers, which have learned to turn measurements into
# "species-like" features, and replace the softmax by one linear unit for the cost. Only that unit
# learns: its 25 weights and 1 bias.
#
# ### Freeze, then compile
#
# Freezing a layer is one line: `layer.trainable = False`. *When* it takes effect is the trap.
# `compile` throws away the model's training step, and the first `fit` after it builds a new one,
# for the layers that are trainable at that moment. Freeze a layer after that `fit` without
# compiling again, and the old training step goes on updating it. Try it on a tiny model: train
# it, freeze its first layer, train it again. Did the "frozen" layer move?

# %% tags=["nbval-ignore-output"]
# Seeded weights and no shuffling, so that later cells get the same random numbers.
trap = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.layers.Dense(8, activation="relu", kernel_initializer=keras.initializers.GlorotUniform(seed=1)),
    keras.layers.Dense(3, activation="softmax", kernel_initializer=keras.initializers.GlorotUniform(seed=2)),
])
trap.compile(optimizer="adam", loss="categorical_crossentropy")
trap.fit(x_fit, y_fit, epochs=1, shuffle=False, verbose=0)  # this fit builds the training step
trap.layers[0].trainable = False  # "frozen", with no new compile
before = trap.layers[0].get_weights()[0].copy()
trap.fit(x_fit, y_fit, epochs=1, shuffle=False, verbose=0)
moved = not np.allclose(before, trap.layers[0].get_weights()[0])
print("the 'frozen' layer changed:", moved)

# %% [markdown]
# Did Keras warn you? Train the tiny model once more, this time collecting every warning raised:

# %% tags=["nbval-ignore-output"]
with warnings.catch_warnings(record=True) as caught:  # collects every warning raised inside
    warnings.simplefilter("always")
    trap.fit(x_fit, y_fit, epochs=1, shuffle=False, verbose=0)
print(f"Keras {keras.__version__}: warnings raised while the 'frozen' layer trained: {len(caught)}")

# %% [markdown]
# With Keras 3.15, the version this course was written with, the "frozen" layer changes and no
# warning comes; the two lines above say what your version did. Hence the rule:
# **compile after the last change to `trainable`**.
#
# ### Exercise 2: the transfer model (`transfer_head`)
#
# Build `model3` from the classifier's first two layers (the trained objects, not copies), frozen,
# and a new `Dense(1)`. Compile it with Adam at 0.01 and mean squared error.

# %%
# TODO: freeze the classifier's hidden layers under a new Dense(1) head; compile `model3`
hidden_1 = ...
hidden_2 = ...
model3 = ...

# %%
ex.transfer_head.check(model3, classifier)

# %%
# ex.transfer_head.hint()  # stuck? delete the "# " and run this cell; run it again for the next hint

# %%
# ex.transfer_head.solution()  # a worked solution, when the hints are not enough

# %%
ex.transfer_head.carry_on()  # your answer if it passed, else the worked solution, for the cells below

# %% tags=["nbval-ignore-output"]
model3.summary()

# %% [markdown]
# Now train the head on the cost flowers, watching the validation flowers for over-fitting; the
# test flowers stay untouched until the end.

# %% tags=["nbval-ignore-output"]
frozen_weights = model3.layers[0].get_weights()[0].copy()
frozen_history = model3.fit(xc_fit, yc_fit, epochs=settings.epochs, validation_data=(xc_val, yc_val), verbose=0)
print("hidden layer unchanged by training:", np.array_equal(frozen_weights, model3.layers[0].get_weights()[0]))

# %%
learning_curves(frozen_history, title="Frozen transfer: mean squared error per epoch");

# %% [markdown]
# ### Exercise 3: the test RMSE (`rmse`)
#
# Compute `frozen_rmse`, the root-mean-squared error of `model3` on the test flowers
# (`xc_test`, `yc_test`). Section 3's `test_rmse` already does this; write the formula out once with
# NumPy here, so that you see what it computes. Mind the shapes: `predict` returns one column per
# output.

# %%
# TODO: compute `frozen_rmse` on the test flowers
predictions = ...
frozen_rmse = ...

# %%
ex.rmse.check(frozen_rmse, model3, xc_test, yc_test)

# %%
# ex.rmse.hint()  # stuck? delete the "# " and run this cell; run it again for the next hint

# %%
# ex.rmse.solution()  # a worked solution, when the hints are not enough

# %%
ex.rmse.carry_on()  # your answer if it passed, else the worked solution, for the cells below

# %% [markdown]
# `test_rmse`, defined in section 3, is this same formula (the square root of the mean squared
# difference, after `np.ravel`); we use it from now on.

# %%
frozen_predictions = model3.predict(xc_test, verbose=0)  # kept for the final plot

# %% [markdown]
# ## 5. Did transfer help? Two baselines
#
# A number alone says little. We train the **same architecture** twice more, on the same flowers
# for the same epochs: once entirely from scratch, and once with its hidden layers frozen at their
# *random* initial weights. The second control asks whether the classifier's features, and not
# just any 25 fixed ReLU features (what a frozen 50 → 25 stack hands the head), are what the
# frozen model uses.


# %%
def cost_network(frozen_hidden=False):
    network = keras.Sequential([
        keras.Input(shape=(4,)),
        keras.layers.Dense(50, activation="relu", trainable=not frozen_hidden),
        keras.layers.Dense(25, activation="relu", trainable=not frozen_hidden),
        keras.layers.Dense(1),
    ])
    network.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mean_squared_error")
    return network


# %% tags=["nbval-ignore-output"]
scratch = cost_network()
scratch_history = scratch.fit(xc_fit, yc_fit, epochs=settings.epochs, validation_data=(xc_val, yc_val), verbose=0)
random_frozen = cost_network(frozen_hidden=True)
random_frozen.fit(xc_fit, yc_fit, epochs=settings.epochs, verbose=0)  # no curve needed: no validation
scratch_rmse = test_rmse(scratch.predict(xc_test, verbose=0))
random_frozen_rmse = test_rmse(random_frozen.predict(xc_test, verbose=0))

# %% [markdown]
# ## 6. Fine-tuning
#
# Once the head has settled, we can let every layer learn, gently: a learning rate well below
# the one we trained with, so the transferred weights are adjusted rather than overwritten.
# First keep an independent copy of the frozen transfer model; section 8 starts from it.

# %%
frozen_copy = keras.models.clone_model(model3)
frozen_copy.set_weights(model3.get_weights())

# %% [markdown]
# ### Exercise 4: fine-tune `model3` (`fine_tune`)
#
# Make every layer of `model3` trainable, compile it again with Adam at `1e-4` (below Adam's
# default of `1e-3`), and train it for `settings.epochs` epochs on the cost flowers, with the same
# validation flowers. Keep what `fit` returns as `fine_history`.
# (This changes the classifier too: the layers are shared. Section 8 measures how much.)

# %% tags=["nbval-ignore-output"]
# TODO: unfreeze every layer of `model3`, compile with a small learning rate, train (`fine_history`)
fine_history = ...

# %%
ex.fine_tune.check(model3, fine_history, frozen_rmse, xc_test, yc_test)

# %%
# ex.fine_tune.hint()  # stuck? delete the "# " and run this cell; run it again for the next hint

# %%
# ex.fine_tune.solution()  # a worked solution, when the hints are not enough

# %%
ex.fine_tune.carry_on()  # your answer if it passed, else the worked solution, for the cells below

# %% [markdown]
# ## 7. Results
#
# Every number below is computed above, on the same test flowers.

# %%
fine_rmse = test_rmse(model3.predict(xc_test, verbose=0))
results = pd.DataFrame({
    "test RMSE": {
        "predict the mean": mean_rmse,
        "random frozen hidden layers + new head": random_frozen_rmse,
        "transferred frozen hidden layers + new head": frozen_rmse,
        "transferred, then fine-tuned": fine_rmse,
        "same network from scratch": scratch_rmse,
        "noise floor (true formula)": noise_floor,
    }
}).round(3)
results

# %%
better = "better" if frozen_rmse < scratch_rmse else "worse"
print(f"Frozen transfer ({frozen_rmse:.3f}) did {better} than training from scratch ({scratch_rmse:.3f}).")
print(f"Classifier features against random frozen features: {frozen_rmse:.3f} against {random_frozen_rmse:.3f}.")
print(f"Fine-tuning took the RMSE from {frozen_rmse:.3f} to {fine_rmse:.3f}, "
      f"{fine_rmse / noise_floor:.2f} times the noise floor.")

# %%
predictions_vs_truth(yc_test, {"frozen transfer": frozen_predictions,
                               "fine-tuned": model3.predict(xc_test, verbose=0),
                               "from scratch": scratch.predict(xc_test, verbose=0)},
                     title="Cost of test flowers: predicted against true", quantity="cost");

# %%
learning_curves({"frozen transfer": frozen_history, "from scratch": scratch_history},
                title="Frozen transfer against training from scratch");

# %% [markdown]
# **What a typical run shows** (your numbers, in the table and the lines above, will differ a
# little). Every network beats predicting the mean by far, and none reaches the noise floor. The
# classifier's frozen features beat random frozen features of the same shape: what the classifier
# learned about flowers carries over to their cost.
#
# In a typical run the frozen transfer does worse than the same network trained from scratch (the
# first line under the table says what yours did; the two can come out close), and fine-tuning only
# brings it about level with scratch. Transfer does not pay here, for two reasons visible above: with 180 training flowers and a smooth target, this small network can learn the
# task directly; and the cost flowers lie mostly where no iris grows, so the species features were
# learned on the wrong part of the measurement space. Transfer earns its keep when the new task has
# too little data to learn good features of its own *and* resembles the old one; episode 03 measures
# both with images.

# %% [markdown]
# ## 8. What fine-tuning cost the classifier: forgetting
#
# Fine-tuning changed the hidden layers, and the classifier still uses them. Training a network on
# a new task can overwrite what it needed for the old one; at its worst this is called
# *catastrophic forgetting*. Measure it: put a model's two hidden layers (copies) under the
# classifier's own species layer, which fine-tuning never touched, and score the held-out test
# irises again. We do it for the frozen transfer (our copy from before fine-tuning), for
# exercise 4's gentle fine-tuning, and for a bolder one: the same fine-tuning at Adam 0.01, the
# rate the head was trained with, a hundred times exercise 4's.

# %% tags=["nbval-ignore-output"]
bold = keras.models.clone_model(frozen_copy)
bold.set_weights(frozen_copy.get_weights())
for layer in bold.layers:
    layer.trainable = True
bold.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mean_squared_error")
bold.fit(xc_fit, yc_fit, epochs=settings.epochs, verbose=0)
bold_rmse = test_rmse(bold.predict(xc_test, verbose=0))


# %%
def hidden_weights(model):
    """The weights and biases of a model's two hidden layers, as a list of arrays."""
    return model.layers[0].get_weights() + model.layers[1].get_weights()


def relative_change(now, start):
    """How far the weights moved, as a fraction of their starting size: |now - start| / |start|,
    over all the arrays together (0 means unchanged, 1 means as far as the weights are large)."""
    moved = sum(np.sum((a - b) ** 2) for a, b in zip(now, start))
    size = sum(np.sum(b ** 2) for b in start)
    return float(np.sqrt(moved / size))


# %% [markdown]
# To score the species task with a model's hidden layers, `old_and_new_task` loads them into
# `probe`, a copy of the classifier, so that measuring changes nothing:

# %%
probe = keras.models.clone_model(classifier)  # a copy, so measuring changes nothing
probe.compile(loss="categorical_crossentropy", metrics=["accuracy"])


def old_and_new_task(model):
    """The cost RMSE, how far the hidden layers moved, and the species task through a copy of them."""
    start, now = hidden_weights(frozen_copy), hidden_weights(model)
    moved = relative_change(now, start)
    probe.set_weights(now + classifier.layers[2].get_weights())  # their hidden layers, the species layer
    loss, accuracy = probe.evaluate(x_test, y_test, verbose=0)
    return {"cost test RMSE": test_rmse(model.predict(xc_test, verbose=0)),
            "hidden weights moved (relative)": moved,
            "species test accuracy": accuracy, "species test cross-entropy": loss}


# %%
forgetting = pd.DataFrame({
    "frozen transfer (before fine-tuning)": old_and_new_task(frozen_copy),
    "fine-tuned at 1e-4 (exercise 4)": old_and_new_task(model3),
    "fine-tuned at 1e-2": old_and_new_task(bold),
}).T
forgetting.round(3)

# %%
axes = forgetting.plot.barh(subplots=True, layout=(1, 4), sharey=True, legend=False, figsize=(13, 3),
                            title=list(forgetting.columns))
axes[0, 0].figure.suptitle("What each model does on the new task (cost) and on the old one (species)", y=1.05);

# %% [markdown]
# The classifier itself shares exercise 4's layers, so it now scores what the second row says:

# %%
classifier_now = classifier.evaluate(x_test, y_test, verbose=0, return_dict=True)
print(f"the classifier today: test accuracy {classifier_now['accuracy']:.3f} (it was {test_accuracy:.3f})")

# %% [markdown]
# **What a typical run shows** (your numbers will differ a little). The frozen transfer kept the
# classifier exactly as it was. Gentle fine-tuning (1e-4) moved the hidden weights only a little,
# and the species accuracy barely changed: little was forgotten. Bold fine-tuning (0.01) moved them
# several times as far, and the classifier forgot: its test accuracy fell and its cross-entropy
# grew several-fold. It bought nothing with it: its cost RMSE is no better than the gentle run's. Every step that adapts shared layers to
# a new task may take them away from the old one; a small learning rate keeps the steps small. If
# you still need the old task, fine-tune a *copy* (section 2), or keep the layers frozen.
#
# ## Key points
# - Reusing a layer object shares it; `clone_model` + `set_weights` copies it.
# - Freeze with `layer.trainable = False`, and compile **after the last change** to `trainable`:
#   otherwise a model that was already trained keeps training the "frozen" weights, and Keras may
#   not warn you.
# - Keep three sets: one to learn from, one to watch (validation), and a test set for the end.
# - A classification network's hidden layers can feed a regression head.
# - Judge a transfer on held-out data against baselines: the mean, the same network from scratch,
#   random frozen features, and the noise floor when you know it.
# - Look at both data sets: a target that lies where the source had no data (a domain shift) may
#   gain little from transfer.
# - Fine-tune last, with a learning rate well below the one used to train the head, and measure
#   what the shared layers forget.
#
# <details><summary><b>Instructor notes</b></summary>
#
# - Run `python -m helpers doctor` in the room first; this episode needs no download.
# - The freezing trap (section 4) is the mistake this episode is built to catch. Ask the room to
#   predict the tiny model's line before running it; in exercise 2, let learners fall into the trap
#   once (freeze after `fit`, no `compile`) and watch `check()` explain it. The solution notebook
#   checks that the trap is real, and that Keras 3.15 raises no warning for it (Keras 3.15.1 has a
#   warning for this case in `keras/src/trainers/trainer.py` that never runs); a later Keras may warn.
# - What each profile shows (the solution notebook checks these for this notebook's random seed):
#   - learning rates: at epoch 20 the default rate's training loss is more than twice the 0.01
#     rate's in both profiles; after the full profile's 150 epochs it has caught up to within 1.5
#     times of it;
#   - results: fine-tuned and from-scratch end within 0.05 RMSE of each other; scratch is a little
#     lower in the quick profile, the fine-tuned model a little lower in the full profile;
#   - forgetting: gentle fine-tuning moves the hidden weights by less than a tenth of their size and
#     changes the species accuracy by at most 0.05; the bold one moves them more than three times as
#     far, costs more than 0.1 of accuracy and more than triples the cross-entropy.
# - Learners on different machines may see slightly different numbers (threads, CPU instructions).
#   We have not checked other random seeds, and close comparisons (frozen transfer against scratch
#   in the quick profile, fine-tuned against scratch) can come out either way.
# - Ask the room, before section 8, whether fine-tuning will hurt the classifier, and by how much.
# - Timing: set-up, classifier and learning rates 15 min, sharing vs copying 5 min, the cost data
#   and domain shift 5 min, the freezing trap, transfer and RMSE 15 min, baselines and fine-tuning
#   15 min, forgetting 10 min.
# </details>
