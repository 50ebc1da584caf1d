"""Projects: one coverage data set per workspace folder, loaded and analysed through the engine."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from covlint.analysis import decode_source
from covlint.coverage_config import read_coverage_settings
from covlint.coverage_set import CoverageSet
from covlint.errors import CovlintError, DataError, DataNotReady, NotPython
from covlint.filenames import is_shard_name
from covlint.measured import MeasuredTexts
from covlint.model import FileAnalysis, LineNo
from covlint.server.diagnostics import STALE_MESSAGE
from covlint.server.remap import split_lines
from covlint.server.settings import Settings, merge_settings, read_pyproject
from covlint.static_context import dynamic_part, static_context

log = logging.getLogger(__name__)

LoadStatus = Literal["loaded", "not-ready", "missing", "failed", "superseded"]


@dataclass(frozen=True)
class LoadOutcome:
    """What a (re)load of a project's data did; `message` is one line for the user or the log."""

    status: LoadStatus
    message: str = ""


@dataclass(frozen=True)
class Loaded:
    """Data read off the event loop, with what hovers will ask of it."""

    data: CoverageSet
    has_contexts: bool


@dataclass(frozen=True)
class Measured:
    """The text of a file that ran (whatever is on disk now) and its analysis."""

    lines: list[str]
    analysis: FileAnalysis
    identity: str  # the measured text's blob id


@dataclass(frozen=True)
class Stale:
    """The text that ran is unknown, or the data cannot belong to it."""

    reason: str


FileState = Measured | Stale | None  # None: nothing to say (no data, not measured, not Python)


class Pending:
    """The file must be analysed first (see `Project.file_state`)."""


PENDING = Pending()


class Project:
    """A project root, its settings and its latest good coverage data."""

    def __init__(self, root: Path, folder_uri: str | None = None) -> None:
        self.root = root
        self.folder_uri = folder_uri
        self.layers: dict[str, Mapping[str, Any] | None] = {}
        self.settings = self.merged_settings()
        self.data_path = self._find_data_path()
        self.data: CoverageSet | None = None
        self.generation = 0
        self._states: dict[str, tuple[int, FileState]] = {}
        self._measured: tuple[int, MeasuredTexts] | None = None
        self._contexts: dict[str, tuple[int, dict[LineNo, list[str]]]] = {}
        self._has_contexts: tuple[int, bool] = (-1, False)

    def merged_settings(self) -> Settings:
        """pyproject, then initializationOptions, then workspace/configuration."""
        layers = (read_pyproject(self.root), self.layers.get("init"), self.layers.get("config"))
        return merge_settings(*layers)

    def update_settings(self, **layers: Mapping[str, Any] | None) -> bool:
        """Replace client settings layers; whether the data file to read changed."""
        self.layers.update(layers)
        old = self.settings
        self.settings = self.merged_settings()
        if old.dataFile == self.settings.dataFile:
            return False
        self.data_path = self._find_data_path()
        return True

    def _find_data_path(self) -> Path:
        """The main data file coverage (or the `dataFile` setting) names for this project."""
        try:
            return read_coverage_settings(self.root, data_file=self.settings.dataFile).data_file
        except CovlintError as exc:
            log.warning("%s: %s", self.root, exc)
            return self.root / (self.settings.dataFile or ".coverage")

    def reload(self) -> LoadOutcome:
        """Load the data again; on any failure keep the last good data."""
        return self.accept(self.load_data())

    def load_data(self) -> Loaded | LoadOutcome:
        """Read the data (slow: file I/O; run it off the event loop); changes nothing here."""
        try:
            data = CoverageSet.load(self.root, data_file=self.settings.dataFile)
            return Loaded(data, _has_contexts(data))
        except DataNotReady as exc:
            return LoadOutcome("not-ready", str(exc))
        except DataError as exc:
            status: LoadStatus = "missing" if not has_data_files(self.data_path) else "failed"
            return LoadOutcome(status, str(exc))
        except CovlintError as exc:
            return LoadOutcome("failed", str(exc))

    def accept(self, loaded: Loaded | LoadOutcome) -> LoadOutcome:
        """Use newly loaded data (on the event loop: quick); a failure keeps the last good data."""
        if isinstance(loaded, LoadOutcome):
            return loaded
        data = self.data = loaded.data
        self.generation += 1
        self._states.clear()
        self._contexts.clear()
        self._has_contexts = (self.generation, loaded.has_contexts)
        log.info("loaded %s (%d data files)", data.settings.data_file, len(data.sources))
        return LoadOutcome("loaded")

    def has_contexts(self) -> bool:
        """Whether the data records which test ran each line (dynamic contexts)."""
        if self._has_contexts[0] != self.generation:
            found = self.data is not None and _has_contexts(self.data)
            self._has_contexts = (self.generation, found)
        return self._has_contexts[1]

    def contexts(self, rel: str) -> dict[LineNo, list[str]]:
        """Which contexts (tests) ran each line of `rel`, per the current data (a query of the
        data file: see `contexts_known`, and ask off the event loop when it is not)."""
        data, generation = self.data, self.generation
        cached = self._contexts.get(rel)
        if cached is not None and cached[0] == generation:
            return cached[1]
        found: dict[LineNo, list[str]] = {}
        if data is not None:
            try:
                found = _tests_by_line(data, rel)
            except DataError as exc:
                log.info("%s: no contexts (%s)", rel, exc)
        self._contexts[rel] = (generation, found)
        return found

    def contexts_known(self, rel: str) -> bool:
        """Whether `contexts(rel)` is answered without reading the data."""
        cached = self._contexts.get(rel)
        return not self.has_contexts() or (cached is not None and cached[0] == self.generation)

    @property
    def had_main(self) -> bool:
        """Whether the last good data came from the main data file (not only from shards)."""
        return self.data is not None and any(
            source.path == self.data_path for source in self.data.sources
        )

    def relative(self, path: Path) -> str | None:
        """`path` relative to the root with forward slashes, or None when outside it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return None

    def measured_texts(self) -> MeasuredTexts | None:
        """What ran of each file, for the current data (reads the cache: call off the loop)."""
        data, generation = self.data, self.generation
        if data is None:
            return None
        known = self._measured
        if known is None or known[0] != generation:
            known = (generation, MeasuredTexts(data))
            self._measured = known
        return known[1]

    def learn(self, paths: list[Path], generation: int) -> int:
        """Before the open documents' analyses (`paths`, in one batch: one query per data file,
        not one per file and data file), read their measurements and learn what of them ran;
        the other files are learnt by the background snapshot. How many were new. Off the loop."""
        measured = self.measured_texts()
        if measured is None or generation != self.generation:
            return 0
        rels = [rel for rel in map(self.relative, paths) if rel is not None]
        measured.data.read_ahead(rels)
        return measured.record(rels, keep_later=True)

    def keep_texts(self) -> None:
        """Keep the texts `learn` learnt that git lacks (after the analyses that waited)."""
        known = self._measured
        if known is not None:
            known[1].keep_pending()

    def quick_state(self, path: Path) -> FileState | Pending:
        """What the data says about `path`, if known without analysing it; else `PENDING`."""
        rel = self.relative(path)
        if self.data is None or rel is None:
            return None
        measured = self.data.known_measured(rel)
        if not measured:  # None: looked up in the data by `file_state`, off the event loop
            return None if measured is False else PENDING
        cached = self._states.get(rel)
        if cached is not None and cached[0] == self.generation:
            return cached[1]
        return PENDING

    def file_state(self, path: Path) -> FileState:
        """What the data says about the text of `path` that ran (cached per data load).

        Safe to call from a worker thread: a reload meanwhile only makes the result unused.
        """
        state = self.quick_state(path)
        if not isinstance(state, Pending):
            return state
        data, generation, rel = self.data, self.generation, self.relative(path)
        measured = self.measured_texts()
        if data is None or rel is None or measured is None:
            return None
        try:
            found = data.is_measured(rel)
        except DataError as exc:
            log.info("%s: not looked up (%s)", rel, exc)
            return None
        if not found:
            return None
        state = _analyse(data, measured, rel)
        self._states[rel] = (generation, state)
        return state


def _has_contexts(data: CoverageSet) -> bool:
    """Whether the data names tests: dynamic contexts, not only a run's static context."""
    try:
        contexts = data.measured_contexts()
    except DataError:
        return False
    return any(dynamic_part(c, static_context(contexts)) for c in contexts)


def _tests_by_line(data: CoverageSet, rel: str) -> dict[LineNo, list[str]]:
    """The dynamic contexts (tests) per line; a line run only outside tests has none."""
    static = static_context(data.measured_contexts())
    found = {}
    for line, contexts in data.contexts_by_line(rel).items():
        found[line] = [name for c in contexts if (name := dynamic_part(c, static))]
    return found


def _analyse(data: CoverageSet, measured: MeasuredTexts, rel: str) -> FileState:
    raw = measured.text(rel)
    if raw is None:
        return Stale(STALE_MESSAGE)
    try:
        text = decode_source(raw)
        analysis = data.analyse(rel, text)
    except (NotPython, DataError) as exc:
        log.info("%s: not analysed (%s)", rel, exc)
        return None
    except Exception:  # a parser crash on odd code: say nothing for this file, once per load
        log.exception("%s: analysis failed", rel)
        return None
    if analysis.stale_reason:
        return Stale(f"coverage data does not fit this file ({analysis.stale_reason})")
    return Measured(split_lines(text), analysis, measured.identity(rel) or "")


def has_data_files(main: Path) -> bool:
    """Whether the main data file or any of its shards exists."""
    try:
        names = os.listdir(main.parent)
    except OSError:
        return False
    return any(n == main.name or is_shard_name(n, main.name) for n in names)
