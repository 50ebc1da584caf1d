"""Diff coverage of a judged text that differs from the text that ran, through a line diff.

The data numbers the measured text's lines. A changed statement of the judged version whose
every line survives unchanged (and in a row) in the measured text is judged by the data at its
measured position; one with any line that differs has no data for this version: it is reported
as changed since the tests ran, never guessed. Results are numbered as the judged version.
"""

from __future__ import annotations

from dataclasses import replace

from covlint.analysis import branch_line_messages
from covlint.linediff import inverse, match_lines, renumber
from covlint.model import FileAnalysis, FileDiffCoverage, FileStatus, LineNo, MissedArc
from covlint.wording import change_ranges


class Carried:
    """Judged-version lines (1-based) to measured lines and back, through a line diff."""

    def __init__(self, measured_text: str, judged_text: str) -> None:
        measured, judged = measured_text.split("\n"), judged_text.split("\n")
        self.origins = match_lines(measured, judged)
        self.back = inverse(self.origins, len(measured))

    def to_measured(self, line: LineNo) -> LineNo | None:
        origin = self.origins[line - 1] if 0 < line <= len(self.origins) else None
        return None if origin is None else origin + 1

    def to_judged(self, line: LineNo) -> LineNo | None:
        moved = self.back[line - 1] if 0 < line <= len(self.back) else None
        return None if moved is None else moved + 1

    def statement(self, judged: FileAnalysis, first: LineNo, last: LineNo) -> LineNo | None:
        """The measured statement lines `first`..`last` of the judged text are, if unchanged."""
        start = self.to_measured(first)
        if start is None:
            return None
        for offset in range(1, last - first + 1):
            if self.to_measured(first + offset) != start + offset:
                return None
        return start


def judge_carried(
    measured: FileAnalysis,
    judged: FileAnalysis,
    carried: Carried,
    lines: set[LineNo],
    *,
    branch: bool,
) -> FileDiffCoverage:
    """Diff coverage of the changed `lines` (judged numbering) by the data of the measured text."""
    ends = _statement_ends(judged.multiline)
    kept: dict[LineNo, LineNo] = {}  # judged statement -> measured statement
    changed: list[LineNo] = []
    for statement in sorted({judged.multiline.get(n, n) for n in lines} & judged.statements):
        origin = carried.statement(judged, statement, ends.get(statement, statement))
        if origin is not None and origin in measured.statements:
            kept[statement] = origin
        else:
            changed.append(statement)
    result = _result(measured, carried, kept, tuple(changed), branch=branch)
    missing = {s for s, origin in kept.items() if origin in measured.missing}
    everything = judged.statements | judged.excluded
    spans = change_ranges(everything, missing, set(kept), judged.multiline)
    return replace(result, uncovered_ranges=spans)


def _result(
    measured: FileAnalysis,
    carried: Carried,
    kept: dict[LineNo, LineNo],
    changed: tuple[LineNo, ...],
    *,
    branch: bool,
) -> FileDiffCoverage:
    origins = set(kept.values())
    arcs = tuple(_carried_arc(a, carried) for a in measured.missed_arcs if a.start in origins)
    notes = branch_line_messages(measured) if branch else {}
    statements = tuple(sorted(kept))
    reason = changed_reason(measured.path, changed) if changed else ""
    status: FileStatus = "ok" if statements else ("stale" if changed else "no-statements")
    return FileDiffCoverage(
        measured.path,
        status,
        changed_statements=statements if status != "stale" else (),
        uncovered_lines=tuple(s for s in statements if kept[s] in measured.missing),
        branches=sum(measured.exit_counts.get(m, 0) for m in origins) if branch else 0,
        missed_arcs=arcs if branch else (),
        branch_messages=tuple(
            (s, renumber(notes[kept[s]], carried.to_judged)) for s in statements if kept[s] in notes
        ),
        reason=reason,
        changed_since_run=changed,
    )


def _carried_arc(arc: MissedArc, carried: Carried) -> MissedArc:
    start = carried.to_judged(arc.start) or arc.start
    end = carried.to_judged(abs(arc.end))
    moved_end = arc.end if end is None else (end if arc.end > 0 else -end)
    return MissedArc(start, moved_end, renumber(arc.message, carried.to_judged))


def changed_reason(path: str, changed: tuple[LineNo, ...]) -> str:
    shown = ", ".join(map(str, changed[:5])) + (" …" if len(changed) > 5 else "")
    noun = "line" if len(changed) == 1 else "lines"
    return f"{path}: {noun} {shown} changed since the tests ran: re-run tests"


def _statement_ends(multiline: dict[LineNo, LineNo]) -> dict[LineNo, LineNo]:
    ends: dict[LineNo, LineNo] = {}
    for line, first in multiline.items():
        ends[first] = max(ends.get(first, first), line)
    return ends
