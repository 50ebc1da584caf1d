"""The `covlint/files` request: every measured file of a project with its figures, worst first.

Params ``{"uri": str}`` (a workspace folder or any file in the project). Result::

    {"root": uri | null, "files": [{"uri", "path", "figures": Figures | null, "stale": bool}],
     "data": "loaded" | "missing"}

Figures are coverage.py's (as `coverage json`), for the file on disk. Files are ordered by missed
lines, then missed branches, most first. The table is computed off the event loop, once per data
load; it is what a project view (VS Code's tree and Test Coverage panel, `:CovlintSummary`) shows.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from pygls.uris import from_fs_path, to_fs_path

from covlint.server.context import ServerContext
from covlint.server.summary import figures_json
from covlint.server.workspace import Measured, Project, Stale
from covlint.totals import file_counts

log = logging.getLogger(__name__)

METHOD = "covlint/files"

Row = dict[str, Any]


def file_rows(project: Project) -> list[Row]:
    """One row per measured file that exists (slow: analyses each one; run in a worker)."""
    data = project.data
    if data is None:
        return []
    rows = []
    for rel in data.measured_paths:
        path = project.root / rel
        state = project.file_state(path)
        if state is None:
            continue
        figures = file_counts(state.analysis) if isinstance(state, Measured) else None
        rows.append(
            {
                "uri": from_fs_path(str(path)) or path.as_uri(),
                "path": rel,
                "figures": figures_json(figures) if figures else None,
                "stale": isinstance(state, Stale),
            }
        )
    return sorted(rows, key=_worst_first)


def _worst_first(row: Row) -> tuple[int, int, str]:
    figures = row["figures"] or {"missing": 0, "missedBranches": 0}
    return (-int(figures["missing"]), -int(figures["missedBranches"]), str(row["path"]))


class FileTables:
    """Answers `covlint/files`, one table per project and data load."""

    def __init__(self, server: ServerContext, executor: Executor) -> None:
        self.server = server
        self.executor = executor
        self._tables: dict[tuple[Path, int], asyncio.Future[list[Row]]] = {}

    async def table(self, uri: str) -> dict[str, Any]:
        fs_path = to_fs_path(uri) if uri.startswith("file:") else None
        if fs_path is None:
            return {"root": None, "files": [], "data": "missing"}
        path = Path(fs_path)
        project = self.server.project_for(path / "__init__.py" if path.is_dir() else path)
        root = from_fs_path(str(project.root)) or project.root.as_uri()
        if project.data is None:
            return {"root": root, "files": [], "data": "missing"}
        return {"root": root, "files": await self._rows(project), "data": "loaded"}

    async def _rows(self, project: Project) -> list[Row]:
        key = (project.root, project.generation)
        if key not in self._tables:
            self._tables = {k: v for k, v in self._tables.items() if k[0] != project.root}
            loop = asyncio.get_running_loop()
            job = loop.run_in_executor(self.executor, file_rows, project)
            self._tables[key] = asyncio.ensure_future(job)
        try:
            return await asyncio.shield(self._tables[key])
        except Exception:  # a table that cannot be made is empty, not an error
            log.exception("%s: cannot list the measured files", project.root)
            return []
