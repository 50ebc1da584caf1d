"""The status text editors build from `covlint/summary` (the same rule in TypeScript and Lua)."""

from __future__ import annotations

import math
from typing import Any

NO_DATA = "covlint: no data"  # VS Code's status bar without data (its icon is not text)


def percent_text(percent: float) -> str:
    """62.5 -> "62.5%", 80 -> "80%"; never "100%"/"0%" unless exact."""
    shown = math.floor(percent * 10 + 0.5) / 10
    if shown == 100 and percent < 100:
        shown = 99.9
    elif shown == 0 and percent > 0:
        shown = 0.1
    return f"{shown:g}%"


def status_text(summary: dict[str, Any] | None, scope: str = "all") -> str:
    """E.g. "covlint 62.5% · total 80%", "covlint diff …" in diff scope, "covlint" if no summary."""
    if summary is None:
        return "covlint"
    if summary.get("data") == "missing":
        return NO_DATA
    prefix = "covlint diff" if scope == "diff" else "covlint"
    file = percent_text(summary["file"]["percent"]) if summary.get("file") else "—"
    total = f" · total {percent_text(summary['total']['percent'])}" if summary.get("total") else ""
    return f"{prefix} {file}{total}"


def describe(figures: dict[str, Any] | None) -> str:
    """A project view row (VS Code's tree, Neovim's :CovlintSummary): "4 lines, 3 branches
    missed · 76.7%"."""
    if not figures:
        return "stale: re-run tests"
    parts = []
    if figures["missing"]:
        parts.append(f"{figures['missing']} line" + ("s" if figures["missing"] > 1 else ""))
    if figures["missedBranches"]:
        count = figures["missedBranches"]
        parts.append(f"{count} branch" + ("es" if count > 1 else ""))
    missed = f"{', '.join(parts)} missed · " if parts else ""
    return missed + percent_text(figures["percent"])
