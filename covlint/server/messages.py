"""What the server tells the user: once per project and message, only what they can act on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

from lsprotocol import types

from covlint.server.workspace import Project

log = logging.getLogger(__name__)


class UserMessages:
    """`window/showMessage`, once each until the data loads; everything is logged."""

    def __init__(self, show: Callable[[types.ShowMessageParams], None]) -> None:
        self.show = show
        self._shown: dict[tuple[Path, str], types.MessageType] = {}

    def show_once(
        self, project: Project, message: str, kind: types.MessageType = types.MessageType.Error
    ) -> None:
        """Tell the user something they can act on, once per project until the data loads."""
        log.warning("%s: %s", project.root, message)
        if (project.root, message) not in self._shown:
            self._shown[project.root, message] = kind
            self.show(types.ShowMessageParams(type=kind, message=f"covlint: {message}"))

    def data_loaded(self, project: Project) -> None:
        """Failures may be shown again once the data was good."""
        self._shown = {
            key: kind
            for key, kind in self._shown.items()
            if key[0] != project.root or kind != types.MessageType.Error
        }

    def unmapped(self, project: Project, message: str, mapped: int) -> None:
        """Recorded names that map to no file: a warning when nothing maps, else a log line."""
        if not message:
            return
        if not mapped:
            self.show_once(project, message, types.MessageType.Warning)
        else:
            log.warning("%s: %s", project.root, message)

    def unmapped_soon(self, project: Project, worker: Executor) -> None:
        """Map every recorded name (slow on big data) in `worker`, then report: the server's
        way when the background snapshot process could not do it."""
        data = project.data
        if data is None:
            return
        loop = asyncio.get_running_loop()

        def report(done: asyncio.Future[str]) -> None:
            if project.data is data and not done.cancelled() and done.exception() is None:
                self.unmapped(project, done.result(), len(data.measured_paths))

        loop.run_in_executor(worker, data.describe_unmapped).add_done_callback(report)
