"""The course's two profiles: ``full`` (the real course) and ``quick`` (CI).

A notebook states both sets of numbers in one visible line, for example::

    settings = course_profile(full=dict(epochs=200), quick=dict(epochs=40))

so a learner sees exactly what the quick profile shortens. The choice comes
from the ``COURSE_PROFILE`` environment variable; an unknown value is an
error rather than a silent fall-back, because a typo in CI would otherwise
run the full course (or a learner would get CI's shortened numbers).
"""

from __future__ import annotations

import os
from types import SimpleNamespace

PROFILES = ("full", "quick")
# Said under every full-profile set-up cell: how a learner on a slow laptop switches from inside the notebook.
_TO_QUICK = "\n  Slow laptop? Start this cell with `%env COURSE_PROFILE=quick` and run it again for a shorter version."
DEFAULT = "full"


class ProfileError(ValueError):
    """COURSE_PROFILE holds a value the course does not know."""


def profile_name() -> str:
    """The active profile's name, validated."""
    name = os.environ.get("COURSE_PROFILE", DEFAULT).strip().lower() or DEFAULT
    if name not in PROFILES:
        raise ProfileError(
            f"COURSE_PROFILE={os.environ.get('COURSE_PROFILE')!r} is not a course profile. "
            f"Use one of {', '.join(PROFILES)} (unset means {DEFAULT!r})."
        )
    return name


def is_quick() -> bool:
    return profile_name() == "quick"


def course_profile(*, full: dict, quick: dict, announce: bool = True) -> SimpleNamespace:
    """Pick the settings of the active profile and say which one is in force."""
    if set(full) != set(quick):
        raise ValueError(
            f"full and quick must set the same names; differ in {sorted(set(full) ^ set(quick))}"
        )
    name = profile_name()
    chosen = full if name == "full" else quick
    if announce:
        values = ", ".join(f"{k}={v}" for k, v in chosen.items())
        note = (_TO_QUICK if name == "full" else
                "  (the short version; for the real course, start the cell with `%env COURSE_PROFILE=full`)")
        print(f"Course profile {name!r}: {values}{note}")
    return SimpleNamespace(profile=name, **chosen)
