"""Diff scope: the lines changed against a base, as `covlint check --base` sees them.

"Changed" means committed since the merge-base with the base ref, staged or unstaged (not
untracked): the engine's `base_changes`. Line numbers are the working tree's, which is the text
the tests ran on (when the data is not older than the file).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

from covlint import git
from covlint.changes import ChangeSet, base_changes
from covlint.errors import GitError, UnknownRef
from covlint.model import LineNo
from covlint.server.workspace import PENDING, Pending, Project

log = logging.getLogger(__name__)

# Tried in order when no `base` is set: the upstream branch, then the usual default branches.
DEFAULT_BASES = ("@{upstream}", "origin/main", "main", "origin/master", "master")

Changes = ChangeSet | GitError  # what one computation of the diff gave


def default_base(root: Path) -> str:
    """The first of DEFAULT_BASES that names a commit in the repository at `root`."""
    for ref in DEFAULT_BASES:
        try:
            git.resolve(root, ref)
        except UnknownRef:
            continue
        return ref
    raise GitError(
        "no base for diff scope: set `base` (no upstream, origin/main, main or master found)"
    )


def compute_changes(root: Path, base: str | None) -> ChangeSet:
    """The changes of the repository holding `root` since its merge-base with `base`."""
    return base_changes(root, base or default_base(root))


class DiffScope:
    """Changed lines per project and base, computed off the event loop, cached until refreshed."""

    def __init__(self, executor: Executor, on_ready: Callable[[], None]) -> None:
        self.executor = executor
        self.on_ready = on_ready
        self._changes: dict[tuple[Path, str | None], Changes] = {}
        self._running: dict[tuple[Path, str | None], asyncio.Future[Changes]] = {}

    def forget(self) -> None:
        """Read the diff again next time (after a save, a reload or `covlint.refresh`)."""
        self._changes.clear()

    def changes(self, project: Project, base: str | None) -> Changes | Pending:
        """The project's changes if known, else PENDING (and their computation started)."""
        key = (project.root, base)
        if key in self._changes:
            return self._changes[key]
        if key not in self._running:
            self._running[key] = asyncio.ensure_future(self._compute(key))
        return PENDING

    async def changes_async(self, project: Project, base: str | None) -> Changes:
        found = self.changes(project, base)
        if isinstance(found, Pending):
            return await asyncio.shield(self._running[(project.root, base)])
        return found

    async def _compute(self, key: tuple[Path, str | None]) -> Changes:
        loop = asyncio.get_running_loop()
        try:
            found: Changes = await loop.run_in_executor(self.executor, compute_changes, *key)
        except GitError as exc:
            found = exc
        except Exception as exc:  # never leave a request waiting forever
            log.exception("diff scope failed")
            found = GitError(str(exc))
        finally:
            self._running.pop(key, None)
        self._changes[key] = found
        self.on_ready()
        return found


def changed_lines(changes: ChangeSet, project_root: Path, rel: str) -> frozenset[LineNo]:
    """Lines of the file `rel` (relative to `project_root`) that changed: none if unchanged."""
    try:
        repo_rel = (project_root / rel).resolve().relative_to(changes.root.resolve()).as_posix()
    except ValueError:
        return frozenset()
    for change in changes.files:
        if change.path == repo_rel:
            return change.added_lines
    return frozenset()
