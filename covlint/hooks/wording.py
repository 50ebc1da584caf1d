"""Shared wording of the reports: line ranges, percentages, one sentence per file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from covlint.counts import format_percent, format_threshold
from covlint.hooks.verdict import Verdict
from covlint.model import FileDiffCoverage, LineNo


def line_runs(lines: Iterable[LineNo], statements: Sequence[LineNo]) -> list[tuple[LineNo, LineNo]]:
    """Group uncovered lines into runs with no other changed statement between them."""
    chosen = set(lines)
    runs: list[tuple[LineNo, LineNo]] = []
    start: LineNo | None = None
    last: LineNo = 0
    for line in sorted(statements):
        if line in chosen:
            start = line if start is None else start
            last = line
        elif start is not None:
            runs.append((start, last))
            start = None
    if start is not None:
        runs.append((start, last))
    return runs


def format_runs(runs: Iterable[tuple[LineNo, LineNo]]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def unit(count: int, name: str) -> str:
    plural = name + ("es" if name.endswith("ch") else "s")
    return f"{count} {name}" if count == 1 else f"{count} {plural}"


def file_summary(item: FileDiffCoverage) -> str:
    """`src/app.py: 62.5% of 8 changed lines covered (needs 80%): lines 14-16 not run; …`."""
    if item.status == "stale":
        return f"{item.path}: stale: {item.reason}"
    if item.status == "no-statements":
        return f"{item.path}: no changed statements"
    totals = item.counts
    counted = unit(totals.statements, "changed line")
    if totals.branches:
        counted += f" and {unit(totals.branches, 'branch')}"
    text = f"{item.path}: {format_percent(totals.percent)}% of {counted} covered"
    if item.threshold is not None:
        text += f" (needs {format_threshold(item.threshold)}%)"
    if item.status == "not-measured":
        text += " — never measured: does a test import it?"
    return text + _details(item)


def _details(item: FileDiffCoverage) -> str:
    parts = []
    runs = line_runs(item.uncovered_lines, item.changed_statements)
    if runs:
        word = "line" if len(runs) == 1 and runs[0][0] == runs[0][1] else "lines"
        parts.append(f"{word} {format_runs(runs)} not run")
    parts.extend(message for _, message in item.branch_messages)
    return ": " + "; ".join(parts) if parts else ""


def total_summary(verdict: Verdict) -> str:
    """The closing line: the whole diff's figure against the threshold."""
    if verdict.nothing_to_check:
        return "covlint: nothing to check: no changed statements"
    totals = verdict.totals
    counted = unit(totals.statements, "changed line")
    if verdict.branch:
        counted += f" and {unit(totals.branches, 'branch')}"
    outcome = "passed" if verdict.passed else "FAILED"
    return (
        f"covlint: {outcome}: {format_percent(totals.percent)}% of {counted} covered"
        f" (needs {format_threshold(verdict.threshold)}%)"
    )
