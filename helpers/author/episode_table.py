"""The README's episode table (between ``<!-- episodes -->`` markers), written by ``python -m helpers build``.

Why generated: its minutes are the masters' headers (``timings.py``), its data column the loaders
each master calls (the same reading as ``build.needs``), and its Run All column the measured wall time that
``benchmarks/run.py --write`` left in ``benchmarks/README.md``. Written by hand, each would drift
from the one place it is kept; ``build --check`` fails when the table differs.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from helpers.author.errors import BuildError
from helpers.author.timings import Timing

BEGIN, END = "<!-- episodes -->", "<!-- /episodes -->"
# benchmarks/README.md's rows: "| 03-mnist | full-size | 405.3 | ..." (full-size: the full profile on replicas)
_ROW = re.compile(r"^\| (?P<episode>\d\d-[\w-]+) \| (?P<profile>full|full-size) \| (?P<seconds>[\d.]+) \|", re.M)


def run_all_minutes(benchmarks_text: str) -> dict[str, int]:
    """Each episode's measured Run All in the full profile, in whole minutes (full-size replicas where measured)."""
    seconds: dict[str, dict[str, float]] = {}
    for row in _ROW.finditer(benchmarks_text):
        seconds.setdefault(row["episode"], {})[row["profile"]] = float(row["seconds"])
    return {episode: max(1, math.ceil(by.get("full-size", by.get("full", 0)) / 60)) for episode, by in seconds.items()}


def table(timings: list[Timing], needs: dict[str, list[str]], minutes: dict[str, int]) -> str:
    rows = ["| # | episode | teaching | exercises | Run All, full profile | data it needs (full profile) |",
            "|---|---|---:|---:|---:|---|"]
    for t in timings:
        extra = "".join(f" (+{m} {label.lower()})" for label, m in t.optional)
        data = (f"`fetch {' '.join(needs[t.episode])}`" if needs[t.episode] else "none (no download)")
        run = f"{minutes[t.episode]} min" if t.episode in minutes else "not measured"
        rows.append(f"| {t.episode[:2]} | [{t.short_title}](episodes/{t.episode}.ipynb) | {t.teaching} min | "
                    f"{t.exercises} min{extra} | {run} | {data} |")
    return "\n".join(rows) + "\n"


def readme_with_table(text: str, new_table: str) -> str:
    """README.md's text with its episode table rewritten (an error when the markers are missing)."""
    pattern = re.compile(rf"{re.escape(BEGIN)}\n.*?{re.escape(END)}", re.S)
    if not pattern.search(text):
        raise BuildError(f"README.md has no {BEGIN} ... {END} section for the episode table")
    return pattern.sub(lambda _: f"{BEGIN}\n{new_table}{END}", text, 1)


def generated(root: Path, masters: list[Path], readme_text: str | None = None) -> dict[Path, str]:
    """The files written from the masters' headers: the schedule page, and README's table when README has
    the markers (``readme_text``: README as the build has it so far, else as on disk)."""
    import jupytext

    from helpers.author import schedule, timings
    from helpers.learner.data import notebook_resources

    found = [timings.timing(m) for m in masters]
    files = {root / schedule.PATH: schedule.page(found) + "\n"}
    readme = root / "README.md"
    if readme_text is None and readme.exists():
        readme_text = readme.read_text(encoding="utf-8")
    if readme_text is not None and BEGIN in readme_text:
        bench = root / "benchmarks" / "README.md"
        minutes = run_all_minutes(bench.read_text(encoding="utf-8")) if bench.exists() else {}
        new = table(found, {m.stem: notebook_resources(jupytext.read(m).cells) for m in masters}, minutes)
        files[readme] = readme_with_table(readme_text, new)
    return files
