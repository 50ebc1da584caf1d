"""Kept measurements of data recorded with test contexts, for a second run on the same data.

With `--cov-context=test` a file's arcs have a row per test that ran them: reading a big file's
arcs from click's 49 MB data takes ~30 ms even when SQLite drops the repeats, and a warm gate run
reads them again although nothing changed. What was read is kept in the parse cache's folder
(bounded, safe to delete), keyed by the data file's identity (inode, size, times and SQLite's
change counter: any write moves it) and the file's id in it; the reader still checks, as after
any read, that the data has not changed since it was opened.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

FORMAT = 1
PREFIX = "m-"


def measurement_key(path: Path, stamp: tuple[Any, ...], file_id: int, *, arcs: bool) -> str:
    digest = hashlib.sha256(
        f"measured {FORMAT} {path.absolute()} {stamp!r} {file_id} {arcs}".encode()
    )
    return PREFIX + digest.hexdigest()


def stored_measurement(values: set[Any]) -> dict[str, Any]:
    return {"values": sorted(values)}


def restored_measurement(stored: dict[str, Any], *, arcs: bool) -> set[Any] | None:
    """The kept set, or None when the entry is malformed."""
    values = stored.get("values")
    if not isinstance(values, list):
        return None
    try:
        if arcs:
            return {(int(start), int(end)) for start, end in values}
        return {int(line) for line in values}
    except (TypeError, ValueError):
        return None
