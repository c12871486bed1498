"""Chromium for the tests that drive a page (JupyterLab, the site, the live room), and a free port.

Playwright's own browser download is not reachable from CI, so the tests launch the system's
Chromium (``apt install chromium``; ``$CHROMIUM`` names another) with ``executable_path``. A test
module (or conftest) that wants the ``browser`` fixture imports it from here.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest


NO_CHROMIUM = "No Chromium: install Debian's (`apt-get install chromium`) or set CHROMIUM to its path."


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def chromium_path() -> str:
    """Chromium's path, or the test fails saying how to install it."""
    return find_chromium() or pytest.fail(NO_CHROMIUM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Not per session: Playwright's sync API holds an event loop while it is
    open, and a later module's ``asyncio.run`` (the live room's load test) cannot start beside it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
        chromium = pw.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield chromium
        chromium.close()
