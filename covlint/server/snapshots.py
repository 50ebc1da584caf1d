"""The measured texts of every file, learnt in a background process after each data load.

The first time covlint sees a data version it learns what ran of each measured file (by the
mtime proof: see `covlint.measured`). On a monorepo that is seconds of reading and hashing, so
the server learns only the documents it shows (in its worker, before their analyses) and
leaves the rest to `python -m covlint.measured_snapshot` at low CPU priority: both append to
the same snapshot and the first entry wins, so a file the server needs before the process
reaches it is learnt by the server, once. The process also maps every recorded name, which
the server then needs not do: it reports names that map to no file. A newer load stops the run
of the older data, as does the end of the server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from covlint.measured import data_key
from covlint.server.children import start_quiet, when_free
from covlint.server.workspace import Project

log = logging.getLogger(__name__)

# (project, hint for recorded names that map to no file, how many files do map)
UnmappedReport = Callable[[Project, str, int], None]


class SnapshotRuns:
    """Starts (and stops) one snapshot process per project, for its latest data."""

    def __init__(
        self, worker: Executor, on_unmapped: UnmappedReport, on_failed: Callable[[Project], None]
    ) -> None:
        self.worker = worker  # the server's analysis worker: the process starts once it is free
        self.on_unmapped = on_unmapped
        self.on_failed = on_failed  # the process could not report: the server maps names itself
        self._running: dict[Path, asyncio.Task[None]] = {}

    def command(self, project: Project, key: str, data_file: str | None) -> list[str]:
        flags = ["--key", key] + (["--data-file", data_file] if data_file else [])
        helper = [sys.executable, "-m", "covlint.background", "low", "covlint.measured_snapshot"]
        return [*helper, str(project.root), *flags]

    def after_load(self, project: Project, data_file: str | None) -> None:
        """Learn the new data's texts in the background (the run for older data stops)."""
        self.stop(project)
        if project.data is None:
            return
        command = self.command(project, data_key(project.data), data_file)
        task = asyncio.ensure_future(self._run(project, project.generation, command))
        self._running[project.root] = task
        task.add_done_callback(lambda done: self._forget(project.root, done))

    def stop(self, project: Project) -> None:
        task = self._running.pop(project.root, None)
        if task is not None:
            task.cancel()

    async def wait(self) -> None:
        """Until the runs in progress end (for tests)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    def _forget(self, root: Path, done: asyncio.Task[None]) -> None:
        if self._running.get(root) is done:
            del self._running[root]

    async def _run(self, project: Project, generation: int, command: list[str]) -> None:
        await when_free(self.worker)  # the documents' analyses were queued before
        try:
            process = await start_quiet(command)
        except OSError as exc:
            log.info("measured texts of %s: no background process (%s)", project.root, exc)
            self.on_failed(project)
            return
        reported = False
        try:
            assert process.stderr is not None
            async for line in process.stderr:
                event = _event(line)
                if event is None:
                    log.info(
                        "measured texts of %s: %s",
                        project.root,
                        line.decode(errors="replace").rstrip(),
                    )
                elif "measured" in event and project.generation == generation:
                    reported = True
                    self.on_unmapped(
                        project, str(event.get("unmapped") or ""), int(event["measured"])
                    )
                else:
                    log.info("measured texts of %s: %s", project.root, _summary(event))
            await process.wait()
        finally:
            if process.returncode is None:  # stopped: a newer load, or the server's end
                process.kill()
        if not reported and project.generation == generation:
            self.on_failed(project)


def _event(line: bytes) -> dict[str, Any] | None:
    try:
        found = json.loads(line)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _summary(event: dict[str, Any]) -> str:
    if "learnt" in event:
        return f"{event['learnt']} file(s) learnt in the background"
    return str(event.get("error") or event.get("moot") or event)
