"""The `covlint/summary` request: file and total coverage for status bars.

Request params: ``{"uri": str}``. Result::

    {"file": Figures | null, "total": Figures | null, "stale": bool, "dataAge": seconds | null,
     "scope": "all" | "diff", "data": "loaded" | "missing"}

where Figures is ``{"percent", "statements", "missing", "branches", "missedBranches"}``. In scope
"all", `file` is the file's coverage and `total` the project's (as `coverage report` totals it);
in scope "diff", both count only changed statements and their branches (as `covlint check --base`
does). `file` is null when the file was not measured or is stale; `total` is null without data.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from functools import partial
from pathlib import Path
from typing import Any

from covlint.changes import ChangeSet
from covlint.counts import Counts
from covlint.coverage_set import CoverageSet
from covlint.diffcov import diff_coverage
from covlint.model import LineNo
from covlint.server.context import ServerContext
from covlint.server.documents import python_path
from covlint.server.publisher import Publisher
from covlint.server.scope import DiffScope, changed_lines
from covlint.server.workspace import Measured, Project, Stale
from covlint.totals import changed_statements, file_counts, project_counts

log = logging.getLogger(__name__)

METHOD = "covlint/summary"


def figures_json(figures: Counts) -> dict[str, Any]:
    return {
        "percent": figures.percent,
        "statements": figures.statements,
        "missing": figures.missing,
        "branches": figures.branches,
        "missedBranches": figures.missed_branches,
    }


def diff_figures(data: CoverageSet, changes: ChangeSet) -> Counts:
    """All changed statements and their branches: the gate's own totals of the same diff."""
    return diff_coverage(data, changes, branch=data.has_arcs).totals


def data_age(data: CoverageSet | None) -> float | None:
    """Seconds since the data was written."""
    return None if data is None else max(0.0, time.time() - data.mtime)


class Summaries:
    """Answers `covlint/summary`; totals are computed off the event loop, once per data load."""

    def __init__(self, server: ServerContext, publisher: Publisher, scope: DiffScope) -> None:
        self.server = server
        self.publisher = publisher
        self.scope = scope
        self._totals: dict[tuple[object, ...], asyncio.Future[Counts | None]] = {}

    async def summarize(self, uri: str) -> dict[str, Any]:
        path = python_path(uri)
        if path is None:
            return {
                "file": None,
                "total": None,
                "stale": False,
                "dataAge": None,
                "scope": "all",
                "data": "missing",
            }
        project = self.server.project_for(path)
        settings = self.server.settings_for(project)
        state = await self.publisher.state_async(project, path)
        changes = await self._changes(project, settings.scope, settings.base)
        figures = None
        if isinstance(state, Measured):
            chosen = None
            if changes is not None:
                lines = changed_lines(changes, project.root, project.relative(path) or "")
                chosen = changed_statements(state.analysis, self._to_measured(path, lines))
            figures = file_counts(state.analysis, chosen)
        total = await self._total(project, changes)
        return {
            "file": figures_json(figures) if figures else None,
            "total": figures_json(total) if total else None,
            "stale": isinstance(state, Stale),
            "dataAge": data_age(project.data),
            "scope": settings.scope,
            "data": "missing" if project.data is None else "loaded",
        }

    def _to_measured(self, path: Path, lines: frozenset[LineNo]) -> frozenset[LineNo]:
        """Working-tree lines as lines of the text that ran (an open document knows the way)."""
        for document in self.server.documents.values():
            move = document.saved_to_measured() if document.path == path else None
            if move is not None:
                return frozenset(m for line in lines if (m := move(line)) is not None)
        return lines

    async def _changes(self, project: Project, scope: str, base: str | None) -> ChangeSet | None:
        if scope != "diff":
            return None
        changes = await self.scope.changes_async(project, base)
        return changes if isinstance(changes, ChangeSet) else None

    async def _total(self, project: Project, changes: ChangeSet | None) -> Counts | None:
        data = project.data
        if data is None:
            return None
        key = (project.root, project.generation, id(changes))
        if key not in self._totals:
            self._totals = {k: v for k, v in self._totals.items() if k[:2] != key[:2]}
            loop = asyncio.get_running_loop()
            executor = self.publisher.executor
            job = partial(diff_figures, data, changes) if changes else partial(project_counts, data)
            self._totals[key] = asyncio.ensure_future(_guarded(loop.run_in_executor(executor, job)))
        return await asyncio.shield(self._totals[key])


async def _guarded(job: Awaitable[Counts]) -> Counts | None:
    try:
        return await job
    except Exception:  # a total that cannot be computed is left out, not an error
        log.exception("cannot compute the coverage total")
        return None
