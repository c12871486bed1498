"""``python -m helpers grade``: grade a room's notebooks in parallel, resumably.

Each finished notebook's row is appended at once to a progress file (JSON
lines), so an interrupted run keeps what it graded and a rerun skips it (a
notebook whose content changed is graded again). The CSV and feedback files
are rewritten from all rows, in a fixed order, after every notebook, so
``--jobs 2`` and ``--jobs 1`` write the same CSV.
"""

from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm.auto import tqdm

from helpers.instructor.grading import grade_notebook


def collect(paths: list[str]) -> list[Path]:
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


def load_progress(progress: Path) -> dict[str, dict]:
    rows = {}
    if progress.exists():
        for line in progress.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                rows[row["fingerprint"]] = row
            except (json.JSONDecodeError, KeyError):
                continue
    return rows


def exercise_columns(rows: list[dict]) -> list[str]:
    columns = []
    for row in rows:
        for name in row["results"]:
            column = f"{row['episode'][:2]}.{name}"
            if column not in columns:
                columns.append(column)
    return columns


def write_csv(rows: list[dict], path: Path) -> None:
    columns = exercise_columns(rows)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["notebook", "learner", "episode", *columns, "total", "max", "status"])
        for row in rows:
            points = {f"{row['episode'][:2]}.{n}": r["points"] for n, r in row["results"].items()}
            total = sum(r["points"] for r in row["results"].values())
            maximum = sum(r["max_points"] for r in row["results"].values())
            writer.writerow([Path(row["notebook"]).name, row["learner"], row["episode"],
                             *[points.get(c, "") for c in columns], total, maximum, row["status"]])


def write_feedback(row: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    total = sum(r["points"] for r in row["results"].values())
    maximum = sum(r["max_points"] for r in row["results"].values())
    lines = [f"# Feedback: {Path(row['notebook']).name}", "",
             f"Episode {row['episode'] or '?'} · {total}/{maximum} points · {row['status']}", ""]
    for name, result in row["results"].items():
        lines += [f"## {name}: {result['status']} ({result['points']}/{result['max_points']})", "",
                  result["message"], ""]
    (folder / f"{Path(row['notebook']).stem}.md").write_text("\n".join(lines), encoding="utf-8")


def table(rows: list[dict]) -> str:
    columns = exercise_columns(rows)
    head = ["learner", *columns, "total", "status"]
    body = []
    for row in rows:
        points = {f"{row['episode'][:2]}.{n}": f"{r['points']}/{r['max_points']}" for n, r in row["results"].items()}
        total = sum(r["points"] for r in row["results"].values())
        maximum = sum(r["max_points"] for r in row["results"].values())
        body.append([row["learner"], *[points.get(c, "-") for c in columns], f"{total}/{maximum}", row["status"]])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    fmt = "  ".join(f"{{:{w}}}" for w in widths)
    return "\n".join(fmt.format(*r) for r in [head, *body])


def grade(paths: list[str], csv_path: Path | None = None, feedback: Path | None = None,
          jobs: int | None = None, cell_timeout: float = 600, notebook_timeout: float = 1800,
          profile: str = "quick", progress: Path | None = None, out=print) -> list[dict]:
    notebooks = collect(paths)
    progress = progress or Path(f"{csv_path}.progress.jsonl" if csv_path else "grading-progress.jsonl")
    done = load_progress(progress)
    rows, todo = {}, []
    for nb in notebooks:
        key = fingerprint(nb, profile)
        if key in done:
            rows[nb] = done[key]
        else:
            todo.append((nb, key))
    if rows:
        out(f"{len(rows)} notebook(s) already graded (from {progress}); grading {len(todo)}.")

    def finish(nb: Path, key: str, row: dict) -> None:
        row["fingerprint"] = key
        rows[nb] = row
        with open(progress, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
        ordered = [rows[n] for n in notebooks if n in rows]
        if csv_path:
            write_csv(ordered, csv_path)
        if feedback:
            write_feedback(row, feedback)

    jobs = jobs or os.cpu_count() or 1
    # spawned, not forked: a parent that has imported TensorFlow must not be forked
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(grade_notebook, nb, profile, cell_timeout, notebook_timeout): (nb, key)
                   for nb, key in todo}
        for future in tqdm(as_completed(futures), total=len(futures), desc="grading", unit="notebook"):
            nb, key = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # a worker that crashed: report it and carry on
                row = {"notebook": str(nb), "learner": nb.stem, "episode": "", "results": {},
                       "errors": 0, "seconds": 0.0, "status": f"grader error: {type(exc).__name__}: {exc}"}
            finish(nb, key, row)
    ordered = [rows[n] for n in notebooks if n in rows]
    if feedback:
        for row in ordered:
            write_feedback(row, feedback)
    if csv_path:
        write_csv(ordered, csv_path)
    out(table(ordered))
    return ordered
