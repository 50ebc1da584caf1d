"""Which text ran: the content identity of each measured file, per version of the coverage data.

Coverage stores no source hash, so covlint learns the text that ran when it first sees a data
version: a measured file not newer than the data is, by that proof, what ran. Its identity is its
git blob id (so git, which usually holds that blob: committed, staged or stashed, gives it back
later); the text itself is kept only when git lacks it. A run recorded by the pytest plugin
(`covlint.plugin_measured`) says exactly which text each module had, and wins over the proof.

Everything lives under `cache_root()/measured`: snapshots keyed by the data file's identity
(path and version of every data file in use), texts by their id. First sight wins: an entry is
never rewritten, so a file saved later keeps the identity of the text that ran. Bounded (the
newest MAX_SNAPSHOTS snapshots and the texts they name), safe to delete (rebuilt by the proof).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from covlint import git
from covlint.errors import GitError
from covlint.measured_store import Record, TextStore, blob_id
from covlint.safe_io import read_source

if TYPE_CHECKING:
    from covlint.coverage_set import CoverageSet

log = logging.getLogger(__name__)

# A plugin record belongs to a data version written during its run or just after it (the data
# of `coverage run -m pytest` is saved at exit, after the plugin wrote its record).
RECORD_SLACK = 5.0
RECORD_BATCH = 500  # files read (and their texts held) at a time; one snapshot line each

Identity = str | None  # a git blob id, or None: the text that ran is not known


def data_key(data: CoverageSet) -> str:
    """The identity of a data version: every data file in use, with its modification time."""
    parts = [str(data.settings.data_file), [[str(s.path), s.mtime] for s in data.sources]]
    return hashlib.sha1(json.dumps(parts).encode("utf-8", "surrogateescape")).hexdigest()


def measured_files(data: CoverageSet, store: TextStore | None = None) -> tuple[Path, Path]:
    """The files that say which text ran, for `data`: its snapshot, and the pytest plugin's
    record of its run."""
    store = store or TextStore()
    return store.snapshot(data_key(data)).path, store.record_path(str(data.settings.data_file))


class MeasuredTexts:
    """The text that ran for each measured file of one data version (thread-safe).

    Several processes may learn the same data version at once (the server learns its open
    documents while its background process learns the rest): each appends what it saw to the
    snapshot and then takes the snapshot's first entry for each path as the answer.
    """

    def __init__(self, data: CoverageSet, store: TextStore | None = None) -> None:
        self.data = data
        self.store = store or TextStore()
        self.key = data_key(data)
        self._lock = threading.Lock()
        self._snapshot = self.store.snapshot(self.key)
        self._known: dict[str, Identity] = {}
        self._unkept: dict[str, bytes] = {}  # texts learnt, to keep (`keep_later`)
        self._catch_up()
        self._record = self._matching_record()

    def record(
        self,
        paths: Iterable[str],
        *,
        measured: bool = False,
        keep_later: bool = False,
        in_git: Collection[str] = (),
    ) -> int:
        """Learn, once, what ran of each measured file in `paths` (`measured`: all of them are,
        no need to look them up), and keep it; how many this call learnt. `keep_later`: keep
        the texts git lacks at `keep_pending` (a git call the caller's next steps need not wait
        for); until then they are held here. `in_git`: blob ids known to be in the repository
        (the staged ones): texts with those ids need no question to git."""
        with self._lock:
            self._catch_up()
            wanted = [p for p in dict.fromkeys(paths) if p not in self._known]
            if not measured:
                wanted = [p for p in wanted if self.data.is_measured(p)]
            for start in range(0, len(wanted), RECORD_BATCH):
                self._learn(wanted[start : start + RECORD_BATCH], keep_later, in_git)
        if wanted:
            log.debug("measured texts: %d file(s) recorded for %s", len(wanted), self.key[:12])
        return len(wanted)

    def keep_pending(self) -> None:
        """Keep the texts `record(..., keep_later=True)` learnt, and bound the cache."""
        with self._lock:
            texts, self._unkept = self._unkept, {}
        keep_texts(self.store, self.data.root, texts)
        self.store.prune()

    def _learn(
        self, paths: list[str], keep_later: bool = False, in_git: Collection[str] = ()
    ) -> None:
        found = {path: self._first_sight(path) for path in paths}
        texts = {
            ident: raw for ident, raw in found.values() if ident and raw and ident not in in_git
        }
        seen = {path: ident for path, (ident, _) in found.items()}
        # Named first, then kept: another process's prune keeps only texts a snapshot names.
        self.store.write_snapshot(self.key, seen, prune=False)
        if keep_later:
            self._unkept.update(texts)
        else:
            keep_texts(self.store, self.data.root, texts)
            self.store.prune()
        self._catch_up()  # what another process appended before us wins
        for path, ident in seen.items():  # kept in memory when the cache cannot be written
            self._known.setdefault(path, ident)

    def _catch_up(self) -> None:
        for path, ident in self._snapshot.read_new().items():
            self._known.setdefault(path, ident)

    def knows(self, path: str) -> bool:
        """Whether what ran of `path` was learnt already (known or not)."""
        return path in self._known

    def record_all(self) -> int:
        """Learn every measured file (the server's background process does this after a load)."""
        return self.record(self.data.measured_paths, measured=True)

    def identity(self, path: str) -> Identity:
        """The blob id of the text of `path` that ran; None when it cannot be known."""
        if path not in self._known:
            self.record([path])
        return self._known.get(path)

    def text(self, path: str) -> bytes | None:
        """The bytes of `path` that ran (from disk when unchanged, else the cache or git)."""
        ident = self.identity(path)
        if ident is None:
            return None
        try:
            raw = read_source(self.data.root / path)
            if blob_id(raw) == ident:
                return raw
        except OSError:
            pass
        held = self._unkept.get(ident)
        return held or self.store.get_text(ident) or _from_git(self.data.root, ident)

    def _first_sight(self, path: str) -> tuple[Identity, bytes]:
        """The identity of what ran, by the plugin's record or else by the mtime proof."""
        full = self.data.root / path
        if self._record is not None:
            recorded = self._record.files.get(os.path.realpath(full), "")
            if recorded != "":
                return recorded, b""
        try:
            before = full.stat().st_mtime
            raw = read_source(full)
            after = full.stat().st_mtime
        except OSError:
            return None, b""
        if max(before, after) > self.data.mtime:
            return None, b""  # changed after the run: what ran is not on disk any more
        return blob_id(raw), raw

    def _matching_record(self) -> Record | None:
        record = self.store.read_record(str(self.data.settings.data_file))
        if record is None:
            return None
        if record.started <= self.data.mtime <= record.finished + RECORD_SLACK:
            return record
        return None


def keep_texts(store: TextStore, root: Path, texts: Mapping[str, bytes]) -> None:
    """Keep the texts (by blob id) that git does not have."""
    if not texts:
        return
    in_git = _git_blobs(root, list(texts))
    for ident, raw in texts.items():
        if ident not in in_git:
            store.put_text(ident, raw)


def _git_blobs(root: Path, ids: list[str]) -> set[str]:
    # Blob ids name objects of the whole repository: any folder of its work tree can ask.
    try:
        return git.existing_blobs(root, ids)
    except GitError as exc:
        log.debug("no git blobs to rely on (%s): keeping texts", exc)
        return set()


def _from_git(root: Path, ident: str) -> bytes | None:
    try:
        [raw] = git.read_blobs(root, [ident])
    except GitError as exc:
        log.debug("blob %s not readable (%s)", ident[:12], exc)
        return None
    return raw
