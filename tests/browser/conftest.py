"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, and a private JupyterLab.

Playwright's own browser download is not reachable from CI, so the tests launch the system's
Chromium (``apt install chromium``; ``$CHROMIUM`` names another) with ``executable_path``.
JupyterLab runs on 127.0.0.1 with a token, a free port, its own config, runtime, settings and
workspace folders, on a *copy* of ``episodes/`` and ``solutions/`` (JupyterLab autosaves: the
generated notebooks in the repository must not gain outputs), in the environment a learner's
shell has (none of the test run's settings such as ``MPLBACKEND=Agg``), in the quick profile.

Screenshots go to ``tests/browser/_screenshots/`` (git-ignored); each test prints their paths.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from helpers.learner.paths import ROOT
from tests.support.chromium import browser, chromium_path, free_port  # noqa: F401  (browser: the fixture)

SCREENSHOTS = Path(__file__).parent / "_screenshots"
# What the test run adds to os.environ (root conftest, helpers, pytest, xdist): not a learner's.
NOT_A_LEARNERS = ("MPLBACKEND", "TF_CPP_MIN_LOG_LEVEL", "COURSE_RESULTS", "PYTEST_XDIST_WORKER",
                  "PYTEST_XDIST_TESTRUNUID", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_CURRENT_TEST")


def learner_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in NOT_A_LEARNERS}
    return {**env, **extra}


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


class Lab:
    """A running ``jupyter lab``: its base URL, token and the folder it serves."""

    def __init__(self, url: str, token: str, root: Path, log: Path):
        self.url, self.token, self.root, self.log = url, token, root, log

    def tree(self, path: str) -> str:
        """The URL that opens ``path`` in a fresh workspace (no tabs left over from another test)."""
        return f"{self.url}/lab/tree/{path}?reset&token={self.token}"

    def shut_down_kernels(self) -> None:
        """End every session's kernel (each holds a TensorFlow's memory) through the REST API."""
        headers = {"Authorization": f"token {self.token}"}
        with urllib.request.urlopen(urllib.request.Request(f"{self.url}/api/sessions", headers=headers)) as r:
            sessions = json.load(r)
        for session in sessions:
            request = urllib.request.Request(f"{self.url}/api/sessions/{session['id']}", method="DELETE",
                                             headers=headers)
            urllib.request.urlopen(request).close()


def _write_settings(folder: Path) -> None:
    settings = {
        # Every cell in the DOM: the tests read outputs anywhere in a notebook, not only on screen.
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        # No requests to the Internet (news, update checks): CI has none, and they are not under test.
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                           "checkForUpdates": False},
    }
    for name, value in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


@contextlib.contextmanager
def running_lab(home: Path, source: Path = ROOT, **env):
    """A ``jupyter lab`` in ``home`` on a copy of ``source``'s episodes and solutions, with ``env`` added to
    a learner's environment (``COURSE_PROFILE`` among them); stopped when the block ends."""
    course = home / "course"
    for folder in ("episodes", "solutions"):
        shutil.copytree(source / folder, course / folder)
    _write_settings(home / "settings")
    token, port = os.urandom(16).hex(), free_port()
    env = learner_env(JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                      COURSE_RESULTS=str(home / "results.jsonl"), **env)
    log = home / "jupyter-lab.log"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={course}", f"--LabApp.user_settings_dir={home / 'settings'}",
               f"--LabApp.workspaces_dir={home / 'workspaces'}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.news_url=None"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI's containers run as root
        command.append("--allow-root")
    with open(log, "w") as out:
        server = subprocess.Popen(command, env=env, cwd=course, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as reply:
                if reply.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"jupyter lab did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    try:
        yield Lab(url, token, course, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("lab"), COURSE_PROFILE="quick") as running:
        yield running
