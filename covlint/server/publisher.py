"""Publishing diagnostics: analyses run in a worker thread, results cached per document."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from lsprotocol import types

from covlint.model import LineNo
from covlint.mutate.results import default_results_path
from covlint.server.context import ServerContext, colours_lines
from covlint.server.diagnostics import Options, lsp_diagnostics, lsp_stale
from covlint.server.documents import Document
from covlint.server.mutants import MutantMarks, lsp_survivors
from covlint.server.workspace import FileState, Measured, Pending, Project, Stale

log = logging.getLogger(__name__)

SNAPSHOT_CHUNK = 250  # measured files learnt per worker job: an analysis waits at most one


class Publisher:
    """Turns each open document's coverage into a `publishDiagnostics`, when it changed."""

    def __init__(self, server: ServerContext) -> None:
        self.server = server
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="covlint-analysis")
        self.mutants = MutantMarks(self.executor, on_loaded=self.publish_open)
        self._analysing: dict[Path, asyncio.Future[None]] = {}
        self.listeners: list[Callable[[Document], None]] = []  # told of each computed document

    def options(self, document: Document, project: Project) -> Options:
        settings = self.server.settings_for(project)
        return Options(
            uri=document.uri,
            severities=settings.severity,
            show_branches=settings.showBranches,
            related_information=bool(
                self.server.capability("text_document.publish_diagnostics.related_information")
            ),
            encoding=self.server.encoding,
        )

    def diagnostics_for(self, document: Document) -> list[types.Diagnostic] | None:
        """What `document` should show now; None while its analysis runs in the background."""
        project = self.server.project_for(document.path)
        settings = self.server.settings_for(project)
        if not settings.enable:
            return []
        state = project.quick_state(document.path)
        if isinstance(state, Pending):
            self._analyse_soon(project, document.path)
            return None
        options = self.options(document, project)
        if isinstance(state, Stale):
            return [lsp_stale(state.reason, document.lines, options)] if settings.showStale else []
        problems = settings.problems or ("diff" if colours_lines(self.server) else "all")
        if not isinstance(state, Measured) or problems == "none":
            return []
        document.measure_against(state.lines, state.identity)
        chosen = self._problem_lines(document, project, state, problems)
        if isinstance(chosen, Pending):
            return None  # published when the diff is known
        if chosen is not None:
            options = replace(options, keep=chosen.__contains__)
        marks = document.rendered(
            state, options, lambda: lsp_diagnostics(state.analysis, document.origins, options)
        )
        return marks + self.survivors(document, project, state) if settings.showMutants else marks

    def survivors(
        self, document: Document, project: Project, state: Measured
    ) -> list[types.Diagnostic]:
        """Survived mutants of `covlint mutate` on the document's unchanged lines."""
        settings = self.server.settings_for(project)
        results = results_file(project.root, settings.mutantResults)
        found = self.mutants.for_file(results, document.path, state.lines)
        severity = settings.severity.survivedMutant
        return lsp_survivors(found, document.origins, severity, self.server.encoding)

    def publish_open(self) -> None:
        for document in list(self.server.documents.values()):
            self.publish(document)

    def _problem_lines(
        self, document: Document, project: Project, state: Measured, problems: str
    ) -> frozenset[LineNo] | Pending | None:
        """The statements diagnostics may cover (None: all): "diff" problems narrow them whatever
        `scope` is; by default (not set) a missing diff means all lines and no warning."""
        settings = self.server.settings_for(project)
        return self.server.diff_statements(
            project,
            document.path,
            state.analysis,
            document.saved_to_measured(),
            scope="diff" if problems == "diff" else None,  # None: the `scope` setting's
            quiet=settings.problems is None and settings.scope != "diff",
        )

    def publish(self, document: Document) -> None:
        if not self.server.ready:
            return
        started = time.perf_counter()
        try:
            diagnostics = self.diagnostics_for(document)
        except Exception:  # one bad file must not take the server down
            log.exception("%s: cannot compute diagnostics", document.path)
            return
        if diagnostics is None:
            return
        for listener in self.listeners:
            listener(document)
        sent = document.publishable(diagnostics)
        if sent:
            self.server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=document.uri, diagnostics=diagnostics)
            )
        log.debug(
            "publish %s: %d diagnostics%s in %.2f ms",
            document.path.name,
            len(diagnostics),
            "" if sent else " (unchanged)",
            1000 * (time.perf_counter() - started),
        )

    async def state_async(self, project: Project, path: Path) -> FileState:
        """The file's state, analysing it in the worker thread if needed."""
        state = project.quick_state(path)
        if not isinstance(state, Pending):
            return state
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, project.file_state, path)

    def snapshot_soon(self, project: Project) -> None:
        """Learn what ran of every measured file in the worker: the open documents' first,
        before any analysis of this data (the worker runs jobs in order), then the rest in
        chunks queued behind the analyses asked for meanwhile, so marks never wait long."""
        paths = [d.path for d in self.server.documents.values()]
        started = time.perf_counter()
        self.executor.submit(self._snapshot_step, project, project.generation, paths, started)

    def _snapshot_step(
        self, project: Project, generation: int, first: list[Path], started: float
    ) -> None:
        try:
            rest = project.snapshot(first, generation, SNAPSHOT_CHUNK)
        except Exception:  # the cache is a help, never a reason to stop serving
            log.exception("%s: cannot record the measured texts", project.root)
            return
        if rest:
            self.executor.submit(self._snapshot_step, project, generation, [], started)
        elif rest is not None:
            log.info(
                "measured texts of %d files known in %.1f ms",
                len(project.data.measured_paths) if project.data else 0,
                1000 * (time.perf_counter() - started),
            )

    def _analyse_soon(self, project: Project, path: Path) -> None:
        if path not in self._analysing:
            self._analysing[path] = asyncio.ensure_future(self._analyse_then_publish(project, path))

    async def _analyse_then_publish(self, project: Project, path: Path) -> None:
        started = time.perf_counter()
        try:
            await asyncio.get_running_loop().run_in_executor(
                self.executor, project.file_state, path
            )
        except Exception:
            log.exception("%s: analysis failed", path)
            return
        finally:
            self._analysing.pop(path, None)
        log.debug("analyse %s: %.1f ms", path.name, 1000 * (time.perf_counter() - started))
        for document in list(self.server.documents.values()):
            if document.path == path:
                self.publish(document)

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def results_file(root: Path, setting: str | None) -> Path:
    """The mutation results the server reads: the setting's file, else `covlint mutate`'s own."""
    return root / setting if setting else default_results_path(root)
