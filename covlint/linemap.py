"""Following lines from one version of a file to another through the diff between them."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from covlint.model import LineNo

# One change of a unified diff: (old_start, old_len, new_start, new_len) as in `@@ -a,b +c,d @@`.
# With old_len == 0, the new lines go after old line old_start (0: at the top of the file).
HunkRange = tuple[int, int, int, int]


class LineMap:
    """Maps line numbers of version A of a file to version B; None for lines B changed."""

    __slots__ = ("_bounds", "_deltas", "_removed_from")

    def __init__(self, ranges: Iterable[HunkRange] = ()) -> None:
        ordered = sorted(ranges, key=_bound)
        self._bounds: list[LineNo] = [_bound(r) for r in ordered]
        self._removed_from: list[LineNo | None] = [r[0] if r[1] else None for r in ordered]
        self._deltas: list[int] = [0]
        for _, old_len, _, new_len in ordered:
            self._deltas.append(self._deltas[-1] + new_len - old_len)

    @classmethod
    def identity(cls) -> LineMap:
        """The map of a file to itself: every line stays where it is."""
        return cls()

    @property
    def is_identity(self) -> bool:
        return not self._bounds

    def map(self, line: LineNo) -> LineNo | None:
        """Where line `line` of A is in B, or None when B changed or removed it."""
        index = bisect_left(self._bounds, line)
        if index < len(self._bounds):
            removed_from = self._removed_from[index]
            if removed_from is not None and removed_from <= line:
                return None
        return line + self._deltas[index]

    def __repr__(self) -> str:
        return f"LineMap({len(self._bounds)} changes)"


def _bound(change: HunkRange) -> LineNo:
    """The last line of A a change touches; every line after it moves by the change's delta."""
    old_start, old_len, _, _ = change
    return old_start + old_len - 1 if old_len else old_start
