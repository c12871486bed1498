"""A class's grades on one HTML page (``python -m helpers grades report``).

Per exercise, how many got it right; the most common incorrect messages (as
the live room lists them: how many learners, the exercise, the message); the
distribution of the scores (a matplotlib chart, embedded as a PNG); the late
learners, the notebooks that did not grade to the end, the files that were
not graded and, given the gradebook or worksheet, the learners with no
submission. One self-contained file: no script, nothing fetched.
"""

from __future__ import annotations

import base64
import collections
import html
import io
from pathlib import Path

from helpers.instructor.grading.feedback_page import STYLE
from helpers.instructor.grading.lms.graded import Graded

TOP_MESSAGES = 8
REPORT_STYLE = STYLE + """
body{max-width:64rem} table{border-collapse:collapse;margin:1rem 0} td,th{border:1px solid #ccc;padding:.3rem .6rem;
text-align:left} td.n{text-align:right} img{max-width:100%} .count{color:#c62828;font-weight:700}"""


def score_chart(graded: list[Graded]) -> str:
    """The distribution of the scores (percent of the maximum) as a PNG data URL."""
    from matplotlib.figure import Figure  # no pyplot: no backend to choose, nothing global

    scores = [100 * g.total / g.max_points for g in graded if g.clean and g.max_points > 0]
    figure = Figure(figsize=(7, 3), dpi=100)
    axes = figure.add_subplot()
    axes.hist(scores, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.001], color="#2e7d32", edgecolor="white")
    axes.set_xlabel("score (% of the maximum)")
    axes.set_ylabel("learners")
    axes.set_title(f"Scores of {len(scores)} notebook(s) graded to the end")
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def exercise_table(graded: list[Graded]) -> str:
    right, seen = collections.Counter(), collections.Counter()
    for g in graded:
        for v in g.verdicts:
            seen[v.exercise] += 1
            right[v.exercise] += v.status == "correct"
    rows = [f'<tr><td>{html.escape(name)}</td><td class="n" data-exercise="{html.escape(name)}">{right[name]}/{n}</td></tr>'
            for name, n in seen.items()]
    return "<table><tr><th>exercise</th><th>right</th></tr>" + "".join(rows) + "</table>"


def common_mistakes(graded: list[Graded]) -> str:
    counts = collections.Counter((v.exercise, v.message) for g in graded for v in g.verdicts
                                 if v.status == "incorrect" and v.message)
    items = [f'<li><span class="count">{n} learner{"s" if n != 1 else ""}</span> on <strong>{html.escape(ex)}</strong>: '
             f"{html.escape(message)}</li>"
             for (ex, message), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_MESSAGES]]
    if items:
        return "<ol>" + "".join(items) + "</ol>"
    if any(v.message for g in graded for v in g.verdicts):
        return "<p>None: no check said incorrect.</p>"
    return "<p>No messages: grades.json, which <code>grade</code> writes beside grades.csv, was not found.</p>"


def _list(title: str, lines: list[str], key: str) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines) or "<li>none</li>"
    return f'<h2 id="{key}">{html.escape(title)} ({len(lines)})</h2><ul>{items}</ul>'


def class_report(graded: list[Graded], skipped: list[dict] | None = None, missing: list[str] | None = None,
                 title: str = "Class report") -> str:
    who = [(g.name or g.learner) for g in graded]
    clean = [g for g in graded if g.clean]
    mean = sum(g.total / g.max_points for g in clean if g.max_points) / len(clean) if clean else 0.0
    body = [f"<h1>{html.escape(title)}</h1>",
            f'<p class="summary">{len(graded)} notebook(s); {len(clean)} graded to the end, mean score '
            f"{100 * mean:.0f}%.</p>",
            "<h2>Exercises: how many got each right</h2>", exercise_table(graded),
            "<h2>Most common incorrect messages</h2>", common_mistakes(graded),
            "<h2>Scores</h2>", f'<img alt="A histogram of the scores" src="{score_chart(graded)}">',
            _list("Late", [w for w, g in zip(who, graded) if g.late], "late"),
            _list("Missing: in the gradebook, no submission", missing or [], "missing"),
            _list("Not graded to the end: look at these by hand",
                  [f"{w}: {g.status} ({g.notebook})" for w, g in zip(who, graded) if not g.clean], "not-graded"),
            _list("Files not graded", [f"{s.get('file')}: {s.get('reason')}" for s in skipped or []], "skipped")]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            f"img-src data:\"><title>{html.escape(title)}</title><style>{REPORT_STYLE}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def write_class_report(path: Path, graded: list[Graded], skipped=None, missing=None, title="Class report") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(class_report(graded, skipped, missing, title), encoding="utf-8")
    return path
