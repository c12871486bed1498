"""The set-up check's parts, fast: what it sends (field by field), the sentences it says, the smoke test's
check and log steps, and the command line's refusals. The real thing (doctor processes, a room, Chromium,
the timings) is in ``test_live_room_setup.py`` under the ``room`` marker."""

from __future__ import annotations

import json
import platform
import socket

import pytest

from helpers.learner import doctor, setup_check
from helpers.instructor.live_room import schema
from helpers.learner.setup_check import Problem

# What a set-up post carries, written out here once more on purpose: a field added to the client or the
# server without this list changing fails this test.
SENT = ["id", "time", "ready", "problem", "os", "python", "tensorflow", "keras", "cached"]


def _report(problem: Problem | None, versions=None, available=("mnist", "fashion_mnist")) -> doctor.Report:
    return doctor.Report(1 if problem else 0, "verdict", [problem] if problem else [],
                         versions or {"tensorflow": "2.21.0", "keras": "3.15.1"}, list(available))


def test_the_set_up_post_carries_exactly_these_fields_and_nothing_personal(monkeypatch):
    monkeypatch.setattr(setup_check, "_personal_words", lambda: ["ada-laptop", "adalovelace"])
    here = "Check results cannot be logged to /home/adalovelace/.course/results.jsonl (PermissionError: ...)"
    shared = ("Check results cannot be logged on ada-laptop (PermissionError) in /home/adalovelace/x: make its "
              "folder writable, or set COURSE_RESULTS to a file in a folder you can write.")
    sent = _report(Problem(here, shared), {"tensorflow": "2.21.0+cu121", "keras": None}).setup()
    assert list(sent) == SENT == list(setup_check.FIELDS) == list(schema.SETUP_FIELDS)
    assert len(sent["id"]) == 32 and sent["time"].endswith("+00:00")       # as every check's result has
    assert sent["ready"] is False                                          # the verdict
    assert sent["problem"] == ("Check results cannot be logged on … (PermissionError) in …: make its folder "
                               "writable, or set COURSE_RESULTS to a file in a folder you can write.")
    assert sent["os"] == setup_check.operating_system() and platform.node() not in sent["os"]
    assert sent["python"] == ".".join(platform.python_version_tuple())      # no build or local labels
    assert sent["tensorflow"] == "2.21.0" and sent["keras"] == ""          # "" for a package that does not import
    assert sent["cached"] == ["fashion_mnist", "mnist"]                    # course resource names only
    text = json.dumps(sent)
    assert "adalovelace" not in text and "ada-laptop" not in text and "/" not in text
    learner_id, name, stored = schema.setup({"learner": {"id": "learner-0001", "name": "Ada"}, "setup": sent})
    assert stored == {**sent, "cached": sorted(sent["cached"])}            # the room takes it as it is


def test_a_ready_post_has_no_problem_and_passes_the_rooms_schema():
    sent = _report(None).setup()
    assert sent["ready"] is True and sent["problem"] == ""
    schema.setup({"learner": {"id": "learner-0001", "name": "Ada"}, "setup": sent})


def test_this_machines_name_and_login_never_leave():
    words = setup_check._personal_words()
    assert socket.gethostname() in words or len(socket.gethostname()) < 3
    for word in words:
        assert word not in setup_check.shareable(f"Problem on {word} for {word}.")
    assert schema.personal(setup_check.operating_system()) is None


def test_the_sentences_name_the_package_and_the_command():
    problem = setup_check.package_problem("seaborn", "ImportError: broken on purpose (/site-packages/seaborn)")
    assert problem.shared == ("seaborn cannot be imported (ImportError): in the course's environment (activate it "
                              "first), run `pip install -r requirements.lock`.")
    assert "broken on purpose" in problem.here and schema.personal(problem.shared) is None
    several = doctor._packages_problem({"seaborn": "ImportError: x", "tqdm": "ImportError: y"})
    assert "(seaborn, tqdm)" in several.shared and "pip install -r requirements.lock" in several.shared


def test_an_unsupported_platform_is_sent_to_colab_or_binder(monkeypatch, capsys):
    from helpers.learner import platform_support

    monkeypatch.setattr(platform_support, "PYTHONS", ("3.20", "3.21"))
    where = setup_check.platform_problem()
    python = ".".join(platform.python_version_tuple()[:2])
    assert where.startswith(f"Python {python} is not one the course's lock covers (3.20 to 3.21)")
    assert where.endswith(f"or {platform_support.ELSEWHERE}.") and schema.personal(where) is None
    # doctor says it first, whatever else is wrong: no reinstall helps there
    from helpers.learner.data import registry

    monkeypatch.setattr(doctor, "_version", lambda name: (None, "ModuleNotFoundError: No module named 'x'"))
    monkeypatch.setattr(doctor, "REQUIRED", ("tensorflow",))  # (nothing imported or hashed: this test is fast)
    monkeypatch.setattr(doctor, "OPTIONAL", ())
    monkeypatch.setattr(registry, "RESOURCES", {})
    found = doctor.run()
    assert found.status == 1 and found.problems[0].shared == where and len(found.problems) == 2
    assert found.problems[1].shared.startswith("tensorflow cannot be imported (ModuleNotFoundError)")
    assert found.verdict == f"Not ready: {where} (1 more problem(s) above)"
    assert found.setup()["problem"] == where and found.setup()["tensorflow"] == ""
    assert capsys.readouterr().out.splitlines()[-1] == found.verdict
    monkeypatch.setattr(platform_support, "PYTHONS", ("3.11", "3.12", "3.13"))
    assert setup_check.platform_problem(tensorflow_imports=False) is None  # this machine runs the course


class _Untrained:
    """A real Keras model, not trained (fast): the check and the log steps of the smoke test on their own."""

    def __init__(self, before=10.0, after=1.0):
        self.before, self.after = before, after

    def __call__(self, epochs=5):
        import keras

        x, y, x_test, y_test = setup_check._tiny_problem()
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        return model, x_test, y_test, self.before, self.after, 0.1


def test_the_smoke_test_logs_its_check_where_progress_does_not_count_it(monkeypatch, tmp_path):
    from helpers.learner.summary import summary

    monkeypatch.setattr(setup_check, "train_tiny_model", _Untrained())
    log = tmp_path / "results.jsonl"
    smoke = setup_check.smoke_test(log)
    assert not smoke.problems, smoke.problems
    assert "correct for a right answer, incorrect for a wrong one" in smoke.lines[1]
    (record,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert record["checked"] == "01-iris-cost rmse" and record["status"] == "correct" and "exercise" not in record
    assert all(row["status"] == "not checked" for row in summary(log))


def test_a_results_folder_that_cannot_be_written_is_a_problem_without_its_path(monkeypatch, tmp_path):
    monkeypatch.setattr(setup_check, "train_tiny_model", _Untrained())
    (tmp_path / "a-file").write_text("not a folder")  # even root cannot make a folder inside a file
    smoke = setup_check.smoke_test(tmp_path / "a-file" / "results.jsonl")
    (problem,) = smoke.problems
    assert str(tmp_path) in problem.here
    assert problem.shared.startswith("Check results cannot be logged (") and "COURSE_RESULTS" in problem.shared
    assert schema.personal(problem.shared) is None


def test_a_model_that_does_not_learn_is_a_problem(monkeypatch, tmp_path):
    monkeypatch.setattr(setup_check, "train_tiny_model", _Untrained(before=1.0, after=float("nan")))
    (problem,) = setup_check.smoke_test(tmp_path / "results.jsonl").problems
    assert problem.shared.startswith("A tiny Keras model trained but did not learn") and "--force-reinstall" in problem.shared


def test_offline_episodes_follow_what_each_notebook_loads():
    needs = setup_check.episode_needs()
    assert needs["01-iris-cost"] == [] and "mnist" in needs["03-mnist"]
    assert setup_check.offline_episodes([], needs) == [e for e, n in needs.items() if not n]
    assert setup_check.offline_episodes(set().union(*map(set, needs.values())), needs) == list(needs)


@pytest.mark.parametrize("argv, said", [
    (["doctor", "--name", "Ada"], "give the room's join URL too"),
    (["doctor", "--room", "http://10.0.0.5:8765/instructor?token=abcdefghijklmnopqrstu"], "not a room's join URL"),
    (["doctor", "--room", "http://10.0.0.5:8765/join/abcdefghijklmnopqrstu", "--name", "\u202e"], "Choose a name"),
])
def test_doctor_refuses_a_bad_room_url_or_name_at_once(argv, said, capsys):
    from helpers.cli import main

    assert main(argv) == 2
    assert said in capsys.readouterr().out
