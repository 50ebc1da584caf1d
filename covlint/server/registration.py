"""Asking the client to watch the data files (dynamic registration of
`workspace/didChangeWatchedFiles`); the projects it does not watch are polled by the server."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from covlint.filenames import data_family_glob
from covlint.server.folders import Workspace
from covlint.server.watcher import DataWatcher
from covlint.server.workspace import Project

log = logging.getLogger(__name__)

WATCH_REGISTRATION = "covlint-data-files"

Register = Callable[[types.RegistrationParams], Awaitable[Any]]


class ClientWatching:
    """Which data files the client watches for the server."""

    def __init__(self, space: Workspace, watcher: DataWatcher) -> None:
        self.space = space
        self.watcher = watcher
        self.names: set[str] = set()  # data file names the client watches for us

    def watches(self, project: Project) -> bool:
        """Whether the client reports changes of `project`'s data (else: poll it)."""
        return project.data_path.name in self.names and any(
            project.data_path.is_relative_to(folder) for folder in self.space.folders
        )

    async def register(self, capability: Callable[[str], Any], register: Register) -> None:
        """Ask the client to report changes to the data files, where it can."""
        if not capability("workspace.did_change_watched_files.dynamic_registration"):
            return
        relative = capability("workspace.did_change_watched_files.relative_pattern_support")
        projects = list(self.space.projects.values())
        watchers = [
            types.FileSystemWatcher(glob_pattern=data_pattern(p.data_path, bool(relative)))
            for p in projects
        ]
        try:
            await register(watch_registration(WATCH_REGISTRATION, watchers))
        except Exception as exc:
            log.info("client file watching unavailable (%s); polling instead", exc)
            return
        self.names = {p.data_path.name for p in projects}
        for project in projects:
            if self.watches(project):
                self.watcher.stop_polling(project)


def data_pattern(data_path: Path, relative: bool) -> str | types.RelativePattern:
    """The glob of a data file and its shards, relative to its folder where the client can."""
    name = data_family_glob(data_path.name)
    if relative:
        base = from_fs_path(str(data_path.parent)) or data_path.parent.as_uri()
        return types.RelativePattern(base_uri=base, pattern=name)
    return f"**/{name}"


def watch_registration(
    registration_id: str, watchers: list[types.FileSystemWatcher]
) -> types.RegistrationParams:
    """The request asking the client to report changes to the files `watchers` name."""
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers)
    registration = types.Registration(
        id=registration_id,
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=options,
    )
    return types.RegistrationParams(registrations=[registration])
