"""Noticing a finished `covlint mutate` run, so that survivors appear and go by themselves.

A run replaces its results file in one step (`os.replace`), so there is nothing to settle: a
change is read at once (off the event loop, by `MutantMarks`) and the open documents are
re-published. Where the client offers file events with relative patterns, the results files whose
folder exists are watched by the client; every other one (no such client, a folder a later run
will create, a file a later setting names) is polled with one `stat` per interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from lsprotocol import types
from pygls.uris import from_fs_path

from covlint.server.mutants import MutantMarks
from covlint.server.publisher import results_file
from covlint.server.registration import watch_registration
from covlint.server.settings import Settings
from covlint.server.workspace import Project

log = logging.getLogger(__name__)

RESULTS_REGISTRATION = "covlint-mutant-results"


class WatchContext(Protocol):
    """What the watch needs of the server: its started projects, settings and the client."""

    @property
    def started(self) -> set[Project]: ...

    def settings_for(self, project: Project) -> Settings: ...

    def capability(self, dotted: str) -> Any: ...

    def client_register_capability_async(
        self, params: types.RegistrationParams
    ) -> Awaitable[None]: ...

    def window_show_message(self, params: types.ShowMessageParams) -> None: ...


class ResultsWatch:
    """Re-reads the projects' mutation results when a run replaced them."""

    def __init__(
        self, server: WatchContext, marks: MutantMarks, *, poll_interval: float = 1.0
    ) -> None:
        self.server = server
        self.marks = marks
        self.poll_interval = poll_interval
        self.by_client: set[Path] = set()  # results files the client reports changes of
        self._told: set[str] = set()
        self._poller: asyncio.Task[None] | None = None
        marks.on_error = self.tell_once

    def files(self) -> set[Path]:
        """The results file of each started project that shows survivors."""
        found = set()
        for project in self.server.started:
            settings = self.server.settings_for(project)
            if settings.showMutants:
                found.add(results_file(project.root, settings.mutantResults))
        return found

    async def start(self) -> None:
        """Ask the client to watch what it can, and poll the rest from now on."""
        await self._register()
        if self._poller is None or self._poller.done():
            self._poller = asyncio.ensure_future(self._poll_forever())

    def file_changed(self, path: Path) -> None:
        """A client file event: re-read it if it is one of the results files."""
        for results in self.by_client & self.files():
            if path == results or path.resolve() == results.resolve():
                self.marks.refresh(results)

    def tell_once(self, message: str) -> None:
        """A results file that cannot be used: logged always, shown to the user once."""
        log.warning("%s", message)
        if message not in self._told:
            self._told.add(message)
            shown = types.ShowMessageParams(type=types.MessageType.Warning, message=message)
            self.server.window_show_message(shown)

    async def _register(self) -> None:
        watched = {path for path in self.files() if path.parent.is_dir()}
        if not watched or not self._client_watches_relative():
            return
        watchers = [types.FileSystemWatcher(glob_pattern=lsp_pattern(p)) for p in sorted(watched)]
        try:
            await self.server.client_register_capability_async(
                watch_registration(RESULTS_REGISTRATION, watchers)
            )
        except Exception as exc:  # a client that refuses: polling covers every file
            log.info("client cannot watch the mutation results (%s); polling them", exc)
            return
        self.by_client = watched

    def _client_watches_relative(self) -> bool:
        capability: Callable[[str], Any] = self.server.capability
        dynamic = capability("workspace.did_change_watched_files.dynamic_registration")
        relative = capability("workspace.did_change_watched_files.relative_pattern_support")
        return bool(dynamic and relative)

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            for results in self.files() - self.by_client:
                self.marks.refresh(results)


def lsp_pattern(results: Path) -> types.RelativePattern:
    """A pattern matching exactly `results`: its name, relative to its folder."""
    base = from_fs_path(str(results.parent)) or results.parent.as_uri()
    return types.RelativePattern(base_uri=base, pattern=results.name)
