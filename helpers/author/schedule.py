"""The two-day workshop schedule (``docs/instructors/schedule.md``), derived from the masters' timings.

Why generated: the minutes live in each master's header (``timings.py``), and authors change them
when they change an episode. A schedule copied by hand would drift; this one is written by
``python -m helpers build`` and compared by ``build --check``, like the notebooks.

How: four half-days (09:00 and 13:30 on each of two days). The episodes, in order and never split,
are shared out so that the longest half-day is as short as possible (a small dynamic programme);
the first half-day opens with the set-up check and the last closes with a wrap-up. Within a
half-day the teaching and exercise blocks follow each other, with a 15-minute break wherever the
next block would take the room past 90 minutes without one.
"""

from __future__ import annotations

from functools import lru_cache

from helpers.author.timings import Timing

HALF_DAYS = (("Day 1, morning", 9 * 60), ("Day 1, afternoon", 13 * 60 + 30),
             ("Day 2, morning", 9 * 60), ("Day 2, afternoon", 13 * 60 + 30))
WELCOME = ("Welcome; set-up check: `python -m helpers doctor` on every laptop, the room's set-up column "
           "([live room](live-room.md))", 30)
WRAP_UP = ("Wrap-up: questions, what to read next, feedback", 15)
BREAK, MOST_WITHOUT_BREAK = 15, 90
PATH = "docs/instructors/schedule.md"


def blocks(t: Timing) -> list[tuple[str, int]]:
    """An episode's blocks: teaching, exercises, then each optional part the header names."""
    name = f"Episode {t.episode[:2]}"
    return [(f"{name}, teaching: {t.short_title}", t.teaching), (f"{name}, exercises", t.exercises),
            *((f"{name}, {label[0].lower()}{label[1:]}" + ("" if "optional" in label.lower() else " (optional)"),
               minutes) for label, minutes in t.optional)]


def share_out(lengths: list[int], parts: int) -> list[int]:
    """How many consecutive items each of ``parts`` groups takes so that the longest group is shortest."""
    @lru_cache(maxsize=None)
    def best(start: int, left: int) -> tuple[int, tuple[int, ...]]:
        if left == 1:
            return sum(lengths[start:]), (len(lengths) - start,)
        options = []
        for take in range(0, len(lengths) - start + 1):
            rest, counts = best(start + take, left - 1)
            options.append((max(sum(lengths[start:start + take]), rest), (take, *counts)))
        return min(options, key=lambda option: (option[0], [-c for c in option[1]]))  # ties: fill early days

    return list(best(0, parts)[1])


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def half_day(title: str, start: int, items: list[tuple[str, int]]) -> list[str]:
    """One half-day's table: each block with its start time, breaks where the room would go 90 minutes without."""
    lines = [f"## {title}", "", "| time | what | minutes |", "|---|---|---:|"]
    now, since_break = start, 0
    if not items:
        items = [("Catch-up: unfinished exercises, the optional parts, questions", 60)]
    for what, minutes in items:
        if since_break and since_break + minutes > MOST_WITHOUT_BREAK:
            lines.append(f"| {_clock(now)} | *Break* | {BREAK} |")
            now, since_break = now + BREAK, 0
        lines.append(f"| {_clock(now)} | {what} | {minutes} |")
        now, since_break = now + minutes, since_break + minutes
    lines += [f"| {_clock(now)} | *End* | |", ""]
    return lines


def page(timings: list[Timing]) -> str:
    """The schedule page's Markdown for these episodes."""
    episodes = [blocks(t) for t in timings]
    lengths = [sum(m for _, m in b) for b in episodes]
    if lengths:
        lengths[0] += WELCOME[1]
        lengths[-1] += WRAP_UP[1]
    counts, at, days = share_out(lengths, len(HALF_DAYS)), 0, []
    for count in counts:
        days.append([item for b in episodes[at:at + count] for item in b])
        at += count
    days[0].insert(0, WELCOME)
    days[-1].append(WRAP_UP)
    total = sum(t.minutes for t in timings)
    lines = ["# A two-day workshop", "",
             "<!-- Written by `python -m helpers build` from each master's header (**Teaching:** … · "
             "**Exercises:** …): edit the masters, not this file; `build --check` fails when it differs. -->", "",
             f"The {len(timings)} episodes take {total} minutes of teaching and exercises "
             f"({sum(t.teaching for t in timings)} teaching, {sum(t.exercises for t in timings)} exercises, "
             f"{sum(m for t in timings for _, m in t.optional)} optional), as each episode's header states. "
             "Here they are shared out over four half-days, in order, so that no half-day runs long; "
             f"a {BREAK}-minute break comes before the room would go {MOST_WITHOUT_BREAK} minutes without one. "
             "Lunch is between the morning and the afternoon. See [preparing a workshop](workshop.md) for "
             "what to do before day one.", ""]
    for (title, start), items in zip(HALF_DAYS, days):
        lines += half_day(title, start, items)
    return "\n".join(lines)
