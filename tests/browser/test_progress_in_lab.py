"""A long cell's progress, as a learner sees it: JupyterLab, the full profile, episode 04 at full size.

``pytest -m full_size`` (it needs the full-size replicas, as tests/test_full_size.py does, and the
full profile's first long cell takes a while). Run All on the solution notebook; while a cell is
still running ([*]), its output must hold tqdm's bar as a widget, saying what runs, how far it is
and the time left ("features of the training images: 41%|████ | 9/22 [00:10<00:14, ...]"), and the
bar must move between two looks. The screenshot of that cell is the closing note's picture.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.test_full_size import full_size_replicas  # noqa: F401  (the fixture)

from .conftest import running_lab
from .test_jupyterlab import STDERR, menu, open_notebook

pytestmark = pytest.mark.full_size
EPISODE = "04-dollar-street"
BAR = ".widget-hprogress"
# "N/M [elapsed<left" as tqdm writes it: how far, how long so far, the estimate of the time left
COUNTS = re.compile(r"(\d+)/(\d+) \[(\d\d:)?\d\d:\d\d<(\d\d:)?\d\d:\d\d")


def running_bar(page):
    """(cell, the bar's text) of a cell still running whose output holds a progress widget, else None."""
    cells = page.locator(".jp-Notebook .jp-CodeCell", has=page.locator(BAR))
    for i in range(cells.count()):
        cell = cells.nth(i)
        if "*" in cell.locator(".jp-InputPrompt").inner_text():
            text = cell.locator(".jp-OutputArea .widget-hbox").last.inner_text()
            return cell, " ".join(text.split())
    return None


def test_a_long_cell_shows_a_moving_bar_with_the_time_left(browser, full_size_replicas, tmp_path,
                                                            screenshots):
    with running_lab(tmp_path, COURSE_PROFILE="full", COURSE_REPLICAS=str(full_size_replicas)) as lab:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        try:
            open_notebook(page, lab, f"solutions/{EPISODE}.ipynb")
            menu(page, "Run", "Run All Cells")
            deadline, seen = time.monotonic() + 900, None
            while time.monotonic() < deadline and not (seen and COUNTS.search(seen[1])):
                seen = running_bar(page)
                time.sleep(1)
            assert seen and COUNTS.search(seen[1]), f"no running cell showed a bar with counts: {seen}"
            cell, first = seen
            cell.scroll_into_view_if_needed()
            time.sleep(4)
            later = " ".join(cell.locator(".jp-OutputArea .widget-hbox").last.inner_text().split())
            shot = screenshots / f"lab-{EPISODE}-full-profile-progress.png"
            cell.screenshot(path=str(shot))
            print("progress bar:", first, "->", later, "; screenshot:", shot)
            assert later != first, (first, later)  # it moves: the count, the time, or the next bar
            assert not page.locator(STDERR).count(), page.locator(STDERR).all_inner_texts()
        finally:
            context.close()
            lab.shut_down_kernels()
