"""GitHub Actions workflow commands: one annotation per uncovered range and per branch line."""

from __future__ import annotations

from covlint.hooks.verdict import Verdict, file_state
from covlint.hooks.wording import ranges_of, total_summary
from covlint.model import FileDiffCoverage
from covlint.wording import not_run


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _escape(text).replace(":", "%3A").replace(",", "%2C")


def _annotations(item: FileDiffCoverage, level: str) -> list[str]:
    where = f"file={_prop(item.path)}"
    if item.status == "stale":
        return [f"::{level} {where},title=covlint stale::{_escape(item.reason)}"]
    found = [
        (
            first,
            f"::{level} {where},line={first},endLine={last},title=covlint uncovered::"
            f"{_escape(not_run(first, last))}",
        )
        for first, last in ranges_of(item)
    ]
    found += [
        (line, f"::{level} {where},line={line},title=covlint missed-branch::{_escape(message)}")
        for line, message in item.branch_messages
    ]
    return [text for _, text in sorted(found, key=lambda pair: pair[0])]


def _level(item: FileDiffCoverage, verdict: Verdict) -> str:
    """Errors where the file fails or cannot be judged; warnings on passing files' gaps."""
    return "warning" if file_state(item, verdict.threshold) == "passing" else "error"


def render_github(verdict: Verdict) -> str:
    """Annotations on the changed lines of every file that misses something, then the verdict."""
    lines = [
        note
        for item in verdict.files
        if file_state(item, verdict.threshold) != "full"
        for note in _annotations(item, _level(item, verdict))
    ]
    summary = total_summary(verdict)
    lines.append(summary if verdict.passed else f"::error title=covlint::{_escape(summary)}")
    return "\n".join(lines) + "\n"
