"""The judge: decides each exercise's grade from exported artifacts, in a process of the grader's.

``python -m helpers.instructor.grading.judge`` is started by the grader for
one notebook (sandboxed like the notebook) and never touched by the
learner's kernel. It reads one request per line on stdin (``{"module",
"exercise", "folder"}``: a captured export folder) and answers one JSON line
per request on its own copy of stdout, in order. For each it imports the
exercise module afresh from disk, loads the artifacts as data
(:mod:`~helpers.instructor.grading.artifacts`), substitutes the judge's own
data where a check measures something (:mod:`~helpers.instructor.grading.trusted_inputs`)
and calls the exercise's ``evaluate``. Learner code runs only in the child
processes of a :class:`~helpers.instructor.grading.artifacts.LearnerFunction`;
before starting any, the judge makes itself non-dumpable, so a child cannot
read or write its memory through ``/proc`` or ``ptrace``.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import sys
import tempfile
from pathlib import Path

STATE_NOTE = ("(Judged from the model your notebook exported: a saved model forgets how it was compiled, so the "
              "grader rebuilt that from the compile state exported with it.)")


def _not_dumpable() -> None:
    """PR_SET_DUMPABLE 0: same-user processes (the learner's function) cannot ptrace us or open /proc/<pid>/mem."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def judge_one(module: str, name: str, folder: Path, workdir: Path, earlier: dict) -> dict:
    """The record (status, message, points) for one exported exercise; never raises."""
    from helpers.instructor.grading.artifacts import BadArtifact, load_arguments
    from helpers.instructor.grading.trusted_inputs import substitute
    from helpers.learner.checking import exercises_of

    try:
        exercise = exercises_of(importlib.import_module(module))[name]
    except (ImportError, KeyError):
        return {"status": "error", "points": 0, "max_points": 0, "message": f"The grader has no exercise {name!r}."}
    try:
        manifest = load_arguments(folder, workdir)
    except BadArtifact as exc:
        return exercise._result("error", f"The grader could not read what your notebook exported: {exc}.").as_record()
    except Exception as exc:
        return exercise._result("error", f"The grader could not read what your notebook exported "
                                         f"({type(exc).__name__}: {exc}).").as_record()
    if "missing" in manifest:
        return exercise._result("unattempted", f"Not attempted: {manifest['missing']} (run the exercise's cell)."
                                ).as_record()
    if "failed" in manifest or "arguments" not in manifest:
        return exercise._result("error", "Could not evaluate this exercise's inputs: "
                                         f"{str(manifest.get('failed', 'nothing exported'))[:300]}").as_record()
    arguments = manifest["arguments"]
    earlier[name] = arguments
    try:
        arguments, replaced = substitute(module, exercise, arguments, earlier)
    except Exception as exc:
        return exercise._result("error", f"The grader could not prepare its own data ({type(exc).__name__}: {exc})."
                                ).as_record()
    record = exercise.evaluate(*arguments).as_record()
    notes = []
    if replaced and record["status"] in ("correct", "incorrect"):
        notes.append(f"(The grader used its own {', '.join(f'`{n}`' for n in replaced)}.)")
    if any(getattr(a, "_grader_replayed", False) for a in arguments) and record["status"] == "incorrect":
        notes.append(STATE_NOTE)
    if notes:
        record["message"] = record["message"] + "\n" + " ".join(notes)
    return record


def serve(requests, answer) -> None:
    """Answer each request line in order (the earlier answers of one notebook inform later ones)."""
    earlier: dict = {}
    with tempfile.TemporaryDirectory(prefix="judge-") as scratch:
        for line in requests:
            try:
                request = json.loads(line)
                record = judge_one(request["module"], request["exercise"], Path(request["folder"]), Path(scratch),
                                   earlier)
            except Exception as exc:  # a malformed request is the grader's fault: say so, go on
                record = {"status": "error", "points": 0, "max_points": 0,
                          "message": f"The judge failed: {type(exc).__name__}: {exc}"}
            answer(json.dumps(record))


def main() -> None:
    # our answers go to a private copy of stdout; anything printed by Keras or a library goes to stderr
    answers = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _not_dumpable()
    # Keras is imported by the first artifact that needs it, while the notebook goes on running
    serve(sys.stdin, lambda text: print(text, file=answers, flush=True))


if __name__ == "__main__":
    main()
