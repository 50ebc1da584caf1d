"""The hunks of one file's unified diff: the changes as ranges, and the lines added.

One pass over the hunk lines, checked against each header's counts: git's patches of a release
hold thousands of lines, and this is the only part of a gate run that grows with the diff.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from covlint.linemap import HunkRange
from covlint.model import LineNo

_HEADER = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class MalformedHunk(ValueError):
    """Hunk lines that do not add up to their header."""


def parse_hunks(lines: Sequence[str]) -> tuple[list[HunkRange], set[LineNo]]:
    """The minimal changes of a file's hunks (context lines split a hunk apart), in `-U0`
    form, and the new version's added lines. Raises MalformedHunk."""
    ranges: list[HunkRange] = []
    added: set[LineNo] = set()
    index = 0
    while index < len(lines):
        index = _parse_hunk(lines, index, ranges, added)
    return ranges, added


def _parse_hunk(
    lines: Sequence[str], index: int, ranges: list[HunkRange], added: set[LineNo]
) -> int:
    """Parse the hunk whose header is `lines[index]`; return the index after it."""
    header = _HEADER.match(lines[index])
    if header is None:
        raise MalformedHunk(f"not a hunk header: {lines[index].rstrip()[:60]!r}")
    old_start, old_left = int(header[1]), _length(header[2])
    new_start, new_left = int(header[3]), _length(header[4])
    # A side of length 0 names the line *before* the change; count from the line after it.
    old_line, new_line = old_start + (old_left == 0), new_start + (new_left == 0)
    start: tuple[int, int] | None = None
    index += 1
    while index < len(lines) and (old_left or new_left or lines[index].startswith("\\")):
        kind = lines[index][:1]
        index += 1
        if kind == "\\":  # "\ No newline at end of file": about the line before
            continue
        if kind in (" ", "\n", "\r"):  # context ("" too: a blank context line stripped)
            if start is not None:
                ranges.append(_range(start, old_line, new_line))
                start = None
            old_line, new_line = old_line + 1, new_line + 1
            old_left, new_left = old_left - 1, new_left - 1
        elif kind in ("-", "+"):
            start = start or (old_line, new_line)
            if kind == "-":
                old_line, old_left = old_line + 1, old_left - 1
            else:
                added.add(new_line)
                new_line, new_left = new_line + 1, new_left - 1
        else:
            raise MalformedHunk(f"not a hunk line: {lines[index - 1].rstrip()[:60]!r}")
        if old_left < 0 or new_left < 0:
            raise MalformedHunk(f"more lines than its header says: {header[0]}")
    if old_left or new_left:
        raise MalformedHunk(f"fewer lines than its header says: {header[0]}")
    if start is not None:
        ranges.append(_range(start, old_line, new_line))
    return index


def _length(value: str | None) -> int:
    return 1 if value is None else int(value)  # "@@ -3 +3 @@": one line each


def _range(start: tuple[int, int], old_end: int, new_end: int) -> HunkRange:
    """A HunkRange from where a run of -/+ lines began to where it ended, in -U0 form."""
    old_len, new_len = old_end - start[0], new_end - start[1]
    old_start = start[0] if old_len else start[0] - 1
    new_start = start[1] if new_len else start[1] - 1
    return (old_start, old_len, new_start, new_len)
