# ---
# jupyter:
#   course:
#     key_numbers:
#     - experiment_seconds
#     - plain_estimate
#     - speedup
#     - summary
#     - bayes
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Episode 02 — Blobs: does transfer help, and how sure are we?
#
# **Teaching:** 35 min · **Exercises:** 45 min · **Optional statistics:** 25 min
#
# **Questions**
# - Does a network trained on one problem help on a related one?
# - Which layers should stay fixed?
# - Why run an experiment many times, and what must each repeat redo?
#
# **Objectives**
# - Save a trained model in Keras' `.keras` format, load it, and freeze some of its layers.
# - Compare set-ups over repeated runs, with a box plot, means and standard deviations.
# - Recognise what a single source model's luck does to a transfer experiment.
# - (Optional) Report 95% confidence intervals, test differences, and compare with the best
#   accuracy any classifier could reach on average.
#
# This episode reproduces Jason Brownlee's blobs experiment ("How to Improve Performance With
# Transfer Learning for Deep Learning Neural Networks") on Keras 3 and tests its claims. Sections
# 1–7 are the core; section 8, the statistics, is optional.

# %% [markdown]
# ## Set-up
#
# The experiment itself is the same in both profiles (the original tutorial's 100 epochs of SGD,
# batch 32); the quick profile only runs fewer repeats and fewer source models, for a slow laptop or
# a short session. To switch to it, add the line `%env COURSE_PROFILE=quick` at the top of the
# set-up cell and run it again.

# %%
from helpers.learner.data.blobs import bayes_accuracy, blobs_problem  # helpers first: it keeps TensorFlow's start-up log quiet
from helpers.learner.exercises import blobs as ex
from helpers.learner.plotting import learning_curves, repeated_runs
from helpers.learner.profile import course_profile
from helpers.learner.repeats import accuracies, fit_repeats
from helpers.learner.saved_models import model_path

import keras
import numpy as np
import pandas as pd
import seaborn as sns
from scipy import stats

settings = course_profile(full=dict(repeats=30, sources=10), quick=dict(repeats=5, sources=5))
EPOCHS, BATCH_SIZE = 100, 32  # the original tutorial's protocol
keras.utils.set_random_seed(1)
print("Keras", keras.__version__)

# %% [markdown]
# ## 1. Two related problems
#
# `make_blobs` scatters 1000 points around 3 centres in the plane (standard deviation 2). Its
# `random_state` moves the centres: `random_state=1` is **problem 1**, `random_state=2` is
# **problem 2**. The first 500 points of each are for training, the last 500 for testing. (The
# original tutorial imported `make_blobs` from `sklearn.datasets.samples_generator`, which no
# longer exists.)

# %%
x1_train, y1_train, x1_test, y1_test = blobs_problem(1)
x2_train, y2_train, x2_test, y2_test = blobs_problem(2)

points = pd.concat([
    pd.DataFrame({"x": x[:, 0], "y": x[:, 1], "class": y.argmax(axis=1).astype(str), "problem": name})
    for name, x, y in (("problem 1", x1_train, y1_train), ("problem 2", x2_train, y2_train))
])
grid = sns.relplot(data=points, x="x", y="y", hue="class", col="problem", s=12, height=3.5)
grid.figure.suptitle("Training points of the two blobs problems", y=1.03);

# %% [markdown]
# The classes overlap, so no classifier can be right every time.
#
# ## 2. A model for problem 1
#
# The original tutorial's network: 2 inputs, two hidden layers of 5 ReLU units (He-uniform
# initialisation), a 3-way softmax, plain SGD (learning rate 0.01), 100 epochs, batch 32. The
# tutorial watched training on the *test* half; we keep the test half for the end and watch a
# validation set of our own instead, the last 100 of the 500 training points.


# %%
def blobs_mlp():
    return keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(5, activation="relu", kernel_initializer="he_uniform"),
        keras.layers.Dense(5, activation="relu", kernel_initializer="he_uniform"),
        keras.layers.Dense(3, activation="softmax"),
    ])


x1_fit, y1_fit, x1_val, y1_val = x1_train[:400], y1_train[:400], x1_train[400:], y1_train[400:]

# %% tags=["nbval-ignore-output"]
source = blobs_mlp()
source.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
source_history = source.fit(x1_fit, y1_fit, validation_data=(x1_val, y1_val),
                            epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0)
source_accuracy = source.evaluate(x1_test, y1_test, verbose=0)[1]
print(f"problem 1 test accuracy {source_accuracy:.3f}")

# %%
learning_curves(source_history, metric="accuracy", title="Problem 1 model: accuracy per epoch");

# %% [markdown]
# Save it in Keras' native format (the original tutorial's `model.h5` is legacy in Keras 3). As in
# episode 01, `model_path` names a file in the course's own folder for saved models
# (`~/.transfer-learning-course/models`), not beside this notebook:

# %% tags=["nbval-ignore-output"]
SOURCE_PATH = model_path("blobs_problem1.keras")
source.save(SOURCE_PATH)
print("saved to", SOURCE_PATH)

# %% [markdown]
# ## 3. Transfer set-ups
#
# On problem 2 we compare four set-ups, each trained with the same protocol on problem 2's 500
# training points:
#
# | set-up | starts from | layers that learn |
# |---|---|---|
# | standalone | random weights | all |
# | fixed=0 | problem-1 weights | all (transfer as initialisation) |
# | fixed=1 | problem-1 weights | hidden layer 2 and output |
# | fixed=2 | problem-1 weights | output only (transfer as feature extraction) |
#
# ### Exercise 1: load and freeze (`load_and_freeze`)
#
# Write `load_and_freeze(path, n_fixed)`: load the saved model, freeze its first `n_fixed` layers,
# compile it again (SGD, categorical cross-entropy) and return it. `load_model` compiles the model
# it loads, so your freezing comes after a compile. Compile again after the last change to
# `trainable`: it is the rule that is always safe. (A model trained with a plain `fit` since its
# last compile keeps updating the layers that were trainable then, as episode 01 showed.) The
# compile matters for a plain `fit`; section 4's `fit_repeats` takes its optimiser as an argument
# of its own (SGD) and only reads each layer's `trainable` flag. Then make
# `one_fixed = load_and_freeze(SOURCE_PATH, 1)`: the problem-1 model with one layer fixed.

# %%
# BEGIN SOLUTION: write `load_and_freeze(path, n_fixed)`
# HINT: `keras.models.load_model(path)` gives back the trained problem-1 model, weights and all.
# HINT: Freeze with `for layer in model.layers[:n_fixed]: layer.trainable = False`, then compile:
#       `model.compile(optimizer='sgd', loss='categorical_crossentropy', metrics=['accuracy'])`.
def load_and_freeze(path, n_fixed):
    model = keras.models.load_model(path)
    for layer in model.layers[:n_fixed]:
        layer.trainable = False
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


one_fixed = load_and_freeze(SOURCE_PATH, 1)
# END SOLUTION

# %%
ex.load_and_freeze.assert_passed(one_fixed, 1)

# %% [markdown]
# ## 4. Repeat every set-up
#
# Training is random: the initial weights and the order of the batches change from run to run,
# and so does the test accuracy. One run per set-up proves nothing, so the original tutorial
# repeats each set-up 30 times, one `fit` after another.
#
# The course trains all the runs of an experiment at once. `fit_repeats(networks, x, y, ...)`
# takes a list of ordinary Keras networks and trains each one exactly as if it were alone: from its
# own starting weights, on its own shuffle of the data every epoch, in batches of 32, with its own
# frozen layers. It writes the trained weights back into each network; `accuracies` then gives
# each run's test accuracy. Each standalone run starts from a fresh network, each transfer run from
# the saved problem-1 model, loaded and frozen by your `load_and_freeze`.

# %% tags=["solution"]
import time  # the solution times the experiment below, and one plain fit at the end (the benchmarks read both)

experiment_start = time.perf_counter()

# %% [markdown]
# First build the networks: `settings.repeats` of each set-up, one set-up after another.

# %%
setups = {"standalone": None, "fixed=0": 0, "fixed=1": 1, "fixed=2": 2}  # set-up: layers fixed
every_run, setup_of_run = [], []  # the networks, and the set-up each one belongs to
for name, n_fixed in setups.items():
    for _ in range(settings.repeats):
        if n_fixed is None:
            every_run.append(blobs_mlp())  # fresh random weights
        else:
            every_run.append(load_and_freeze(SOURCE_PATH, n_fixed))  # the saved problem-1 model
        setup_of_run.append(name)
print(f"{len(setups)} set-ups x {settings.repeats} repeats = {len(every_run)} networks")

# %% [markdown]
# Then train them all, for the original tutorial's 100 epochs in batches of 32:

# %% tags=["nbval-ignore-output"]
# no compile needed here: fit_repeats trains with SGD itself, and keeps each network's `trainable` flags
trained = fit_repeats(every_run, x2_train, y2_train, epochs=EPOCHS, batch_size=BATCH_SIZE, seed=0)

# %% [markdown]
# Last, score every run on problem 2's test half, and gather the scores per set-up:

# %%
scores = {name: [] for name in setups}
for name, accuracy in zip(setup_of_run, accuracies(trained, x2_test, y2_test)):
    scores[name].append(accuracy)
print({name: len(values) for name, values in scores.items()}, "test accuracies per set-up")

# %% tags=["solution"]
experiment_seconds = time.perf_counter() - experiment_start  # loading, tracing and evaluation included

# %% [markdown]
# <details><summary><b>Optional: why train the runs together?</b></summary>
#
# A 2-5-5-3 network has 63 weights, and an epoch is 16 batches of 32 points: very little
# arithmetic. A plain `fit` spends most of its time on Keras' bookkeeping around each batch and
# each epoch (Python calls, callbacks, logs). `fit_repeats` stacks the weights of all the runs into
# one batched model, so one training step computes every run's batch with one operation per layer
# and pays the bookkeeping once for all of them. That makes a whole experiment take seconds where
# one plain `fit` per run takes minutes, and it is what lets a workshop afford 30 repeats per
# set-up. To see what one plain `fit` costs on your machine, run this in a new cell:
#
# ```python
# from helpers.learner.fit_timing import time_plain_fit
# plain = blobs_mlp()
# plain.compile(optimizer="sgd", loss="categorical_crossentropy")
# print(time_plain_fit(plain, x2_train, y2_train, epochs=EPOCHS, batch_size=BATCH_SIZE))
# ```
# </details>

# %% [markdown]
# ## 5. Compare the set-ups
#
# One number per run, 4 set-ups: a box plot shows each set-up's typical value and spread, with
# every run drawn as a dot.

# %%
repeated_runs(scores, title=f"Problem 2 test accuracy over {settings.repeats} repeats per set-up");

# %%
spread = pd.DataFrame(scores).agg(["mean", "std"]).T  # pandas' std is the sample standard deviation
spread.round(3)

# %% tags=["solution"]
calmer = 3 if settings.profile == "full" else 1  # quick: 5 repeats per set-up estimate a spread roughly
for name in ("fixed=0", "fixed=1", "fixed=2"):
    assert spread.loc[name, "std"] < spread.loc["standalone", "std"] / calmer, name
assert spread.loc["fixed=2", "mean"] < spread.loc["fixed=0", "mean"]

# %% [markdown]
# **What a typical run shows** (your numbers are in the table; they will differ a little).
# Keeping both hidden layers fixed (fixed=2) does worse on average than letting them learn
# (fixed=0): features learned for problem 1's centres are not quite the right ones for problem 2's.
# And the transfer runs vary less than the standalone runs.
#
# The original tutorial reported the same pattern of spreads (standard deviations from 0.004 to
# 0.014 for the transfer set-ups, against 0.101 standalone) and concluded that transfer makes
# training more stable. That finding did **not** reproduce when the course's authors re-ran the
# tutorial's own code on Keras 3: there the transfer runs varied *more* than the standalone ones
# (the numbers are in the instructor notes). How can the same code give both answers?
#
# Look at what the transfer runs share: all of them start from the **same** problem-1 model, so
# they differ only in the order of the batches. The re-run trained a problem-1 model of its own, a
# different one from the original tutorial's, and ours is different again. So how much the transfer
# runs vary depends on which source model you got, and whatever luck it had, good or bad, is
# carried into every transfer run and never averaged out: it can shift their mean, not only make
# their spread look small. Section 6 measures it.
#
# ## 6. One source model or many?
#
# We train several problem-1 models (all at once with `fit_repeats` again, on the same 400 points
# as our source), then transfer each one with fixed=2, where everything below the output comes
# from the source, and compare with fixed=2 repeated from our single source above.

# %%
def frozen_copy(model, n_fixed):
    """A copy of `model` with weights of its own (`clone_model`, `set_weights`), first `n_fixed` layers frozen."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    for layer in copy.layers[:n_fixed]:
        layer.trainable = False
    return copy


# %% tags=["nbval-ignore-output"]
sources = [blobs_mlp() for _ in range(settings.sources)]
fit_repeats(sources, x1_fit, y1_fit, epochs=EPOCHS, batch_size=BATCH_SIZE, seed=10)
trained = fit_repeats([frozen_copy(s, 2) for s in sources], x2_train, y2_train,
                      epochs=EPOCHS, batch_size=BATCH_SIZE, seed=11)
many_sources = accuracies(trained, x2_test, y2_test)
one_source = scores["fixed=2"]
print(f"fixed=2, one source,  {len(one_source)} repeats: mean {np.mean(one_source):.3f}, "
      f"std {np.std(one_source, ddof=1):.3f}")
print(f"fixed=2, {len(many_sources)} sources, one run each: mean {np.mean(many_sources):.3f}, "
      f"std {np.std(many_sources, ddof=1):.3f}")
print(f"ratio of the standard deviations: {np.std(many_sources, ddof=1) / np.std(one_source, ddof=1):.1f}")

# %% tags=["solution"]
assert np.std(many_sources, ddof=1) > 2 * np.std(one_source, ddof=1), "sources differ more than repeats"

# %% [markdown]
# In a typical run the spread across source models is more than twice the spread across repeats
# from one source (your ratio is printed above): much of the variation in a transfer result comes
# from *which* source model you happened to train. The small standard deviations of
# section 5 measure the batch order, not transfer. A study that reuses one source model answers a
# narrower question ("does transfer from *this* model help?") than it seems to; to ask whether
# transfer helps, repeat the source training.
#
# ## 7. Extensions (the original tutorial's three suggestions)
#
# ### Exercise 2: keep only the first layer (`reinit_layers`)
#
# Write `reinit_after_first(source_model)`: a model with the blobs architecture whose first hidden
# layer has the problem-1 weights and whose second hidden layer and output start from fresh random
# weights; every layer trainable; compiled with SGD and categorical cross-entropy. Apply it to a
# freshly loaded problem-1 model to make `reinit_model`.

# %%
# BEGIN SOLUTION: write `reinit_after_first(source_model)`
# HINT: Build a fresh MLP (new random weights everywhere), then give its first layer the problem-1
#       weights with `set_weights`.
# HINT: Compile it with SGD and categorical cross-entropy, as the other set-ups.
def reinit_after_first(source_model):
    model = blobs_mlp()
    model.layers[0].set_weights(source_model.layers[0].get_weights())
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


reinit_model = reinit_after_first(keras.models.load_model(SOURCE_PATH))
# END SOLUTION

# %%
ex.reinit_layers.assert_passed(reinit_model, keras.models.load_model(SOURCE_PATH))

# %% [markdown]
# ### Exercise 3: a new layer on top (`add_hidden_layer`)
#
# Write `with_new_hidden_layer(source_model)`: the source's two hidden layers, frozen with their
# weights, then a new `Dense(5, relu)` hidden layer with He-uniform initialisation
# (`kernel_initializer="he_uniform"`, as in `blobs_mlp`) and a new `Dense(3, softmax)` output,
# compiled after the last change to `trainable`. Apply it to `source_for_check` to make `deeper_model`.

# %%
source_for_check = keras.models.load_model(SOURCE_PATH)

# %%
# BEGIN SOLUTION: write `with_new_hidden_layer(source_model)`
# HINT: Take `source_model.layers[0]` and `[1]`, set `trainable = False`, and stack them under
#       `Dense(5, relu, he_uniform)` and `Dense(3, softmax)`.
# HINT: Start the new model with `keras.Input(shape=(2,))`, and compile it after freezing.
def with_new_hidden_layer(source_model):
    hidden_1, hidden_2 = source_model.layers[0], source_model.layers[1]
    hidden_1.trainable = hidden_2.trainable = False
    model = keras.Sequential([
        keras.Input(shape=(2,)), hidden_1, hidden_2,
        keras.layers.Dense(5, activation="relu", kernel_initializer="he_uniform"),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


deeper_model = with_new_hidden_layer(source_for_check)
# END SOLUTION

# %%
ex.add_hidden_layer.assert_passed(deeper_model, source_for_check)

# %% [markdown]
# Both new set-ups run with the same protocol and repeats. Like sections 3–5 they start every
# repeat from the one saved problem-1 model, so they answer section 6's narrower question: does
# transfer from *this* model help?

# %% tags=["nbval-ignore-output"]
for seed, (name, build) in enumerate({"first layer kept": reinit_after_first,
                                      "new hidden layer": with_new_hidden_layer}.items(), start=20):
    networks = [build(keras.models.load_model(SOURCE_PATH)) for _ in range(settings.repeats)]
    trained = fit_repeats(networks, x2_train, y2_train, epochs=EPOCHS, batch_size=BATCH_SIZE, seed=seed)
    scores[name] = accuracies(trained, x2_test, y2_test)
for name in ("standalone", "fixed=0", "fixed=2", "first layer kept", "new hidden layer"):
    print(f"{name:17s} mean {np.mean(scores[name]):.3f}  std {np.std(scores[name], ddof=1):.3f}")

# %% tags=["solution"]
wider = 3 if settings.profile == "full" else 1.5  # quick: 5 repeats per set-up estimate a spread roughly
new_std, first_std = np.std(scores["new hidden layer"], ddof=1), np.std(scores["first layer kept"], ddof=1)
assert new_std > wider * np.std(scores["fixed=2"], ddof=1), "a new random layer on top: more spread than fixed=2"
assert first_std > wider * np.std(scores["fixed=0"], ddof=1), "two layers start random: more spread than fixed=0"
if settings.profile == "full":
    assert np.mean(scores["new hidden layer"]) < np.mean(scores["fixed=2"]), "full profile: a lower mean too"

# %% [markdown]
# **What a typical run shows** (your numbers are printed above; they will differ a little). The
# two new set-ups vary more than the transfer set-ups they grow from: "new hidden layer" more than
# fixed=2, "first layer kept" more than fixed=0. What they add are layers that start from random
# weights, and like the standalone runs, which start from random weights everywhere, their runs
# spread out; over the full profile's 30 repeats about as far as the standalone runs, and "new
# hidden layer" also ends with a lower mean than fixed=2. All these runs share one source model, so
# that extra spread comes from the layers that start random, not from the source.

# %% [markdown]
# ### Exercise 4 (no check): the reverse experiment
#
# Swap the problems: train source models on problem 2, transfer them to problem 1, and compare
# standalone with fixed=0 over the same number of repeats. Learn from section 6: give each transfer
# run its own source model (`fit_repeats` trains them all at once). Does transfer help in that
# direction? (A solution is in `solutions/02-blobs.ipynb`.)

# %% tags=["solution", "nbval-ignore-output"]
reverse_sources = [blobs_mlp() for _ in range(settings.repeats)]
fit_repeats(reverse_sources, x2_train[:400], y2_train[:400], epochs=EPOCHS, batch_size=BATCH_SIZE, seed=29)
reverse_networks = [blobs_mlp() for _ in reverse_sources] + [frozen_copy(s, 0) for s in reverse_sources]
trained = fit_repeats(reverse_networks, x1_train, y1_train, epochs=EPOCHS, batch_size=BATCH_SIZE, seed=30)
reverse_scores = accuracies(trained, x1_test, y1_test)  # both set-ups train on problem 1: one call
reverse = {"standalone": reverse_scores[:len(reverse_sources)], "fixed=0": reverse_scores[len(reverse_sources):]}
print(f"problem 2 -> problem 1, {settings.repeats} source models, one transfer run each:")
for name, values in reverse.items():
    print(f"  {name:10s} mean {np.mean(values):.3f}  std {np.std(values, ddof=1):.3f}")

# %% [markdown]
# ## 8. Optional: how sure are we?
#
# The box plot and the table of section 5 show the differences; this section asks whether they
# are bigger than chance, and how much room there was to improve at all.
#
# ### The best any classifier can do
#
# Because the clusters are round, equally wide and equally large, the best possible rule is "the
# nearest true centre". No classifier can beat its accuracy *on average* over new points (on one
# finite test set a classifier could do slightly better by luck). Here is its accuracy on
# problem 2's test half:

# %%
bayes = bayes_accuracy(2)
print(f"Bayes-optimal accuracy on problem 2's test points: {bayes:.3f}")

# %% [markdown]
# ### Exercise 5 (optional): a summary table (`summarize_repeats`)
#
# Make `summary`, a DataFrame with one row per set-up in `scores` (indexed by its name) and the
# columns `mean`, `std` (the sample standard deviation, `ddof=1`), `ci_low` and `ci_high`: the 95%
# confidence interval of the mean, mean ± t × std / √n with t from Student's t distribution.

# %%
# BEGIN SOLUTION: build `summary` from `scores`
# HINT: For each set-up: mean, standard deviation (ddof=1), and mean ± t × std / sqrt(n).
# HINT: `stats.t.ppf(0.975, n - 1)` (`stats` is SciPy's, imported at the top) is the t value for a two-sided 95% interval with n runs.
rows = {}
for name, values in scores.items():
    values = np.asarray(values)
    n, mean, sd = len(values), values.mean(), values.std(ddof=1)
    half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
    rows[name] = {"mean": mean, "std": sd, "ci_low": mean - half, "ci_high": mean + half}
summary = pd.DataFrame.from_dict(rows, orient="index")
# END SOLUTION

# %%
ex.summarize_repeats.assert_passed(summary, scores)

# %%
summary.round(3)

# %% [markdown]
# Are the differences real? Welch's t-test compares each transfer set-up's mean with the
# standalone mean without assuming equal spreads; Levene's test asks whether the spreads differ.

# %%
tests = pd.DataFrame({
    name: {
        "difference in mean": np.mean(scores[name]) - np.mean(scores["standalone"]),
        "Welch p-value": stats.ttest_ind(scores[name], scores["standalone"], equal_var=False).pvalue,
        "std ratio to standalone": np.std(scores[name], ddof=1) / np.std(scores["standalone"], ddof=1),
        "Levene p-value": stats.levene(scores[name], scores["standalone"]).pvalue,
    }
    for name in setups if name != "standalone"
}).T
tests.round(4)

# %%
repeated_runs({name: scores[name] for name in setups},
              title=f"Problem 2 test accuracy over {settings.repeats} repeats per set-up",
              reference=bayes, reference_label=f"Bayes-optimal ({bayes:.3f})");

# %%
for name in setups:
    print(f"{name:10s} mean {summary.loc[name, 'mean']:.3f}, 95% CI [{summary.loc[name, 'ci_low']:.3f}, "
          f"{summary.loc[name, 'ci_high']:.3f}], {bayes - summary.loc[name, 'mean']:.3f} below the Bayes-optimal accuracy")
for name, row in tests.iterrows():
    verdict = "significant" if row["Welch p-value"] < 0.05 else "not significant"
    print(f"{name} vs standalone: {row['difference in mean']:+.3f} ({verdict} at 5%, p = {row['Welch p-value']:.3g})")

# %% tags=["solution"]
assert all(summary["mean"] < bayes), "no set-up beats the Bayes-optimal accuracy on average"

# %% [markdown]
# The lines above give the verdicts from your run. Every set-up's mean stays below the
# Bayes-optimal accuracy, so the room for improvement was small to begin with. Remember section 6 when you read the p-values: the transfer runs share one source model, so
# a significant difference says something about *that* model, not about transfer from problem 1 in
# general.
#
# ## Key points
# - Save with `model.save(...)` to a `.keras` file, reload with `keras.models.load_model`, freeze
#   with `layer.trainable = False`, and compile after the last change to `trainable` (`load_model`
#   compiles too; a model trained since its last compile ignores the change).
# - Training is random: one run per set-up proves nothing. Repeat, and look at every run (a box
#   plot), not only the mean.
# - Reusing one source model carries its luck into every run; repeat the source training too.
# - (Optional) Report a mean with its confidence interval, test a difference before you claim it,
#   and compare with the best possible accuracy to see how much room there was.
#
# <details><summary><b>Instructor notes</b></summary>
#
# - Ask the room to predict the ranking of the four set-ups before running section 4, then compare
#   with the original tutorial's published table (standalone 0.787 ± 0.101, fixed=0 0.805 ± 0.004,
#   fixed=1 0.817 ± 0.005, fixed=2 0.750 ± 0.014).
# - Re-running the original tutorial's own code (30 repeats, one after another, TensorFlow 2.21 with
#   Keras 3 on two CPU cores; measured by the course's authors, not by this notebook) gave standalone
#   0.818 (0.028), fixed=0 0.818 (0.042), fixed=1 0.800 (0.054), fixed=2 0.758 (0.056), in 421 s:
#   the tutorial's claim that transfer reduces the spread did not reproduce there.
# - Speed, if asked: `fit_repeats` (`helpers/learner/repeats.py`) trains every run as one batched
#   model, each run from its own weights and shuffles, as if trained alone. The benchmarks of
#   2026-12-04 (`benchmarks/README.md`, two CPU cores) measured the full profile's 120 runs at about
#   5 s against an estimated 470 s for one plain `fit` at a time, about 90 times as fast, and the
#   quick profile's 20 runs at about 40 times.
# - What each profile shows (for this notebook's random seeds): every transfer set-up's standard
#   deviation is below the standalone one in both profiles, and under a third of it in the full
#   profile (30 repeats; the quick profile's 5 repeats estimate a spread only roughly); in both,
#   fixed=2's mean is below fixed=0's, and the spread across source models is more than twice the
#   spread across repeats of one source. In section 7, "new hidden layer" has more than 1.5 times
#   fixed=2's spread in the quick profile (0.013 against 0.006) and more than three times in the
#   full profile (0.095 against 0.008, with a mean of 0.772 against 0.801); "first layer kept"
#   likewise against fixed=0 (quick 0.009 against 0.004, full 0.058 against 0.007). Standalone:
#   0.010 quick, 0.089 full.
# - Section 6 is the episode's main lesson about experimental design; leave time to discuss it.
# - Timing: problems and source model 10 min, exercise 1 10 min, repeats and comparison 15 min,
#   source luck 10 min, exercises 2 and 3 20 min, exercise 4 15 min; optional statistics with
#   exercise 5, 25 min.
# </details>

# %% tags=["solution", "nbval-ignore-output"]
# Section 4's experiment against the original tutorial's way, one plain fit per run, timed in this run.
# Last in the notebook: the plain fit draws random numbers, and the cells above must draw what the learner's do.
from helpers.learner.fit_timing import time_plain_fit

plain = blobs_mlp()
plain.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
one_plain_fit = time_plain_fit(plain, x2_train, y2_train, epochs=EPOCHS, batch_size=BATCH_SIZE)
runs = len(every_run)
plain_estimate = runs * one_plain_fit.seconds(EPOCHS)
speedup = plain_estimate / experiment_seconds
SPEEDUP_ASSERTED = 40 if settings.profile == "full" else 10  # quick: 20 runs share the one-off costs
print(f"one plain fit: {one_plain_fit}")
print(f"{runs} runs together: {experiment_seconds:.1f} s; one plain fit at a time: about {plain_estimate:.0f} s; "
      f"{speedup:.0f} times as fast ({speedup / SPEEDUP_ASSERTED:.1f} times the {SPEEDUP_ASSERTED} asserted)")
assert speedup >= SPEEDUP_ASSERTED, speedup
# a run's arithmetic costs at most its share of the batched time (which also loads, traces and evaluates):
assert experiment_seconds / runs < 0.1 * EPOCHS * one_plain_fit.typical_epoch, "most of a plain fit is bookkeeping"
