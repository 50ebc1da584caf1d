"""A Markdown report for pull-request comments and the GitHub job summary."""

from __future__ import annotations

from covlint.counts import format_percent
from covlint.hooks.verdict import Verdict, by_urgency, file_state
from covlint.hooks.wording import ranges_text, total_summary, unit
from covlint.model import FileDiffCoverage


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(item: FileDiffCoverage) -> str:
    if item.status in ("stale", "no-statements"):
        return f"| `{item.path}` | {item.status} | | {_cell(item.reason)} |"
    missed = ranges_text(item)
    parts = ([f"{missed} not run"] if missed else []) + [m for _, m in item.branch_messages]
    detail = "<br>".join(_cell(part) for part in parts)
    return f"| `{item.path}` | {item.status} | {format_percent(item.counts.percent)}% | {detail} |"


def render_markdown(verdict: Verdict) -> str:
    """The verdict as a heading, then a table of the files that miss something."""
    mark = "✅" if verdict.passed else "❌"
    lines = [f"### {mark} {total_summary(verdict)}", ""]
    shown = [f for f in by_urgency(verdict) if file_state(f, verdict.threshold) != "full"]
    if shown:
        lines += ["| File | Status | Diff coverage | Not covered |", "|---|---|---:|---|"]
        lines += [_row(item) for item in shown]
    full = len(verdict.files) - len(shown)
    if full:
        lines += ["", f"{unit(full, 'other changed file')}: nothing missed."]
    lines += [f"\n> {note}" for note in verdict.notes]
    return "\n".join(lines) + "\n"
