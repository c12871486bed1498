"""The two-day schedule and the README's episode table come from the masters' own timings.

Each master's header says ``**Teaching:** N min · **Exercises:** M min`` (and optional parts). Here the
numbers are read from the masters with a regular expression of this test's own, and must be exactly the
minutes that docs/instructors/schedule.md and the README's table show; the files must be what the build
writes today (so a master whose timing changed fails until ``python -m helpers build`` is run).
"""

from __future__ import annotations

import re

import pytest

from helpers.author import build, episode_table, schedule, timings

ROOT = build.ROOT
SCHEDULE = (ROOT / schedule.PATH).read_text(encoding="utf-8")
HEADER = re.compile(r"^# \*\*Teaching:\*\* (\d+) min · \*\*Exercises:\*\* (\d+) min(?: · \*\*([^*]+):\*\* (\d+) min)?$",
                    re.M)


def stated(master) -> tuple[int, int, int]:
    """Teaching, exercises and optional minutes, as the master's header line states them."""
    teaching, exercises, _, optional = HEADER.search(master.read_text(encoding="utf-8")).groups()
    return int(teaching), int(exercises), int(optional or 0)


def scheduled(episode: str) -> tuple[int, int, int]:
    """The minutes the schedule page gives an episode's teaching, exercises and optional blocks."""
    rows = re.findall(rf"^\| \d\d:\d\d \| Episode {episode}, ([^|]+) \| (\d+) \|$", SCHEDULE, re.M)
    kinds = {"teaching": 0, "exercises": 0, "optional": 0}
    for what, minutes in rows:
        kind = "teaching" if what.startswith("teaching") else "exercises" if what == "exercises" else "optional"
        kinds[kind] += int(minutes)
    return kinds["teaching"], kinds["exercises"], kinds["optional"]


@pytest.mark.parametrize("master", build.masters(), ids=lambda p: p.stem)
def test_the_schedule_gives_each_episode_its_stated_minutes(master):
    assert scheduled(master.stem[:2]) == stated(master)


@pytest.mark.parametrize("master", build.masters(), ids=lambda p: p.stem)
def test_the_readme_table_gives_each_episode_its_stated_minutes(master):
    teaching, exercises, optional = stated(master)
    row = next(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith(f"| {master.stem[:2]} |"))
    cells = [c.strip() for c in row.split("|")]
    assert cells[3] == f"{teaching} min" and cells[4].startswith(f"{exercises} min")
    assert (f"(+{optional} " in cells[4]) == bool(optional)


def test_the_files_are_what_the_build_writes_now():
    files = episode_table.generated(ROOT, build.masters())
    assert files[ROOT / schedule.PATH] == SCHEDULE
    assert files[ROOT / "README.md"] == (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_changed_timing_changes_the_schedule():
    found = [timings.timing(m) for m in build.masters()]
    longer = [timings.Timing(t.episode, t.title, t.teaching + 5, t.exercises, t.optional) if i == 0 else t
              for i, t in enumerate(found)]
    assert schedule.page(longer) != schedule.page(found)
    assert f"| {found[0].teaching + 5} |" in schedule.page(longer)


def test_four_half_days_with_breaks_and_every_episode_once():
    days = re.split(r"^## ", SCHEDULE, flags=re.M)[1:]
    assert [d.splitlines()[0] for d in days] == [title for title, _ in schedule.HALF_DAYS]
    for day in days:
        since_break = 0
        for what, minutes in re.findall(r"^\| \d\d:\d\d \| ([^|]+) \| (\d*) \|$", day, re.M):
            since_break = 0 if "Break" in what else since_break + int(minutes or 0)
            assert since_break <= schedule.MOST_WITHOUT_BREAK, day
    for master in build.masters():
        assert SCHEDULE.count(f"Episode {master.stem[:2]}, teaching") == 1
    assert "Welcome" in days[0] and "Wrap-up" in days[-1]


@pytest.mark.parametrize("lengths, parts, expected", [
    ([95, 105, 80, 90], 4, [1, 1, 1, 1]),
    ([30, 30, 30, 30, 30], 4, [2, 1, 1, 1]),  # the longest half-day as short as possible, ties to the first days
    ([100, 10, 10, 10, 100], 3, [1, 3, 1]),
    ([50], 4, [1, 0, 0, 0]),
])
def test_share_out_keeps_the_longest_half_day_shortest(lengths, parts, expected):
    assert schedule.share_out(lengths, parts) == expected


def test_a_master_without_timings_is_a_clear_error(tmp_path):
    master = tmp_path / "09-untimed.py"
    master.write_text("# %% [markdown]\n# # Episode 09 — Untimed\n\n# %%\nx = 1\n")
    with pytest.raises(build.BuildError, match=r"09-untimed.py: .*\*\*Teaching:\*\* 40 min"):
        timings.timing(master)


def test_run_all_minutes_come_from_the_benchmark_table():
    text = ("| 01-a | full | 52.1 | real |\n| 01-a | full-size | 61.0 | real |\n| 02-b | quick | 24.3 | real |\n"
            "| 03-c | full | 405.3 | real |\n| 04-d | full | – | skipped |\n")
    assert episode_table.run_all_minutes(text) == {"01-a": 2, "03-c": 7}
