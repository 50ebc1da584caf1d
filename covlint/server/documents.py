"""Open documents: the buffer's lines, how they map onto the measured text, what was published."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from covlint.filenames import is_python_path
from covlint.model import LineNo
from covlint.server.diagnostics import python_column
from covlint.server.remap import LineOrigins, split_lines

log = logging.getLogger(__name__)


class Document:
    """One open text document, followed through its edits."""

    def __init__(self, uri: str, path: Path, text: str, version: int | None) -> None:
        self.uri = uri
        self.path = path
        self.version = version
        lines = split_lines(text)
        self.origins = LineOrigins(lines, lines)
        self.measured_identity: str | None = None
        self.edited = False  # edits since it was opened or last saved
        self.saved: list[int | None] | None = None  # the saved text's origins, when known
        self.published: Sequence[types.Diagnostic] | None = None
        self._rendered: tuple[object, object, LineOrigins, int, list[types.Diagnostic]] | None = (
            None
        )

    @property
    def lines(self) -> list[str]:
        return self.origins.text

    def apply(self, change: types.TextDocumentContentChangeEvent, encoding: str) -> None:
        """Apply one `didChange` content change (incremental or whole-document)."""
        self.edited = True
        if isinstance(change, types.TextDocumentContentChangePartial):
            start, end = change.range.start, change.range.end
            self.origins.edit(
                (start.line, self._column(start, encoding)),
                (end.line, self._column(end, encoding)),
                change.text,
            )
        else:
            self.origins.replace_all(split_lines(change.text))

    def _column(self, position: types.Position, encoding: str) -> int:
        lines = self.origins.text
        if position.line >= len(lines):
            return 0
        return python_column(lines[position.line], position.character, encoding)

    def measure_against(self, measured: list[str], identity: str) -> None:
        """Follow the buffer from `measured` (the text that ran), if it is new to it."""
        if self.origins.measured is measured or self.measured_identity == identity:
            return
        self.origins = LineOrigins(measured, self.origins.text)
        self.measured_identity = identity
        self.saved = None if self.edited else list(self.origins.origins)

    def mark_saved(self) -> None:
        """`didSave`: the file on disk is the buffer now."""
        self.edited = False
        self.saved = list(self.origins.origins)

    def saved_to_measured(self) -> Callable[[LineNo], LineNo | None] | None:
        """Lines of the file on disk (1-based) to lines of the text that ran, when they differ
        and the saved text is known; None: take them as the same."""
        saved = self.saved
        if saved is None or saved == list(range(len(saved))):
            return None

        def measured_line(line: LineNo) -> LineNo | None:
            origin = saved[line - 1] if 0 < line <= len(saved) else None
            return None if origin is None else origin + 1

        return measured_line

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
    if language_id != "python" and not is_python_path(path):
        return None
    return Path(path)
