"""The judge's own data: check inputs it computes itself instead of taking them from the notebook.

A check that scores a model on "the test set" must not score it on whatever
the learner's notebook calls ``x_test``: a notebook could pass three easy
flowers. For those parameters the judge recomputes the episode's split here
(the same call, with the same seed, as the episode's master) and, where one
check builds on another's answer, takes the earlier answer from the earlier
export, measured again by the judge.

Each episode's exercise module declares them, next to its checks, as
``TRUSTED_INPUTS``: exercise name → check parameter → ``rule(earlier, value)``.
So a new episode brings its own, and nothing here names an episode.
"""

from __future__ import annotations

import importlib


def substitute(module: str, exercise, arguments: list, earlier: dict) -> tuple[list, list[str]]:
    """``arguments`` with the judge's own values where it has them; and the parameters it replaced."""
    import inspect

    rules = getattr(importlib.import_module(module), "TRUSTED_INPUTS", {}).get(exercise.name, {})
    if not rules:
        return arguments, []
    names = list(inspect.signature(exercise.checker).parameters)
    replaced, out = [], list(arguments)
    for i, name in enumerate(names[:len(out)]):
        if name in rules and out[i] is not None:
            out[i] = rules[name](earlier, out[i])
            replaced.append(name)
    return out, replaced
