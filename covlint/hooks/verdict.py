"""Turn diff coverage into a verdict: totals, per-path thresholds, pass or fail."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from covlint.counts import Counts
from covlint.model import DiffCoverage, FileDiffCoverage, SkippedChange


@dataclass(frozen=True)
class Verdict:
    """What the gate decided, and everything a report needs to say why."""

    files: tuple[FileDiffCoverage, ...]
    skipped: tuple[SkippedChange, ...]
    totals: Counts
    threshold: float
    branch: bool
    passed: bool

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
    judged = DiffCoverage(tuple(_judge_file(f, thresholds) for f in coverage.files))
    files, totals = judged.files, judged.totals
    passed = totals.percent >= threshold and not any(f.status == "below" for f in files)
    return Verdict(files, coverage.skipped, totals, threshold, branch, passed)


def _judge_file(item: FileDiffCoverage, thresholds: dict[str, float]) -> FileDiffCoverage:
    own = threshold_for(item.path, thresholds)
    if own is None or item.status != "ok":
        return replace(item, threshold=own)
    below = item.counts.percent < own
    return replace(item, threshold=own, status="below" if below else "ok")


def threshold_for(path: str, thresholds: dict[str, float]) -> float | None:
    """The first configured glob matching `path` decides its own threshold."""
    for glob, pct in thresholds.items():
        if fnmatchcase(path, glob):
            return pct
    return None
