"""Each episode's title and timings, read from its master's header: the one place they are written.

A master's first Markdown cell says, under its title, how long the episode takes in a workshop::

    # # Episode 02 — Blobs: does transfer help, and how sure are we?
    #
    # **Teaching:** 35 min · **Exercises:** 45 min · **Optional statistics:** 25 min

The two-day schedule (``schedule.py``) and the README's episode table (``episode_table.py``) are
built from these numbers at ``python -m helpers build`` time, so an author who changes the header
changes both, and ``build --check`` fails until they are written again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jupytext

from helpers.author.errors import BuildError

_MINUTES = re.compile(r"\*\*(?P<label>[^*:]+):\*\*\s*(?P<minutes>\d+)\s*min")


@dataclass(frozen=True)
class Timing:
    episode: str  # "02-blobs", the master's stem
    title: str  # "Episode 02 — Blobs: does transfer help, and how sure are we?"
    teaching: int  # minutes
    exercises: int
    optional: tuple[tuple[str, int], ...] = ()  # ("Optional statistics", 25), in the header's order

    @property
    def short_title(self) -> str:
        """The title without its "Episode NN — " prefix."""
        return re.sub(r"^Episode \d+\s*[—-]\s*", "", self.title)

    @property
    def minutes(self) -> int:
        return self.teaching + self.exercises + sum(m for _, m in self.optional)


def timing(master_path: Path) -> Timing:
    """The title and the minutes the master's first Markdown cell states (an error naming the master when absent)."""
    cells = jupytext.read(master_path).cells
    header = next((c.source for c in cells if c.cell_type == "markdown"), "")
    title = next((line[2:].strip() for line in header.splitlines() if line.startswith("# ")), None)
    found = {m["label"].strip(): int(m["minutes"]) for m in _MINUTES.finditer(header)}
    if title is None or "Teaching" not in found or "Exercises" not in found:
        raise BuildError(f"{master_path.name}: its first Markdown cell needs a '# ' title and a line such as "
                         "'**Teaching:** 40 min · **Exercises:** 25 min' (the schedule and the README read them)")
    optional = tuple((label, minutes) for label, minutes in found.items() if label not in ("Teaching", "Exercises"))
    return Timing(master_path.stem, title, found["Teaching"], found["Exercises"], optional)
