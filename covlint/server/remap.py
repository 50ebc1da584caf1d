"""Keep coverage marks on the right lines while a document is edited.

Coverage data numbers the lines of the text that ran (the *measured* text, as `covlint.measured`
knows it). The editor's buffer is that text plus the user's edits, saved or not. `LineOrigins`
knows, for every line of the buffer, which measured line it is identical to, or that it has none
(the user changed it). Marks move with their lines and vanish from changed ones: a mark is never
shown on a line whose content differs from what ran.

Indexes here are 0-based list positions, as in the editor's buffer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from covlint.linediff import match_lines

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text` as an LSP client counts them (\\n, \\r\\n or \\r), without endings.

    A text ending in a line break has an empty last line, as in the editor. Form feeds read as
    spaces, as coverage reads them (same width, so columns do not move).
    """
    return _LINE_BREAK.split(text.replace("\f", " "))


class LineOrigins:
    """For each buffer line, the index of the identical measured line, or None."""

    __slots__ = ("_inverse", "measured", "origins", "revision", "text")

    def __init__(self, measured: Sequence[str], buffer: Sequence[str]) -> None:
        self.measured = measured
        self.text = list(buffer)
        self.origins = match_lines(measured, self.text)
        self.revision = 0  # bumped whenever a line's origin or position changes
        self._inverse: list[int | None] | None = None

    @property
    def is_identity(self) -> bool:
        return self.text == self.measured

    def replace_all(self, buffer: Sequence[str]) -> None:
        """The whole buffer was replaced (a full-document change)."""
        self.text = list(buffer)
        self.origins = match_lines(self.measured, self.text)
        self.revision += 1
        self._inverse = None

    def edit(self, start: tuple[int, int], end: tuple[int, int], new_text: str) -> None:
        """Replace the text from `start` to `end` ((line, column) in code points) by `new_text`."""
        last = len(self.text) - 1
        start, end = min(start, end), max(start, end)  # a client's reversed range
        (first_line, first_col), (end_line, end_col) = _clamp(start, last), _clamp(end, last)
        old = self.text[first_line : end_line + 1]
        joined = old[0][:first_col] + new_text + old[-1][end_col:]
        new = split_lines(joined)
        before = self.origins[first_line - 1] if first_line else -1
        after = self.origins[end_line + 1] if end_line < last else len(self.measured)
        region = self.origins[first_line : end_line + 1]
        aligned = self._align(old, region, new, before, after)
        self.text[first_line : end_line + 1] = new
        if aligned != region:  # typing inside an already changed line moves no mark
            self.origins[first_line : end_line + 1] = aligned
            self.revision += 1
            self._inverse = None

    def _align(
        self,
        old: list[str],
        region: list[int | None],
        new: list[str],
        before: int | None,
        after: int | None,
    ) -> list[int | None]:
        """Origins for the lines that replace `old`: kept where a line survived unchanged."""
        if (
            before is not None
            and after is not None
            and after - before - 1 == len(new)
            and self.measured[before + 1 : after] == new  # e.g. an edit undone
        ):
            return list(range(before + 1, after))
        tail = _common_tail(old, new)
        head = _common_head(old[: len(old) - tail], new[: len(new) - tail])
        middle: list[int | None] = [None] * (len(new) - head - tail)
        return region[:head] + middle + region[len(region) - tail :]

    def current_index(self, measured_index: int) -> int | None:
        """Where measured line `measured_index` is in the buffer, or None if it was changed."""
        if self._inverse is None:
            inverse: list[int | None] = [None] * len(self.measured)
            for index, origin in enumerate(self.origins):
                if origin is not None:
                    inverse[origin] = index
            self._inverse = inverse
        if 0 <= measured_index < len(self._inverse):
            return self._inverse[measured_index]
        return None


def _clamp(position: tuple[int, int], last_line: int) -> tuple[int, int]:
    line, column = position
    if line > last_line:
        return last_line, 1 << 30
    return max(line, 0), max(column, 0)


def _common_tail(old: list[str], new: list[str]) -> int:
    count, limit = 0, min(len(old), len(new))
    while count < limit and old[-1 - count] == new[-1 - count]:
        count += 1
    return count


def _common_head(old: list[str], new: list[str]) -> int:
    count, limit = 0, min(len(old), len(new))
    while count < limit and old[count] == new[count]:
        count += 1
    return count
