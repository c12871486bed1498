"""Overhead of grading over plain execution: the same notebook, same machine, one run each, back to back.

    python benchmarks/grading_overhead.py solutions/01-iris-cost.ipynb

Runs the notebook plainly in a fresh kernel (quick profile), then grades it
with ``python -m helpers grade --jobs 1`` under ``--sandbox bwrap`` and
``--sandbox none`` (export in the kernel, judge in its own process), and
prints each grading's time against the plain run.
"""
import os, shutil, subprocess, sys, tempfile, time
from pathlib import Path
nb = Path(sys.argv[1])
runs = []
work = Path(tempfile.mkdtemp())
env = {**os.environ, "COURSE_PROFILE": "quick"}
t = time.monotonic()
root = str(Path(__file__).resolve().parents[1])  # the repository: its tests/support holds the tests' notebook runner
subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {root!r}); from tests.support.notebook_runs import run_notebook; "
                f"run_notebook({str(nb)!r}, {str(work)!r}, 'quick')"], check=True, env=env)
plain = time.monotonic() - t
room = work / "room"; room.mkdir(); shutil.copy(nb, room / nb.name)
for sandbox in ("bwrap", "none"):
    out = work / f"out-{sandbox}"; out.mkdir()
    t = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "helpers", "grade", str(room), "--csv", str(out / "g.csv"), "--jobs", "1",
                        "--sandbox", sandbox], check=True, env=env, capture_output=True, text=True)
    graded = time.monotonic() - t
    print(r.stdout.splitlines()[-1])
    print(f"{nb.name}: plain {plain:.1f} s, graded (--sandbox {sandbox}) {graded:.1f} s, overhead {100 * (graded / plain - 1):+.0f} %", flush=True)
