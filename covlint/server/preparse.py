"""Background pre-parse: after a data load, fill the parse cache for the files likely opened next.

The engine's `covlint.preparse` runs in its own process at idle CPU priority (never a thread of
this server: a parse holds the interpreter lock and would delay requests). It parses the files
of the current diff and the recently opened documents into the shared parse cache, so their
first analysis here restores coverage's parse instead of computing it. One run per project at a
time; a load while one runs queues one more run.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections import OrderedDict
from concurrent.futures import Executor
from pathlib import Path

from covlint.server.children import start_quiet, when_free
from covlint.server.scope import DEFAULT_BASES
from covlint.server.workspace import Project

log = logging.getLogger(__name__)

RECENT_SIZE = 64  # recently opened documents remembered for the next pre-parse


class PreParser:
    """Starts pre-parse runs and remembers which documents were opened recently."""

    def __init__(self, worker: Executor | None = None) -> None:
        self.worker = worker  # the server's analysis worker: a run starts once it is free
        self.recent: OrderedDict[Path, None] = OrderedDict()
        self._running: dict[Path, asyncio.Task[None]] = {}
        self._again: set[Path] = set()

    def opened(self, path: Path) -> None:
        self.recent[path] = None
        self.recent.move_to_end(path)
        while len(self.recent) > RECENT_SIZE:
            self.recent.popitem(last=False)

    def after_load(self, project: Project, base: str | None, data_file: str | None = None) -> None:
        """Pre-parse for `project` (now, or after the run in progress)."""
        if project.root in self._running:
            self._again.add(project.root)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a direct call): nothing runs in the background
            return
        task = loop.create_task(self._run(project, base, data_file))
        self._running[project.root] = task

    def command(self, project: Project, base: str | None, data_file: str | None) -> list[str]:
        """The pre-parse process's command line."""
        recent = [rel for path in reversed(self.recent) if (rel := project.relative(path))]
        bases = [base] if base else list(DEFAULT_BASES)
        no_arcs = [] if project.data is None or project.data.has_arcs else ["--no-arcs"]
        flags = [arg for ref in bases for arg in ("--base", ref)] + no_arcs
        if data_file:
            flags += ["--data-file", data_file]
        helper = [sys.executable, "-m", "covlint.background", "idle", "covlint.preparse"]
        return [*helper, str(project.root), *flags, *recent]

    async def _run(self, project: Project, base: str | None, data_file: str | None) -> None:
        command = self.command(project, base, data_file)
        try:
            if self.worker is not None:
                await when_free(self.worker)
            process = await start_quiet(command)
            try:
                _, errors = await process.communicate()
            finally:
                if process.returncode is None:  # the server is ending: so does its helper
                    process.kill()
            log.info("preparse %s: %s", project.root, errors.decode(errors="replace").strip())
        except OSError as exc:
            log.info("preparse %s: not started (%s)", project.root, exc)
        finally:
            self._running.pop(project.root, None)
        if project.root in self._again:
            self._again.discard(project.root)
            self.after_load(project, base, data_file)

    async def wait(self) -> None:
        """Until the runs in progress end (for tests and shutdown)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)
