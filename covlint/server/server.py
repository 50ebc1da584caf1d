"""The covlint language server: state and the few operations its handlers hand off to."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from covlint import __version__
from covlint.errors import GitError
from covlint.model import FileAnalysis, LineNo
from covlint.server.documents import Document
from covlint.server.files import FileTables
from covlint.server.folders import Workspace
from covlint.server.loading import DataLoads
from covlint.server.marks import MarkFeed
from covlint.server.messages import UserMessages
from covlint.server.mutant_watch import ResultsWatch
from covlint.server.preparse import PreParser
from covlint.server.protocol import CovlintProtocol, serve_stdio
from covlint.server.publisher import Publisher
from covlint.server.registration import ClientWatching
from covlint.server.scope import DiffScope, changed_lines
from covlint.server.settings import SCOPES, Settings
from covlint.server.snapshots import SnapshotRuns
from covlint.server.summary import Summaries
from covlint.server.watcher import DataWatcher
from covlint.server.workspace import Pending, Project
from covlint.totals import changed_statements

log = logging.getLogger(__name__)

CONFIG_SECTION = "covlint"
CONFIG_TIMEOUT = 5.0


class CovlintServer(LanguageServer):
    """Publishes coverage diagnostics for open Python documents."""

    def __init__(self, *, debounce: float = 0.2, poll_interval: float = 1.0) -> None:
        super().__init__("covlint", __version__, protocol_cls=CovlintProtocol)
        self.space = Workspace()
        self.documents: dict[str, Document] = {}
        self.publisher = Publisher(self)
        self.scope = DiffScope(self.publisher.executor, on_ready=self.publish_all)
        self.summaries = Summaries(self, self.publisher, self.scope)
        self.marks = MarkFeed(self, self.publisher, self.scope, self.protocol.notify)
        self.publisher.listeners.append(self.marks.push)
        self.results_watch = ResultsWatch(self, self.publisher.mutants, poll_interval=poll_interval)
        self.files = FileTables(self, self.publisher.executor)
        self.preparser = PreParser(self.publisher.executor)
        self.messages = UserMessages(self.window_show_message)
        self.loads = DataLoads(self.messages, on_loaded=self.data_loaded)
        self.snapshots = SnapshotRuns(
            self.publisher.executor,
            on_unmapped=self.messages.unmapped,
            on_failed=lambda p: self.messages.unmapped_soon(p, self.publisher.executor),
        )
        self.watcher = DataWatcher(
            self.loads.reload, debounce=debounce, poll_interval=poll_interval
        )
        self.watching = ClientWatching(self.space, self.watcher)
        self.init_options: Mapping[str, Any] | None = None
        self.global_config: Mapping[str, Any] | None = None
        self.overrides: dict[str, Any] = {}  # from commands: enable, scope
        self.ready = False
        self.started: set[Project] = set()
        self._lens_refresh: asyncio.Future[None] | None = None
        self.queries = ThreadPoolExecutor(max_workers=1, thread_name_prefix="covlint-query")

    def serve_stdio(self, stdin: BinaryIO, stdout: BinaryIO) -> int:
        """Serve over stdio until `exit` (or the end of input); the exit code LSP asks for."""
        assert isinstance(self.protocol, CovlintProtocol)
        try:
            return serve_stdio(self.protocol, stdin, stdout)
        finally:
            self.publisher.shutdown()
            self.loads.shutdown()
            self.queries.shutdown(wait=False, cancel_futures=True)
            self.shutdown()  # type: ignore[no-untyped-call]

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log internal errors; the user sees a message only for what they can act on."""
        log.error("%s: %s", getattr(source, "__name__", source), error)

    # -- settings and projects ------------------------------------------------------------

    @property
    def encoding(self) -> str:
        encoding = self.workspace.position_encoding
        return str(getattr(encoding, "value", encoding) or "utf-16")

    def capability(self, dotted: str) -> Any:
        """A client capability by its snake_case path, or None."""
        value: Any = self.client_capabilities
        for name in dotted.split("."):
            value = getattr(value, name, None)
        return value

    def settings_for(self, project: Project) -> Settings:
        return replace(project.settings, **self.overrides)

    def project_for(self, path: Path) -> Project:
        project = self.space.project_for(path)
        if project not in self.started:
            self.start_project(project)
        return project

    def add_folders(self, folders: Iterable[types.WorkspaceFolder]) -> list[Project]:
        projects = []
        for folder in folders:
            path = to_fs_path(folder.uri)
            if path is not None:
                projects.append(self.space.add_folder(Path(path), folder.uri))
        return projects

    def stop_project(self, project: Project) -> None:
        """A workspace folder went away: stop watching its data."""
        self.started.discard(project)
        self.watcher.stop_polling(project)
        self.snapshots.stop(project)

    def start_project(self, project: Project) -> asyncio.Future[None]:
        """First load of a project's data (in the background), and watching it from now on."""
        self.started.add(project)
        project.update_settings(
            init=self.init_options, config=project.layers.get("config") or self.global_config
        )
        if not self.watching.watches(project):
            self.watcher.poll(project)
        self.loads.first_load(project, on_not_ready=self.watcher.touch)
        return self.loads.first[project]

    async def data_ready(self, project: Project) -> None:
        """Wait for the project's first load (requests that need the data call this)."""
        await self.loads.ready(project)

    async def pull_settings(self) -> None:
        """Ask the client for the ``covlint`` section of each folder (and globally)."""
        if not self.capability("workspace.configuration"):
            return
        projects = list(self.space.folders.values())
        items = [
            types.ConfigurationItem(scope_uri=p.folder_uri, section=CONFIG_SECTION)
            for p in projects
        ]
        items.append(types.ConfigurationItem(section=CONFIG_SECTION))
        try:
            results = await asyncio.wait_for(
                self.workspace_configuration_async(types.ConfigurationParams(items=items)),
                CONFIG_TIMEOUT,
            )
        except Exception as exc:  # a client that fails or never answers: keep what we have
            log.warning("workspace/configuration failed (%s); keeping current settings", exc)
            return
        *per_folder, self.global_config = [_mapping(r) for r in results]
        for project, config in zip(projects, per_folder, strict=False):
            self.apply_config(project, config)
        for project in set(self.started) - set(projects):
            self.apply_config(project, self.global_config)

    def apply_config(self, project: Project, config: Mapping[str, Any] | None) -> None:
        if (
            project.update_settings(init=self.init_options, config=config)
            and project in self.started
        ):
            self.loads.reload_soon(project)
            if not self.watching.watches(project):
                self.watcher.poll(project)  # a new data file the client was not asked to watch

    # -- data -------------------------------------------------------------------------------

    def data_loaded(self, project: Project) -> None:
        """New data for `project`: learn what ran of the open documents, re-publish them; the
        rest (every file's measured text, names mapping nowhere, pre-parse) in the background."""
        self.messages.data_loaded(project)
        self.publisher.learn_open_soon(project)  # queued before any analysis of this data
        self.publish_project(project)
        self.marks.data_loaded(project.root)
        settings = self.settings_for(project)
        self.snapshots.after_load(project, settings.dataFile)
        self.preparser.after_load(project, settings.base, settings.dataFile)
        self.refresh_lenses()

    def show_once(
        self, project: Project, message: str, kind: types.MessageType = types.MessageType.Error
    ) -> None:
        self.messages.show_once(project, message, kind)

    async def register_watchers(self) -> None:
        """Ask the client to report changes to the data files, where it can."""
        await self.watching.register(self.capability, self.client_register_capability_async)

    # -- publishing -------------------------------------------------------------------------

    def diff_statements(
        self,
        project: Project,
        path: Path,
        analysis: FileAnalysis,
        to_measured: Callable[[LineNo], LineNo | None] | None = None,
        *,
        scope: str | None = None,
        quiet: bool = False,
    ) -> frozenset[LineNo] | Pending | None:
        """In diff scope (the setting's, or `scope`), the changed statements of `path` (measured
        numbering); None in scope "all", or when there is no diff to compare with (`quiet`: only
        logged). `to_measured` takes working-tree lines to the text that ran, when they differ."""
        settings = self.settings_for(project)
        rel = project.relative(path)
        if (scope or settings.scope) != "diff" or rel is None:
            return None
        changes = self.scope.changes(project, settings.base)
        if isinstance(changes, Pending):
            return changes
        if isinstance(changes, GitError):
            if quiet:
                log.info("%s: diff scope: %s (marking all lines)", project.root, changes)
            else:
                self.show_once(project, f"diff scope: {changes}", types.MessageType.Warning)
            return None
        lines = changed_lines(changes, project.root, rel)
        if to_measured is not None:
            lines = frozenset(m for line in lines if (m := to_measured(line)) is not None)
        return changed_statements(analysis, lines)

    def publish(self, document: Document) -> None:
        self.publisher.publish(document)

    # -- commands ---------------------------------------------------------------------------

    async def refresh(self) -> None:
        """`covlint.refresh`: read the data and the diff again, re-publish everything."""
        self.scope.forget()
        await asyncio.gather(*(self.loads.reload(p, final=True) for p in list(self.started)))
        self.publish_all()

    def toggle(self) -> bool:
        """`covlint.toggle`: hide or show all diagnostics; returns whether they are shown."""
        enabled = any(self.settings_for(p).enable for p in self.started) or not self.started
        self.overrides["enable"] = not enabled
        self.publish_all()
        return not enabled

    def set_scope(self, scope: str) -> None:
        """`covlint.setScope`: "all" or "diff"."""
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        self.overrides["scope"] = scope
        self.scope.forget()
        self.publish_all()

    def refresh_lenses(self) -> None:
        """Ask the client to re-request code lenses (their figures changed)."""
        wanted = any(self.settings_for(p).codeLens for p in self.started)
        if wanted and self.ready and self.capability("workspace.code_lens.refresh_support"):
            self._lens_refresh = asyncio.ensure_future(self._refresh_lenses())

    async def _refresh_lenses(self) -> None:
        try:
            await self.workspace_code_lens_refresh_async(None)
        except Exception as exc:  # the client may not implement it after all
            log.debug("workspace/codeLens/refresh failed: %s", exc)

    def publish_project(self, project: Project) -> None:
        for document in list(self.documents.values()):
            if self.space.project_for(document.path) is project:
                self.publish(document)

    def publish_all(self) -> None:
        for document in list(self.documents.values()):
            self.publish(document)

    def clear(self, uri: str) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )


def _mapping(value: object) -> Mapping[str, Any] | None:
    if value is None or isinstance(value, Mapping):
        return value
    log.warning("ignoring covlint settings: expected an object, got %r", value)
    return None
