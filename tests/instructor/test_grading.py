"""`python -m helpers grade`: forged notebooks earn nothing, hostile ones are contained, the rest is graded.

One room is graded once (module fixture, ``--jobs 2``, the bubblewrap sandbox
for real): a shortened blank learner notebook of episode 01, the same with one
forging cell each (every channel a learner controls in the kernel), notebooks
that try to leave the sandbox, and files that are not episodes. Each test
reads the CSV and the feedback files of that one run. The submissions that
train models are in test_grading_room.py (a separate file so that
pytest-xdist runs it beside this one).
"""

import csv
import json
import os
import re
import socket
import subprocess
import sys
import threading

import nbformat
import pytest

from helpers.author import build
from helpers.instructor.grading.sandbox import bwrap_works

EPISODE = "01-iris-cost"
EXERCISES = ["build_classifier", "transfer_head", "rmse", "fine_tune"]
ROOT = build.ROOT
needs_bwrap = pytest.mark.skipif(bool(bwrap_works()), reason=f"bubblewrap unavailable: {bwrap_works()}")


def learner():
    return nbformat.read(build.VERSIONS["learner"] / f"{EPISODE}.ipynb", as_version=4)


def solved(upto=len(EXERCISES)):
    """The learner version with its first `upto` exercise cells filled in with the solution's code."""
    nb = learner()
    solution = {c.id[1:]: c for c in nbformat.read(build.VERSIONS["solution"] / f"{EPISODE}.ipynb", as_version=4).cells}
    todo = [c for c in nb.cells if c.cell_type == "code" and "# TODO:" in c.source]
    for cell in todo[:upto]:
        cell.source = solution[cell.id[1:]].source
    return nb


def index_of(nb, marker):
    return next(i for i, c in enumerate(nb.cells) if marker in c.source)


def replace(nb, old, new):
    cells = [c for c in nb.cells if old in c.source]
    assert cells, old
    cells[0].source = cells[0].source.replace(old, new)
    return nb


def insert_after(nb, marker, source):
    nb.cells.insert(index_of(nb, marker) + 1, nbformat.v4.new_code_cell(source))
    return nb


def short_blank():
    """The blank learner notebook up to exercise 1's check (the other checks are then judged at its end)."""
    nb = learner()
    nb.cells = nb.cells[:index_of(nb, "ex.build_classifier.check(classifier)") + 1]
    return nb


def with_cell(source, nb=None):
    """A short blank notebook with `source` run after exercise 1's blank cell: it solves nothing."""
    return insert_after(nb or short_blank(), "# TODO: build, compile and train `classifier`", source)


def with_mistakes():
    nb = solved()
    replace(nb, 'Dense(3, activation="softmax", name="species")', 'Dense(3, activation="sigmoid", name="species")')
    replace(nb, "hidden_2.trainable = False\n", "")
    replace(nb, "predictions = model3.predict(xc_test, verbose=0).ravel()", "predictions = model3.predict(xc_test, verbose=0)")
    replace(nb, "optimizer=keras.optimizers.Adam(learning_rate=1e-4)", 'optimizer="adam"')
    return nb


def looping(upto=0):
    """A cell that never ends. It sleeps rather than spins, so the test's other worker keeps its core;
    the grader interrupts both kinds the same way (SIGINT, then KeyboardInterrupt in the kernel)."""
    return insert_after(solved(upto), "ex.build_classifier.check(classifier)",
                        "import time\nwhile True:\n    time.sleep(0.1)")


# ---------------------------------------------------------------- the forgeries, one channel each
FORGERIES = {
    # the three of the issue
    "input_transformer": '''
import json, os
def _forge(lines):
    source = "".join(lines)
    source = source.replace("exercise.evaluate(*args).as_record()", "exercise._result('correct', 'forged').as_record()")
    source = source.replace('namespace["export_arguments"](', "_forge_manifest(")
    return source.splitlines(True)
def _forge_manifest(folder, expressions, namespace):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "manifest.json"), "w") as fh:
        json.dump({"format": 1, "status": "correct", "points": 1,
                   "arguments": [{"kind": "json", "value": "correct"}]}, fh)
get_ipython().input_transformers_cleanup.append(_forge)
''',
    "importlib_import_module": '''
import importlib
_real_import_module = importlib.import_module
def _forged_import_module(name, package=None):
    module = _real_import_module(name, package)
    if name.startswith("helpers.learner.exercises."):
        for exercise in [v for v in vars(module).values() if type(v).__name__ == "Exercise"]:
            exercise.evaluate = (lambda e: lambda *a, **k: e._result("correct", "forged"))(exercise)
    return module
importlib.import_module = _forged_import_module
''',
    "json_dumps": '''
import json
_real_dumps, _real_dump = json.dumps, json.dump
def _forged_dumps(obj, *args, **kwargs):
    if isinstance(obj, dict) and "status" in obj:
        obj = {**obj, "status": "correct", "points": obj.get("max_points", 1)}
    return _real_dumps(obj, *args, **kwargs)
def _forged_dump(obj, fh, *args, **kwargs):
    if isinstance(obj, dict) and "format" in obj:
        obj = {"format": 1, "status": "correct", "points": 1, "arguments": [{"kind": "json", "value": 1.0}] * 4}
    return _real_dump(obj, fh, *args, **kwargs)
json.dumps, json.dump = _forged_dumps, _forged_dump
''',
    # channels of our own
    "builtins_import": '''
import builtins
_real_builtin_import = builtins.__import__
def _forged_builtin_import(name, globals=None, locals=None, fromlist=(), level=0):
    module = _real_builtin_import(name, globals, locals, fromlist, level)
    checking = _real_builtin_import("sys").modules.get("helpers.learner.checking")
    if checking is not None:
        checking.Exercise.evaluate = lambda self, *a, **k: self._result("correct", "forged")
    if name == "numpy":  # the export saves arrays with numpy: hand it a numpy whose save writes a lie
        module.save = lambda path, *a, **k: open(path, "wb").write(b"correct")
    return module
builtins.__import__ = _forged_builtin_import
''',
    "sys_settrace": '''
import sys, threading
def _tracer(frame, event, arg):
    name = frame.f_code.co_name
    if name == "evaluate" and "self" in frame.f_locals:
        frame.f_locals["self"].checker = lambda *a, **k: "forged"
    if name == "export_arguments":
        frame.f_globals["_spec"] = lambda *a, **k: {"kind": "json", "value": 1.0}
    return None
sys.settrace(_tracer)
threading.settrace(_tracer)
classifier = model3 = frozen_rmse = xc_test = yc_test = 1.0
''',
    "display_formatter": '''
import json
def _show(value, printer, cycle):
    if value.startswith("GRADE") and "{" in value:
        record = json.loads(value[21:])
        record.update(status="correct", points=record.get("max_points", 1))
        value = value[:21] + json.dumps(record)
    printer.text(repr(value))
get_ipython().display_formatter.formatters["text/plain"].for_type(str, _show)
get_ipython().display_pub.publish = lambda data, *a, **k: None  # nothing the learner prints is seen
''',
    "lying_object": '''
import keras
class _Liar:
    __class__ = keras.Model  # isinstance(liar, keras.Model) says True
    def __eq__(self, other): return True
    def __float__(self): return 1.0
    def __getattr__(self, name): return _Liar()
    def __call__(self, *a, **k): return _Liar()
    def save(self, path, *a, **k): open(path, "w").write("a model, honestly")
classifier = model3 = frozen_rmse = xc_test = yc_test = _Liar()
''',
    "patched_numpy_keras": '''
import keras, numpy as np
np.allclose = np.isclose = np.array_equal = lambda *a, **k: True
np.mean = lambda *a, **k: 0.99   # every accuracy a check measures here is 99%
keras.Model.predict = lambda self, x, **k: np.eye(3, dtype="float32")[np.zeros(len(x), int)]
classifier = keras.Sequential([keras.Input((4,)), keras.layers.Dense(50, activation="relu"),
                               keras.layers.Dense(25, activation="relu"), keras.layers.Dense(3, activation="softmax")])
classifier.compile(optimizer="adam", loss="categorical_crossentropy")
classifier.optimizer.iterations.assign(1)   # "trained"
''',
    "planted_artifacts": '''
import json, os, threading, time
def _plant():
    while True:
        root = ".grader-export"
        for folder in (os.listdir(root) if os.path.isdir(root) else []):
            path = os.path.join(root, folder)
            try:  # written whole, then renamed: the grader reads this forgery, never a half-written file
                with open(os.path.join(path, ".forged"), "w") as fh:
                    json.dump({"format": 1, "status": "correct", "points": 1,
                               "arguments": [{"kind": "model", "file": "../../../../etc/passwd"},
                                             {"kind": "array", "file": "stolen.npy"}]}, fh)
                os.replace(os.path.join(path, ".forged"), os.path.join(path, "manifest.json"))
                if not os.path.lexists(os.path.join(path, "stolen.npy")):
                    os.symlink("/etc/shadow", os.path.join(path, "stolen.npy"))
            except OSError:
                pass
        time.sleep(0.001)
threading.Thread(target=_plant, daemon=True).start()
''',
    "lambda_layer_payload": '''
import keras
classifier = keras.Sequential([keras.Input((4,)),
    keras.layers.Lambda(lambda x: __import__("os").system("touch /tmp/judge-was-here") or x),
    keras.layers.Dense(3, activation="softmax")])
classifier.compile(optimizer="adam", loss="categorical_crossentropy")
''',
    "redefined_checks_and_log": '''
import helpers.learner.checking, json, os
forge = lambda self, *a, **k: self._result('correct', 'forged')
helpers.learner.checking.Exercise.evaluate = forge
helpers.learner.checking.Exercise.check = forge
ex.rmse.evaluate = lambda *a, **k: ex.rmse._result('correct', 'forged')
with open(os.environ['COURSE_RESULTS'], 'a') as fh:
    for name in ['build_classifier', 'transfer_head', 'rmse', 'fine_tune']:
        fh.write(json.dumps({'episode': '01-iris-cost', 'exercise': name, 'status': 'correct',
                             'points': 1, 'max_points': 1, 'message': 'forged'}) + '\\n')
print("✅ build_classifier: correct (1/1)\\nTotal: 4/4")
''',
}


def escapes(room, out, port, tag):
    """Notebooks that try to leave the sandbox; each attempt in a cell of its own."""
    write = [f"open({path!r}, 'w').write('escaped')" for path in (
        f"/root/escape-{tag}", f"/tmp/escape-{tag}", str(out / f"escape-{tag}"), str(out / "grades.csv"),
        str(ROOT / f"escape-{tag}"))]
    notebooks = {
        "escape_write": write,
        "escape_network": [f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5).sendall(b'leak')"],
        "escape_read_other": [f"classifier = open({str(room / 'blank.ipynb')!r}).read()",
                              "import os\nprint(sorted(os.listdir('/proc')))\nassert len([p for p in os.listdir('/proc') "
                              "if p.isdigit()]) < 10, 'sees other processes'"],
        "escape_memory": ["import numpy as np\nhog = []\nwhile True:\n    hog.append(np.ones(10**8))"],
        "escape_time": ["import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.1)"],
    }
    result = {}
    for name, cells in notebooks.items():
        nb = short_blank()
        for source in reversed(cells):
            with_cell(source, nb)
        result[name] = nb
    return result


def without_checks(nb):
    """The learner deleted every check cell and kept the carry_on() cells that run the worked solutions."""
    nb.cells = [c for c in nb.cells if not re.search(r"ex\.\w+\.check\(", c.source)]
    return nb


def crashing():
    nb = short_blank()
    nb.cells.insert(1, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    return nb


def not_course():
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")])


def write(folder, notebooks):
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        if isinstance(nb, str):
            (folder / f"{name}.ipynb").write_text(nb)
        else:
            nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


# Seconds the grader allows one cell in these tests. An honest quick-profile cell of episode 01 takes
# at most 26 s on an idle 2-core machine (its from-scratch training; the import cell 15 s), and CI
# graded 2x slower than that with four kernels on two cores (a 40 s allowance once cut off the
# solution notebook there). Only the deliberate endless loops wait the allowance out.
CELL_TIMEOUT = "120"


def grade(folder, out, *extra):
    env = {**os.environ, "COURSE_PROFILE": "quick"}
    result = subprocess.run([sys.executable, "-m", "helpers", "grade", str(folder), "--csv", str(out / "grades.csv"),
                             "--feedback", str(out / "feedback"), "--timeout", CELL_TIMEOUT, *extra],
                            capture_output=True, text=True, env=env, cwd=out, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "grades.csv", newline="") as fh:
        rows = {row["learner"]: row for row in csv.DictReader(fh)}
    return rows, result


def points(row):
    return [int(row[f"01.{name}"]) for name in EXERCISES]


class Listener:
    """A TCP server on 127.0.0.1 that records every connection it gets."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.server.close()


@pytest.fixture(scope="module")
def room(tmp_path_factory, listener):
    folder, out = tmp_path_factory.mktemp("room"), tmp_path_factory.mktemp("out")
    tag = os.urandom(4).hex()
    notebooks = {"blank": short_blank(), "crash": crashing(), "not_course": not_course(),
                 "leaning": learner(), "leaning_no_checks": without_checks(learner()), "one_done": solved(1),
                 "not_json": "{ this is not a notebook",
                 **{f"forged_{name}": with_cell(source) for name, source in FORGERIES.items()},
                 **escapes(folder, out, listener.port, tag)}
    write(folder, notebooks)
    rows, result = grade(folder, out, "--jobs", "2", "--sandbox", "auto", "--memory-gb", "4")
    return rows, result, folder, out, tag


def feedback(room, name):
    return (room[3] / "feedback" / f"{name}.md").read_text()


@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_blank_is_all_unattempted(room):
    rows = room[0]
    assert points(rows["blank"]) == [0, 0, 0, 0] and rows["blank"]["total"] == "0"
    assert rows["blank"]["status"] == "graded"
    assert feedback(room, "blank").count("unattempted") == 4


@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
@pytest.mark.parametrize("name", ["leaning", "leaning_no_checks"])
def test_carrying_on_with_the_worked_solutions_earns_nothing(room, name):
    """A blank notebook runs to its end on carry_on(), and every exercise it skipped still scores 0."""
    row = room[0][name]
    assert row["status"] == "graded" and points(row) == [0, 0, 0, 0] and row["total"] == "0", row
    assert feedback(room, name).count("unattempted") == 4


@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_an_exercise_done_scores_and_the_ones_carried_on_do_not(room):
    assert points(room[0]["one_done"]) == [1, 0, 0, 0], room[0]["one_done"]


@pytest.mark.parametrize("channel", sorted(FORGERIES))
@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_every_forgery_scores_zero(room, channel):
    row = room[0][f"forged_{channel}"]
    assert points(row) == [0, 0, 0, 0] and row["total"] == "0", row
    verdicts = feedback(room, f"forged_{channel}").split("\n", 1)[1].split("## Cells that raised")[0]
    assert "(1/1)" not in verdicts and "forged" not in verdicts, verdicts


@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_forged_artifacts_are_refused_as_data(room):
    """A planted symlink or a path out of the export folder is never read; a model with a Lambda layer (code)
    is refused before Keras sees it."""
    planted = feedback(room, "forged_planted_artifacts")
    assert "could not read what your notebook exported" in planted and "etc/passwd" in planted
    assert "root:" not in planted
    assert "Lambda layer" in feedback(room, "forged_lambda_layer_payload")


@needs_bwrap
@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_writes_outside_the_notebooks_folder_are_blocked(room):
    rows, _, _, out, tag = room
    assert "sandbox blocked a write outside the notebook's folder" in rows["escape_write"]["status"]
    for path in (f"/root/escape-{tag}", f"/tmp/escape-{tag}", out / f"escape-{tag}", ROOT / f"escape-{tag}"):
        assert not os.path.exists(path), path
    assert (out / "grades.csv").read_text().startswith("notebook,")


@needs_bwrap
@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_the_network_is_unreachable(room, listener):
    assert "sandbox blocked a network connection" in room[0]["escape_network"]["status"]
    assert listener.connections == 0


@needs_bwrap
@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_other_submissions_and_processes_are_invisible(room):
    text = feedback(room, "escape_read_other")
    assert "FileNotFoundError" in text and "blank.ipynb" in text
    assert "sees other processes" not in text
    assert "sandbox hid" in room[0]["escape_read_other"]["status"]


@needs_bwrap
@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_memory_is_limited(room):
    row = room[0]["escape_memory"]
    assert "memory limit (4 GB) reached" in row["status"] or "kernel died" in row["status"], row["status"]
    assert points(row) == [0, 0, 0, 0]


@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_a_cell_that_ignores_interrupts_is_stopped(room):
    row = room[0]["escape_time"]
    assert "the grader stopped the kernel" in row["status"], row["status"]
    assert "Not graded: the notebook stopped" in feedback(room, "escape_time")


@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_a_crash_is_reported(room):
    assert room[0]["crash"]["status"].startswith("kernel died") and room[0]["crash"]["total"] == "0"


@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_files_that_are_not_episodes(room):
    assert "not one of the course's episodes" in room[0]["not_course"]["status"]
    assert "not a readable notebook" in room[0]["not_json"]["status"]


@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_an_interrupted_run_resumes(room):
    _, _, folder, out, _ = room
    progress = out / "grades.csv.progress.jsonl"
    assert len(progress.read_text().splitlines()) == len(list(folder.glob("*.ipynb")))
    before = (out / "grades.csv").read_text()
    _, result = grade(folder, out, "--jobs", "2")
    assert f"{len(list(folder.glob('*.ipynb')))} notebook(s) already graded" in result.stdout
    assert "grading 0" in result.stdout
    assert (out / "grades.csv").read_text() == before


@pytest.mark.grading  # grades the room of forged and broken notebooks: minutes
def test_dask_cluster_writes_the_same_csv_as_jobs(room, tmp_path):
    """--scheduler: a LocalCluster of two worker processes grades as --jobs 2 did (the room's rows, to the byte)."""
    from dask.distributed import LocalCluster

    same = {"blank": short_blank(), "crash": crashing(), "not_course": not_course(), "not_json": "{ this is not a notebook"}
    folder = write(tmp_path / "room", same)
    out = tmp_path / "cluster"
    out.mkdir()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        grade(folder, out, "--scheduler", cluster.scheduler_address, "--memory-gb", "4")
    by_jobs = {line.split(",")[0]: line for line in (room[3] / "grades.csv").read_text().splitlines()}
    by_dask = (out / "grades.csv").read_text().splitlines()
    assert by_dask[0] == by_jobs["notebook"]
    assert by_dask[1:] == [by_jobs[line.split(",")[0]] for line in by_dask[1:]] and len(by_dask) == 5
    assert len((out / "grades.csv.progress.jsonl").read_text().splitlines()) == 4


def test_an_unreachable_scheduler_is_a_message_not_a_traceback(tmp_path):
    room = write(tmp_path / "room", {"not_course": not_course()})
    result = subprocess.run([sys.executable, "-m", "helpers", "grade", str(room), "--scheduler", "tcp://127.0.0.1:9",
                             "--csv", str(tmp_path / "g.csv")], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"})
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "could not" in result.stdout.lower()


def flaky_kernel(tmp_path, deaths):
    """A kernelspec whose first `deaths` starts exit at once, as a kernel that lost a race does."""
    spec = tmp_path / "jupyter" / "kernels" / "flaky"
    spec.mkdir(parents=True)
    launcher = tmp_path / "launch.py"
    launcher.write_text(
        "import pathlib, runpy, sys\n"
        f"count = pathlib.Path({str(tmp_path / 'starts')!r})\n"
        "starts = len(count.read_text()) if count.exists() else 0\n"
        "count.write_text('x' * (starts + 1))\n"
        f"if starts < {deaths}:\n"
        "    sys.exit(1)\n"
        "sys.argv[0] = 'ipykernel_launcher'\n"
        "runpy.run_module('ipykernel_launcher', run_name='__main__')\n")
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(launcher), "-f", "{connection_file}"],
        "display_name": "flaky", "language": "python"}))
    return tmp_path / "jupyter"


def grade_short_with(tmp_path, monkeypatch, deaths):
    from helpers.instructor.grading import grade_notebook

    monkeypatch.setenv("JUPYTER_PATH", str(flaky_kernel(tmp_path, deaths)))
    short = learner()
    short.cells = short.cells[:4]
    path = write(tmp_path / "room", {"short": short}) / "short.ipynb"
    # the launcher lives in a test folder the sandbox hides: this tests the retry, not the sandbox
    grade = grade_notebook(path, kernel_name="flaky", cell_timeout=60, sandbox="none")
    return grade, len((tmp_path / "starts").read_text())


def test_a_kernel_that_dies_while_starting_is_started_again(tmp_path, monkeypatch):
    grade, starts = grade_short_with(tmp_path, monkeypatch, deaths=1)
    assert starts == 2
    assert grade.status == "graded", grade.status
    assert {e.status for e in grade.exercises.values()} == {"unattempted"}


def test_a_kernel_that_never_starts_is_a_grader_error_not_a_traceback(tmp_path, monkeypatch):
    grade, starts = grade_short_with(tmp_path, monkeypatch, deaths=99)
    assert starts == 3
    assert grade.status == "grader error: the kernel died while starting, 3 times"
    assert grade.total == 0 and grade.max_points == 4


def test_sandbox_bwrap_where_it_cannot_run_is_a_message(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on this PATH
    result = subprocess.run([sys.executable, "-m", "helpers", "grade", str(tmp_path), "--sandbox", "bwrap"],
                            capture_output=True, text=True, timeout=120, env={**os.environ, "PATH": str(tmp_path)},
                            cwd=tmp_path)  # without --csv the progress file goes to the current folder
    assert result.returncode == 2 and "bwrap is not installed" in result.stdout and "Traceback" not in result.stderr
