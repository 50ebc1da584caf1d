"""The engine's result types, shared by the gate and the language server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from covlint.counts import Counts

LineNo = int
Arc = tuple[LineNo, LineNo]  # (from, to) as coverage records it; negative: an exit or entry


class LineData(Protocol):
    """The slice of coverage's `CoverageData` an analysis reads."""

    def has_arcs(self) -> bool: ...
    def lines(self, filename: str) -> list[LineNo] | None: ...
    def arcs(self, filename: str) -> list[Arc] | None: ...


@dataclass(frozen=True)
class MissedArc:
    """A branch arc that never ran, worded as coverage.py words it."""

    start: LineNo
    end: LineNo  # negative: exit from the code object starting at -end
    message: str


@dataclass(frozen=True)
class FileAnalysis:
    """Coverage of one file's text against the recorded data (same figures as `coverage json`)."""

    path: str  # repo-relative, forward slashes
    statements: frozenset[LineNo]
    executed: frozenset[LineNo]
    missing: frozenset[LineNo]
    excluded: frozenset[LineNo]
    has_arcs: bool
    exit_counts: dict[LineNo, int]  # branch lines only: line -> number of possible exits (> 1)
    missed_arcs: tuple[MissedArc, ...]  # from branch lines, sorted by (start, end)
    multiline: dict[LineNo, LineNo]  # any line of a multi-line statement -> its first line
    stale_reason: str | None = None  # set when the recorded data cannot belong to this text

    @property
    def num_branches(self) -> int:
        return sum(self.exit_counts.values())

    @property
    def num_missed_branches(self) -> int:
        return len(self.missed_arcs)


FileStatus = Literal["ok", "below", "not-measured", "stale", "no-statements"]
COUNTED: tuple[FileStatus, ...] = ("ok", "below", "not-measured")  # in the diff's totals


@dataclass(frozen=True)
class FileDiffCoverage:
    """Diff coverage of one changed file."""

    path: str
    status: FileStatus
    changed_statements: tuple[LineNo, ...] = ()
    uncovered_lines: tuple[LineNo, ...] = ()
    # The uncovered lines as the editor's ranges: (first, last line), worded by covlint.wording.
    uncovered_ranges: tuple[tuple[LineNo, LineNo], ...] = ()
    branches: int = 0
    missed_arcs: tuple[MissedArc, ...] = ()
    branch_messages: tuple[tuple[LineNo, str], ...] = ()  # one sentence per partly run branch line
    threshold: float | None = None
    reason: str = ""  # for not-measured / stale: what the user should do
    # changed statements (judged numbering) whose text differs from the text that ran: no data
    changed_since_run: tuple[LineNo, ...] = ()

    @property
    def covered_statements(self) -> int:
        return len(self.changed_statements) - len(self.uncovered_lines)

    @property
    def covered_branches(self) -> int:
        return self.branches - len(self.missed_arcs)

    @property
    def counts(self) -> Counts:
        return Counts(
            len(self.changed_statements),
            self.covered_statements,
            self.branches,
            self.covered_branches,
        )


@dataclass(frozen=True)
class SkippedChange:
    """A change the gate does not judge (binary, deleted, mode-only, submodule, not Python)."""

    path: str
    why: str


@dataclass(frozen=True)
class DiffCoverage:
    """The gate's whole verdict input: every judged file and what was skipped."""

    files: tuple[FileDiffCoverage, ...]
    skipped: tuple[SkippedChange, ...] = field(default=())

    @property
    def totals(self) -> Counts:
        """The whole change's counts: every judged file except the stale and empty ones."""
        return sum((f.counts for f in self.files if f.status in COUNTED), Counts())
