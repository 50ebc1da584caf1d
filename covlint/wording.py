"""How covlint words line ranges: one home for the gate's reports and the editor's diagnostics.

A range is a run of uncovered statements with no other statement (run, excluded, or outside the
scope asked about) and no other line (blank, comment) between them, from the first statement's
first line to the last statement's last line; it is written as "line 1603" or "lines 1606–1607"
(an en dash, as typeset).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

LineNo = int
Span = tuple[LineNo, LineNo]  # first and last line (1-based) of a range
LineFilter = Callable[[LineNo], bool]  # which lines may be part of a range

EN_DASH = "\u2013"
NOT_RUN = "not run by any test"


def uncovered_runs(
    statements: Iterable[LineNo], missing: Collection[LineNo], keep: LineFilter | None = None
) -> list[list[LineNo]]:
    """Runs of `missing` statements (that `keep` accepts) with no other statement between them.

    `statements` are every statement of the file, excluded ones included: any of them that is not
    a kept missing statement ends a run.
    """
    runs: list[list[LineNo]] = []
    run: list[LineNo] = []
    for line in sorted(statements):
        if line in missing and (keep is None or keep(line)):
            run.append(line)
        elif run:
            runs.append(run)
            run = []
    return [*runs, run] if run else runs


def statement_ends(multiline: dict[LineNo, LineNo]) -> dict[LineNo, LineNo]:
    """The last line of each multi-line statement, by its first line."""
    ends: dict[LineNo, LineNo] = {}
    for line, first in multiline.items():
        ends[first] = max(ends.get(first, first), line)
    return ends


def adjacent_runs(run: list[LineNo], ends: dict[LineNo, LineNo]) -> list[list[LineNo]]:
    """A run split wherever a line that is no statement (blank, comment) lies between two."""
    parts: list[list[LineNo]] = []
    for line in run:
        if parts and ends.get(parts[-1][-1], parts[-1][-1]) == line - 1:
            parts[-1].append(line)
        else:
            parts.append([line])
    return parts


def run_span(run: list[LineNo], ends: dict[LineNo, LineNo]) -> Span:
    """The lines a run covers: its first statement's first line to its last statement's last."""
    return run[0], ends.get(run[-1], run[-1])


def change_ranges(
    statements: Iterable[LineNo],
    missing: Collection[LineNo],
    changed: Collection[LineNo],
    multiline: dict[LineNo, LineNo],
) -> tuple[Span, ...]:
    """The ranges of a change's uncovered statements, as the editor's diff scope marks them."""
    ends = statement_ends(multiline)
    runs = uncovered_runs(statements, missing, changed.__contains__)
    return tuple(run_span(part, ends) for run in runs for part in adjacent_runs(run, ends))


def lines_phrase(first: LineNo, last: LineNo) -> str:
    """`line 7` or `lines 7–9`."""
    return f"line {first}" if first == last else f"lines {first}{EN_DASH}{last}"


def span_list(spans: Iterable[Span]) -> str:
    """`line 8, lines 12–14`: each range worded on its own, as the editor words it."""
    return ", ".join(lines_phrase(first, last) for first, last in spans)


def not_run(first: LineNo, last: LineNo) -> str:
    """The editor's message for an uncovered range: `lines 7–9 not run by any test`."""
    return f"{lines_phrase(first, last)} {NOT_RUN}"
