"""Turn diff coverage into a verdict: totals, per-path thresholds, pass or fail."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Literal

from covlint.counts import Counts
from covlint.model import DiffCoverage, FileDiffCoverage, SkippedChange

FileState = Literal["failing", "doubtful", "passing", "full"]


@dataclass(frozen=True)
class Verdict:
    """What the gate decided, and everything a report needs to say why."""

    files: tuple[FileDiffCoverage, ...]
    skipped: tuple[SkippedChange, ...]
    totals: Counts
    threshold: float
    branch: bool
    passed: bool
    nothing_changed: str = "nothing staged"  # what "no changes at all" means for this run
    notes: tuple[str, ...] = ()  # said once, before the closing line

    @property
    def nothing_to_check(self) -> bool:
        return self.totals.total == 0


def decide(
    coverage: DiffCoverage,
    threshold: float,
    thresholds: dict[str, float],
    *,
    branch: bool,
    nothing_changed: str = "nothing staged",
    notes: tuple[str, ...] = (),
) -> Verdict:
    """Judge every file against its own threshold and the whole diff against `threshold`."""
    judged = DiffCoverage(tuple(_judge_file(f, thresholds) for f in coverage.files))
    files, totals = judged.files, judged.totals
    passed = totals.percent >= threshold and not any(f.status == "below" for f in files)
    return Verdict(
        files, coverage.skipped, totals, threshold, branch, passed, nothing_changed, notes
    )


def file_state(item: FileDiffCoverage, threshold: float) -> FileState:
    """How the report shows a file: below what it needs, doubtful, passing, or nothing missed."""
    if item.status in ("stale", "not-measured"):
        return "doubtful"
    if item.status == "below":
        return "failing"
    if item.status == "no-statements" or item.counts.percent >= 100:
        return "full"
    needs = threshold if item.threshold is None else item.threshold
    return "failing" if item.counts.percent < needs else "passing"


URGENCY: dict[FileState, int] = {"failing": 0, "doubtful": 1, "passing": 2, "full": 3}


def by_urgency(verdict: Verdict) -> list[FileDiffCoverage]:
    """The files in the order a report shows them: what to test first, first."""
    return sorted(verdict.files, key=lambda f: URGENCY[file_state(f, verdict.threshold)])


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
