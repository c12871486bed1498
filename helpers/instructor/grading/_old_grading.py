"""Grade one learner notebook: run it in a fresh kernel, then run the checks ourselves.

Trust model. The notebook's own output, its check cells and the learner's
results log are ignored. The grader executes the learner's cells in a new
kernel in an empty temporary folder, and wherever the episode has a check
cell it runs *its own* grading cell instead: the check modules are imported
afresh from disk under the grader's control (so a notebook that redefines
``check``, ``evaluate`` or ``Exercise`` changes nothing), the check receives
the expressions listed in the exercise's ``grade_args`` (not what the learner
wrote in the cell), and the result is read from that cell's output only,
behind a random marker. Checks run where their cell stands, because later
cells legitimately change the objects (fine-tuning unfreezes a model).

This is not a sandbox: the learner's code runs with the grader's rights.
Grade untrusted submissions in a container or under a separate account.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import json
import os
import re
import secrets
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat

from helpers.learner.checking import exercises_of
from helpers.learner.exercises import EPISODE_MODULES

_GRADING_CELL = '''
def _course_grader_{nonce}():
    import importlib, json, sys
    owned = lambda name: name == "helpers" or name.startswith("helpers.")
    saved = {{k: v for k, v in sys.modules.items() if owned(k)}}
    for k in saved:
        del sys.modules[k]
    try:
        exercise = getattr(importlib.import_module({module!r}), {name!r})
        try:
            args = eval("(" + {args!r} + ",)", globals())
        except NameError as missing:
            record = exercise._result("unattempted", f"Not attempted: {{missing}} (run the exercise's cell).").as_record()
        except Exception as exc:
            record = exercise._result("error", f"Could not evaluate this exercise's inputs: {{type(exc).__name__}}: {{exc}}").as_record()
        else:
            record = exercise.evaluate(*args).as_record()
    finally:
        for k in [k for k in sys.modules if owned(k)]:
            del sys.modules[k]
        sys.modules.update(saved)
    sys.__stdout__.flush()
    return {nonce!r} + json.dumps(record)
_course_grader_{nonce}()
'''


class NotGradable(ValueError):
    """The file is not a notebook of one of the course's episodes."""


def read_episode(path: Path) -> tuple[nbformat.NotebookNode, str]:
    """The notebook and its episode, taken from the metadata the build wrote."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:
        raise NotGradable(f"not a readable notebook ({type(exc).__name__})") from None
    episode = nb.metadata.get("course", {}).get("episode")
    if episode not in EPISODE_MODULES:
        raise NotGradable("not one of the course's episodes (no course metadata)" if episode is None
                          else f"unknown episode {episode!r}")
    return nb, episode


def grading_plan(nb, episode: str) -> list[tuple[int, str]]:
    """(cell index, exercise name): each exercise graded in place of its check cell, else at the end."""
    exercises = exercises_of(importlib.import_module(EPISODE_MODULES[episode]))
    plan, placed = [], set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for name in exercises:
            if name not in placed and re.search(rf"\.{name}\.(check|assert_passed)\s*\(", cell.source):
                plan.append((index, name))
                placed.add(name)
    plan += [(len(nb.cells), name) for name in exercises if name not in placed]
    return plan


def _parse(cell, nonce: str) -> dict | None:
    """The record the grading cell returned (its execute_result is the repr of a string)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") != "execute_result":
            continue
        try:
            value = ast.literal_eval(output.get("data", {}).get("text/plain", ""))
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, str) and value.startswith(nonce):
            return json.loads(value[len(nonce):])
    return None


class KernelWouldNotStart(RuntimeError):
    """Every try to start a kernel ended before it answered."""


def start_kernel(stack: contextlib.ExitStack, client, tries: int = 3, **kwargs) -> None:
    """Start the client's kernel inside `stack`, trying again when it dies before it answers.

    Kernels started side by side (``--jobs 2``, or a grader beside a test suite)
    can race for the same ports: jupyter_client picks ports that are free, the
    kernel binds them a moment later, and the loser exits at once, which the
    client reports as "Kernel died before replying to kernel_info". Nothing of
    the learner's has run yet, so starting again is safe and grades the same.
    """
    for attempt in range(1, tries + 1):
        try:
            stack.enter_context(client.setup_kernel(**kwargs))
            return
        except RuntimeError as exc:
            if "before replying to kernel_info" not in str(exc):
                raise
            client.km = client.kc = None  # nbclient has shut down what it started
            if attempt == tries:
                raise KernelWouldNotStart(f"the kernel died while starting, {tries} times") from exc
            time.sleep(attempt)


def grade_notebook(path: Path, profile: str = "quick", cell_timeout: float = 600,
                   notebook_timeout: float = 1800, kernel_name: str = "python3") -> dict:
    """Execute and grade one notebook; never raises. Returns a row for the report."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    path = Path(path)
    row = {"notebook": str(path), "learner": path.stem, "episode": "", "status": "", "results": {},
           "errors": 0, "seconds": 0.0}
    start = time.monotonic()
    try:
        nb, episode = read_episode(path)
    except NotGradable as exc:
        row["status"] = str(exc)
        return row
    row["episode"] = episode
    module = EPISODE_MODULES[episode]
    exercises = exercises_of(importlib.import_module(module))
    plan = dict()
    for index, name in grading_plan(nb, episode):
        plan.setdefault(index, []).append(name)
    nonce = "GRADE" + secrets.token_hex(8)
    statuses = []
    run = nbformat.v4.new_notebook(metadata=nb.metadata)  # learner cells with the grader's cells in place
    grader_cells = {}
    for index in range(len(nb.cells) + 1):
        for name in plan.get(index, []):
            cell = nbformat.v4.new_code_cell(_GRADING_CELL.format(
                nonce=nonce, module=module, name=name, args=exercises[name].grade_args))
            grader_cells[len(run.cells)] = name
            run.cells.append(cell)
        if index < len(nb.cells):
            run.cells.append(nb.cells[index])
    with tempfile.TemporaryDirectory(prefix="grade-") as work:
        env = {**os.environ, "COURSE_PROFILE": profile,
               "COURSE_RESULTS": str(Path(work) / "learner-log.jsonl"), "MPLBACKEND": "Agg"}
        client = NotebookClient(run, timeout=cell_timeout, kernel_name=kernel_name, allow_errors=True,
                                interrupt_on_timeout=True, resources={"metadata": {"path": work}})
        try:
            # the kernel process's own stdout/stderr (TensorFlow start-up, shutdown noise) is not the
            # notebook's output, which arrives over the kernel protocol: keep it off the terminal
            with contextlib.ExitStack() as kernel:
                start_kernel(kernel, client, env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for index, cell in enumerate(run.cells):
                    if index in grader_cells:
                        name = grader_cells[index]
                        client.timeout = cell_timeout
                        client.execute_cell(cell, index)
                        row["results"][name] = _parse(cell, nonce) or {
                            "status": "error", "points": 0, "max_points": exercises[name].points,
                            "message": "The grader could not read this check's result."}
                        continue
                    if cell.cell_type != "code" or "timed out" in statuses:
                        continue
                    remaining = notebook_timeout - (time.monotonic() - start)
                    if remaining <= 0:
                        statuses.append("timed out")
                        continue
                    client.timeout = max(1, min(cell_timeout, remaining))
                    client.execute_cell(cell, index)
                    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                    if errors:
                        row["errors"] += 1
                        if any(o.get("ename") in ("CellTimeoutError", "KeyboardInterrupt") for o in errors):
                            statuses.append("cell timed out")
        except DeadKernelError:
            statuses.append("kernel died")
        except KernelWouldNotStart as exc:
            statuses.append(f"grader error: {exc}")
        except Exception as exc:  # a kernel that cannot start, a broken notebook cell
            statuses.append(f"grader error: {type(exc).__name__}: {exc}")
    for name, exercise in exercises.items():
        row["results"].setdefault(name, {"status": "error", "points": 0, "max_points": exercise.points,
                                         "message": "Not graded: the notebook stopped before this exercise."})
    row["status"] = ", ".join(dict.fromkeys(statuses)) or (
        f"graded ({row['errors']} cell(s) raised)" if row["errors"] else "graded")
    row["seconds"] = round(time.monotonic() - start, 1)
    return row
