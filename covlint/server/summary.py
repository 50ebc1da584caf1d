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
from typing import TYPE_CHECKING, Any

from covlint.changes import ChangeSet
from covlint.coverage_set import CoverageSet
from covlint.diffcov import measure_diff
from covlint.hooks.verdict import COUNTED, Totals, file_totals
from covlint.model import FileAnalysis, LineNo
from covlint.server.documents import python_path
from covlint.server.scope import changed_lines
from covlint.server.workspace import Measured, Project, Stale
from covlint.totals import ProjectTotal, project_total

if TYPE_CHECKING:
    from covlint.server.server import CovlintServer

log = logging.getLogger(__name__)

METHOD = "covlint/summary"


Figures = ProjectTotal  # statements and branches, covered or not, as coverage counts them


def figures_json(figures: Figures) -> dict[str, Any]:
    return {
        "percent": figures.percent,
        "statements": figures.statements,
        "missing": figures.missing,
        "branches": figures.branches,
        "missedBranches": figures.missed_branches,
    }


def file_figures(analysis: FileAnalysis, chosen: frozenset[LineNo] | None = None) -> Figures:
    """A file's figures; with `chosen` (changed statements) only those, as the gate counts."""
    if chosen is None:
        return Figures(
            len(analysis.statements),
            len(analysis.missing),
            analysis.num_branches,
            analysis.num_missed_branches,
        )
    missed = sum(1 for arc in analysis.missed_arcs if arc.start in chosen)
    return Figures(
        len(chosen),
        len(chosen & analysis.missing),
        sum(analysis.exit_counts.get(line, 0) for line in chosen) if analysis.has_arcs else 0,
        missed if analysis.has_arcs else 0,
    )


def changed_statements(analysis: FileAnalysis, lines: frozenset[LineNo]) -> frozenset[LineNo]:
    """The statements a diff touches: any of their lines changed (the gate's definition)."""
    return frozenset({analysis.multiline.get(line, line) for line in lines} & analysis.statements)


def project_figures(data: CoverageSet) -> Figures:
    """The whole project's figures (slow: analyses every measured file)."""
    return project_total(data)


def diff_figures(data: CoverageSet, changes: ChangeSet) -> Figures:
    """All changed statements and their branches, as `covlint check --base` totals them."""
    coverage = measure_diff(data, changes, branch=data.has_arcs)
    totals = sum((file_totals(f) for f in coverage.files if f.status in COUNTED), Totals())
    return Figures(
        totals.statements,
        totals.statements - totals.covered_statements,
        totals.branches,
        totals.branches - totals.covered_branches,
    )


def data_age(data: CoverageSet | None) -> float | None:
    """Seconds since the data was written."""
    return None if data is None else max(0.0, time.time() - data.mtime)


class Summaries:
    """Answers `covlint/summary`; totals are computed off the event loop, once per data load."""

    def __init__(self, server: CovlintServer) -> None:
        self.server = server
        self._totals: dict[tuple[object, ...], asyncio.Future[Figures | None]] = {}

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
        state = await self.server.publisher.state_async(project, path)
        changes = await self._changes(project, settings.scope, settings.base)
        figures = None
        if isinstance(state, Measured):
            chosen = None
            if changes is not None:
                chosen = changed_statements(
                    state.analysis,
                    changed_lines(changes, project.root, project.relative(path) or ""),
                )
            figures = file_figures(state.analysis, chosen)
        total = await self._total(project, changes)
        return {
            "file": figures_json(figures) if figures else None,
            "total": figures_json(total) if total else None,
            "stale": isinstance(state, Stale),
            "dataAge": data_age(project.data),
            "scope": settings.scope,
            "data": "missing" if project.data is None else "loaded",
        }

    async def _changes(self, project: Project, scope: str, base: str | None) -> ChangeSet | None:
        if scope != "diff":
            return None
        changes = await self.server.scope.changes_async(project, base)
        return changes if isinstance(changes, ChangeSet) else None

    async def _total(self, project: Project, changes: ChangeSet | None) -> Figures | None:
        data = project.data
        if data is None:
            return None
        key = (project.root, project.generation, id(changes))
        if key not in self._totals:
            self._totals = {k: v for k, v in self._totals.items() if k[:2] != key[:2]}
            loop = asyncio.get_running_loop()
            executor = self.server.publisher.executor
            job = (
                partial(diff_figures, data, changes) if changes else partial(project_figures, data)
            )
            self._totals[key] = asyncio.ensure_future(_guarded(loop.run_in_executor(executor, job)))
        return await asyncio.shield(self._totals[key])


async def _guarded(job: Awaitable[Figures]) -> Figures | None:
    try:
        return await job
    except Exception:  # a total that cannot be computed is left out, not an error
        log.exception("cannot compute the coverage total")
        return None
