"""Which coverage data files a project has: the main file and its parallel shards."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from covlint.errors import DataError
from covlint.filenames import is_shard_name

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class DataSource:
    """One data file in use: the main file or a parallel shard."""

    path: Path
    mtime: float


def find_sources(main: Path) -> list[DataSource]:
    """The main data file plus its parallel shards that are newer than it (all, if no main)."""
    main_source = _source(main)
    floor = main_source.mtime if main_source else float("-inf")
    shards = [s for s in map(_source, shard_paths(main)) if s is not None and s.mtime > floor]
    sources = ([main_source] if main_source else []) + sorted(shards, key=lambda s: s.path)
    if not sources:
        raise DataError(f"no coverage data at {main}: run `pytest --cov` (or `coverage run`) first")
    return sources


def shard_paths(main: Path) -> list[Path]:
    """Parallel data files (`.coverage.<host>.<pid>.<rand>`) beside `main`."""
    try:
        entries = sorted(os.scandir(main.parent), key=lambda e: e.name)
    except OSError:
        return []
    return [
        Path(entry.path)
        for entry in entries
        if is_shard_name(entry.name, main.name) and entry.is_file() and _is_sqlite(entry.path)
    ]


def _is_sqlite(path: str) -> bool:
    """Whether a possible shard is an SQLite file; others (`.coverage.json`, empty files) are not
    data, just neighbours with a similar name."""
    try:
        with open(path, "rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except OSError:
        return False
    if head != SQLITE_HEADER:
        log.debug("ignoring %s: not an SQLite file, so not a coverage data shard", path)
    return head == SQLITE_HEADER


def _source(path: Path) -> DataSource | None:
    try:
        return DataSource(path, path.stat().st_mtime)
    except OSError:
        return None
