"""Coverage marks for editors that colour lines themselves: the `covlint/marks` request and the
`covlint/publishMarks` notification.

A mark is drawn on buffer lines (0-based, the buffer's current numbering), from the same analysis
and line mapping as the diagnostics, so colours and diagnostics never disagree. Result::

    {"uri", "version": int | null, "scope": "all" | "diff", "stale": str | null,
     "missed": [[first, last], ...],            # statement lines no test ran
     "partial": [{"line", "endLine", "exits", "arcs": [{"message", "line": int | null}]}],
                                                # an arc's line: where it leads (null: an exit)
     "covered": [[first, last], ...],           # statement lines that ran (not partial ones)
     "figures": Figures | null}                 # as in covlint/summary

Runs of `missed`/`covered` lines never span a line that is not part of a statement (a blank or
comment line ends them). Clients that announce ``experimental: {"covlint": {"marks": true}}``
get `covlint/publishMarks` (the same object) whenever an open document's marks change, and
`covlint/didLoad` ``{"root": uri}`` after each load of a project's data (to refresh project views).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pygls.uris import from_fs_path

from covlint.analysis import decode_source
from covlint.model import FileAnalysis, LineNo
from covlint.server.context import ServerContext, colours_lines
from covlint.server.diagnostics import (
    LineFilter,
    Span,
    SpanOf,
    partial_branches,
    renumberer,
    span_mapper,
    statement_ends,
)
from covlint.server.documents import Document, python_path
from covlint.server.publisher import Publisher
from covlint.server.remap import LineOrigins, split_lines
from covlint.server.scope import DiffScope
from covlint.server.summary import figures_json
from covlint.server.workspace import Measured, Pending, Stale
from covlint.totals import file_counts

log = logging.getLogger(__name__)

METHOD = "covlint/marks"
NOTIFICATION = "covlint/publishMarks"
Notify = Callable[[str, Any], None]  # sends a notification to the client
LOADED = "covlint/didLoad"  # {"root": uri}: a project's data was (re)loaded; its files changed


@dataclass(frozen=True)
class BufferMarks:
    """Which buffer lines ran, did not run, or ran but missed a branch arc."""

    missed: list[Span]
    partial: list[dict[str, Any]]
    covered: list[Span]


def buffer_marks(
    analysis: FileAnalysis, origins: LineOrigins, keep: LineFilter | None = None
) -> BufferMarks:
    """The marks of `analysis` on the buffer `origins` maps; changed statements get none."""
    ends = statement_ends(analysis.multiline)
    branches = partial_branches(analysis, keep)
    span_of = span_mapper(origins)
    missed: list[Span] = []
    covered: list[Span] = []
    for statement in sorted(analysis.statements):
        span = span_of(statement, ends.get(statement, statement))
        if span is None or (keep is not None and not keep(statement)):
            continue
        if statement in analysis.missing:
            _extend(missed, span)
        elif statement not in branches:
            _extend(covered, span)
    partial = _partial(analysis, branches, ends, origins, span_of)
    return BufferMarks(missed, partial, covered)


def _extend(spans: list[Span], span: Span) -> None:
    """Add `span`, joining it to the last one when the lines follow each other."""
    if spans and spans[-1][1] + 1 == span[0]:
        spans[-1] = (spans[-1][0], span[1])
    else:
        spans.append(span)


def _partial(
    analysis: FileAnalysis,
    branches: Mapping[LineNo, list[Any]],
    ends: dict[LineNo, LineNo],
    origins: LineOrigins,
    span_of: SpanOf,
) -> list[dict[str, Any]]:
    renumber = renumberer(origins)
    found = []
    for start, arcs in branches.items():
        span = span_of(start, ends.get(start, start))
        if span is None:
            continue
        worded = []
        for arc in arcs:  # an exit leads to no line of the buffer
            destination = origins.current_index(arc.end - 1) if arc.end > 0 else None
            worded.append({"message": renumber(arc.message), "line": destination})
        exits = analysis.exit_counts.get(start, len(arcs))
        found.append({"line": span[0], "endLine": span[1], "exits": exits, "arcs": worded})
    return sorted(found, key=lambda item: int(item["line"]))


def marks_json(
    uri: str,
    *,
    version: int | None = None,
    scope: str = "all",
    analysis: FileAnalysis | None = None,
    marks: BufferMarks | None = None,
    chosen: frozenset[LineNo] | None = None,
    stale: str | None = None,
) -> dict[str, Any]:
    """The `covlint/marks` result (no marks: empty lists)."""
    return {
        "uri": uri,
        "version": version,
        "scope": scope,
        "stale": stale,
        "missed": [list(span) for span in marks.missed] if marks else [],
        "partial": marks.partial if marks else [],
        "covered": [list(span) for span in marks.covered] if marks else [],
        "figures": figures_json(file_counts(analysis, chosen)) if analysis else None,
    }


class MarkFeed:
    """Answers `covlint/marks` and pushes `covlint/publishMarks` to clients that want it."""

    def __init__(
        self, server: ServerContext, publisher: Publisher, scope: DiffScope, notify: Notify
    ) -> None:
        self.server = server
        self.publisher = publisher
        self.scope = scope
        self.notify = notify
        self._sent: dict[str, dict[str, Any]] = {}

    @property
    def pushed(self) -> bool:
        """Whether the client asked for `covlint/publishMarks`."""
        return colours_lines(self.server)

    def for_document(self, document: Document) -> dict[str, Any] | None:
        """The marks of an open document now; None while its analysis or diff is pending."""
        project = self.server.project_for(document.path)
        settings = self.server.settings_for(project)
        empty = marks_json(document.uri, version=document.version, scope=settings.scope)
        state = project.quick_state(document.path)
        if isinstance(state, Pending):
            return None
        if not settings.enable or state is None:
            return empty
        if isinstance(state, Stale):
            return {**empty, "stale": state.reason}
        document.measure_against(state.lines, state.identity)
        chosen = self.server.diff_statements(
            project, document.path, state.analysis, document.saved_to_measured()
        )
        if isinstance(chosen, Pending):
            return None
        keep = chosen.__contains__ if chosen is not None else None
        marks = buffer_marks(state.analysis, document.origins, keep)
        return marks_json(
            document.uri,
            version=document.version,
            scope=settings.scope,
            analysis=state.analysis,
            marks=marks,
            chosen=chosen,
        )

    def push(self, document: Document) -> None:
        """Send the document's marks if the client wants them and they changed."""
        if not self.pushed:
            return
        marks = self.for_document(document)
        if marks is None or self._sent.get(document.uri) == marks:
            return
        self._sent[document.uri] = marks
        self.notify(NOTIFICATION, marks)

    def data_loaded(self, root: Path) -> None:
        """Tell a client that colours lines that a project's figures changed."""
        if self.pushed and self.server.ready:
            self.notify(LOADED, {"root": from_fs_path(str(root)) or root.as_uri()})

    def forget(self, uri: str) -> None:
        self._sent.pop(uri, None)

    async def request(self, uri: str) -> dict[str, Any]:
        """`covlint/marks` for an open document, or for a file on disk as it is."""
        document = self.server.documents.get(uri)
        if document is not None:
            await self._ready(document.path)
            found = self.for_document(document)
            if found is not None:
                return found
        return await self._on_disk(uri)

    async def _ready(self, path: Path) -> None:
        project = self.server.project_for(path)
        await self.server.data_ready(project)
        state = await self.publisher.state_async(project, path)
        settings = self.server.settings_for(project)
        if isinstance(state, Measured) and settings.scope == "diff":
            await self.scope.changes_async(project, settings.base)

    async def _on_disk(self, uri: str) -> dict[str, Any]:
        path = python_path(uri)
        if path is None:
            return marks_json(uri)
        project = self.server.project_for(path)
        settings = self.server.settings_for(project)
        await self._ready(path)
        state = await self.publisher.state_async(project, path)
        if not isinstance(state, Measured) or not settings.enable:
            stale = state.reason if isinstance(state, Stale) else None
            return marks_json(uri, scope=settings.scope, stale=stale)
        loop = asyncio.get_running_loop()
        on_disk = await loop.run_in_executor(self.publisher.executor, disk_lines, path)
        origins = LineOrigins(state.lines, state.lines if on_disk is None else on_disk)
        to_measured = None if origins.is_identity else _to_measured(origins)
        chosen = self.server.diff_statements(project, path, state.analysis, to_measured)
        chosen = None if isinstance(chosen, Pending) else chosen
        keep = chosen.__contains__ if chosen is not None else None
        marks = buffer_marks(state.analysis, origins, keep)
        return marks_json(
            uri, scope=settings.scope, analysis=state.analysis, marks=marks, chosen=chosen
        )


def disk_lines(path: Path) -> list[str] | None:
    """The file's lines as it is on disk now (None: unreadable), in a worker thread."""
    try:
        return split_lines(decode_source(path.read_bytes()))
    except OSError:
        return None


def _to_measured(origins: LineOrigins) -> Callable[[LineNo], LineNo | None]:
    """Disk lines (1-based) to the lines of the text that ran."""
    return lambda line: (
        None if not 0 < line <= len(origins.origins) else _plus_one(origins.origins[line - 1])
    )


def _plus_one(index: int | None) -> LineNo | None:
    return None if index is None else index + 1
