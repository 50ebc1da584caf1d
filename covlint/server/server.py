"""The covlint language server: state and the few operations its handlers hand off to."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from covlint import __version__
from covlint.errors import GitError
from covlint.filenames import data_family_glob
from covlint.model import FileAnalysis, LineNo
from covlint.server.documents import Document
from covlint.server.files import FileTables
from covlint.server.marks import MarkFeed
from covlint.server.mutant_watch import ResultsWatch
from covlint.server.preparse import PreParser
from covlint.server.protocol import CovlintProtocol, serve_stdio
from covlint.server.publisher import Publisher
from covlint.server.scope import DiffScope, changed_lines
from covlint.server.settings import SCOPES, Settings
from covlint.server.summary import Summaries
from covlint.server.watcher import DataWatcher
from covlint.server.workspace import LoadOutcome, Pending, Project, Workspace
from covlint.totals import changed_statements

log = logging.getLogger(__name__)

CONFIG_SECTION = "covlint"
CONFIG_TIMEOUT = 5.0
WATCH_REGISTRATION = "covlint-data-files"


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
        self.preparser = PreParser()
        self.watcher = DataWatcher(
            self.reload_project, debounce=debounce, poll_interval=poll_interval
        )
        self.init_options: Mapping[str, Any] | None = None
        self.global_config: Mapping[str, Any] | None = None
        self.overrides: dict[str, Any] = {}  # from commands: enable, scope
        self.ready = False
        self.started: set[Project] = set()
        self._shown: dict[tuple[Path, str], types.MessageType] = {}
        self._registered: set[str] = set()  # data file names the client watches for us
        self._lens_refresh: asyncio.Future[None] | None = None
        # Data files are read in their own thread, never on the event loop.
        self.loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="covlint-load")
        self.queries = ThreadPoolExecutor(max_workers=1, thread_name_prefix="covlint-query")
        self.loads: set[asyncio.Future[LoadOutcome]] = set()
        self.first_loads: dict[Project, asyncio.Future[None]] = {}
        self._load_tickets: dict[Project, int] = {}

    def serve_stdio(self, stdin: BinaryIO, stdout: BinaryIO) -> int:
        """Serve over stdio until `exit` (or the end of input); the exit code LSP asks for."""
        assert isinstance(self.protocol, CovlintProtocol)
        try:
            return serve_stdio(self.protocol, stdin, stdout)
        finally:
            self.publisher.shutdown()
            self.loader.shutdown(wait=False, cancel_futures=True)
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

    def start_project(self, project: Project) -> asyncio.Future[None]:
        """First load of a project's data (in the background), and watching it from now on."""
        self.started.add(project)
        project.update_settings(
            init=self.init_options, config=project.layers.get("config") or self.global_config
        )
        if not self._watched_by_client(project):
            self.watcher.poll(project)
        self.first_loads[project] = asyncio.ensure_future(self._first_load(project))
        return self.first_loads[project]

    async def data_ready(self, project: Project) -> None:
        """Wait for the project's first load (requests that need the data call this)."""
        first = self.first_loads.get(project)
        if first is not None and not first.done():
            await asyncio.shield(first)

    async def _first_load(self, project: Project) -> None:
        outcome = await self.reload_project(project, final=False)
        if outcome.status == "not-ready":
            self.watcher.touch(project)

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
            task = asyncio.ensure_future(self.reload_project(project, final=False))
            self.loads.add(task)
            task.add_done_callback(self.loads.discard)
            if not self._watched_by_client(project):
                self.watcher.poll(project)  # a new data file the client was not asked to watch

    # -- data -------------------------------------------------------------------------------

    async def reload_project(self, project: Project, final: bool) -> LoadOutcome:
        """Reload a project's data off the event loop; publish on success, keep the last good
        marks otherwise. A reload started later supersedes this one."""
        started = time.perf_counter()
        ticket = self._load_tickets[project] = self._load_tickets.get(project, 0) + 1
        loop = asyncio.get_running_loop()
        loaded = await loop.run_in_executor(self.loader, project.load_data)
        if self._load_tickets.get(project) != ticket:
            return LoadOutcome("superseded")
        outcome = project.accept(loaded)
        if outcome.status == "loaded":
            self._shown = {  # failures may be shown again once the data was good
                key: kind
                for key, kind in self._shown.items()
                if key[0] != project.root or kind != types.MessageType.Error
            }
            self.publisher.snapshot_soon(project)  # queued before any analysis of this data
            self.publish_project(project)
            self.marks.data_loaded(project.root)
            self._report_unmapped_soon(project)
            settings = self.settings_for(project)
            self.preparser.after_load(project, settings.base, settings.dataFile)
            self.refresh_lenses()
            log.info("reload %s: loaded and re-published in %.1f ms", project.root, _ms(started))
        elif outcome.status == "missing":
            log.info("%s: %s (waiting for data)", project.root, outcome.message)
        elif outcome.status == "failed" or final:
            self.show_once(project, outcome.message)
        else:
            log.info("%s: %s (will retry)", project.root, outcome.message)
        return outcome

    def _report_unmapped_soon(self, project: Project) -> None:
        """Map every recorded name (slow on big data) in the worker thread, then report; queued
        after the open documents' analyses, which were queued first (`call_soon` is in order)."""
        data = project.data
        if data is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._report_unmapped(project, data.describe_unmapped())
            return

        def report(done: asyncio.Future[str]) -> None:
            if project.data is data and not done.cancelled() and done.exception() is None:
                self._report_unmapped(project, done.result())

        def start() -> None:
            job = loop.run_in_executor(self.publisher.executor, data.describe_unmapped)
            job.add_done_callback(report)

        loop.call_soon(start)

    def _report_unmapped(self, project: Project, message: str) -> None:
        if not message:
            return
        if project.data is not None and not project.data.measured_paths:
            self.show_once(project, message, types.MessageType.Warning)
        else:
            log.warning("%s: %s", project.root, message)

    def show_once(
        self, project: Project, message: str, kind: types.MessageType = types.MessageType.Error
    ) -> None:
        """Tell the user something they can act on, once per project until the data loads."""
        log.warning("%s: %s", project.root, message)
        if (project.root, message) not in self._shown:
            self._shown[project.root, message] = kind
            self.window_show_message(
                types.ShowMessageParams(type=kind, message=f"covlint: {message}")
            )

    def _watched_by_client(self, project: Project) -> bool:
        return project.data_path.name in self._registered and any(
            project.data_path.is_relative_to(folder) for folder in self.space.folders
        )

    async def register_watchers(self) -> None:
        """Ask the client to report changes to the data files, where it can."""
        if not self.capability("workspace.did_change_watched_files.dynamic_registration"):
            return
        relative = self.capability("workspace.did_change_watched_files.relative_pattern_support")
        watchers = [
            types.FileSystemWatcher(glob_pattern=_data_pattern(p.data_path, bool(relative)))
            for p in self.space.projects.values()
        ]
        options = types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers)
        registration = types.Registration(
            id=WATCH_REGISTRATION,
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        try:
            await self.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            )
        except Exception as exc:
            log.info("client file watching unavailable (%s); polling instead", exc)
            return
        self._registered = {p.data_path.name for p in self.space.projects.values()}
        for project in self.space.projects.values():
            if self._watched_by_client(project):
                self.watcher.stop_polling(project)

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
        await asyncio.gather(*(self.reload_project(p, final=True) for p in list(self.started)))
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


def _ms(started: float) -> float:
    return 1000 * (time.perf_counter() - started)


def _mapping(value: object) -> Mapping[str, Any] | None:
    if value is None or isinstance(value, Mapping):
        return value
    log.warning("ignoring covlint settings: expected an object, got %r", value)
    return None


def _data_pattern(data_path: Path, relative: bool) -> str | types.RelativePattern:
    name = data_family_glob(data_path.name)
    if relative:
        base = from_fs_path(str(data_path.parent)) or data_path.parent.as_uri()
        return types.RelativePattern(base_uri=base, pattern=name)
    return f"**/{name}"
