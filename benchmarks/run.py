"""Run each solution notebook in the full and quick profiles and tabulate what it measured.

    python benchmarks/run.py [--profiles full quick] [--episodes 01-iris-cost 02-blobs ...]
                             [--write benchmarks/README.md]

For every episode and profile the notebook is executed top to bottom in a
fresh kernel (nbclient); one extra cell then prints the episode's key numbers
(the expressions its master declares under ``course: key_numbers``) as JSON. A profile whose data are not
cached is reported as skipped with the reason, not run on a stand-in, except
the quick profile, whose stand-ins announce themselves and are labelled here.
The speed-ups against the seed's protocol are measured inside the notebooks,
in the same run (e.g. episode 02 times one plain `fit` the seed's way).

The pseudo-profile ``full-size`` answers "how long would the full profile
take, in how much memory?" where the real data cannot be had: it runs the
full profile on full-size replicas of the data (``python -m helpers replicas``:
the real files' names, formats, shapes and dtypes; ``--replicas DIR`` or
``COURSE_REPLICAS``, else made once in ``_build/replicas``), which announce
themselves. Its accuracies are the replicas'; its seconds and memory are the
full profile's, since speed does not depend on what pixels or weights hold.
Its rows add the kernel's peak memory and the five longest cells.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repository's tests/support: the same notebook runner the tests use

from helpers.author.build import masters  # noqa: E402
from tests.support.notebook_runs import longest, run_notebook, run_timed  # noqa: E402
REPORT = """
import json as _json, numpy as _np, pandas as _pd
def _plain(v):
    if isinstance(v, _pd.DataFrame): return {k: {c: round(float(x), 4) for c, x in r.items()} for k, r in v.to_dict("index").items()}
    try: return round(float(v), 4)
    except (TypeError, ValueError): return str(v)
print("KEY-NUMBERS" + _json.dumps({k: _plain(eval(k)) for k in KEYS}))
"""


def missing_data(episode: str) -> list[str]:
    """What the episode's loaders need in the full profile and the cache lacks."""
    from helpers.author.build import MASTERS, needs
    from helpers.learner.data import RESOURCES, is_cached

    return [name for name in needs(MASTERS / f"{episode}.py") if not is_cached(RESOURCES[name])]


def replica_folder(named: Path | None) -> Path:
    """The replicas a full-size run uses: --replicas, else COURSE_REPLICAS, else _build/replicas (made once)."""
    from helpers.author.replicas import make
    from helpers.learner.data import replicas

    root = named or Path(os.environ.get(replicas.ENV) or ROOT / "_build" / "replicas")
    if not (root / replicas.MANIFEST).is_file():
        make(root)
    return root


def run(episode: str, profile: str, replicas: Path | None = None) -> dict:
    nb = nbformat.read(ROOT / "solutions" / f"{episode}.ipynb", as_version=4)
    keys = nb.metadata.get("course", {}).get("key_numbers", [])
    nb.cells.append(nbformat.v4.new_code_cell(f"KEYS = {keys!r}\n{REPORT}"))
    extra = {}
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        if profile == "full-size":
            timed = run_timed(nb, Path(work), "full", env={"COURSE_REPLICAS": str(replicas)}, timeout=3600)
            extra = {"peak_rss_mb": timed["peak_rss_mb"], "kernel_cpu_seconds": timed["kernel_cpu_seconds"],
                     "longest": [(t["cell"], t["seconds"], t["source"]) for t in longest(timed["cells"])]}
        else:
            run_notebook(nb, Path(work), profile, timeout=1800)
        seconds = time.perf_counter() - start
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    numbers = json.loads(text.split("KEY-NUMBERS", 1)[1].splitlines()[0]) if "KEY-NUMBERS" in text else {}
    return {"episode": episode, "profile": profile, "seconds": round(seconds, 1),
            "stand_in": "STAND-IN DATA" in text, "replica": "REPLICA DATA" in text, "numbers": numbers, **extra}


def table(rows: list[dict]) -> str:
    lines = ["| episode | profile | wall time (s) | data | key numbers |", "|---|---|---:|---|---|"]
    for r in rows:
        if "skipped" in r:
            lines.append(f"| {r['episode']} | {r['profile']} | – | skipped: {r['skipped']} | |")
            continue
        data = "announced replicas" if r.get("replica") else "announced stand-in" if r["stand_in"] else "real"
        data += ", full profile" if r["profile"] == "full-size" else ""
        numbers = "; ".join(f"{k} = {v}" for k, v in r["numbers"].items())
        if "peak_rss_mb" in r:
            cells = ", ".join(f"cell {i}: {s:.0f} s" for i, s, _ in r["longest"])
            numbers = (f"kernel peak memory {r['peak_rss_mb']} MB; kernel CPU {r['kernel_cpu_seconds']} s; "
                       f"five longest cells: {cells}; " + numbers)
        lines.append(f"| {r['episode']} | {r['profile']} | {r['seconds']} | {data} | {numbers} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=["full", "quick"], choices=["full", "quick", "full-size"])
    parser.add_argument("--episodes", nargs="+", default=[p.stem for p in masters()])
    parser.add_argument("--write", type=Path, help="also replace the table in this Markdown file")
    parser.add_argument("--replicas", type=Path, help="full-size: the replica folder (default $COURSE_REPLICAS, "
                        "else _build/replicas, made if missing)")
    args = parser.parse_args(argv)
    rows = []
    for episode in args.episodes:
        for profile in args.profiles:
            missing = missing_data(episode)
            if profile == "full" and missing:
                rows.append({"episode": episode, "profile": profile, "skipped": f"not cached: {', '.join(missing)}"})
            elif profile == "full-size":
                rows.append(run(episode, profile, replica_folder(args.replicas)))
            else:
                rows.append(run(episode, profile))
            print(json.dumps(rows[-1]), flush=True)
    machine = f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}"
    report = f"Measured {time.strftime('%Y-%m-%d')} on {machine}.\n\n{table(rows)}\n"
    print(report)
    if args.write:
        text = args.write.read_text() if args.write.exists() else "# Benchmarks\n\n<!-- table -->\n<!-- /table -->\n"
        head, rest = text.split("<!-- table -->", 1)
        old, tail = rest.split("<!-- /table -->", 1)
        kept = [line for line in old.splitlines() if line.startswith("| ") and not line.startswith("| episode")
                and line.split("|")[1].strip() not in args.episodes]  # rows of episodes not re-run stay
        lines = table(rows).splitlines()
        body = "\n".join(lines[:2] + sorted(kept + lines[2:], key=lambda line: line.split("|")[1].strip()))
        report = f"Measured on {machine}; each row's date is in git's history.\n\n{body}\n"
        args.write.write_text(f"{head}<!-- table -->\n{report}<!-- /table -->{tail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
