"""Run a whole notebook in a fresh kernel, as a learner's Run All: for the tests and ``benchmarks/``.

:func:`run_notebook` runs it and returns its check records (the learner-version, stand-in, live-room
and full-profile tests). The profile and a throwaway results log go to the kernel's own environment
(:func:`kernel_environment`), so the caller's ``os.environ`` is never touched. (The grader runs cell
by cell instead, see ``helpers.instructor.grading``.)

:func:`run_timed` also measures it the way a learner lives it: per cell, and the kernel's memory.
For the full-size runs (``pytest -m full_size``, ``benchmarks/run.py --profiles full-size``): the
wall time of Run All, each cell's seconds, when each cell first showed something (a progress bar
or a line: did a long cell sit silent?), and the kernel's peak resident memory (``ru_maxrss``,
read by one extra cell at the end, so nothing in the episode changes), and the kernel's CPU
seconds, a figure that a busy, shared machine inflates far less than the wall time.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat

PEAK = "PEAK-RSS-KB"
_PEAK_CELL = (f"import resource as _r\n_u = _r.getrusage(_r.RUSAGE_SELF)\n"
              f"print('{PEAK}', _u.ru_maxrss, _u.ru_utime + _u.ru_stime)")
SHOWN = {"stream", "display_data", "update_display_data", "execute_result", "comm_msg", "comm_open"}


def kernel_environment(workdir: Path, profile: str, env: dict | None = None) -> dict:
    """The kernel's environment: this process's, ``env`` over it, the profile and a results log in ``workdir``."""
    return {**os.environ, **(env or {}), "COURSE_PROFILE": profile, "COURSE_RESULTS": str(Path(workdir) / "results.jsonl")}


def _records(workdir: Path) -> list[dict]:
    """The check records the run wrote to its results log."""
    log = Path(workdir) / "results.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def run_notebook(nb, workdir: Path, profile: str, allow_errors: bool = False, timeout: float = 600) -> list[dict]:
    """Execute ``nb`` (a path or a notebook, changed in place) in ``workdir``; return its check records."""
    from nbclient import NotebookClient

    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.read(nb, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(workdir)}}).execute(env=kernel_environment(workdir, profile),
                                                                           cwd=str(workdir))
    return _records(workdir)


def execute(path, tmp_path, profile, allow_errors=False):
    """``(the executed notebook, its check records)`` for the notebook at ``path``."""
    nb = nbformat.read(path, as_version=4)
    records = run_notebook(nb, tmp_path, profile, allow_errors=allow_errors)
    return nb, records


def _first_line(source: str) -> str:
    return source.strip().splitlines()[0][:90] if source.strip() else ""


def _timings(nb, cells: dict[int, dict]) -> list[dict]:
    """Per cell of ``nb``: its seconds, when it first showed something, its longest silence, its stderr."""
    timings = []
    for index, t in sorted(cells.items()):
        if index >= len(nb.cells):
            continue
        seconds, shown = t.get("seconds", 0.0), t.get("shown", [])
        gaps = [b - a for a, b in zip([0.0] + shown, shown + [seconds])]
        timings.append({"cell": index, "seconds": round(seconds, 2),
                        "first_shown": round(shown[0], 2) if shown else None,
                        "longest_silence": round(max(gaps), 2),  # seconds without a new output or bar update
                        "source": _first_line(nb.cells[index].source),
                        "stderr": "".join(o.get("text", "") for o in nb.cells[index].get("outputs", [])
                                          if o.get("output_type") == "stream" and o.get("name") == "stderr")})
    return timings


def _timed_client(nb, workdir: Path, timeout: float, cells: dict[int, dict], cell_log: Path | None):
    """An nbclient client that notes in ``cells`` when each cell starts, shows something and ends."""
    from nbclient import NotebookClient

    class Client(NotebookClient):
        def process_message(self, msg, cell, cell_index):
            kind = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
            if kind in SHOWN and cell_index in cells:
                cells[cell_index].setdefault("shown", []).append(time.perf_counter() - cells[cell_index]["start"])
            return super().process_message(msg, cell, cell_index)

    def started(cell, cell_index, **_):
        cells[cell_index] = {"start": time.perf_counter()}

    def finished(cell, cell_index, **_):
        cells[cell_index]["seconds"] = time.perf_counter() - cells[cell_index]["start"]
        if cell_log is not None:
            with open(cell_log, "a") as fh:
                fh.write(json.dumps({"cell": cell_index, "seconds": round(cells[cell_index]["seconds"], 2),
                                     "source": _first_line(cell.source)}) + "\n")

    return Client(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(workdir)}},
                  on_cell_execute=started, on_cell_executed=finished)


def run_timed(nb, workdir: Path, profile: str, env: dict | None = None, timeout: float = 1800,
              cell_log: Path | None = None) -> dict:
    """Execute ``nb`` (changed in place) in a fresh kernel; return its timings, records and peak memory.

    ``cell_log``: a JSON line per cell as it finishes (its index, seconds, first line), so a run
    stopped part-way still says how long each cell it finished took.

    Raises nbclient's CellExecutionError on the first cell that fails, as ``run_notebook`` does.
    """
    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.read(nb, as_version=4)
    workdir = Path(workdir)
    nb.cells.append(nbformat.v4.new_code_cell(_PEAK_CELL))
    cells: dict[int, dict] = {}
    start = time.perf_counter()
    _timed_client(nb, workdir, timeout, cells, cell_log).execute(env=kernel_environment(workdir, profile, env),
                                                                 cwd=str(workdir))
    wall = time.perf_counter() - start
    peak_cell = nb.cells.pop()
    peak_kb, cpu = "".join(o.get("text", "") for o in peak_cell.outputs).split(PEAK, 1)[1].split()[:2]
    records = _records(workdir)
    # The kernel's CPU seconds (all its threads) say how much work Run All is, whatever else the machine ran.
    return {"wall_seconds": round(wall, 1), "kernel_cpu_seconds": round(float(cpu)), "peak_rss_mb": round(int(peak_kb) / 1024),
            "cells": _timings(nb, cells), "records": records}


def longest(timings: list[dict], n: int = 5) -> list[dict]:
    return sorted(timings, key=lambda t: -t["seconds"])[:n]


def silent_long_cells(timings: list[dict], limit: float = 10.0, gap: float = 60.0) -> list[dict]:
    """Cells that ran longer than ``limit`` seconds and showed nothing before their last ``limit`` seconds,
    or that went ``gap`` seconds without a new output or bar update (a bar that stops looks like a hang).
    60 s: the longest pause of a quiet full-size run is 18 s (2026-12-04), so a machine three times as busy
    still passes, while the 67 s the sweep's bar once stood still is caught."""
    return [t for t in timings if t["seconds"] > limit
            and (t["first_shown"] is None or t["first_shown"] > t["seconds"] - limit or t["longest_silence"] > gap)]
