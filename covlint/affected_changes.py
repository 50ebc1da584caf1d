"""What changed since the tests ran: each file's measured text, its current text and the hunks.

The measured text is the one coverage ran. Until a store of measured texts is at hand, it is
taken from git: the commit HEAD pointed to when the data was written (from HEAD's reflog), and a
file not modified since the data was written is, by that proof, what ran (it has not changed).
With a base ref (CI, data recorded on the base), the measured text is the merge-base's.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from covlint import git
from covlint.analysis import decode_source
from covlint.diff import parse_patch
from covlint.errors import GitError
from covlint.linemap import HunkRange

log = logging.getLogger(__name__)

ChangeKind = Literal["modified", "added", "deleted", "other"]
_KINDS: dict[str, ChangeKind] = {"modified": "modified", "added": "added", "deleted": "deleted"}


@dataclass(frozen=True)
class FileChange:
    """One changed file: the text that ran, the text to test now, and the hunks between."""

    path: str  # repo-relative, forward slashes
    kind: ChangeKind  # "other": binary, mode-only, submodule
    measured: str | None  # None: not in the measured version (new) or not text
    current: str | None  # None: deleted, or not text
    hunks: tuple[HunkRange, ...]


@dataclass(frozen=True)
class Baseline:
    """The version the change is measured from, and how it was found."""

    commit: str
    how: str  # shown by `-v` and in json
    skip_unmodified_since: float | None  # files not modified after this time ran as they are


def recorded_commit(root: Path, data_mtime: float) -> tuple[str, str]:
    """The commit HEAD named when the data was written, and how that was found."""
    head = git.head_commit(root)
    if head is None:
        return git.empty_tree(root), "no commit yet: every file is new"
    out = git.run_git(root, "log", "-g", "--format=%H %gd", "--date=unix", "HEAD")
    for line in out.decode("ascii", "replace").splitlines():
        commit, _, selector = line.partition(" ")
        stamp = selector.rpartition("@{")[2].rstrip("}")
        # An entry in the same second as the data may come after it: take the one before.
        if stamp.isdigit() and int(stamp) < int(data_mtime):
            return commit, f"HEAD when the data was written ({commit[:12]})"
    return head, f"HEAD ({head[:12]}): no older entry in HEAD's reflog"


def baseline(root: Path, data_mtime: float, base: str | None) -> Baseline:
    """Where the change starts: the merge-base with `base`, else the data's own commit."""
    if base is not None:
        commit = git.merge_base(root, base)
        return Baseline(commit, f"merge-base with {base} ({commit[:12]})", None)
    commit, how = recorded_commit(root, data_mtime)
    return Baseline(commit, how, data_mtime)


def changes_since_run(
    root: Path, data_mtime: float, *, base: str | None = None, staged: bool = False
) -> tuple[Baseline, list[FileChange]]:
    """What changed since the measured text: the one place test selection asks it."""
    start = baseline(root, data_mtime, base)
    return start, changed_files(root, start, staged=staged)


def changed_files(root: Path, start: Baseline, *, staged: bool = False) -> list[FileChange]:
    """The files that differ between the baseline and the working tree (or the index)."""
    revs = ["--cached", start.commit] if staged else [start.commit]
    patches = parse_patch(git.diff_patch(root, *revs, renames=False))
    found: list[tuple[str, ChangeKind, tuple[HunkRange, ...]]] = []
    for patch in patches:
        path, status = patch.change.path, patch.change.status
        if not staged and _unmodified_since(root, path, start.skip_unmodified_since):
            continue
        found.append((path, _KINDS.get(status, "other"), patch.ranges))
    if not staged:
        found += [(p, "added", ()) for p in _untracked(root, start.skip_unmodified_since)]
    return _with_texts(root, start.commit, found, staged=staged)


def _unmodified_since(root: Path, path: str, since: float | None) -> bool:
    if since is None:
        return False
    try:
        return (root / path).stat().st_mtime <= since
    except OSError:
        return False  # deleted since


def _untracked(root: Path, since: float | None) -> list[str]:
    out = git.run_git(root, "ls-files", "-z", "--others", "--exclude-standard")
    paths = [os.fsdecode(name) for name in out.split(b"\0") if name]
    return [p for p in paths if not _unmodified_since(root, p, since)]


def _with_texts(
    root: Path,
    commit: str,
    found: list[tuple[str, ChangeKind, tuple[HunkRange, ...]]],
    *,
    staged: bool,
) -> list[FileChange]:
    wanted = [p for p, kind, _ in found if kind in ("modified", "deleted") and "\n" not in p]
    blobs = dict(zip(wanted, git.read_blobs(root, [f"{commit}:{p}" for p in wanted]), strict=True))
    changes = []
    for path, kind, hunks in found:
        measured = _text(blobs.get(path))
        current = None if kind in ("deleted", "other") else _current(root, path, staged=staged)
        changes.append(FileChange(path, kind, measured, current, hunks))
    log.debug("%d changed file(s) since %s", len(changes), commit[:12])
    return changes


def _current(root: Path, path: str, *, staged: bool) -> str | None:
    try:
        raw = git.read_index_blob(root, path) if staged else (root / path).read_bytes()
    except (OSError, GitError):
        return None
    return _text(raw)


def _text(raw: bytes | None) -> str | None:
    if raw is None or b"\0" in raw[:8000]:
        return None
    return decode_source(raw)
