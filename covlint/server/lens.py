"""Code lenses: one per function with missed lines or branches ("71% · 2 lines, 1 branch missed").

Off by default (setting `codeLens`): on a poorly covered file a lens on every function is noise.
Each statement counts for the innermost function holding it, as coverage.py's function regions do.
"""

from __future__ import annotations

from covlint.blocks import Block, blocks
from covlint.counts import Counts, format_percent
from covlint.model import FileAnalysis, LineNo
from covlint.totals import file_counts


def function_figures(analysis: FileAnalysis, text: str) -> list[tuple[Block, Counts]]:
    """Each function with something missed, and its figures."""
    functions = sorted((b for b in blocks(text) if b.kind == "def"), key=lambda b: b.last - b.first)
    owned: dict[Block, list[LineNo]] = {}
    for statement in analysis.statements:
        owner = next((f for f in functions if f.body_first <= statement <= f.last), None)
        if owner is not None:
            owned.setdefault(owner, []).append(statement)
    found = []
    for function, statements in owned.items():
        figures = _figures(analysis, set(statements))
        if figures.missing or figures.missed_branches:
            found.append((function, figures))
    return sorted(found, key=lambda item: item[0].first)


def _figures(analysis: FileAnalysis, statements: set[LineNo]) -> Counts:
    return file_counts(analysis, frozenset(statements))


def lens_title(figures: Counts) -> str:
    """E.g. "71% · 2 lines, 1 branch missed"."""
    shown = format_percent(figures.percent, precision=0)
    parts = []
    if figures.missing:
        parts.append(f"{figures.missing} line" + ("s" if figures.missing > 1 else ""))
    if figures.missed_branches:
        count = figures.missed_branches
        parts.append(f"{count} branch" + ("es" if count > 1 else ""))
    return f"{shown}% · {', '.join(parts)} missed"
