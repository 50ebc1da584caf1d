"""Counting a file's, a change's and the whole project's coverage: the same figures everywhere."""

from __future__ import annotations

from covlint.analysis import decode_source
from covlint.counts import Counts
from covlint.coverage_set import CoverageSet
from covlint.errors import NotPython
from covlint.model import FileAnalysis, LineNo
from covlint.safe_io import SOURCE_LIMIT, read_regular


def file_counts(analysis: FileAnalysis, chosen: frozenset[LineNo] | None = None) -> Counts:
    """A file's counts; with `chosen` (changed statements) only those, as the gate counts."""
    if chosen is None:
        statements, missing = len(analysis.statements), len(analysis.missing)
        branches, missed = analysis.num_branches, analysis.num_missed_branches
    else:
        statements, missing = len(chosen), len(chosen & analysis.missing)
        branches = sum(analysis.exit_counts.get(line, 0) for line in chosen)
        missed = sum(1 for arc in analysis.missed_arcs if arc.start in chosen)
    if not analysis.has_arcs:
        branches = missed = 0
    return Counts(statements, statements - missing, branches, branches - missed)


def changed_statements(analysis: FileAnalysis, lines: frozenset[LineNo]) -> frozenset[LineNo]:
    """The statements a diff touches: any of their lines changed (the gate's definition)."""
    return frozenset({analysis.multiline.get(line, line) for line in lines} & analysis.statements)


def project_counts(data: CoverageSet) -> Counts:
    """Every measured file's current text, as `coverage report` totals them.

    Slow (analyses every measured file). Vanished or unparsable files are left out.
    """
    total = Counts()
    for path in data.measured_paths:
        try:
            analysis = data.analyse(
                path, decode_source(read_regular(data.root / path, SOURCE_LIMIT))
            )
        except (OSError, NotPython):
            continue
        total += file_counts(analysis)
    return total
