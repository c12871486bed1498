"""``python -m helpers grade``: a room's notebooks, in parallel here or on a Dask cluster, resumably.

Each finished notebook's grade is appended at once to a progress file (JSON
lines), so an interrupted run keeps what it graded and a rerun skips it (a
notebook whose content changed is graded again). The CSV and feedback files
are rewritten from all grades, in a fixed order, after every notebook, so
``--jobs 2``, ``--jobs 1`` and ``--scheduler`` write the same CSV.

``--jobs N`` grades on this machine (spawned processes). ``--scheduler
ADDRESS`` sends the same work to a Dask distributed cluster
(``Client.map``, results taken ``as_completed``); each task carries the
notebook's bytes, so the workers need the course installed, not the
instructor's folders.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm.auto import tqdm

from helpers.instructor.grading.notebook import grade_notebook, grade_notebook_content
from helpers.instructor.grading.report import sidecar, table, write_csv, write_feedback
from helpers.instructor.grading.results import NotebookGrade
from helpers.instructor.grading.sandbox import MEMORY_LIMIT_GB, WARNING, choose


def collect_notebooks(paths: list[str]) -> list[Path]:
    found = []
    for p in map(Path, paths):
        found += sorted(p.rglob("*.ipynb")) if p.is_dir() else [p]
    return sorted({f.resolve() for f in found if ".ipynb_checkpoints" not in f.parts})


def fingerprint(path: Path, profile: str) -> str:
    try:
        content = path.read_bytes()
    except OSError:
        content = b""
    return hashlib.sha256(content + profile.encode()).hexdigest()


def load_progress(progress: Path) -> dict[str, NotebookGrade]:
    grades = {}
    if progress.exists():
        for line in progress.read_text(encoding="utf-8").splitlines():
            try:
                grade = NotebookGrade.from_json(json.loads(line))
                grades[grade.fingerprint] = grade
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
    return grades


def _grade_on_dask(scheduler: str, todo: list[tuple[Path, str]], options: dict):
    """(notebook, fingerprint, grade) as each finishes on the cluster."""
    from dask.distributed import Client, as_completed as dask_completed

    with Client(scheduler) as client:
        contents = []
        for path, _ in todo:
            try:
                contents.append(path.read_bytes())
            except OSError:
                contents.append(b"")
        futures = client.map(grade_notebook_content, [str(p) for p, _ in todo], contents, pure=False,
                             **options)
        where = {future.key: item for future, item in zip(futures, todo)}
        for future in dask_completed(futures):
            path, key = where[future.key]
            try:
                grade = future.result()
            except Exception as exc:  # a worker that crashed or left: report it and carry on
                grade = NotebookGrade.for_path(path)
                grade.status = f"grader error: {type(exc).__name__}: {exc}"
            yield path, key, grade


def _grade_here(jobs: int, todo: list[tuple[Path, str]], options: dict):
    if jobs == 1 or len(todo) == 1:  # no pool to start: grade_notebook never raises, and imports no TensorFlow
        for path, key in todo:
            yield path, key, grade_notebook(path, **options)
        return
    # spawned, not forked: a parent that has imported TensorFlow must not be forked
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(grade_notebook, path, **options): (path, key) for path, key in todo}
        for future in as_completed(futures):
            path, key = futures[future]
            try:
                grade = future.result()
            except Exception as exc:  # a worker that crashed: report it and carry on
                grade = NotebookGrade.for_path(path)
                grade.status = f"grader error: {type(exc).__name__}: {exc}"
            yield path, key, grade


def grade(paths: list[str], csv_path: Path | None = None, feedback: Path | None = None,
          jobs: int | None = None, cell_timeout: float = 600, notebook_timeout: float = 1800,
          profile: str = "quick", progress: Path | None = None, sandbox: str = "auto",
          scheduler: str | None = None, memory_gb: float = MEMORY_LIMIT_GB, out=print) -> list[NotebookGrade]:
    notebooks = collect_notebooks(paths)
    progress = progress or Path(f"{csv_path}.progress.jsonl" if csv_path else "grading-progress.jsonl")
    # the outputs exist before any notebook runs, so the sandbox can hide them
    outputs = [p for p in (csv_path, progress, csv_path and sidecar(csv_path)) if p]
    for path in outputs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    if feedback:
        feedback.mkdir(parents=True, exist_ok=True)
    hidden = [str(p) for p in paths] + [str(p) for p in outputs] + ([str(feedback)] if feedback else [])
    hidden += [str(nb.parent) for nb in notebooks]
    chosen = choose(sandbox, hidden=hidden, memory_gb=memory_gb) if not scheduler else sandbox
    if not scheduler and not chosen.active:
        out(WARNING.format(reason=chosen.reason))

    done = load_progress(progress)
    grades, todo = {}, []
    for nb in notebooks:
        key = fingerprint(nb, profile)
        if key in done:
            grades[nb] = done[key]
        else:
            todo.append((nb, key))
    if grades:
        out(f"{len(grades)} notebook(s) already graded (from {progress}); grading {len(todo)}.")

    def finish(nb: Path, key: str, grade: NotebookGrade) -> None:
        grade.fingerprint = key
        grade.notebook = str(nb)
        grades[nb] = grade
        with open(progress, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(grade.to_json()) + "\n")
        if csv_path:
            write_csv([grades[n] for n in notebooks if n in grades], csv_path)
        if feedback:
            write_feedback(grade, feedback)

    options = dict(profile=profile, cell_timeout=cell_timeout, notebook_timeout=notebook_timeout, sandbox=chosen,
                   memory_gb=memory_gb)
    stream = (_grade_on_dask(scheduler, todo, options) if scheduler
              else _grade_here(jobs or os.cpu_count() or 1, todo, options))
    for nb, key, grade in tqdm(stream, total=len(todo), desc="grading", unit="notebook"):
        finish(nb, key, grade)

    ordered = [grades[n] for n in notebooks if n in grades]
    if feedback:
        for grade in ordered:
            write_feedback(grade, feedback)
    if csv_path:
        write_csv(ordered, csv_path)
    out(table(ordered))
    unsandboxed = sorted({g.sandbox for g in ordered if g.sandbox.startswith("none")})
    if unsandboxed:  # said again at the end, where the instructor looks
        out(WARNING.format(reason="; ".join(unsandboxed)))
    return ordered
