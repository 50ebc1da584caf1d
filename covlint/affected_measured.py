"""The change since the run, judged against the text that ran where covlint knows it.

The measured-text store (`covlint.measured`) knows the text each measured file had when the
data was written (first sight of the data version, or the `covlint_measured` plugin's record).
Where it does, the change is the line diff from that text to the current one: a file edited
before the run and after it, or edited and reverted, is judged right. Where it does not, the
git baseline's text stands in (`covlint.affected_changes`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from covlint.affected_changes import FileChange
from covlint.analysis import decode_source
from covlint.coverage_set import CoverageSet
from covlint.linediff import match_lines
from covlint.linemap import HunkRange
from covlint.measured import MeasuredTexts

log = logging.getLogger(__name__)


def hunks_between(old: str, new: str) -> tuple[HunkRange, ...]:
    """The changes from `old` to `new`, as git's -U0 hunks (old_start, old_len, new_start,
    new_len); a side of length 0 names the line before the change."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    pairs = [(o, n) for n, o in enumerate(match_lines(old_lines, new_lines)) if o is not None]
    hunks: list[HunkRange] = []
    before_old, before_new = -1, -1
    for old_at, new_at in [*pairs, (len(old_lines), len(new_lines))]:
        old_len, new_len = old_at - before_old - 1, new_at - before_new - 1
        if old_len or new_len:
            old_start = before_old + 2 if old_len else before_old + 1
            new_start = before_new + 2 if new_len else before_new + 1
            hunks.append((old_start, old_len, new_start, new_len))
        before_old, before_new = old_at, new_at
    return tuple(hunks)


def against_measured(root: Path, data: CoverageSet, changes: list[FileChange]) -> list[FileChange]:
    """`changes` judged against the text that ran where it is known, plus measured files that
    differ from it although git sees no change (edited before the run, then reverted)."""
    texts = MeasuredTexts(data)
    listed = {change.path for change in changes}
    edited = [p for p in data.measured_paths if p not in listed and data.is_older_than(p)]
    texts.record_all()  # first sight of this data version: what is on disk and not newer ran
    judged = [_judged(root, texts, change) for change in changes]
    judged += [
        _judged(root, texts, FileChange(p, "modified", None, _read(root, p), ())) for p in edited
    ]
    return [change for change in judged if change is not None]


def _judged(root: Path, texts: MeasuredTexts, change: FileChange) -> FileChange | None:
    """The change against the text that ran (None: it is that text); as it is when unknown."""
    if change.kind == "other" or not texts.data.is_measured(change.path):
        return change
    raw = texts.text(change.path)
    if raw is None:
        return change if change.measured is not None or change.kind == "added" else None
    measured = decode_source(raw)
    if change.current is None:
        return FileChange(change.path, "deleted", measured, None, ())
    if measured == change.current:
        log.debug("%s: the text that ran, unchanged", change.path)
        return None
    hunks = hunks_between(measured, change.current)
    return FileChange(change.path, "modified", measured, change.current, hunks)


def _read(root: Path, path: str) -> str | None:
    try:
        return decode_source((root / path).read_bytes())
    except OSError:
        return None
