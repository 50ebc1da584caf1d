"""Turn diff coverage into a verdict: totals, per-path thresholds, pass or fail."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from covlint.model import DiffCoverage, FileDiffCoverage, SkippedChange

COUNTED = ("ok", "below", "not-measured")


@dataclass(frozen=True)
class Totals:
    """Covered and total counts of statements and branch arcs."""

    statements: int = 0
    covered_statements: int = 0
    branches: int = 0
    covered_branches: int = 0

    @property
    def total(self) -> int:
        return self.statements + self.branches

    @property
    def percent(self) -> float:
        """Covered share of statements plus branches, as coverage computes it; 100 if empty."""
        if not self.total:
            return 100.0
        return 100.0 * (self.covered_statements + self.covered_branches) / self.total

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.statements + other.statements,
            self.covered_statements + other.covered_statements,
            self.branches + other.branches,
            self.covered_branches + other.covered_branches,
        )


def file_totals(item: FileDiffCoverage) -> Totals:
    return Totals(
        len(item.changed_statements),
        item.covered_statements,
        item.branches,
        item.covered_branches,
    )


@dataclass(frozen=True)
class Verdict:
    """What the gate decided, and everything a report needs to say why."""

    files: tuple[FileDiffCoverage, ...]
    skipped: tuple[SkippedChange, ...]
    totals: Totals
    threshold: float
    branch: bool
    passed: bool

    @property
    def stale(self) -> tuple[FileDiffCoverage, ...]:
        return tuple(f for f in self.files if f.status == "stale")

    @property
    def nothing_to_check(self) -> bool:
        return self.totals.total == 0


def decide(
    coverage: DiffCoverage,
    threshold: float,
    thresholds: dict[str, float],
    *,
    branch: bool,
) -> Verdict:
    """Judge every file against its own threshold and the whole diff against `threshold`."""
    files = tuple(_judge_file(f, thresholds) for f in coverage.files)
    totals = sum((file_totals(f) for f in files if f.status in COUNTED), Totals())
    passed = totals.percent >= threshold and not any(f.status == "below" for f in files)
    return Verdict(files, coverage.skipped, totals, threshold, branch, passed)


def _judge_file(item: FileDiffCoverage, thresholds: dict[str, float]) -> FileDiffCoverage:
    own = threshold_for(item.path, thresholds)
    if own is None or item.status != "ok":
        return replace(item, threshold=own)
    below = file_totals(item).percent < own
    return replace(item, threshold=own, status="below" if below else "ok")


def threshold_for(path: str, thresholds: dict[str, float]) -> float | None:
    """The first configured glob matching `path` decides its own threshold."""
    for glob, pct in thresholds.items():
        if fnmatchcase(path, glob):
            return pct
    return None
