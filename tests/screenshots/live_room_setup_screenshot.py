"""The README's picture of a room before the workshop: ``python tests/screenshots/live_room_setup_screenshot.py [OUT.png]``.

Starts ``room serve`` on a fresh database, posts the set-up checks of a room of 30 (22 ready, 5 not
ready with the problems the check really reports, 3 who never ran it and joined from a notebook),
then the first exercises of episode 01 (as ``live_room_screenshot.py`` does), opens the instructor
URL in Chromium at projector size (1920×1080) and saves a screenshot, by default to
``docs/room-setup.png``. ``test_live_room_setup.py`` runs the same function.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.screenshots.live_room_screenshot import main  # noqa: E402
from tests.support.live_room_support import ROOT, RoomServer, simulate_room, simulate_setups  # noqa: E402

DEFAULT = ROOT / "docs" / "room-setup.png"


def screenshot(browser, out: Path, learners: int = 30) -> dict:
    """Simulate the set-up checks of ``learners`` in a fresh room and save the instructor page."""
    with tempfile.TemporaryDirectory() as folder, RoomServer(Path(folder) / "room.sqlite") as server:
        ids = simulate_setups(server, learners)
        simulate_room(server, learners, ids=ids)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        try:
            page.goto(server.instructor_url)
            page.wait_for_selector(f"#grid tbody tr:nth-child({learners})")
            page.wait_for_selector("#live.on")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            return page.evaluate("""() => ({
                rows: document.querySelectorAll('#grid tbody tr').length,
                ready: document.getElementById('ready').textContent,
                notReady: document.querySelectorAll('td.setup.not-ready').length,
                never: document.querySelectorAll('td.setup.none').length,
                pageScrolls: document.documentElement.scrollHeight > window.innerHeight,
            })""")
        finally:
            page.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT, screenshot)
