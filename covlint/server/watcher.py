"""Noticing new coverage data: client file events where offered, else a cheap polling loop.

A test run rewrites the data in steps (pytest-cov deletes `.coverage` at the start, writes a
shard at the end, combines it into a new `.coverage` that is briefly empty, then deletes the
shard). The watcher waits until the files stop changing, then asks for a reload; a half-written
database is retried. Between the first event and a good reload, nothing is re-published, so the
editor keeps showing the last good diagnostics.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from covlint.filenames import is_data_family, is_shard_name, is_side_file
from covlint.server.workspace import LoadOutcome, Project

log = logging.getLogger(__name__)

FileStat = tuple[str, int, int]  # name, mtime_ns, size
# (project, last attempt?) -> outcome; the server's reloader reads the data off the event loop
Reloader = Callable[[Project, bool], LoadOutcome | Awaitable[LoadOutcome]]


@dataclass(frozen=True)
class DataSignature:
    """The state of a data file and its shards, cheap to take and to compare."""

    files: tuple[FileStat, ...]
    main_name: str

    @property
    def has_main(self) -> bool:
        return any(name == self.main_name for name, _, _ in self.files)

    @property
    def has_shards(self) -> bool:
        return any(is_shard_name(name, self.main_name) for name, _, _ in self.files)

    @property
    def writing(self) -> bool:
        """A SQLite journal is present: a writer is in the middle of a transaction."""
        return any(is_side_file(name) for name, _, _ in self.files)


def signature(main: Path) -> DataSignature:
    """The data file `main` and its shards as they are now."""
    files: list[FileStat] = []
    try:
        entries = list(os.scandir(main.parent))
    except OSError:
        entries = []
    for entry in entries:
        if is_data_family(entry.name, main.name):
            try:
                stat = entry.stat()
            except OSError:
                continue
            files.append((entry.name, stat.st_mtime_ns, stat.st_size))
    return DataSignature(tuple(sorted(files)), main.name)


async def look(main: Path) -> DataSignature:
    """`signature(main)` from a thread: a folder listing and stats never block the event loop
    (a slow or network file system would stall every request)."""
    return await asyncio.get_running_loop().run_in_executor(None, signature, main)


def is_data_file(path: Path, main: Path) -> bool:
    """Whether `path` is the data file `main`, one of its shards or journals."""
    return path.parent == main.parent and is_data_family(path.name, main.name)


class DataWatcher:
    """Debounces data changes per project and reloads once the data has settled."""

    def __init__(
        self, reload: Reloader, *, debounce: float = 0.2, poll_interval: float = 1.0
    ) -> None:
        self.reload = reload
        self.debounce = debounce
        self.poll_interval = poll_interval
        self.max_wait = max(3.0, 10 * debounce)
        self.retries = 10
        self.looks = 0  # how often a settling loop has looked at the files (for tests)
        self.polled: dict[Project, DataSignature] = {}
        self._settling: dict[Project, asyncio.Task[None]] = {}
        self._poller: asyncio.Task[None] | None = None

    def poll(self, project: Project) -> None:
        """Watch `project`'s data by polling (no client file events for it)."""
        # The baseline is taken now, once per project start: a change right after must count.
        self.polled[project] = signature(project.data_path)
        if self._poller is None or self._poller.done():
            self._poller = asyncio.ensure_future(self._poll_forever())

    def stop_polling(self, project: Project) -> None:
        self.polled.pop(project, None)

    def file_changed(self, path: Path, projects: list[Project]) -> None:
        """A client file event: settle the projects whose data `path` is part of."""
        for project in projects:
            if is_data_file(path, project.data_path):
                self.touch(project)

    def touch(self, project: Project) -> None:
        """The data of `project` may have changed: reload once it has settled."""
        task = self._settling.get(project)
        if task is None or task.done():
            self._settling[project] = asyncio.ensure_future(self._settle(project))

    async def settled(self) -> None:
        """Wait for every pending reload (for tests and benchmarks)."""
        while pending := [t for t in self._settling.values() if not t.done()]:
            await asyncio.gather(*pending)

    async def _poll_forever(self) -> None:
        while self.polled:
            await asyncio.sleep(self.poll_interval)
            for project, last in list(self.polled.items()):
                now = await look(project.data_path)
                if now != last and self.polled.get(project) == last:  # not stopped meanwhile
                    self.polled[project] = now
                    self.touch(project)

    async def _settle(self, project: Project) -> None:
        try:
            await self._settle_then_reload(project)
        except Exception:  # never let a watcher task die silently
            log.exception("reloading %s failed", project.data_path)

    async def _settle_then_reload(self, project: Project) -> None:
        previous = await look(project.data_path)
        waited, attempts = 0.0, 0
        while True:
            await asyncio.sleep(self.debounce)
            waited += self.debounce
            self.looks += 1
            current = await look(project.data_path)
            if current != previous:
                previous, waited = current, 0.0
                continue
            if self._in_progress(project, current) and waited < self.max_wait:
                continue
            outcome = self.reload(project, attempts >= self.retries)
            if inspect.isawaitable(outcome):
                outcome = await outcome
            if outcome.status != "not-ready" or attempts >= self.retries:
                return
            attempts += 1

    @staticmethod
    def _in_progress(project: Project, current: DataSignature) -> bool:
        """A writer is mid-transaction, or shards wait to be combined into a new main file."""
        combining = project.had_main and current.has_shards and not current.has_main
        return current.writing or combining
