"""Which changed files the gate judges: untracked ones when asked, include and exclude globs."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from covlint.changes import ChangeSet
from covlint.hooks.config import Config
from covlint.model import SkippedChange
from covlint.untracked import untracked_changes


def add_untracked(root: Path, changes: ChangeSet, config: Config) -> ChangeSet:
    """Untracked Python files join the change when asked (never for a push: they aren't in it)."""
    if config.include_untracked and changes.kind != "commit":
        known = {f.path for f in changes.files}
        changes.files += [f for f in untracked_changes(root) if f.path not in known]
    return changes


def exclude_files(changes: ChangeSet, config: Config) -> tuple[SkippedChange, ...]:
    """Drop the files `exclude` names or `include` does not; they are listed as skipped."""
    kept, left_out = [], []
    for change in changes.files:
        why = selection_reason(change.path, config.include, config.exclude)
        if why:
            left_out.append(SkippedChange(change.path, why))
        else:
            kept.append(change)
    changes.files = kept
    return tuple(left_out)


def selection_reason(path: str, include: Sequence[str], exclude: Sequence[str]) -> str | None:
    """Why `path` is left out by the include/exclude globs, or None when it is judged."""
    if include and not any(fnmatchcase(path, glob) for glob in include):
        return "not in --include"
    matched = next((glob for glob in exclude if fnmatchcase(path, glob)), None)
    return f"excluded by {matched!r}" if matched else None


def nothing_changed(changes: ChangeSet, config: Config) -> str:
    """What an empty change means here, and what the user may have meant."""
    if changes.kind == "index":
        return "nothing staged (stage with `git add`, or check a branch with --base origin/main)"
    if changes.kind == "commit":
        return "the pushed commits change no files"
    return f"no changes since the merge-base with {config.base}"
