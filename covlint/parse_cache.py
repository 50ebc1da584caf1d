"""A persistent cache of coverage's parse of source texts, shared by the gate and the server.

Parsing is most of an analysis's cost (coverage's parser is pure Python: ~25 ms per 300 lines)
and the texts rarely change between runs, so the products of each parse are kept under
`cache_root()/parse`, keyed by a hash of everything the parse depends on: the text, the
exclusion and partial-branch settings, the installed coverage and Python's version (its `ast`).
Entries are written atomically (a temporary file renamed over the entry); an entry that cannot
be read or does not restore is ignored and replaced. The folder is bounded (least recently used
entries go first, entries of older covlint versions whenever the folder is checked) and safe to
delete at any time.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from covlint.cachedir import cache_root
from covlint.coverage_identity import coverage_identity

if TYPE_CHECKING:
    from covlint.coverage_internals import ParseProducts

log = logging.getLogger(__name__)

FORMAT = 2  # bumped when the stored form of the products changes
SUFFIX = ".m"  # an entry's file: `<key>.m`, in `marshal`'s form
MAX_BYTES = 64 * 1024 * 1024  # the folder's bound; pruned down to 3/4 of it
PRUNE_EVERY = 64  # writes between two checks of the folder's size
PRUNE_AFTER = 600.0  # seconds: a process's first write checks the size if none did since
PRUNED_MARKER = "pruned"  # a file whose modification time is the last check's


# Whether each folder existed when the gate's run began (`one_run`); empty outside a run.
_found_at_run_start: list[dict[Path, bool]] = []


@contextlib.contextmanager
def one_run() -> Iterator[None]:
    """A gate run: within it, `held_before_run` says whether a folder existed before the run
    began (what the run keeps itself, such as coverage's settings, is no parse to look up)."""
    _found_at_run_start[:] = [{}]
    try:
        yield
    finally:
        _found_at_run_start.clear()


def _note(folder: Path) -> None:
    if _found_at_run_start and folder not in _found_at_run_start[0]:
        _found_at_run_start[0][folder] = folder.is_dir()


def cache_key(text: str, exclude: str, partial: str) -> str:
    """The hash naming the parse of `text` under these settings, with this coverage and Python."""
    digest = hashlib.sha256()
    for part in (str(FORMAT), coverage_identity(), sys.version, exclude, partial, text):
        encoded = part.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "little") + encoded)
    return digest.hexdigest()


class ParseCache:
    """Parse products on disk, one file per key in one folder, in `marshal`'s form: written six
    times and read three times faster than JSON (the cache is covlint's own; what another Python
    cannot read is ignored). Not compressed: zlib took twice as long as `marshal` itself, on a
    gate run's critical path, to save disk space a bounded folder does not need."""

    def __init__(self, folder: Path | None = None, max_bytes: int = MAX_BYTES) -> None:
        self.folder = folder if folder is not None else cache_root() / "parse"
        self.max_bytes = max_bytes
        self._writes = 0

    def held_before_run(self) -> bool:
        """Whether anything can be kept for this run: False only when the folder did not exist
        when the gate's run began (outside a run, always True)."""
        if not _found_at_run_start:
            return True
        return _found_at_run_start[0].get(self.folder, self.folder.is_dir())

    def load(self, key: str) -> ParseProducts | None:
        """The products stored under `key`, or None (absent, unreadable or corrupt)."""
        _note(self.folder)
        entry = os.path.join(self.folder, key + SUFFIX)
        try:
            with open(entry, "rb") as stream:
                raw = stream.read()
        except OSError:
            return None
        try:
            products = marshal.loads(raw)
        except (ValueError, EOFError, TypeError):
            log.debug("ignoring a corrupt parse cache entry %s", entry)
            return None
        if not isinstance(products, dict):
            return None
        _touch(entry)
        return products

    def save(self, key: str, products: ParseProducts) -> None:
        """Store `products` under `key`; a cache that cannot be written is no error."""
        _note(self.folder)
        try:
            payload = marshal.dumps(products)
        except ValueError:  # a value marshal cannot write (a TOML date): not kept
            return
        entry = os.path.join(self.folder, key + SUFFIX)
        temporary = f"{entry}.{os.getpid()}.{threading.get_ident()}.tmp"  # the server has threads
        try:
            _write_new(self.folder, temporary, payload)
            os.replace(temporary, entry)
        except OSError as exc:
            log.debug("parse cache not written (%s)", exc)
            _remove(temporary)
            return
        if self._writes % PRUNE_EVERY == 0 and (self._writes or self._prune_due()):
            self.prune()
        self._writes += 1

    def _prune_due(self) -> bool:
        """Whether no process checked the folder's size lately: a short run's one check must
        not read the whole folder every time (thousands of entries in a big project)."""
        marker = self.folder / PRUNED_MARKER
        try:
            return time.time() - marker.stat().st_mtime > PRUNE_AFTER
        except OSError:
            return True

    def _remove_old_layout(self) -> None:
        """Delete the subfolders of earlier versions, whose entries are never read again (this
        version keeps every entry in the folder itself), whether or not they still hold any."""
        try:
            with os.scandir(self.folder) as found:
                subfolders = [e.path for e in found if e.is_dir(follow_symlinks=False)]
        except OSError:
            return
        for subfolder in subfolders:
            with contextlib.suppress(OSError):
                for name in os.listdir(subfolder):
                    _remove(os.path.join(subfolder, name))
                os.rmdir(subfolder)

    def prune(self) -> None:
        """Delete the entries of older covlint versions (never read again), then the least
        recently used entries while the folder is over its bound."""
        with contextlib.suppress(OSError):
            (self.folder / PRUNED_MARKER).touch()
        self._remove_old_layout()
        entries = []
        for path in self.folder.glob(f"*{SUFFIX}"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime_ns, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return
        for _, size, path in sorted(entries):
            if total <= self.max_bytes * 3 // 4:
                break
            _remove(path)
            total -= size


def _write_new(folder: Path, path: str, payload: bytes) -> None:
    """Write the new file `path` in `folder`, making the folder only when it is missing (a
    `mkdir` per entry costs)."""
    try:
        stream = open(path, "wb")  # noqa: SIM115 - retried below when the folder is missing
    except FileNotFoundError:
        folder.mkdir(parents=True, exist_ok=True)
        stream = open(path, "wb")  # noqa: SIM115
    with stream:
        stream.write(payload)


def _touch(path: str) -> None:
    """Mark an entry as used (the bound removes the least recently used first)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def _remove(path: str | Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
