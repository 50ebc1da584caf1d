"""Analyse one file's text against the recorded data: coverage's figures plus a staleness check."""

from __future__ import annotations

import io
import logging
import tokenize
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from covlint.analysis_cache import analysis_key, restored, stored_form
from covlint.model import FileAnalysis, LineData, LineNo, MissedArc
from covlint.parse_cache import ParseCache, cache_key

if TYPE_CHECKING:
    from covlint import coverage_internals as internals

log = logging.getLogger(__name__)

PARSE_MEMORY_SIZE = 64  # parses kept in memory: about the documents an editor keeps open
_in_memory: OrderedDict[str, internals.TextReporter] = OrderedDict()
_stores: dict[Path, ParseCache] = {}


def decode_source(raw: bytes) -> str:
    """Source bytes as text, the way coverage reads a Python file."""
    raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\f", b" ")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError:
        encoding = "utf-8"
    return normal_source(raw.decode(encoding, "replace"))


def normal_source(text: str) -> str:
    """Text as coverage sees a file: LF line ends, form feeds as spaces, a final newline.

    Editors hand over CRLF or CR line ends and may drop the last newline; line numbers stay the
    same, and the analysis matches the one of the file on disk.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", " ")
    return text if not text or text.endswith("\n") else text + "\n"


def parsed(
    path: str, text: str, exclude: str, partial: str, *, arcs: bool = True
) -> internals.TextReporter:
    """Coverage's parse of a text (with its arc analysis when `arcs`), kept for reuse.

    Parsing is most of an analysis's cost, and the same texts come back: a reload of the data,
    the next commit, another covlint process. So parses are kept in memory (a few) and on disk
    (`parse_cache`), keyed by the text and the settings, never by the path or the data.
    """
    key = cache_key(text, exclude, partial)
    reporter = _in_memory.get(key)
    if reporter is None or (arcs and not reporter.has_arc_products):
        reporter = _load_or_parse(key, path, text, exclude, partial, arcs=arcs)
    _in_memory[key] = reporter
    _in_memory.move_to_end(key)
    while len(_in_memory) > PARSE_MEMORY_SIZE:
        _in_memory.popitem(last=False)
    return reporter


def forget_parses() -> None:
    """Empty the in-memory layer (the disk cache stays)."""
    _in_memory.clear()


def parse_store() -> ParseCache:
    """The disk cache under the current cache root."""
    store = ParseCache()
    return _stores.setdefault(store.folder, store)


def _load_or_parse(
    key: str, path: str, text: str, exclude: str, partial: str, *, arcs: bool
) -> internals.TextReporter:
    from covlint import coverage_internals as internals  # a kept analysis needs no coverage

    store = parse_store()
    products = store.load(key)
    if products is not None and (not arcs or "arcs" in products):
        try:
            restored = internals.TextReporter.restore(path, text, exclude, partial, products)
            log.debug("%s: parse restored from the cache", path)
            return restored
        except (KeyError, TypeError, ValueError) as exc:
            log.debug("%s: kept parse does not restore (%r)", path, exc)
    reporter = internals.TextReporter(path, text, exclude, partial)  # raises NotPython
    log.debug("%s: parsed", path)
    if arcs:
        reporter.arcs()
    else:
        reporter.release_tree()
    store.save(key, internals.parse_products(reporter))
    return reporter


class AnalysisNotKept(Exception):
    """Only a kept analysis was asked for, and there is none for this text and data."""


def analyse_text(
    data: LineData,
    *,
    path: str,
    data_filename: str,
    text: str,
    exclude: str,
    partial: str,
    kept_only: bool = False,
) -> FileAnalysis:
    """Coverage of `text` (the file at repo-relative `path`) by the lines recorded for it.

    Raises `NotPython` when the text does not parse, `AnalysisNotKept` when `kept_only` and
    the analysis is not kept.
    """
    text = normal_source(text)
    key = analysis_key(cache_key(text, exclude, partial), data, data_filename)
    kept = parse_store().load(key)
    if kept is not None:
        try:
            analysis = restored(path, kept)
            log.debug("%s: analysis restored from the cache", path)
            return analysis
        except (KeyError, TypeError, ValueError) as exc:
            log.debug("%s: kept analysis does not restore (%r)", path, exc)
    if kept_only:
        raise AnalysisNotKept(path)
    analysis = _fresh_analysis(
        data, path=path, data_filename=data_filename, text=text, exclude=exclude, partial=partial
    )
    parse_store().save(key, stored_form(analysis))
    return analysis


def _fresh_analysis(
    data: LineData,
    *,
    path: str,
    data_filename: str,
    text: str,
    exclude: str,
    partial: str,
) -> FileAnalysis:
    from covlint import coverage_internals as internals

    reporter = parsed(path, text, exclude, partial, arcs=data.has_arcs())
    analysis = internals.analyse(data, reporter, data_filename)
    recorded = data.lines(data_filename) or []
    return FileAnalysis(
        path=path,
        statements=frozenset(analysis.statements),
        executed=frozenset(analysis.executed),
        missing=frozenset(analysis.missing),
        excluded=frozenset(analysis.excluded),
        has_arcs=analysis.has_arcs,
        exit_counts={line: count for line, count in analysis.exit_counts.items() if count > 1},
        missed_arcs=_missed_arcs(reporter, analysis),
        multiline=dict(reporter.multiline_map()),
        stale_reason=_stale_reason(reporter, recorded, text),
    )


def _missed_arcs(
    reporter: internals.TextReporter, analysis: internals.Analysis
) -> tuple[MissedArc, ...]:
    if not analysis.has_arcs:
        return ()
    missed = analysis.missing_branch_arcs()
    return tuple(
        MissedArc(start, end, reporter.missing_arc_description(start, end))
        for start in sorted(missed)
        for end in sorted(missed[start])
    )


def branch_line_messages(analysis: FileAnalysis) -> dict[LineNo, str]:
    """What `coverage html` writes beside each branch line that ran but missed arcs.

    One missed arc: its message. Every arc missed although the line ran: coverage's own sentence
    for that ("line 7 didn't jump anywhere: it always raised an exception."), not the per-arc
    messages, which would claim the condition was both never true and always true.
    """
    by_line: dict[LineNo, list[str]] = {}
    for arc in analysis.missed_arcs:
        if arc.start not in analysis.missing:
            by_line.setdefault(arc.start, []).append(arc.message)
    return {
        line: (
            f"line {line} didn't jump anywhere: it always raised an exception."
            if len(messages) == analysis.exit_counts.get(line)
            else "; ".join(messages)
        )
        for line, messages in by_line.items()
    }


def _stale_reason(
    reporter: internals.TextReporter, recorded: list[LineNo], text: str
) -> str | None:
    """Why the recorded lines cannot have come from this text, or None if they can."""
    last_line = text.count("\n")
    beyond = [line for line in recorded if line > last_line]
    if beyond:
        return f"data records line {min(beyond)}, but the file has {last_line} lines"
    # Compare whole statements (first lines): which line of a multi-line statement the tracer
    # records differs between Python versions, but the statement it belongs to does not.
    parser = reporter.parser
    known = parser.first_lines(parser.raw_statements) | parser.excluded
    # Line 0 is where Python starts an empty module (3.11 records it in line data): not a line.
    strays = sorted(line for line in recorded if line > 0 and parser.first_line(line) not in known)
    if strays:
        return f"data records line {strays[0]} as run, but it is not code in this version"
    return None
