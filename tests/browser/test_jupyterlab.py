"""The course as a learner meets it: JupyterLab in Chromium, clicking and typing, quick profile.

Per episode: the learner's notebook (set-up cells and one exercise's check cell, which must show
the ✏️ "unattempted" card; ``hint()`` and ``solution()`` rendered as Markdown and code), the
solution notebook (Run All: no error, no stderr box, every check card ✅, every figure an image)
and the paired ``.py`` opened as a notebook through jupytext's extension (the same cells).
"""

from __future__ import annotations

import re
import time

import jupytext
import nbformat
import pytest

from .conftest import ROOT

pytestmark = pytest.mark.browser

EPISODES = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb"))
CARD = re.compile(r"^(✅|❌|✏️|⚠️) (\S+): (correct|incorrect|unattempted|error) \(")
CHECK_CALL = re.compile(r"(ex\.\w+)\.(check|assert_passed)\(")
MARKDOWN = '.jp-OutputArea-output[data-mime-type="text/markdown"]'
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


@pytest.fixture
def page(browser, lab):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()
    lab.shut_down_kernels()


def open_notebook(page, lab, path: str) -> None:
    page.goto(lab.tree(path))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    # The kernel connected and idle, as the status bar says ("Python 3 (ipykernel) | Idle"): a cell
    # run earlier, while it still says Initializing or Connecting, can be lost.
    page.locator("#jp-main-statusbar", has_text="| Idle").wait_for(timeout=120_000)
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000)
    page.wait_for_timeout(1000)


def cards(page) -> list[str]:
    """The check cards on the page, as their headline texts ("✅ build_classifier: correct (1/1)")."""
    texts = page.locator(".jp-OutputArea-output b").all_inner_texts()
    return [t.strip() for t in texts if CARD.match(t.strip())]


def wait_until_run(page, cell, timeout: float) -> None:
    """Until ``cell`` (a locator) shows an execution count and the kernel is idle.

    Fails early, with the notebook's error output, when nothing is queued any more but the cell did
    not run (a cell above it failed and JupyterLab dropped the rest of the queue).
    """
    deadline, stalled = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        prompt = cell.locator(".jp-InputPrompt").inner_text().strip()
        idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').count() > 0
        if re.fullmatch(r"\[\d+\]:", prompt) and idle:
            return
        queued = any("*" in p for p in page.locator(".jp-InputPrompt").all_inner_texts())
        stalled = stalled + 1 if idle and not queued else 0
        if stalled >= 5:
            break
        time.sleep(1)
    errors = [t[-1500:] for t in page.locator(STDERR).all_inner_texts() if "Error" in t]
    raise AssertionError(f"cell not run (prompt {prompt!r}); error outputs: {errors}")


def menu(page, name: str, item: str) -> None:
    """Click ``item`` in the menu bar's ``name`` menu, as a learner does."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{name}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def run_all(page, timeout: float) -> None:
    """Run > Run All Cells, then wait until no cell is queued or running and the kernel is idle."""
    menu(page, "Run", "Run All Cells")
    page.wait_for_timeout(2000)
    deadline, quiet_polls = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
        busy = any("*" in p for p in prompts)
        idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').count() > 0
        quiet_polls = quiet_polls + 1 if idle and not busy else 0
        if quiet_polls >= 3:
            return
        time.sleep(2)
    raise AssertionError(f"Run All still running after {timeout:.0f} s")


@pytest.mark.parametrize("episode", EPISODES)
def test_learner_notebook_check_hint_and_solution(page, lab, screenshots, episode):
    nb = nbformat.read(ROOT / "episodes" / f"{episode}.ipynb", as_version=4)
    index, exercise = next((i, CHECK_CALL.search(c.source).group(1)) for i, c in enumerate(nb.cells)
                           if c.cell_type == "code" and CHECK_CALL.search(c.source))
    open_notebook(page, lab, f"episodes/{episode}.ipynb")
    cells = page.locator(".jp-Notebook .jp-Cell")
    check = cells.nth(index)
    check.locator(".jp-InputPrompt").click()  # selects the check cell
    menu(page, "Run", "Run All Above Selected Cell")  # the set-up cells
    menu(page, "Run", "Run Selected Cell")  # then the first exercise's check cell
    wait_until_run(page, check, timeout=300)
    headline = [t for t in check.locator(".jp-OutputArea-output b").all_inner_texts() if CARD.match(t.strip())]
    assert len(headline) == 1 and headline[0].startswith("✏️") and "unattempted" in headline[0], (
        f"{episode}: the first check cell shows {headline or check.inner_text()[:500]!r}")

    for offset, call in ((1, "hint"), (2, "solution")):  # new cells right under the check cell
        page.keyboard.press("Escape")
        page.keyboard.press("a")
        page.keyboard.press("Enter")
        page.keyboard.insert_text(f"{exercise}.{call}()")
        page.keyboard.press("Shift+Enter")
        wait_until_run(page, cells.nth(index + offset), timeout=60)
    hint = cells.nth(index + 1).locator(MARKDOWN)
    solution = cells.nth(index + 2).locator(MARKDOWN)
    assert hint.count() == 1 and re.search(r"Hint 1 of \d+", hint.inner_text()), (
        f"{episode}: {exercise}.hint() shows {cells.nth(index + 1).inner_text()[:500]!r}")
    assert solution.count() == 1 and solution.locator("pre").count() >= 1, (
        f"{episode}: {exercise}.solution() shows {cells.nth(index + 2).inner_text()[:500]!r}")
    assert "A solution to" in solution.inner_text() and solution.locator("pre").inner_text().strip()
    assert page.locator(STDERR).count() == 0, page.locator(STDERR).all_inner_texts()

    check.scroll_into_view_if_needed()
    shot = screenshots / f"lab-{episode}-learner.png"
    page.screenshot(path=shot)
    print(f"screenshot: {shot}")


@pytest.mark.parametrize("episode", EPISODES)
def test_solution_notebook_runs_all_cleanly(page, lab, screenshots, episode):
    nb = nbformat.read(ROOT / "solutions" / f"{episode}.ipynb", as_version=4)
    expected_cards = sum(len(CHECK_CALL.findall(c.source)) for c in nb.cells if c.cell_type == "code")
    open_notebook(page, lab, f"solutions/{episode}.ipynb")
    started = time.monotonic()
    run_all(page, timeout=900)
    print(f"{episode}: Run All took {time.monotonic() - started:.0f} s in JupyterLab")

    problems = []
    prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
    unrun = [i for i, p in enumerate(prompts) if not re.fullmatch(r"\[\d+\]:", p.strip())]
    if unrun:
        problems.append(f"code cells not run (Run All stopped?): {unrun}")
    stderr = page.locator(STDERR).all_inner_texts()
    if stderr:
        problems.append("error or stderr output:\n" + "\n---\n".join(t[:1500] for t in stderr))
    shown = cards(page)
    if len(shown) != expected_cards or not all(c.startswith("✅") for c in shown):
        problems.append(f"{expected_cards} check cards expected, all ✅; shown: {shown}")
    images = page.locator('.jp-OutputArea-output[data-mime-type="image/png"] img')
    loaded = images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
    if not loaded or not all(loaded):
        problems.append(f"figures as images: {loaded} (each must load; at least one)")
    text_figures = [t for t in page.locator(".jp-OutputArea-output").all_inner_texts() if t.startswith("<Figure size")]
    if text_figures:
        problems.append(f"figures shown as text, not images: {text_figures}")

    if loaded:
        images.first.scroll_into_view_if_needed()
    shot = screenshots / f"lab-{episode}-solution.png"
    page.screenshot(path=shot)
    print(f"screenshot: {shot} ({len(loaded)} figures, {len(shown)} check cards)")
    assert not problems, f"{episode} after Run All:\n" + "\n".join(problems)


@pytest.mark.parametrize("episode", EPISODES)
def test_paired_py_opens_as_the_same_notebook(page, lab, screenshots, episode):
    expected = jupytext.read(ROOT / "episodes" / f"{episode}.py")
    page.goto(lab.tree("episodes"))
    item = page.locator(".jp-DirListing-item", has_text=f"{episode}.py")
    item.click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Open With$")).hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Jupytext Notebook$")).click()
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_timeout(1000)
    cells = page.locator(".jp-Notebook .jp-Cell")
    kinds = cells.evaluate_all("cs => cs.map(c => c.classList.contains('jp-CodeCell') ? 'code' : "
                               "c.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw')")
    assert kinds == [c.cell_type for c in expected.cells], f"{episode}.py: cell kinds differ"
    first_lines = cells.locator(".jp-InputArea-editor .cm-line").evaluate_all("ls => ls.map(l => l.textContent)")
    shown = "\n".join(first_lines)
    for cell in expected.cells:
        if cell.cell_type == "code" and cell.source.strip():
            assert cell.source.strip().splitlines()[0] in shown, f"{episode}.py: missing code {cell.source[:80]!r}"
    shot = screenshots / f"lab-{episode}-py-as-notebook.png"
    page.screenshot(path=shot)
    print(f"screenshot: {shot}")
