"""The README's picture of the live room: ``python tests/screenshots/live_room_screenshot.py [OUT.png]``.

Starts ``room serve`` on a fresh database, simulates a workshop of 30 learners on episode 01 (real
posts through the join token), opens the instructor URL in Chromium at projector size (1920×1080)
and saves a screenshot, by default to ``docs/room-instructor.png``. ``test_live_room_slow.py``
runs the same function, so the picture is remade by the tests the README's claims rest on.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.live_room_support import ROOT, RoomServer, simulate_room  # noqa: E402
from tests.support.chromium import NO_CHROMIUM, find_chromium  # noqa: E402

DEFAULT = ROOT / "docs" / "room-instructor.png"


def chromium() -> str:
    """Chromium's path, or the program stops saying how to install it."""
    return find_chromium() or sys.exit(NO_CHROMIUM)


def screenshot(browser, out: Path, learners: int = 30) -> dict:
    """Simulate ``learners`` in a fresh room and save the instructor page; returns what the page measured."""
    with tempfile.TemporaryDirectory() as folder, RoomServer(Path(folder) / "room.sqlite") as server:
        simulate_room(server, learners, pause=1.5)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        try:
            page.goto(server.instructor_url)
            page.wait_for_selector(f"#grid tbody tr:nth-child({learners})")
            page.wait_for_selector("#live.on")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            return page.evaluate("""() => ({
                rows: document.querySelectorAll('#grid tbody tr').length,
                pageScrolls: document.documentElement.scrollHeight > window.innerHeight,
                gridScrolls: document.getElementById('grid-wrap').scrollHeight > document.getElementById('grid-wrap').clientHeight,
            })""")
        finally:
            page.close()


def main(out: Path = DEFAULT, screenshot=screenshot) -> None:
    """Save ``screenshot``'s picture of the page to ``out`` in a Chromium of its own; print what it measured."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            measured = screenshot(browser, out)
        finally:
            browser.close()
    print(f"{out}: {measured}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
