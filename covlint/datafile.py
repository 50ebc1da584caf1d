"""Find a project's coverage data files and open private, read-only copies of them.

Covlint never opens the user's database with SQLite: it reads the bytes once and works on a copy
in a private temporary folder, so it can neither lock, change nor delete the user's files.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

from coverage import CoverageData
from coverage.exceptions import CoverageException

from covlint.errors import DataError, DataNotReady
from covlint.safe_io import DATA_LIMIT, UnsafeFile, read_head, read_regular

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
SIDE_FILES = ("-journal", "-wal", "-shm")


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
    if not main.parent.is_dir():
        return []
    prefix = main.name + "."
    return [
        p
        for p in sorted(main.parent.iterdir())
        if p.name.startswith(prefix)
        and not p.name.endswith(SIDE_FILES)
        and p.is_file()
        and _is_sqlite(p)
    ]


def _is_sqlite(path: Path) -> bool:
    """Whether a possible shard is an SQLite file; others (`.coverage.json`, empty files) are not
    data, just neighbours with a similar name."""
    try:
        head = read_head(path, len(SQLITE_HEADER))
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


class DataCopies:
    """Private copies of data files, deleted when this object is collected."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="covlint-"))
        self.originals: dict[str, Path] = {}
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, True)

    def open(self, source: DataSource, index: int) -> CoverageData:
        """Copy `source` and open the copy; raise DataError/DataNotReady when it is not usable."""
        raw = _read_bytes(source.path)
        _check_header(source.path, raw)
        copy = self.folder / f"data{index}"
        copy.write_bytes(raw)
        self.originals[str(copy)] = source.path
        _check_schema(source.path, copy)
        data = CoverageData(basename=str(copy))
        try:
            data.read()
        except (CoverageException, sqlite3.DatabaseError) as exc:
            raise DataNotReady(unreadable(source.path, self.explain(exc))) from None
        return data

    def reopen(self, index: int) -> CoverageData:
        """A new connection to an existing copy (SQLite connections must not cross a fork)."""
        data = CoverageData(basename=str(self.folder / f"data{index}"))
        data.read()
        return data

    def explain(self, exc: Exception) -> str:
        """An error's text on one line, naming the user's files instead of the private copies."""
        text = " ".join(str(exc).split())
        for copy, original in self.originals.items():
            text = text.replace(copy, str(original))
        return text


def unreadable(path: Path, reason: str) -> str:
    """The one-line message for a data file SQLite cannot read."""
    return (
        f"{path}: coverage data is unreadable ({reason}): still being written, or corrupt;"
        " re-run tests"
    )


def _read_bytes(path: Path) -> bytes:
    try:
        return read_regular(path, DATA_LIMIT)
    except FileNotFoundError:
        raise DataNotReady(f"{path} vanished while being read (tests still running?)") from None
    except UnsafeFile as exc:
        raise DataError(f"{path} is {exc.strerror}: it cannot be coverage data") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from None


def _check_header(path: Path, raw: bytes) -> None:
    if not raw:
        raise DataNotReady(f"{path} is empty: tests still running? re-run `pytest --cov`")
    if not raw.startswith(SQLITE_HEADER):
        raise DataError(f"{path} is not a coverage.py data file (not SQLite)")


def _check_schema(original: Path, copy: Path) -> None:
    """A database without coverage's tables is either half-written or someone else's."""
    try:
        tables = _table_names(copy)
    except sqlite3.DatabaseError as exc:
        raise DataNotReady(unreadable(original, str(exc))) from None
    if not tables:
        raise DataNotReady(f"{original} has no tables yet: tests still running?")
    if "coverage_schema" not in tables:
        raise DataError(f"{original} is an SQLite database but not coverage.py data")


def _table_names(path: Path) -> set[str]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[0] for row in db.execute("select name from sqlite_master")}
    finally:
        db.close()
