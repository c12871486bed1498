"""The long cells' progress bars (helpers/learner/progress.py): on stdout in the full profile, silent in quick."""

import numpy as np
import pytest

from helpers.learner.progress import Progress, progress_bar


def _model():
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


X, Y = np.random.default_rng(0).random((320, 2)), np.arange(320) % 3


def test_a_fit_shows_one_bar_over_all_its_batches_on_stdout(monkeypatch, capfd):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    _model().fit(X, Y, validation_data=(X, Y), batch_size=32, epochs=3, verbose=0, callbacks=[Progress("toy fit")])
    out, err = capfd.readouterr()
    assert err == ""  # a learner sees stderr as a red box
    last = out.split("\r")[-1]
    assert last.startswith("toy fit: 100%") and "30/30" in last and "epoch 3 of 3" in last and "val_accuracy" in last
    assert "<" in out.split("\r")[2]  # tqdm's estimate of the time left, while it runs


def test_early_stopping_is_said_and_predict_has_its_bar(monkeypatch, capfd):
    import keras

    monkeypatch.setenv("COURSE_PROFILE", "full")
    model = _model()
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10)  # stops after 2 epochs
    model.fit(X, Y, batch_size=32, epochs=10, verbose=0, callbacks=[stop, Progress("fit")])
    model.predict(X, batch_size=32, verbose=0, callbacks=[Progress("features")])
    out, err = capfd.readouterr()
    assert err == "" and "stopped early after 2 of 10 epochs" in out
    assert "features: 100%" in out and "10/10" in out


def test_a_shared_bar_counts_every_call_of_a_loop(monkeypatch, capfd):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    model = _model()
    with progress_bar(8, "sweep") as bar:
        for i in range(2):
            model.fit(X, Y, batch_size=32, steps_per_epoch=4, epochs=1, verbose=0,
                      callbacks=[Progress(f"sweep: way {i + 1} of 2", bar=bar)])
        assert bar.n == 8
    out, err = capfd.readouterr()
    assert err == "" and "sweep: way 2 of 2: 100%" in out and "8/8" in out


@pytest.mark.parametrize("profile", ["quick"])
def test_the_quick_profile_stays_silent(profile, monkeypatch, capfd):
    monkeypatch.setenv("COURSE_PROFILE", profile)
    _model().fit(X, Y, epochs=2, verbose=0, callbacks=[Progress("fit")])
    with progress_bar(3, "loop") as bar:
        bar.update(3)
    assert capfd.readouterr() == ("", "")


def test_a_long_cell_is_silent_if_it_shows_nothing_early_or_stops_for_long():
    """What tests/notebooks/test_full_size.py asks of every long cell, on timings written by hand."""
    from tests.support.notebook_runs import silent_long_cells

    def cell(seconds, first_shown, longest_silence):
        return {"cell": 1, "seconds": seconds, "first_shown": first_shown, "longest_silence": longest_silence}

    fine = [cell(5, None, 5), cell(120, 0.2, 9), cell(40, 25, 25)]
    silent = [cell(40, None, 40), cell(40, 35, 35), cell(157, 0.01, 66.7)]  # the last: the sweep's bar stopped
    assert silent_long_cells(fine) == []
    assert silent_long_cells(silent) == silent
