"""Engine results as LSP diagnostics: the only place that turns 1-based lines into positions.

Marks are computed on the measured text (the file as it ran, numbered as coverage numbers it),
then moved through `LineOrigins` onto the buffer; a statement any of whose lines changed loses its
mark, and a run of uncovered statements is split where the buffer no longer matches between them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lsprotocol import types

from covlint import codes, wording
from covlint.analysis import branch_line_messages
from covlint.linediff import renumber
from covlint.model import FileAnalysis, LineNo, MissedArc
from covlint.server.remap import LineOrigins
from covlint.server.settings import Severities, SeverityName

STALE_MESSAGE = "coverage data is older than this file — re-run tests"

_SEVERITIES: dict[SeverityName, types.DiagnosticSeverity] = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}

Span = tuple[int, int]  # first and last buffer line index (0-based) of a mark
LineFilter = Callable[[LineNo], bool]  # which measured lines may carry marks (diff scope)
SpanOf = Callable[[LineNo, LineNo], Span | None]  # measured lines first..last -> buffer span


@dataclass(frozen=True)
class Options:
    """How to render marks for one document."""

    uri: str
    severities: Severities
    show_branches: bool = True
    related_information: bool = True
    encoding: str = "utf-16"
    keep: LineFilter | None = None


def lsp_severity(name: SeverityName) -> types.DiagnosticSeverity:
    return _SEVERITIES[name]


def lsp_character(line: str, column: int, encoding: str) -> int:
    """Column `column` (in code points) of `line` in the client's position encoding."""
    prefix = line[:column]
    if encoding == "utf-32" or prefix.isascii():
        return len(prefix)
    if encoding == "utf-8":
        return len(prefix.encode("utf-8"))
    return len(prefix.encode("utf-16-le")) // 2


def python_column(line: str, character: int, encoding: str) -> int:
    """The code-point column of a client position `character` on `line`."""
    if encoding == "utf-32" or line.isascii():
        return character
    units = 0
    for index, char in enumerate(line):
        if units >= character:
            return index
        units += lsp_character(char, 1, encoding)
    return len(line)


def lsp_line(line: LineNo) -> int:
    """The 0-based index of 1-based line `line`."""
    return line - 1


def measured_line(origins: LineOrigins, index: int) -> LineNo | None:
    """The measured line (1-based) that buffer line `index` (0-based) is, if unchanged."""
    if 0 <= index < len(origins.origins):
        origin = origins.origins[index]
        return None if origin is None else origin + 1
    return None


def buffer_index(origins: LineOrigins, line: LineNo) -> int | None:
    """The 0-based buffer index of measured line `line`, or None if it changed."""
    return origins.current_index(lsp_line(line))


def lsp_range(text: list[str], span: Span, encoding: str) -> types.Range:
    """From the first non-blank character of the span's first line to the end of its last."""
    first, last = span
    head = text[first]
    start = len(head) - len(head.lstrip())
    tail = text[last].rstrip()
    return types.Range(
        start=types.Position(line=first, character=lsp_character(head, start, encoding)),
        end=types.Position(line=last, character=lsp_character(tail, len(tail), encoding)),
    )


def lsp_line_range(
    text: list[str], index: int, encoding: str, start: int | None = None
) -> types.Range:
    """Line `index` from column `start` (default: its first non-blank) to its last non-blank."""
    line = text[index] if 0 <= index < len(text) else ""
    if start is None:
        start = len(line) - len(line.lstrip())
    tail = line.rstrip()
    return types.Range(
        start=types.Position(line=index, character=lsp_character(line, start, encoding)),
        end=types.Position(line=index, character=lsp_character(tail, len(tail), encoding)),
    )


def lsp_stale(reason: str, text: list[str], options: Options) -> types.Diagnostic:
    """The one diagnostic a stale file gets, on its first line."""
    first = text[0].rstrip() if text else ""
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=0, character=0),
            end=types.Position(
                line=0, character=lsp_character(first, len(first), options.encoding)
            ),
        ),
        message=reason,
        severity=lsp_severity(options.severities.stale),
        code=codes.STALE,
        source=codes.SOURCE,
    )


def lsp_diagnostics(
    analysis: FileAnalysis, origins: LineOrigins, options: Options
) -> list[types.Diagnostic]:
    """The `uncovered` and `missed-branch` diagnostics of `analysis`, on the buffer's lines."""
    ends = statement_ends(analysis.multiline)
    span_of = span_mapper(origins)
    marks = [
        _uncovered(span, origins.text, options)
        for run in uncovered_runs(analysis, options.keep)
        for span in _remapped_spans(run, ends, span_of)
    ]
    if options.show_branches:
        marks += _missed_branches(analysis, ends, origins, options, span_of)
    return sorted(marks, key=lambda d: (d.range.start.line, d.range.start.character))


statement_ends = wording.statement_ends


def uncovered_runs(analysis: FileAnalysis, keep: LineFilter | None = None) -> list[list[LineNo]]:
    """Runs of missing statements with no other statement (run, excluded, filtered) between."""
    return wording.uncovered_runs(analysis.statements | analysis.excluded, analysis.missing, keep)


def _remapped_spans(run: list[LineNo], ends: dict[LineNo, LineNo], span_of: SpanOf) -> list[Span]:
    """The buffer spans of a run: statements that changed drop out and split the run, and so
    does any line between two statements (blank, comment), so that no range spans it."""
    spans: list[Span] = []
    previous_end: LineNo | None = None
    for first in run:
        last = ends.get(first, first)
        span = span_of(first, last)
        if span is None:
            previous_end = None
            continue
        if previous_end == first - 1 and span_of(previous_end, first) is not None:
            spans[-1] = (spans[-1][0], span[1])
        else:
            spans.append(span)
        previous_end = last
    return spans


def span_mapper(origins: LineOrigins) -> SpanOf:
    """`mapped_span` on `origins`; where the buffer is the measured text (a first open), without
    looking each line up."""
    if not origins.is_identity:
        return functools.partial(mapped_span, origins)
    count = len(origins.text)

    def same_lines(first: LineNo, last: LineNo) -> Span | None:
        return (first - 1, last - 1) if 1 <= first <= count and last <= count else None

    return same_lines


def mapped_span(origins: LineOrigins, first: LineNo, last: LineNo) -> Span | None:
    """Buffer indexes of measured lines `first`..`last`, if all are there, unchanged, in a row."""
    start = origins.current_index(lsp_line(first))
    if start is None:
        return None
    for offset in range(1, last - first + 1):
        if origins.current_index(lsp_line(first) + offset) != start + offset:
            return None
    return start, start + last - first


def _uncovered(span: Span, text: list[str], options: Options) -> types.Diagnostic:
    return types.Diagnostic(
        range=lsp_range(text, span, options.encoding),
        message=wording.not_run(span[0] + 1, span[1] + 1),
        severity=lsp_severity(options.severities.uncovered),
        code=codes.UNCOVERED,
        source=codes.SOURCE,
    )


def _missed_branches(
    analysis: FileAnalysis,
    ends: dict[LineNo, LineNo],
    origins: LineOrigins,
    options: Options,
    span_of: SpanOf,
) -> Iterable[types.Diagnostic]:
    lines = branch_line_messages(analysis)  # the gate's and coverage html's per-line wording
    renumber = renumberer(origins)
    for start, arcs in partial_branches(analysis, options.keep).items():
        span = span_of(start, ends.get(start, start))
        if span is not None:
            worded = [(arc, renumber(arc.message)) for arc in arcs]
            message = renumber(lines[start])
            yield _missed_branch(
                span,
                worded,
                ends,
                origins,
                options,
                message=message,
                renumber=renumber,
                span_of=span_of,
            )


def partial_branches(
    analysis: FileAnalysis, keep: LineFilter | None = None
) -> dict[LineNo, list[MissedArc]]:
    """Missed arcs by start line, for branch lines that ran (others are `uncovered`)."""
    by_start: dict[LineNo, list[MissedArc]] = {}
    for arc in analysis.missed_arcs:
        if arc.start not in analysis.missing and (keep is None or keep(arc.start)):
            by_start.setdefault(arc.start, []).append(arc)
    return by_start


def _missed_branch(
    span: Span,
    arcs: list[tuple[MissedArc, str]],
    ends: dict[LineNo, LineNo],
    origins: LineOrigins,
    options: Options,
    *,
    message: str,
    renumber: Callable[[str], str],
    span_of: SpanOf,
) -> types.Diagnostic:
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(
                uri=options.uri, range=lsp_range(origins.text, dest, options.encoding)
            ),
            message=related_message(arc, renumber),
        )
        for arc, _ in arcs
        if (dest := _destination(arc, ends, span_of)) is not None
    ]
    if message != "; ".join(m for _, m in arcs):
        related = []  # "it always raised": the per-arc sentences would contradict each other
    return types.Diagnostic(
        range=lsp_range(origins.text, span, options.encoding),
        message=message,
        severity=lsp_severity(options.severities.missedBranch),
        code=codes.MISSED_BRANCH,
        source=codes.SOURCE,
        related_information=related if options.related_information else None,
    )


def related_message(arc: MissedArc, renumber: Callable[[str], str]) -> str:
    """What a missed arc's destination says: not the diagnostic's sentence again."""
    return renumber(f"the branch from line {arc.start} that never ran leads here")


def _destination(arc: MissedArc, ends: dict[LineNo, LineNo], span_of: SpanOf) -> Span | None:
    """Where a missed arc leads: its destination, or for an exit the code object's first line."""
    line = arc.end if arc.end > 0 else -arc.end
    return span_of(line, ends.get(line, line))


def renumberer(origins: LineOrigins) -> Callable[[str], str]:
    """Rewrite "line N" in coverage's wording to the buffer's numbering."""
    if origins.is_identity:
        return lambda message: message

    def line_here(line: LineNo) -> LineNo | None:
        index = origins.current_index(lsp_line(line))
        return None if index is None else index + 1

    return lambda message: renumber(message, line_here)
