"""Kept analyses: a file's whole analysis, for the same text, settings and recorded lines.

After the parse, coverage's analysis of a big file against its data is the next cost (~70 ms
for 5,000 lines). It is a pure function of the parse's inputs and of what was recorded for the
file, so it is kept in the parse cache's folder under a key hashing both: a second gate run on
the same data, a later server session, or the server's background pre-parse leave it there.
"""

from __future__ import annotations

import hashlib
from array import array
from typing import Any

from covlint.model import FileAnalysis, LineData, MissedArc

FORMAT = 1  # bumped when the stored form changes
ANALYSIS_PREFIX = "a-"  # its entries' names, beside the parses' (plain hashes)


def analysis_key(parse_key: str, data: LineData, data_filename: str) -> str:
    """The key of the analysis of the text `parse_key` names against `data`'s record of a file."""
    digest = hashlib.sha256(f"analysis {FORMAT} {parse_key} {data.has_arcs()}".encode())
    digest.update(array("q", data.lines(data_filename) or []).tobytes())
    if data.has_arcs():
        arcs = data.arcs(data_filename) or []
        digest.update(b"arcs")
        digest.update(array("q", [n for arc in arcs for n in arc]).tobytes())
    return ANALYSIS_PREFIX + digest.hexdigest()


def stored_form(analysis: FileAnalysis) -> dict[str, Any]:
    """`analysis` as plain lists (its path is not kept: the same text may move)."""
    return {
        "statements": sorted(analysis.statements),
        "executed": sorted(analysis.executed),
        "missing": sorted(analysis.missing),
        "excluded": sorted(analysis.excluded),
        "has_arcs": analysis.has_arcs,
        "exit_counts": sorted(analysis.exit_counts.items()),
        "missed_arcs": [[arc.start, arc.end, arc.message] for arc in analysis.missed_arcs],
        "multiline": sorted(analysis.multiline.items()),
        "stale_reason": analysis.stale_reason,
    }


def restored(path: str, stored: dict[str, Any]) -> FileAnalysis:
    """The analysis kept as `stored`; KeyError/TypeError/ValueError when it is malformed."""
    reason = stored["stale_reason"]
    if reason is not None and not isinstance(reason, str):
        raise TypeError("stale_reason")
    return FileAnalysis(
        path=path,
        statements=frozenset(map(int, stored["statements"])),
        executed=frozenset(map(int, stored["executed"])),
        missing=frozenset(map(int, stored["missing"])),
        excluded=frozenset(map(int, stored["excluded"])),
        has_arcs=bool(stored["has_arcs"]),
        exit_counts={int(line): int(count) for line, count in stored["exit_counts"]},
        missed_arcs=tuple(MissedArc(int(s), int(e), str(m)) for s, e, m in stored["missed_arcs"]),
        multiline={int(line): int(first) for line, first in stored["multiline"]},
        stale_reason=reason,
    )
