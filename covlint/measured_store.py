"""The files behind `covlint.measured`: snapshots, kept texts and plugin records in the cache.

Layout under `cache_root()/measured` (every file zlib-compressed, written atomically):

- `snapshots/<data key>`: {measured path: blob id or null}, one per data version;
- `texts/<blob id>`: the bytes of a text git does not have;
- `runs/<hash of the data file path>`: the pytest plugin's record of its last run.

Any file may vanish or be garbage: it then reads as empty, and is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from covlint.cachedir import cache_root

log = logging.getLogger(__name__)

MAX_SNAPSHOTS = 32
MAX_RECORDS = 64  # one per data file (project) the plugin recorded a run for
FORMAT = 1


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

    def read_snapshot(self, key: str) -> dict[str, str | None]:
        found = self._read_json(self.folder / "snapshots" / key)
        files = found.get("files") if isinstance(found, dict) else None
        return dict(files) if isinstance(files, dict) else {}

    def write_snapshot(self, key: str, files: Mapping[str, str | None]) -> None:
        """Add entries to a snapshot; entries already there win (first sight)."""
        path = self.folder / "snapshots" / key
        merged = {**files, **self.read_snapshot(key)}
        self._write_json(path, {"format": FORMAT, "files": merged})
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
        found = self._read_json(self._record_path(data_file))
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
        self._write_json(self._record_path(record.data_file), body)
        for old in _by_age(self.folder / "runs")[:-MAX_RECORDS]:
            old.unlink(missing_ok=True)

    def prune(self) -> None:
        """Keep the newest snapshots and the texts they (or a record) still name."""
        snapshots = _by_age(self.folder / "snapshots")
        if len(snapshots) <= MAX_SNAPSHOTS:
            return
        for old in snapshots[:-MAX_SNAPSHOTS]:
            old.unlink(missing_ok=True)
        named: set[object] = set()
        for path in [*_by_age(self.folder / "snapshots"), *_by_age(self.folder / "runs")]:
            files = self._read_json(path).get("files")
            named.update(files.values() if isinstance(files, dict) else ())
        for text in _by_age(self.folder / "texts"):
            if text.name not in named:
                text.unlink(missing_ok=True)

    def _record_path(self, data_file: str) -> Path:
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


def _by_age(folder: Path) -> list[Path]:
    """The files of `folder`, oldest first (temporary files left out)."""
    try:
        entries = [e for e in os.scandir(folder) if e.is_file() and not e.name.startswith(".")]
    except OSError:
        return []
    entries.sort(key=lambda e: e.stat().st_mtime)
    return [Path(e.path) for e in entries]
