"""Survived mutants from `covlint mutate`'s results as `survived-mutant` diagnostics.

The results name the text each file had when it was mutated (its sha256). A survivor is shown
only on a document whose measured text is that text, moved through the user's edits like the
coverage marks, and dropped as soon as any line of its statement changes. The results file is
read in the analysis thread (never on the event loop) whenever its size or mtime changes
(`mutant_watch` notices a new run; a publish notices it too).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types

from covlint import codes
from covlint.errors import DataError
from covlint.mutate.model import MutantResult, MutationRun
from covlint.mutate.plan import text_digest
from covlint.mutate.report import survivor_message
from covlint.mutate.results import read_results
from covlint.server.diagnostics import lsp_character, lsp_severity, mapped_span
from covlint.server.remap import LineOrigins
from covlint.server.settings import SeverityName

log = logging.getLogger(__name__)

Stamp = tuple[int, int]  # mtime_ns, size
REAL_PATHS_KEPT = 4096  # document paths whose real path is kept (about the files ever opened)


@dataclass(frozen=True)
class Loaded:
    """One read of a results file: survivors by absolute path, and each file's digest."""

    stamp: Stamp | None
    survivors: dict[Path, list[MutantResult]]
    digests: dict[Path, str]
    error: str | None = None  # why the file could not be used


EMPTY = Loaded(None, {}, {})


class MutantMarks:
    """The latest results file of each project, read off the event loop when it changes."""

    def __init__(self, executor: Executor, on_loaded: Callable[[], None]) -> None:
        self.executor = executor
        self.on_loaded = on_loaded
        self.on_error: Callable[[str], None] = log.warning  # a file that cannot be used
        self._loaded: dict[Path, Loaded] = {}
        self._loading: dict[Path, asyncio.Future[None]] = {}
        self._real_paths: dict[Path, Path] = {}  # `_real_path`'s answers

    def for_file(self, results: Path, path: Path, measured: list[str]) -> list[MutantResult]:
        """The survivors on `path`, if its measured text is the one that was mutated. A publish
        never looks at the file once it was read: the results watch reports its changes."""
        loaded = self._loaded.get(results) or self._current(results)
        if path not in loaded.digests and loaded.digests:
            path = self._real_path(path)  # the results name the real path of the repository
        digest = loaded.digests.get(path)
        if digest is None or digest != text_digest("\n".join(measured)):
            return []
        return loaded.survivors.get(path, [])

    def _real_path(self, path: Path) -> Path:
        """`path` with its links resolved, looked up on the file system once per document path
        (a publish, on the event loop, must not stat every folder of the path each time)."""
        if path not in self._real_paths:
            if len(self._real_paths) >= REAL_PATHS_KEPT:
                self._real_paths.clear()
            self._real_paths[path] = path.resolve()
        return self._real_paths[path]

    def refresh(self, results: Path) -> None:
        """Read `results` again (in the background) if it changed since it was last read."""
        self._current(results)

    def _current(self, results: Path) -> Loaded:
        stamp = _stamp(results)
        loaded = self._loaded.get(results, EMPTY)
        if stamp != loaded.stamp and results not in self._loading:
            self._loading[results] = asyncio.ensure_future(self._load(results, stamp))
        return loaded

    async def _load(self, results: Path, stamp: Stamp | None) -> None:
        loop = asyncio.get_running_loop()
        try:
            loaded = await loop.run_in_executor(self.executor, _read, results, stamp)
        finally:
            self._loading.pop(results, None)
        had = self._loaded.get(results, EMPTY).survivors
        self._loaded[results] = loaded
        if loaded.error is not None:
            self.on_error(loaded.error)
        if loaded.survivors or had:
            self.on_loaded()
        self.refresh(results)  # replaced again while it was read: read the newest


def _stamp(path: Path) -> Stamp | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _read(path: Path, stamp: Stamp | None) -> Loaded:
    if stamp is None:
        return Loaded(None, {}, {})
    try:
        run = read_results(path)
    except DataError as exc:
        return Loaded(stamp, {}, {}, error=f"covlint: {exc}")
    log.info("%s: %d survived mutants", path, len(run.survivors()))
    return _by_file(run, stamp)


def _by_file(run: MutationRun, stamp: Stamp) -> Loaded:
    root = Path(run.root)
    survivors: dict[Path, list[MutantResult]] = {}
    for result in run.survivors():
        survivors.setdefault(root / result.mutant.path, []).append(result)
    digests = {root / path: digest for path, digest in run.digests.items()}
    return Loaded(stamp, survivors, digests)


def lsp_survivors(
    survivors: list[MutantResult], origins: LineOrigins, severity: SeverityName, encoding: str
) -> list[types.Diagnostic]:
    """One diagnostic per survivor whose statement is unchanged in the buffer, on its token."""
    found = []
    for result in survivors:
        where = _mutated_range(result, origins, encoding)
        if where is not None:
            found.append(
                types.Diagnostic(
                    range=where,
                    message=survivor_message(result),
                    severity=lsp_severity(severity),
                    code=codes.SURVIVED_MUTANT,
                    source=codes.SOURCE,
                )
            )
    return found


def _mutated_range(result: MutantResult, origins: LineOrigins, encoding: str) -> types.Range | None:
    """Where the mutated text is in the buffer; None if any line of its statement changed."""
    mutant = result.mutant
    span = mapped_span(origins, mutant.line, mutant.end_line)
    if span is None:
        return None
    (first, start), (last, end) = mutant.mutation.start, mutant.mutation.end
    first_index, last_index = span[0] + first - mutant.line, span[0] + last - mutant.line
    text = origins.text
    return types.Range(
        start=types.Position(
            line=first_index, character=lsp_character(text[first_index], start, encoding)
        ),
        end=types.Position(
            line=last_index, character=lsp_character(text[last_index], end, encoding)
        ),
    )
