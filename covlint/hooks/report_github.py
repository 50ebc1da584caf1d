"""GitHub Actions workflow commands: an annotation per uncovered run and missed branch."""

from __future__ import annotations

from covlint.hooks.verdict import Verdict
from covlint.hooks.wording import line_runs, total_summary
from covlint.model import FileDiffCoverage


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _escape(text).replace(":", "%3A").replace(",", "%2C")


def _annotations(item: FileDiffCoverage) -> list[str]:
    level = "error" if item.status in ("below", "not-measured", "stale") else "warning"
    where = f"file={_prop(item.path)}"
    if item.status == "stale":
        return [f"::{level} {where},title=covlint::{_escape(item.reason)}"]
    found = []
    for start, end in line_runs(item.uncovered_lines, item.changed_statements):
        what = f"line {start}" if start == end else f"lines {start}-{end}"
        found.append(
            f"::{level} {where},line={start},endLine={end},title=covlint::"
            f"{what} not covered by any test"
        )
    found += [
        f"::{level} {where},line={line},title=covlint::{_escape(message)}"
        for line, message in item.branch_messages
    ]
    return found


def render_github(verdict: Verdict) -> str:
    lines = [note for item in verdict.files for note in _annotations(item)]
    summary = total_summary(verdict)
    lines.append(summary if verdict.passed else f"::error title=covlint::{_escape(summary)}")
    return "\n".join(lines) + "\n"
