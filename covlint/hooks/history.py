"""The trend's history: one JSON line per recorded run, `{commit, date, total, diff}`.

Appended under the ratchet's lock rules (a lock in covlint's cache, the whole file rewritten by
one rename), so four runs at once lose no entry and no reader sees half a line.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from covlint.errors import UsageError
from covlint.hooks.files import locked, read_text, write_atomically

MAX_BYTES = 16 << 20
WHAT = "history file"


@dataclass(frozen=True)
class Entry:
    """One recorded run: the commit, when (UTC, ISO 8601), the project total and the diff's."""

    commit: str | None
    date: str
    total: float
    diff: float | None


def default_history(ratchet: str) -> str:
    """Where the ratchet keeps its history unless told: beside it, `<ratchet>.history.jsonl`."""
    return f"{ratchet}.history.jsonl"


def read_history(path: Path) -> list[Entry]:
    """Every entry, oldest first; an empty list when there is no file yet."""
    text = read_text(path, WHAT, MAX_BYTES)
    if text is None:
        return []
    return [_entry(path, number, line) for number, line in _lines(text)]


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _entry(path: Path, number: int, line: str) -> Entry:
    try:
        item: Any = json.loads(line)
        entry = Entry(item["commit"], item["date"], item["total"], item["diff"])
    except (ValueError, TypeError, KeyError):
        raise UsageError(f"{path}:{number}: not a history entry: {line[:60]!r}") from None
    if not _is_percent(entry.total) or not (entry.diff is None or _is_percent(entry.diff)):
        raise UsageError(f"{path}:{number}: total and diff must be numbers from 0 to 100")
    return entry


def _is_percent(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and 0 <= value <= 100


def append_entry(path: Path, entry: Entry) -> None:
    """Add `entry` at the end of the history (the file is made when it doesn't exist)."""
    with locked(path):
        entries = read_history(path)
        entries.append(entry)
        text = "".join(json.dumps(asdict(e), sort_keys=True) + "\n" for e in entries)
        write_atomically(path, text, WHAT)
