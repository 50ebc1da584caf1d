"""What a first open would wait for, started as soon as the data is loaded.

In diff scope (the `scope` setting, or `problems = "diff"`, the default of clients that colour
lines), a document's diagnostics wait for the diff against the base: a few git calls, tens to
hundreds of milliseconds. Started right after the first load, off the event loop, the diff is
known when the first document opens.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from covlint.errors import GitError
from covlint.server.context import colours_lines
from covlint.server.server import CovlintServer
from covlint.server.workspace import Project

log = logging.getLogger(__name__)

_running: set[asyncio.Future[Any]] = set()  # kept until done (the loop holds tasks weakly)


def wants_diff(server: CovlintServer, project: Project) -> bool:
    """Whether the project's diagnostics are narrowed to the diff (as the publisher decides)."""
    settings = server.settings_for(project)
    problems = settings.problems or ("diff" if colours_lines(server) else "all")
    return settings.enable and (settings.scope == "diff" or problems == "diff")


def warm_up(server: CovlintServer) -> None:
    """Start computing the diff of every started project that will need it."""
    for project in list(server.started):
        if wants_diff(server, project):
            task = asyncio.ensure_future(_diff(server, project))
            _running.add(task)
            task.add_done_callback(_running.discard)


async def _diff(server: CovlintServer, project: Project) -> None:
    base = server.settings_for(project).base
    changes = await server.scope.changes_async(project, base)
    if isinstance(changes, GitError):
        log.info("%s: diff scope: %s", project.root, changes)
    else:
        log.info("%s: diff known before any open (%d files)", project.root, len(changes.files))
