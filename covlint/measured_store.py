"""The files behind `covlint.measured`: snapshots, kept texts and plugin records in the cache.

Layout under `cache_root()/measured`:

- `snapshots/<data key>`: {measured path: blob id or null}, one per data version, as JSON lines
  appended by whoever learns a file (the server, its background snapshot process, the gate):
  each batch is one `O_APPEND` write, so processes add to it without a lock and never rewrite
  it; the first line naming a path wins (first sight), and a reader reads only what is new;
- `texts/<blob id>`: the bytes of a text git does not have (zlib, written atomically);
- `runs/<hash of the data file path>`: the pytest plugin's record of its last run (zlib, atomic).

Any file may vanish or be garbage: it then reads as empty (a garbled line is skipped), and is
rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from covlint.cachedir import cache_root

log = logging.getLogger(__name__)

MAX_SNAPSHOTS = 32
MAX_RECORDS = 64  # one per data file (project) the plugin recorded a run for
SWEEP_AFTER = 600.0  # seconds between two sweeps of the unnamed texts (by any process)
SWEPT_MARKER = "swept"  # a file whose modification time is the last sweep's
FORMAT = 1
SNAPSHOT_FORMAT = 2  # JSON lines (1 was one zlib-compressed object, rewritten at each addition)

Identities = dict[str, str | None]  # measured path -> blob id, or None: what ran is unknown


def blob_id(raw: bytes) -> str:
    """The id git gives a blob with these bytes (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


@dataclass(frozen=True)
class Record:
    """What a test run recorded: the identity of each module file it ran (absolute paths)."""

    data_file: str
    started: float
    finished: float
    files: dict[str, str | None]


class TextStore:
    """The cache folder of measured texts."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or cache_root() / "measured"

    def snapshot(self, key: str) -> SnapshotLog:
        return SnapshotLog(self.folder / "snapshots" / key)

    def read_snapshot(self, key: str) -> Identities:
        return self.snapshot(key).read_new()

    def write_snapshot(
        self, key: str, files: Mapping[str, str | None], *, prune: bool = True
    ) -> None:
        """Add entries to a snapshot; entries already there win (first sight). `prune=False`:
        the caller prunes later (pruning reads every snapshot: not while an editor waits)."""
        self.snapshot(key).append(files)
        if prune:
            self.prune()

    def put_text(self, ident: str, raw: bytes) -> None:
        path = self.folder / "texts" / ident
        if not path.exists():
            self._write(path, zlib.compress(raw, 6))

    def get_text(self, ident: str) -> bytes | None:
        try:
            raw = zlib.decompress((self.folder / "texts" / ident).read_bytes())
        except (OSError, zlib.error):
            return None
        return raw if blob_id(raw) == ident else None

    def read_record(self, data_file: str) -> Record | None:
        found = self._read_json(self.record_path(data_file))
        try:
            return Record(
                str(found["data"]), float(found["started"]), float(found["finished"]),
                dict(found["files"]),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError):
            return None

    def write_record(self, record: Record) -> None:
        body = {
            "format": FORMAT,
            "data": record.data_file,
            "started": record.started,
            "finished": record.finished,
            "files": record.files,
        }
        self._write_json(self.record_path(record.data_file), body)
        for old in _by_age(self.folder / "runs")[:-MAX_RECORDS]:
            old.unlink(missing_ok=True)

    def prune(self) -> None:
        """Keep the newest snapshots and the texts they (or a record) still name."""
        snapshots = _by_age(self.folder / "snapshots")
        if len(snapshots) <= MAX_SNAPSHOTS:
            return
        for old in snapshots[:-MAX_SNAPSHOTS]:
            old.unlink(missing_ok=True)
        texts = _by_age(self.folder / "texts")
        if texts and self._sweep_due():  # reading every snapshot costs (12,000 files: 0.5 s)
            self._sweep(texts)

    def _sweep(self, texts: list[Path]) -> None:
        """Delete the texts no snapshot or record names any more."""
        named: set[object] = set()
        for path in _by_age(self.folder / "snapshots"):
            named.update(SnapshotLog(path).read_new().values())
        for path in _by_age(self.folder / "runs"):
            files = self._read_json(path).get("files")
            named.update(files.values() if isinstance(files, dict) else ())
        for text in texts:
            if text.name not in named:
                text.unlink(missing_ok=True)

    def _sweep_due(self) -> bool:
        """Whether no process swept the texts lately (then this one does, and says so)."""
        marker = self.folder / SWEPT_MARKER
        try:
            if time.time() - marker.stat().st_mtime < SWEEP_AFTER:
                return False
        except OSError:
            pass
        with contextlib.suppress(OSError):
            marker.touch()
        return True

    def record_path(self, data_file: str) -> Path:
        name = hashlib.sha1(os.path.realpath(data_file).encode("utf-8", "surrogateescape"))
        return self.folder / "runs" / name.hexdigest()

    def _read_json(self, path: Path) -> dict[str, Any]:
        try:
            found = json.loads(zlib.decompress(path.read_bytes()))
        except (OSError, zlib.error, ValueError):
            return {}
        return found if isinstance(found, dict) and found.get("format") == FORMAT else {}

    def _write_json(self, path: Path, body: dict[str, Any]) -> None:
        self._write(path, zlib.compress(json.dumps(body).encode("utf-8", "surrogateescape"), 6))

    def _write(self, path: Path, raw: bytes) -> None:
        """Write atomically; a cache that cannot be written is only logged."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as file:
                file.write(raw)
            os.replace(temporary, path)
        except OSError as exc:
            log.info("cannot write the measured-text cache %s: %s", path, exc)


class SnapshotLog:
    """One data version's snapshot file, read incrementally: each `read_new` returns the
    entries appended since the last one (the first for each path)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._inode: int | None = None
        self._offset = 0

    def read_new(self) -> Identities:
        try:
            with self.path.open("rb") as file:
                inode = os.fstat(file.fileno()).st_ino
                if inode != self._inode:  # first read, or the file was deleted and made again
                    self._inode, self._offset = inode, 0
                file.seek(self._offset)
                chunk = file.read()
        except OSError:
            return {}
        complete = chunk.rfind(b"\n") + 1  # a line still being written is read next time
        self._offset += complete
        found: Identities = {}
        for line in chunk[:complete].splitlines():
            for path, ident in _entries(line).items():
                found.setdefault(path, ident)
        return found

    def append(self, files: Mapping[str, str | None]) -> None:
        """Add a batch of entries in one write (a leading newline ends a torn line)."""
        if not files:
            return
        body = json.dumps({"format": SNAPSHOT_FORMAT, "files": dict(files)})
        line = b"\n" + body.encode("utf-8", "surrogateescape") + b"\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = 0
                while written < len(line):
                    written += os.write(handle, line[written:])
            finally:
                os.close(handle)
        except OSError as exc:
            log.info("cannot write the measured-text snapshot %s: %s", self.path, exc)


def _entries(line: bytes) -> Identities:
    """The entries of one snapshot line; none from a garbled or foreign line."""
    try:
        found = json.loads(line.decode("utf-8", "surrogateescape")) if line.strip() else None
    except ValueError:
        return {}
    if not isinstance(found, dict) or found.get("format") != SNAPSHOT_FORMAT:
        return {}
    files = found.get("files")
    if not isinstance(files, dict):
        return {}
    return {
        path: ident
        for path, ident in files.items()
        if isinstance(path, str) and (ident is None or isinstance(ident, str))
    }


def _by_age(folder: Path) -> list[Path]:
    """The files of `folder`, oldest first (temporary files left out)."""
    try:
        entries = [e for e in os.scandir(folder) if e.is_file() and not e.name.startswith(".")]
    except OSError:
        return []
    entries.sort(key=lambda e: e.stat().st_mtime)
    return [Path(e.path) for e in entries]
