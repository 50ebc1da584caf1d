"""A Markdown report for pull-request comments."""

from __future__ import annotations

from covlint.counts import format_percent
from covlint.hooks.verdict import Verdict
from covlint.hooks.wording import format_runs, line_runs, total_summary
from covlint.model import FileDiffCoverage


def _row(item: FileDiffCoverage) -> str:
    if item.status in ("stale", "no-statements"):
        return f"| `{item.path}` | {item.status} | | {item.reason} |"
    totals = item.counts
    missed = format_runs(line_runs(item.uncovered_lines, item.changed_statements))
    arcs = "<br>".join(message for _, message in item.branch_messages)
    detail = "<br>".join(part for part in (missed and f"lines {missed}", arcs) if part)
    return f"| `{item.path}` | {item.status} | {format_percent(totals.percent)}% | {detail} |"


def render_markdown(verdict: Verdict) -> str:
    mark = "✅" if verdict.passed else "❌"
    lines = [f"### {mark} {total_summary(verdict)}", ""]
    if verdict.files:
        lines += ["| File | Status | Diff coverage | Not covered |", "|---|---|---:|---|"]
        lines += [_row(item) for item in verdict.files]
    return "\n".join(lines) + "\n"
