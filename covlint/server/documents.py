"""Open documents: the buffer's lines, how they map onto the measured text, what was published."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from covlint.server.diagnostics import python_column
from covlint.server.remap import LineOrigins, split_lines
from covlint.server.workspace import DiskStamp

log = logging.getLogger(__name__)

PYTHON_SUFFIXES = (".py", ".pyw")
# Above this many lines, matching a whole new text against the measured one runs off the event
# loop (the matcher can grow faster than linearly); until it is done the document shows no marks.
LARGE_DOCUMENT = 500


class Rematch:
    """A whole-text line match to run off the event loop; dropped if superseded."""

    def __init__(self, measured: Sequence[str], text: Sequence[str]) -> None:
        self.measured = measured
        self.text = list(text)  # a snapshot: the buffer keeps changing meanwhile
        self.task: asyncio.Future[None] | None = None  # set once it runs

    def run(self) -> LineOrigins:
        return LineOrigins(self.measured, self.text)


class Document:
    """One open text document, followed through its edits."""

    def __init__(self, uri: str, path: Path, text: str, version: int | None) -> None:
        self.uri = uri
        self.path = path
        self.version = version
        lines = split_lines(text)
        self.origins = LineOrigins(lines, lines)
        self.measured_stamp: DiskStamp | None = None
        self.published: Sequence[types.Diagnostic] | None = None
        self.rematch: Rematch | None = None  # a whole-text match running off the event loop
        self._rendered: tuple[object, object, LineOrigins, int, list[types.Diagnostic]] | None = (
            None
        )

    @property
    def lines(self) -> list[str]:
        return self.origins.text

    def apply(self, change: types.TextDocumentContentChangeEvent, encoding: str) -> None:
        """Apply one `didChange` content change (incremental or whole-document)."""
        if isinstance(change, types.TextDocumentContentChangePartial):
            start, end = change.range.start, change.range.end
            self.origins.edit(
                (start.line, self._column(start, encoding)),
                (end.line, self._column(end, encoding)),
                change.text,
            )
        elif len(lines := split_lines(change.text)) > LARGE_DOCUMENT:
            measured = self.rematch.measured if self.rematch else self.origins.measured
            self.origins = LineOrigins([], lines)  # no marks until the match is done
            self._match_later(measured)
        else:
            self.origins.replace_all(lines)
        if self.rematch is not None and self.rematch.text != self.origins.text:
            self._match_later(self.rematch.measured)  # a newer edit supersedes the running match

    def _match_later(self, measured: Sequence[str]) -> None:
        if self.rematch is not None and self.rematch.task is not None:
            self.rematch.task.cancel()  # superseded: drop it if it has not started yet
        self.rematch = Rematch(measured, self.origins.text)

    def install(self, job: Rematch, origins: LineOrigins) -> bool:
        """Use a finished match unless a newer edit or measured text superseded it."""
        if job is not self.rematch or origins.text != self.origins.text:
            return False
        self.origins, self.rematch = origins, None
        return True

    def _column(self, position: types.Position, encoding: str) -> int:
        lines = self.origins.text
        if position.line >= len(lines):
            return 0
        return python_column(lines[position.line], position.character, encoding)

    def measure_against(self, measured: list[str], stamp: DiskStamp) -> None:
        """Follow the buffer from `measured` (the text on disk that ran), if it is new."""
        current = self.rematch.measured if self.rematch else self.origins.measured
        if current is measured or (self.measured_stamp == stamp and current == measured):
            return
        self.measured_stamp = stamp
        if len(self.origins.text) > LARGE_DOCUMENT and measured != self.origins.text:
            self.origins = LineOrigins([], self.origins.text)
            self._match_later(measured)
        else:
            self.rematch = None
            self.origins = LineOrigins(measured, self.origins.text)

    def rendered(
        self, state: object, options: object, render: Callable[[], list[types.Diagnostic]]
    ) -> list[types.Diagnostic]:
        """`render()`, or its last result for the same analysis, options and line mapping."""
        key = (state, options, self.origins, self.origins.revision)
        cached = self._rendered
        if cached and cached[0] is key[0] and cached[1:4] == key[1:]:
            return cached[4]
        diagnostics = render()
        self._rendered = (*key, diagnostics)
        return diagnostics

    def publishable(self, diagnostics: list[types.Diagnostic]) -> bool:
        """Whether `diagnostics` differ from what the client shows (at first: nothing)."""
        if list(self.published or []) == diagnostics:
            self.published = diagnostics
            return False
        self.published = diagnostics
        return True


def python_path(uri: str, language_id: str | None = None) -> Path | None:
    """The file path of a Python document on disk, or None for anything else."""
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    if path is None:
        return None
    if language_id != "python" and not path.endswith(PYTHON_SUFFIXES):
        return None
    return Path(path)
