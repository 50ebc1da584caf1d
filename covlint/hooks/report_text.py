"""The terminal report: a line per file, skipped changes when verbose, the total last."""

from __future__ import annotations

from covlint.hooks.verdict import Verdict
from covlint.hooks.wording import file_summary, total_summary

RED, GREEN, YELLOW, RESET = "\033[31m", "\033[32m", "\033[33m", "\033[0m"
COLOURS = {"ok": GREEN, "below": RED, "not-measured": RED, "stale": YELLOW}


def render_text(verdict: Verdict, *, colour: bool, verbose: bool, quiet: bool) -> str:
    """The report as text; `quiet` leaves only failures and the total."""
    lines = []
    for item in verdict.files:
        if quiet and item.status in ("ok", "no-statements"):
            continue
        paint = COLOURS.get(item.status, "") if colour else ""
        lines.append(f"{paint}{file_summary(item)}{RESET if paint else ''}")
    if verbose:
        lines.extend(f"{s.path}: skipped ({s.why})" for s in verdict.skipped)
    total = total_summary(verdict)
    if colour:
        total = f"{GREEN if verdict.passed else RED}{total}{RESET}"
    lines.append(total)
    return "\n".join(lines) + "\n"
