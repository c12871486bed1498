"""Pictures of the Colab and Binder links: ``python tests/screenshots/publishing_screenshot.py [OUT_DIR]``.

The repository keeps ``[tool.course] repository`` blank (tests/author/test_publishing.py), so no committed
notebook carries a link. This script clones the checkout's HEAD into a temporary folder, names an
example repository there, runs ``python -m helpers build`` and ``python -m helpers site --profile
quick`` in the clone, then saves with Debian's Chromium (default OUT_DIR: tests/browser/_screenshots):

- ``links-lab-NN.png``: an episode's first cells in JupyterLab (the title with both links, then
  Colab's set-up cell, which does nothing outside Colab: its output is empty);
- ``links-site-NN.png``: the same episode's page on the site (the note with both links).

It prints each link it finds and exits non-zero when a picture lacks one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.browser.conftest import ROOT, SCREENSHOTS, chromium_path, running_lab  # noqa: E402
from tests.browser.test_jupyterlab import open_notebook  # noqa: E402

REPO, BRANCH, EPISODE = "https://github.com/example-org/transfer-learning-course", "main", "03-mnist"


def _published_clone(folder: Path) -> Path:
    clone = folder / "course"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    pyproject = clone / "pyproject.toml"
    text = pyproject.read_text()
    assert 'repository = ""' in text
    pyproject.write_text(text.replace('repository = ""', f'repository = "{REPO}"', 1))
    env = {"PYTHONPATH": str(clone)}
    for command in (["build"], ["site", "--profile", "quick"]):
        subprocess.run([sys.executable, "-m", "helpers", *command], cwd=clone, check=True,
                       env={**os.environ, **env})
    return clone


def main(out: Path) -> int:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    missing = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as pw:
        clone = _published_clone(Path(folder))
        browser = pw.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        with running_lab(Path(folder) / "lab", source=clone, COURSE_PROFILE="quick") as lab:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            open_notebook(page, lab, f"episodes/{EPISODE}.ipynb")
            links = page.locator(".jp-Notebook .jp-MarkdownCell").first.locator("a")
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            print("JupyterLab, first cell:", hrefs)
            first_two = page.locator(".jp-Notebook .jp-Cell")
            first_two.nth(0).scroll_into_view_if_needed()
            box0, box1 = first_two.nth(0).bounding_box(), first_two.nth(1).bounding_box()
            page.screenshot(path=str(out / f"links-lab-{EPISODE[:2]}.png"),
                            clip={"x": 0, "y": max(0, box0["y"] - 60), "width": 1400,
                                  "height": box1["y"] + box1["height"] - box0["y"] + 80})
            missing += [w for w in ("colab.research.google.com", "mybinder.org") if not any(w in (h or "") for h in hrefs)]
            lab.shut_down_kernels()
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto((clone / "_build" / "site" / "episodes" / f"{EPISODE}.html").as_uri())
        note = page.locator(".admonition.note").first
        links = note.locator("a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        print("site page, note:", hrefs)
        page.screenshot(path=str(out / f"links-site-{EPISODE[:2]}.png"))
        missing += [f"site: {w}" for w in ("colab.research.google.com", "mybinder.org")
                    if not any(w in (h or "") for h in hrefs)]
        browser.close()
    print("screenshots in", out, "; missing:", missing or "none")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else SCREENSHOTS))
