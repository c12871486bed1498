"""A learner's feedback as one HTML page (beside the Markdown one): what a learner can open and read.

Each exercise's verdict and points, the check's message, for an exercise not
yet right the first hint to try next (from the build's answers; none in an
assessment bundle that withholds them), and the first error of each cell that
raised. Everything the notebook or the check said is escaped: the page has no
script, and its Content-Security-Policy allows none.
"""

from __future__ import annotations

import html
from pathlib import Path

from helpers.instructor.grading.results import NotebookGrade

STYLE = """body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem} .summary{font-size:1.1rem} section{border-left:6px solid #9e9e9e;padding:.2rem 1rem;margin:1rem 0}
section.correct{border-color:#2e7d32} section.incorrect{border-color:#c62828} section.error{border-color:#ef6c00}
.verdict{font-weight:700} .message,.hint,pre{white-space:pre-wrap} .hint{background:#f5f5f5;padding:.5rem}
li code{white-space:pre-wrap}"""
VERDICT = {"correct": "✓ correct", "incorrect": "✗ incorrect", "unattempted": "· not attempted", "error": "! error"}


def first_hint(episode: str, exercise: str) -> str:
    from helpers.learner.checking import answers

    hints = answers(episode).get(exercise, {}).get("hints", []) if episode else []
    return hints[0] if hints else ""


def _exercise(grade: NotebookGrade, name: str) -> str:
    result = grade.exercises[name]
    e = html.escape
    parts = [f'<section class="{e(result.status)}" id="exercise-{e(name)}">',
             f'<h2>{e(name)}: <span class="verdict">{e(VERDICT.get(result.status, result.status))}</span> '
             f"({result.points}/{result.max_points})</h2>", f'<p class="message">{e(result.message)}</p>']
    hint = first_hint(grade.episode, name) if result.status != "correct" else ""
    if hint:
        parts.append(f'<p>Try next:</p><p class="hint">{e(hint)}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def feedback_html(grade: NotebookGrade) -> str:
    e = html.escape
    who = grade.identity.get("name") or grade.learner
    late = " · late" if grade.identity.get("late") else ""
    body = [f"<h1>Feedback for {e(who)}</h1>",
            f'<p class="summary">{e(grade.name)} · episode {e(grade.episode or "?")} · '
            f"<strong>{grade.total}/{grade.max_points} points</strong> · {e(grade.status)}{late}</p>"]
    if not grade.status.startswith("graded"):
        body.append(f"<p><strong>Your notebook was not graded to the end ({e(grade.status)}).</strong> "
                    "Your instructor will look at it.</p>")
    body += [_exercise(grade, name) for name in grade.exercises]
    if grade.cell_errors:
        body += ["<h2>Cells that raised an error</h2>", "<p>The first error of each cell that failed:</p><ul>",
                 *[f"<li><code>{e(error)}</code></li>" for error in grade.cell_errors], "</ul>"]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>Feedback: {e(who)}</title>"
            f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_feedback_page(grade: NotebookGrade, folder: Path) -> Path:
    """The page, named as the Markdown feedback is (the notebook's name, ``.html``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{Path(grade.notebook).stem}.html"
    path.write_text(feedback_html(grade), encoding="utf-8")
    return path
