"""Read a coverage data file in place, read-only, only the rows asked for.

Each data file is opened as coverage's own `combine` opens its inputs: SQLite `mode=ro` with
`immutable=1`, so SQLite takes no lock, never rolls back a journal and never creates a file
beside the data; the user's writer can neither be blocked nor fail. Immutable means SQLite does
not notice a concurrent writer, so every read is bracketed by a stamp of the file (inode, size,
mtime, ctime and SQLite's own change counter): a stamp that moved means the answer may be torn,
and `DataChanged` asks the caller to read again. Only the rows asked for are read: the data's bytes
never sit in covlint's memory.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from covlint.data_sources import SQLITE_HEADER
from covlint.errors import DataChanged, DataError, DataNotReady
from covlint.measurement_cache import measurement_key, restored_measurement, stored_measurement
from covlint.safe_io import DATA_LIMIT, UnsafeFile, open_regular

log = logging.getLogger(__name__)

COVERAGE_SCHEMA_VERSION = 7  # coverage.py 5.x to 7.x; another version is not data we can read
CACHE_KIB = 256  # SQLite's page cache per data file: bounded memory with 64 shards open
READ_ATTEMPTS = 5  # whole re-reads when a writer changed the data under us
# inode, size, mtime_ns, ctime_ns, SQLite's change counter, links (0: the file was deleted)
Stamp = tuple[int, int, int, int, bytes, int]
T = TypeVar("T")


def read_with_retries(read: Callable[[], T], attempts: int = READ_ATTEMPTS) -> T:
    """`read()`, again after a short pause each time the data changed under it."""
    for attempt in range(1, attempts + 1):
        try:
            return read()
        except DataChanged as exc:
            if attempt == attempts:
                raise
            log.debug("%s: reading again (%d)", exc, attempt)
            time.sleep(0.02 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


class DataReader:
    """One coverage data file, queried in place; every answer belongs to one version of it.

    The reader holds the file open: when a writer replaces the file (coverage erases and writes
    a new one), the reader goes on answering from the version it opened, consistently; when a
    writer changes it in place, the reader's stamp moves and each later query says so.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = _open(path)
        # SQLite connections sit in a reference cycle (their statement cache): left to the cyclic
        # GC, a server reloading 64 shards would keep every old load's connections for minutes.
        self._connections: list[sqlite3.Connection] = []
        self._closer = weakref.finalize(self, _release, self._fd, self._connections)
        self.stamp = _stamp(path, self._fd)
        self._db: sqlite3.Connection | None = None
        self._kept: dict[int, set[Any]] = {}
        self._connect()
        version, arcs, self.has_files, self.several_contexts = self._summary()
        if version != COVERAGE_SCHEMA_VERSION:
            raise DataError(
                f"{self.path}: coverage data schema {version}, expected {COVERAGE_SCHEMA_VERSION}:"
                " use the coverage.py version covlint was installed with"
            )
        self.has_arcs = bool(arcs and int(arcs))

    def _summary(self) -> tuple[Any, Any, bool, bool]:
        """Schema version, the `has_arcs` flag, whether any file was measured and whether there
        is more than one context: one query."""
        sql = (
            "select (select max(version) from coverage_schema),"
            " (select value from meta where key = 'has_arcs'), exists(select 1 from file),"
            " exists(select 1 from context limit 1 offset 1)"
        )
        try:
            [(version, arcs, has_files, several)] = self.query(sql)
        except DataNotReady:
            self._check_schema()  # a clearer message when the tables are missing
            raise
        return version, arcs, bool(has_files), bool(several)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of `sql`, raising DataChanged when the file changed since it was opened."""
        return self.query_each(sql, [params])[0]

    def query_each(self, sql: str, each: Iterable[Sequence[Any]]) -> list[list[Any]]:
        """The rows of `sql` for each parameter list; the stamp is checked once at the end
        (it only moves forward, so an unchanged stamp vouches for every read before it)."""
        try:
            db = self._connect()
            found = [db.execute(sql, params).fetchall() for params in each]
        except sqlite3.DatabaseError as exc:
            self._check_unchanged()  # a torn read reports as corruption: say what it was
            raise DataNotReady(unreadable(self.path, " ".join(str(exc).split()))) from None
        self._check_unchanged()
        return found

    def _connect(self) -> sqlite3.Connection:
        """The connection, opened on the very file this reader holds (checked by its inode)."""
        if self._db is None:
            uri = self.path.absolute().as_uri() + "?mode=ro&immutable=1"
            db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            if _inode(self.path) != self.stamp[0]:
                db.close()
                raise DataChanged(f"{self.path} was replaced while it was read")
            try:
                db.execute(f"pragma cache_size = -{CACHE_KIB}")
            except sqlite3.DatabaseError as exc:
                db.close()
                raise DataNotReady(unreadable(self.path, " ".join(str(exc).split()))) from None
            self._db = db
            self._connections.append(db)
        return self._db

    def _check_unchanged(self) -> None:
        now = _stamp(self.path, self._fd)
        if now[5] == 0:  # unlinked (coverage erased it), which moves ctime: nobody writes it now
            now = (*now[:3], self.stamp[3], now[4], self.stamp[5])
        if now != self.stamp:
            raise DataChanged(f"{self.path} changed while it was read (tests still running?)")

    def _check_schema(self) -> None:
        """A database without coverage's tables is either half-written or someone else's."""
        tables = {row[0] for row in self.query("select name from sqlite_master")}
        if not tables:
            raise DataNotReady(f"{self.path} has no tables yet: tests still running?")
        if not {"coverage_schema", "meta", "file"} <= tables:
            raise DataError(f"{self.path} is an SQLite database but not coverage.py data")

    def forget_connection(self) -> None:
        """Drop the connection without closing it: a forked child opens its own."""
        self._db = None
        self._connections.clear()

    def close(self) -> None:
        """Let go of the file; the reader must not be used afterwards."""
        self._db = None
        self._closer()

    def file_ids(self, names: Iterable[str] | None = None) -> dict[str, int]:
        """Recorded name -> file id, for `names` (an index lookup each) or for every file."""
        if names is None:
            return {path: file_id for file_id, path in self.query("select id, path from file")}
        found: dict[str, int] = {}
        for batch, marks in _batches(list(dict.fromkeys(names))):
            sql = f"select id, path from file where path in ({marks})"
            found.update((path, file_id) for file_id, path in self.query(sql, batch))
        return found

    def keep(self, file_ids: Iterable[int]) -> None:
        """Read these files' measurements now, in one query, and keep them for `measured`."""
        self._kept.update(self.measured_each(list(file_ids)))

    def measured(self, file_id: int) -> set[Any]:
        """A file's executed arcs (for arc data) or lines (for line data)."""
        if file_id in self._kept:
            return self._kept[file_id]
        return self.measured_each([file_id])[file_id]

    def measured_each(self, file_ids: list[int]) -> dict[int, set[Any]]:
        """The files' measurements; with test contexts, those a run on this very data kept."""
        if not self.several_contexts:
            return self._query_measured(file_ids)
        from covlint.analysis import parse_store

        store = parse_store()
        keys = {
            file_id: measurement_key(self.path, self.stamp, file_id, arcs=self.has_arcs)
            for file_id in file_ids
        }
        found: dict[int, set[Any]] = {}
        for file_id, key in keys.items():
            stored = store.load(key)
            kept = restored_measurement(stored, arcs=self.has_arcs) if stored else None
            if kept is not None:
                found[file_id] = kept
        if found:
            self._check_unchanged()  # the key is the stamp at opening: it must still hold
        missing = [file_id for file_id in file_ids if file_id not in found]
        for file_id, values in self._query_measured(missing).items() if missing else ():
            store.save(keys[file_id], stored_measurement(values))
            found[file_id] = values
        return found

    def _query_measured(self, file_ids: list[int]) -> dict[int, set[Any]]:
        """An index lookup per file: SQLite's rows go straight into the sets (measured faster
        than one `file_id in (…)` query whose rows Python must sort out)."""
        if self.has_arcs:
            # With test contexts an arc has a row per test: SQLite drops the repeats 3x faster
            # than Python does (click: 1.2M rows); without, `distinct` would only cost.
            sql = "select distinct" if self.several_contexts else "select"
            sql += " fromno, tono from arc where file_id = ?"
            found = self.query_each(sql, [(file_id,) for file_id in file_ids])
            return {file_id: set(rows) for file_id, rows in zip(file_ids, found, strict=True)}
        sql = "select numbits from line_bits where file_id = ?"
        found = self.query_each(sql, [(file_id,) for file_id in file_ids])
        return {
            file_id: numbits_union_lines(bits for (bits,) in rows)
            for file_id, rows in zip(file_ids, found, strict=True)
        }

    def has_contexts(self) -> bool:
        return bool(self.query("select 1 from context where context != '' limit 1"))

    def measured_contexts(self) -> set[str]:
        return {context for (context,) in self.query("select context from context")}

    def contexts_by_line(self, file_id: int) -> dict[int, set[str]]:
        """Which contexts ran each line, as `CoverageData.contexts_by_lineno` finds them."""
        found: dict[int, set[str]] = {}
        if self.has_arcs:
            sql = (
                "select a.fromno, a.tono, c.context from arc a, context c"
                " where a.file_id = ? and a.context_id = c.id"
            )
            for start, end, context in self.query(sql, (file_id,)):
                for line in (start, end):
                    if line > 0:
                        found.setdefault(line, set()).add(context)
            return found
        sql = (
            "select l.numbits, c.context from line_bits l, context c"
            " where l.file_id = ? and l.context_id = c.id"
        )
        for bits, context in self.query(sql, (file_id,)):
            for line in numbits_union_lines((bits,)):
                found.setdefault(line, set()).add(context)
        return found


def _release(fd: int, connections: list[sqlite3.Connection]) -> None:
    """Close a reader's connections, then its file (when it is closed or garbage)."""
    for db in connections:
        db.close()
    connections.clear()
    os.close(fd)


def _batches(values: list[T]) -> Iterator[tuple[list[T], str]]:
    """`values` in slices SQLite takes as host parameters, each with its `?,?,…` marks."""
    for start in range(0, len(values), 500):
        batch = values[start : start + 500]
        yield batch, ",".join("?" * len(batch))


def _open(path: Path) -> int:
    """The data file, opened only if regular and not absurdly large, without blocking."""
    try:
        return open_regular(path, DATA_LIMIT)
    except FileNotFoundError:
        raise DataNotReady(f"{path} vanished while being read (tests still running?)") from None
    except UnsafeFile as exc:
        raise DataError(f"{path} is {exc.strerror}: it cannot be coverage data") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from None


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def _stamp(path: Path, fd: int) -> Stamp:
    """What identifies one version of the open data file; refuses what is not SQLite data."""
    head = os.pread(fd, 100, 0)
    stat = os.fstat(fd)
    if not head:
        raise DataNotReady(f"{path} is empty: tests still running? re-run `pytest --cov`")
    if not head.startswith(SQLITE_HEADER):
        raise DataError(f"{path} is not a coverage.py data file (not SQLite)")
    if len(head) < 100:
        raise DataNotReady(unreadable(path, "shorter than an SQLite header"))
    return (
        stat.st_ino,
        stat.st_size,
        stat.st_mtime_ns,
        stat.st_ctime_ns,
        head[24:28],
        min(stat.st_nlink, 1),
    )


def unreadable(path: Path, reason: str) -> str:
    """The one-line message for a data file SQLite cannot read."""
    return (
        f"{path}: coverage data is unreadable ({reason}): still being written, or corrupt;"
        " re-run tests"
    )


def numbits_union_lines(blobs: Iterable[bytes]) -> set[int]:
    """The line numbers of the union of coverage's numbits blobs (bit k of byte i is line
    8i + k): OR-ed as one integer, so a file run by 3,000 tests is decoded once, not 3,000 times."""
    union = 0
    for blob in blobs:
        union |= int.from_bytes(blob, "little")
    packed = union.to_bytes((union.bit_length() + 7) // 8, "little")
    return {
        index * 8 + bit
        for index, byte in enumerate(packed)
        if byte
        for bit in range(8)
        if byte >> bit & 1
    }
