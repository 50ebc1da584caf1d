"""The gate's sentences: a file's figure, its findings, the closing line.

Ranges are worded by the engine (`covlint.wording`), exactly as the editor's diagnostics.
"""

from __future__ import annotations

from covlint.counts import format_percent, format_threshold
from covlint.hooks.verdict import Verdict
from covlint.model import FileDiffCoverage, LineNo
from covlint.wording import span_list

BRANCH_OFF = (
    "branch coverage is off: the data has no arcs; record with `pytest --cov --cov-branch`"
    " (or `[run] branch = true`) to check branches too"
)


def unit(count: int, name: str) -> str:
    plural = name + ("es" if name.endswith("ch") else "s")
    return f"{count} {name}" if count == 1 else f"{count} {plural}"


def counted(statements: int, branches: int, *, branch: bool) -> str:
    text = unit(statements, "changed line")
    return f"{text} and {unit(branches, 'branch')}" if branch else text


def file_headline(item: FileDiffCoverage) -> str:
    """`src/app.py: 62.5% of 8 changed lines covered (needs 80%)`, or why it has no figure."""
    if item.status == "stale":
        return f"{item.path}: stale: {item.reason}"
    if item.status == "no-statements":
        return f"{item.path}: no changed statements"
    if item.status == "not-measured":
        lines = unit(item.counts.statements, "changed line")
        return f"{item.path}: never measured: does a test import it? ({lines})"
    totals = item.counts
    text = (
        f"{item.path}: {format_percent(totals.percent)}% of"
        f" {counted(totals.statements, totals.branches, branch=bool(totals.branches))} covered"
    )
    if item.threshold is not None:
        text += f" (needs {format_threshold(item.threshold)}%)"
    return text


def ranges_of(item: FileDiffCoverage) -> tuple[tuple[LineNo, LineNo], ...]:
    """The file's uncovered ranges; a result built without them gets one range per line."""
    if item.uncovered_ranges or not item.uncovered_lines:
        return item.uncovered_ranges
    return tuple((line, line) for line in item.uncovered_lines)


def ranges_text(item: FileDiffCoverage) -> str:
    """`line 8, lines 12–14`: the file's uncovered ranges, as the editor shows them."""
    return span_list(ranges_of(item))


def total_summary(verdict: Verdict) -> str:
    """The closing line: the whole diff's figure against the threshold."""
    if verdict.nothing_to_check:
        return f"covlint: nothing to check: {nothing_reason(verdict)}"
    totals = verdict.totals
    outcome = "passed" if verdict.passed else "FAILED"
    return (
        f"covlint: {outcome}: {format_percent(totals.percent)}% of"
        f" {counted(totals.statements, totals.branches, branch=verdict.branch)} covered"
        f" (needs {format_threshold(verdict.threshold)}%)"
    )


def nothing_reason(verdict: Verdict) -> str:
    """Why there was nothing to judge, and what the user may have meant."""
    if not verdict.files and not verdict.skipped:
        return verdict.nothing_changed
    if not verdict.files:
        skipped = unit(len(verdict.skipped), "changed file")
        return f"no Python changes ({skipped} skipped; -v lists them)"
    if all(item.status == "stale" for item in verdict.files):
        return "every changed Python file is stale"
    return "no changed statements (only comments, docstrings, blank lines or excluded code)"
