"""The course website as a reader meets it: every page in Chromium, served over HTTP, offline.

The site is built (or brought up to date: execution is cached) with ``python -m helpers site``'s
own function, in the quick profile like the rest of the tests. Every page must load with no
console error, no failed request and no request leaving the site; every internal link and image
must resolve; axe-core's WCAG 2.1 A and AA rules must find no serious or critical violation;
each episode page must show its figures, its check cards (all ✅), its key points and instructor
notes, the link to the learner's version, no error or stderr output, and the stand-in banner
wherever the notebook used stand-in data. One screenshot per page, and the instructors' guide as a
reader's window shows it (``site-instructors-guide.png``, copied into docs/ for the README's readers).

axe-core comes from PyPI's ``axe-playwright-python``, which bundles its ``axe.min.js`` (``.ci/run``
installs it); the script is injected into each page and run there, offline.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import nbformat
import pytest

from helpers.author import guides
from helpers.author import site as course_site
from helpers.learner.data.registry import RESOURCES

from .conftest import ROOT
from .test_jupyterlab import CARD, CHECK_CALL

pytestmark = pytest.mark.browser

EPISODES = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb"))
GUIDES = [name for names in guides.pages(ROOT).values() for name in names]
PAGES = ["index", *GUIDES, "benchmarks", "changelog", *(f"episodes/{e}" for e in EPISODES)]
# axe-core's rules for WCAG 2.0 and 2.1, levels A and AA, its experimental ones included (such as
# label-content-name-mismatch, WCAG 2.5.3, which axe leaves out by default); a violation of these impacts fails a page.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")


# Where bubblewrap can hide Debian's Fashion-MNIST (CI), the site is built once, as on a Mac without it, and serves both
# this file's pages and the stand-in check below: one build where there were two, each executing the four episodes.
DEBIAN_FASHION = Path(RESOURCES["fashion_mnist"].mirrors[0])
SANDBOX = shutil.which("bwrap") is not None and DEBIAN_FASHION.is_dir()
WITHOUT_FASHION = ROOT / "_build" / "site-without-fashion"  # its own execution cache: never a build with Fashion's


def build_without_fashion_mnist(out: Path) -> Path:
    """``python -m helpers site`` in a bubblewrap sandbox whose Debian Fashion-MNIST folder is empty and whose Keras
    cache is the build's own; everything else (the checkout, its environment, /tmp) stays where it is."""
    (out / "keras").mkdir(parents=True, exist_ok=True)
    command = ["bwrap", "--dev-bind", "/", "/", "--tmpfs", str(DEBIAN_FASHION), "--setenv", "KERAS_HOME",
               str(out / "keras"), "--setenv", "COURSE_PROFILE", "quick", "--chdir", str(ROOT),
               sys.executable, "-m", "helpers", "site", "--out", str(out), "--profile", "quick"]
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    run = subprocess.run(command, capture_output=True, text=True, timeout=1800, env=env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return out / "site"


@pytest.fixture(scope="session")
def built_site():
    """The site brought up to date: without Fashion-MNIST in a sandbox where one can be made, else in ``_build/``
    (its execution cache is the developer's own).

    Its kernels start without PYTEST_CURRENT_TEST: with it, ipykernel stops forwarding what is
    written to file descriptor 2, and the pages would look quieter than a real build's.
    """
    started = time.monotonic()
    if SANDBOX:
        html = build_without_fashion_mnist(WITHOUT_FASHION)
    else:
        saved = os.environ.pop("PYTEST_CURRENT_TEST", None)
        try:
            html = course_site.build_site(course_site.DEFAULT_OUT, profile="quick").parent
        finally:
            if saved is not None:
                os.environ["PYTEST_CURRENT_TEST"] = saved
    print(f"site built (or brought up to date) in {time.monotonic() - started:.0f} s")
    return html


@pytest.mark.stand_ins
@pytest.mark.skipif(not SANDBOX, reason="needs bubblewrap and Debian's dataset-fashion-mnist to hide")
def test_site_builds_without_fashion_mnist(built_site):
    """`python -m helpers site` on a machine without Fashion-MNIST: every page executes, and 03's banner
    names the digit subset (part of ``-m stand_ins`` too)."""
    page = (built_site / "episodes" / "03-mnist.html").read_text()
    assert "standin-banner" in page and "5,000-image subset (real digits)" in page
    assert "Fashion-MNIST in its place" not in page


@pytest.fixture(scope="session")
def served(built_site):
    handler = functools.partial(QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test reports failures itself
        pass


@pytest.fixture(scope="session")
def link_status():
    """Status of each URL already fetched (pages share their navigation links)."""
    return {}


class Problems(list):
    """What went wrong on a page; ``muted`` while axe-core runs, whose own fetches are not the site's (its CSSOM
    preload resolves the theme's ``@import "../basic.css"`` against the page, not the stylesheet: /basic.css, 404)."""

    muted = False

    def add(self, text: str) -> None:
        if not self.muted:
            self.append(text)


def visit(browser, url: str):
    """Open ``url``; return the page and what went wrong while it loaded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    problems = Problems()
    origin = urlparse(url).netloc

    def route(r):
        if urlparse(r.request.url).netloc == origin or r.request.url.startswith("data:"):
            r.continue_()
        else:
            problems.append(f"request leaving the site: {r.request.url}")  # never muted
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.add(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.add(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.add(f"failed request: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.add(f"HTTP {r.status}: {r.url}"))
    page.goto(url, wait_until="networkidle")
    return context, page, problems


@pytest.mark.parametrize("name", PAGES)
def test_page(browser, served, link_status, screenshots, name):
    context, page, problems = visit(browser, f"{served}/{name}.html")
    try:
        images = page.locator("img").evaluate_all(
            "imgs => imgs.map(i => [i.currentSrc || i.src, i.complete && i.naturalWidth > 0])")
        problems += [f"image does not load: {src}" for src, ok in images if not ok]
        hrefs = page.locator("a[href]").evaluate_all("as => as.map(a => a.href)")
        for href in sorted(set(hrefs)):
            target, fragment = urldefrag(href)
            if not target.startswith(served):
                continue
            if target not in link_status:
                link_status[target] = page.request.get(target).status
            if link_status[target] != 200:
                problems.append(f"link to {target}: HTTP {link_status[target]}")
            elif fragment and target == page.url.split("#")[0] and page.locator(f"[id='{fragment}']").count() == 0:
                problems.append(f"link to #{fragment}: no such anchor on the page")
        if name.startswith("episodes/"):
            problems += episode_problems(page, name.split("/")[1], images)
        problems.muted = True
        try:
            found = accessibility_problems(page, name, screenshots)
            page.wait_for_load_state("networkidle")  # axe's own requests are answered while muted
        finally:
            problems.muted = False
        problems += found
        shot = screenshots / f"site-{name.replace('/', '-')}.png"
        page.screenshot(path=shot, full_page=True)
        print(f"screenshot: {shot}")
        if name == "instructors/workshop":
            page.screenshot(path=screenshots / "site-instructors-guide.png")  # what a reader's window shows
    finally:
        context.close()
    assert not problems, f"{name}.html:\n" + "\n".join(problems)


def axe_violations(page) -> list[dict]:
    """axe-core's violations of the WCAG 2.1 A and AA rules on the loaded page (each with its impact and nodes)."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.fail("axe-core is not installed: pip install axe-playwright-python==0.1.8 (.ci/run installs it)")
    axe = Axe()
    page.evaluate(axe.axe_script)
    experimental = page.evaluate("tags => axe.getRules(['experimental']).filter(r => r.tags.some(t => tags.includes(t)))"
                                 ".map(r => r.ruleId)", WCAG_TAGS)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"],
               "rules": {rule: {"enabled": True} for rule in experimental}}
    return axe.run(page, options=options).response["violations"]


def accessibility_problems(page, name: str, screenshots) -> list[str]:
    """A line for each serious or critical violation; every violation's count goes to axe-<page>.json."""
    violations = axe_violations(page)
    counts = {f"{v['id']} ({v['impact']})": len(v["nodes"]) for v in violations}
    (screenshots / f"axe-{name.replace('/', '-')}.json").write_text(json.dumps(counts, indent=1))
    return [f"axe-core, {v['impact']}: {v['id']} ({v['help']}) on {len(v['nodes'])} element(s), e.g. "
            f"{v['nodes'][0]['html'][:200]}" for v in violations if v["impact"] in FAILING_IMPACTS]


def episode_problems(page, episode: str, images) -> list[str]:
    nb = nbformat.read(ROOT / "solutions" / f"{episode}.ipynb", as_version=4)
    expected_cards = sum(len(CHECK_CALL.findall(c.source)) for c in nb.cells if c.cell_type == "code")
    problems = []
    figures = [src for src, ok in images if "/_images/" in src and ok]
    if not figures:
        problems.append("no figure on the page")
    cards = [t.strip() for t in page.locator(".cell_output b").all_inner_texts() if CARD.match(t.strip())]
    if len(cards) != expected_cards or not all(c.startswith("✅") for c in cards):
        problems.append(f"{expected_cards} check cards expected, all ✅; shown: {cards}")
    for kind in ("stderr", "traceback"):
        shown = page.locator(f".cell_output .output.{kind}").all_inner_texts()
        if shown:
            problems.append(f"{kind} output on the page:\n" + "\n---\n".join(t[:1000] for t in shown))
    text = page.locator("main").inner_text()
    for heading in ("Key points", "Instructor notes"):
        if heading not in text:
            problems.append(f"no {heading!r} on the page")
    download = page.locator(f"a[href$='{episode}.ipynb'][href*='_downloads']")
    if download.count() != 1:
        problems.append("no link to download the learner's version")
    elif page.request.get(download.first.evaluate("a => a.href")).status != 200:
        problems.append("the learner version's download link is broken")
    stand_in = "STAND-IN DATA" in page.locator(".cell_output").all_inner_texts().__str__()
    banner = page.locator(".standin-banner")
    if stand_in and banner.count() != 1:
        problems.append("outputs use stand-in data but the page has no stand-in banner at the top")
    if stand_in and not banner.first.is_visible():
        problems.append("the stand-in banner is not visible")
    return problems


def test_every_page_of_the_site_is_tested(built_site):
    """A page Sphinx wrote but this test does not visit would go unchecked (search and index pages aside)."""
    written = {str(p.relative_to(built_site).with_suffix("")) for p in built_site.rglob("*.html")
               if not p.relative_to(built_site).parts[0].startswith("_")}  # the theme's own templates
    assert written - {"search", "genindex"} == set(PAGES)


def test_axe_finds_what_it_must(browser, tmp_path):
    """The check can fail: a page with pale text and an unnamed button has serious violations; fixed, none."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                         '<p style="color:#00d7ff;background:#fff">pale text</p><button></button>'
                         '<button aria-label="Search">Search <kbd>Ctrl</kbd>+<kbd>K</kbd></button></main></body></html>')
        found = accessibility_problems(page, "axe-self-test", tmp_path)
        for rule in ("color-contrast", "button-name", "label-content-name-mismatch"):
            assert any(f": {rule} (" in line for line in found), (rule, found)
        page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                         '<p style="color:#005f87;background:#fff">dark text</p><button>Go</button>'
                         '<button>Search <kbd>Ctrl</kbd>+<kbd>K</kbd></button></main></body></html>')
        assert accessibility_problems(page, "axe-self-test", tmp_path) == []
    finally:
        context.close()
