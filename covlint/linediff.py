"""Which lines of one version of a file survive, unchanged, in another: a bounded line diff.

Used to carry coverage marks from the text that ran to the text in hand (a buffer, a saved file,
a staged blob). Lines are matched only to identical lines, in order. The matcher trims the common
head and tail, anchors on lines that occur once on each side (longest increasing run of them,
as patience diff does), and recurses into the gaps; small gaps get an exact longest common
subsequence. A work budget proportional to the input bounds the cost: a 20,000-line file of
repeated lines costs one pass, never a quadratic search. Lines the budget leaves unmatched simply
lose their marks, which is always safe.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence

# Gaps at most this long on both sides are matched exactly (cost: their product, budgeted).
SMALL_GAP = 64
# Work allowed per line of input, beyond which remaining gaps stay unmatched.
BUDGET_PER_LINE = 64

Gap = tuple[int, int, int, int]  # old[a0:a1] against new[b0:b1]
_LINE_REFERENCE = re.compile(r"\bline (\d+)\b")


def match_lines(old: Sequence[str], new: Sequence[str]) -> list[int | None]:
    """For each line of `new`, the index of the identical `old` line it is, or None."""
    origins: list[int | None] = [None] * len(new)
    if list(old) == list(new):
        return list(range(len(new)))
    budget = BUDGET_PER_LINE * (len(old) + len(new)) + SMALL_GAP * SMALL_GAP
    gaps: list[Gap] = [(0, len(old), 0, len(new))]
    while gaps and budget > 0:
        gap = _trim(old, new, gaps.pop(), origins)
        a0, a1, b0, b1 = gap
        if a0 == a1 or b0 == b1:
            continue
        budget -= (a1 - a0) + (b1 - b0)
        if a1 - a0 <= SMALL_GAP and b1 - b0 <= SMALL_GAP:
            budget -= (a1 - a0) * (b1 - b0)
            _match_exactly(old, new, gap, origins)
        else:
            split = _split_on_anchors(old, new, gap, origins)
            if split:
                gaps.extend(split)
            else:
                budget -= _match_along(old, new, gap, origins)
    return origins


def inverse(origins: Sequence[int | None], old_length: int) -> list[int | None]:
    """For each old line, the index of the new line it became, or None (changed, removed)."""
    back: list[int | None] = [None] * old_length
    for index, origin in enumerate(origins):
        if origin is not None:
            back[origin] = index
    return back


def renumber(message: str, new_line: Callable[[int], int | None]) -> str:
    """Rewrite each "line N" of coverage's wording through `new_line` (1-based to 1-based)."""

    def line_here(match: re.Match[str]) -> str:
        moved = new_line(int(match.group(1)))
        return "a changed line" if moved is None else f"line {moved}"

    return _LINE_REFERENCE.sub(line_here, message)


def _trim(old: Sequence[str], new: Sequence[str], gap: Gap, origins: list[int | None]) -> Gap:
    """Match the common head and tail of a gap; return what is left between them."""
    a0, a1, b0, b1 = gap
    while a0 < a1 and b0 < b1 and old[a0] == new[b0]:
        origins[b0] = a0
        a0, b0 = a0 + 1, b0 + 1
    while a0 < a1 and b0 < b1 and old[a1 - 1] == new[b1 - 1]:
        origins[b1 - 1] = a1 - 1
        a1, b1 = a1 - 1, b1 - 1
    return a0, a1, b0, b1


def _match_exactly(
    old: Sequence[str], new: Sequence[str], gap: Gap, origins: list[int | None]
) -> None:
    a0, a1, b0, b1 = gap
    from difflib import SequenceMatcher  # only for texts that changed since the run

    matcher = SequenceMatcher(None, old[a0:a1], new[b0:b1], autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            origins[b0 + block.b + offset] = a0 + block.a + offset


def _match_along(
    old: Sequence[str], new: Sequence[str], gap: Gap, origins: list[int | None]
) -> int:
    """A gap without unique lines (repeated lines): match exactly window by window, moving
    along the diagonal; returns the work done. Lines between windows may stay unmatched."""
    a, a1, b, b1 = gap
    work = 0
    while a < a1 and b < b1:
        window = (a, min(a + SMALL_GAP, a1), b, min(b + SMALL_GAP, b1))
        _match_exactly(old, new, window, origins)
        work += SMALL_GAP * SMALL_GAP
        matched = [i for i in range(window[2], window[3]) if origins[i] is not None]
        step = SMALL_GAP // 2
        if matched:
            last = matched[-1]
            a = max(int(origins[last] or 0) + 1, a + step)
            b = max(last + 1, b + step)
        else:
            a, b = a + step, b + step
    return work


def _split_on_anchors(
    old: Sequence[str], new: Sequence[str], gap: Gap, origins: list[int | None]
) -> list[Gap]:
    """Match the lines unique on both sides that keep their order; the gaps between them."""
    a0, a1, b0, b1 = gap
    anchors = _increasing(_unique_pairs(old, new, gap))
    if not anchors:
        return []
    gaps: list[Gap] = []
    last_a, last_b = a0, b0
    for a, b in anchors:
        origins[b] = a
        gaps.append((last_a, a, last_b, b))
        last_a, last_b = a + 1, b + 1
    gaps.append((last_a, a1, last_b, b1))
    return gaps


def _unique_pairs(old: Sequence[str], new: Sequence[str], gap: Gap) -> list[tuple[int, int]]:
    """(old index, new index) of each line that occurs exactly once in each side of the gap."""
    a0, a1, b0, b1 = gap
    in_old: dict[str, int] = {}
    for index in range(a0, a1):
        line = old[index]
        in_old[line] = -1 if line in in_old else index
    in_new: dict[str, int] = {}
    for index in range(b0, b1):
        line = new[index]
        if in_old.get(line, -1) >= 0:
            in_new[line] = -1 if line in in_new else index
    return [(in_old[line], b) for line, b in in_new.items() if b >= 0]


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of pairs increasing in both indexes (patience sorting, n log n)."""
    pairs.sort(key=lambda pair: pair[1])
    tails: list[int] = []  # old index ending the best run of each length
    tail_at: list[int] = []  # which pair ends it
    previous: list[int] = [-1] * len(pairs)
    for position, (a, _) in enumerate(pairs):
        length = bisect_left(tails, a)
        if length == len(tails):
            tails.append(a)
            tail_at.append(position)
        else:
            tails[length], tail_at[length] = a, position
        previous[position] = tail_at[length - 1] if length else -1
    run: list[tuple[int, int]] = []
    position = tail_at[-1] if tail_at else -1
    while position >= 0:
        run.append(pairs[position])
        position = previous[position]
    return run[::-1]
