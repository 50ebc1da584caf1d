"""Loading each project's coverage data: in its own thread, the latest load winning.

A load reads the data files' headers (and opens the shards) in the `covlint-load` thread, never
on the event loop; the result is accepted on the loop, where a load started later supersedes
it. A good load hands the project to `on_loaded` (publish, learn, pre-parse); a failed one keeps
the last good data and tells the user once, unless the data is only not ready yet (retried).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from covlint.server.messages import UserMessages
from covlint.server.workspace import LoadOutcome, Project

log = logging.getLogger(__name__)


class DataLoads:
    """Loads, reloads and first loads of the projects' data."""

    def __init__(self, messages: UserMessages, on_loaded: Callable[[Project], None]) -> None:
        self.messages = messages
        self.on_loaded = on_loaded
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="covlint-load")
        self.first: dict[Project, asyncio.Future[None]] = {}
        self._tickets: dict[Project, int] = {}
        self._background: set[asyncio.Future[LoadOutcome]] = set()

    def first_load(self, project: Project, on_not_ready: Callable[[Project], None]) -> None:
        """Load in the background; data not ready yet is left to `on_not_ready` (the watcher)."""

        async def load() -> None:
            outcome = await self.reload(project, final=False)
            if outcome.status == "not-ready":
                on_not_ready(project)

        self.first[project] = asyncio.ensure_future(load())

    async def ready(self, project: Project) -> None:
        """Wait for the project's first load (requests that need the data call this)."""
        first = self.first.get(project)
        if first is not None and not first.done():
            await asyncio.shield(first)

    def reload_soon(self, project: Project) -> None:
        task = asyncio.ensure_future(self.reload(project, final=False))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def reload(self, project: Project, final: bool) -> LoadOutcome:
        """Reload a project's data off the event loop; hand it on when good, keep the last good
        data otherwise (`final`: the last attempt, a failure is shown)."""
        started = time.perf_counter()
        ticket = self._tickets[project] = self._tickets.get(project, 0) + 1
        loop = asyncio.get_running_loop()
        loaded = await loop.run_in_executor(self.executor, project.load_data)
        if self._tickets.get(project) != ticket:
            return LoadOutcome("superseded")
        outcome = project.accept(loaded)
        if outcome.status == "loaded":
            self.on_loaded(project)
            log.info("reload %s: loaded and re-published in %.1f ms", project.root, _ms(started))
        elif outcome.status == "missing":
            log.info("%s: %s (waiting for data)", project.root, outcome.message)
        elif outcome.status == "failed" or final:
            self.messages.show_once(project, outcome.message)
        else:
            log.info("%s: %s (will retry)", project.root, outcome.message)
        return outcome

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def _ms(started: float) -> float:
    return 1000 * (time.perf_counter() - started)
