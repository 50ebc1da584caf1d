"""The terminal report: what to test first, then counts, then the verdict.

Files below what they need come first, then the doubtful ones (stale, never measured), each
with its findings on indented lines; then the passing ones that still miss something, one line
each (their findings too with -v). Fully covered files and files without changed statements are
one count line each (listed with -v).
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Callable, Sequence

from covlint.hooks.verdict import FileState, Verdict, file_state
from covlint.hooks.wording import file_headline, ranges_of, ranges_text, total_summary, unit
from covlint.model import FileDiffCoverage, SkippedChange
from covlint.source_filter import is_unmeasured_root_reason

RED, GREEN, YELLOW, RESET = "\033[31m", "\033[32m", "\033[33m", "\033[0m"
COLOURS: dict[FileState, str] = {"failing": RED, "doubtful": YELLOW, "passing": GREEN}
ORDER: tuple[FileState, ...] = ("failing", "doubtful", "passing")
WIDTH = 100
INDENT = "  "


def render_text(verdict: Verdict, *, colour: bool, verbose: bool, quiet: bool) -> str:
    """The report as text; `quiet` leaves the failing files' headlines and the verdict."""
    paint = _painter(colour)
    states = {item.path: file_state(item, verdict.threshold) for item in verdict.files}
    lines: list[str] = []
    for state in ORDER:
        for item in (f for f in verdict.files if states[f.path] == state):
            if quiet and state == "passing":
                continue
            lines.append(paint(file_headline(item), COLOURS[state]))
            detailed = not quiet and (state != "passing" or verbose)
            lines += file_findings(item) if detailed else []
    if not quiet:
        lines += _quiet_files(verdict, states, verbose)
        lines += verdict.notes
    total = total_summary(verdict)
    lines.append(paint(total, GREEN if verdict.passed else RED) if verdict.totals.total else total)
    return "\n".join(lines) + "\n"


def file_findings(item: FileDiffCoverage) -> list[str]:
    """Indented lines: the uncovered ranges (wrapped to the width), then each missed branch.

    A never measured file's headline says it all: every changed line is uncovered."""
    lines = []
    if ranges_of(item) and item.status != "not-measured":  # never measured: all of it
        lines += textwrap.wrap(
            f"not run: {ranges_text(item)}",
            WIDTH,
            initial_indent=INDENT,
            subsequent_indent=INDENT + " " * len("not run: "),
            break_on_hyphens=False,
        )
    lines += [f"{INDENT}{message}" for _, message in item.branch_messages]
    return lines


def _quiet_files(verdict: Verdict, states: dict[str, FileState], verbose: bool) -> list[str]:
    """Count lines for files with nothing missed (each file too with -v), and skipped changes."""
    full = [f for f in verdict.files if states[f.path] == "full" and f.status != "no-statements"]
    empty = [f for f in verdict.files if f.status == "no-statements"]
    lines = []
    if full:
        lines.append(f"{unit(len(full), 'file')} fully covered")
        lines += [f"{INDENT}{file_headline(f)}" for f in full] if verbose else []
    if empty:
        lines.append(f"{unit(len(empty), 'file')} with no changed statements")
        lines += [f"{INDENT}{f.path}" for f in empty] if verbose else []
    lines += _unmeasured_roots(verdict.skipped)
    if verbose:
        lines += [f"{s.path}: skipped ({s.why})" for s in verdict.skipped]
    return lines


def _unmeasured_roots(skipped: Sequence[SkippedChange]) -> list[str]:
    """A source root the run did not measure is said once, not hidden among the -v skips: the
    user may have meant to measure it."""
    counts = Counter(s.why for s in skipped if is_unmeasured_root_reason(s.why))
    return [f"{unit(n, 'changed file')} skipped: {why}" for why, n in counts.items()]


def _painter(colour: bool) -> Callable[[str, str], str]:
    if not colour:
        return lambda text, code: text
    return lambda text, code: f"{code}{text}{RESET}"
