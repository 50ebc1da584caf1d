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
from covlint.coverage_internals import NotPython
from covlint.coverage_set import CoverageSet
from covlint.errors import CovlintError, DataError, DataNotReady
from covlint.model import FileAnalysis, LineNo
from covlint.safe_io import SOURCE_LIMIT, read_regular
from covlint.server.diagnostics import STALE_MESSAGE
from covlint.server.remap import split_lines
from covlint.server.settings import Settings, merge_settings, read_pyproject
from covlint.static_context import dynamic_part, static_context

log = logging.getLogger(__name__)

# Files whose presence makes a folder a project root (the nearest one up from a folder wins).
ROOT_MARKERS = (".coverage", ".coveragerc", "pyproject.toml", "setup.cfg", "tox.ini", ".git")

LoadStatus = Literal["loaded", "not-ready", "missing", "failed", "superseded"]
DiskStamp = tuple[int, int]  # (mtime_ns, size) of a source file


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
    """A file's measured text (as it is on disk and ran) and its analysis."""

    lines: list[str]
    analysis: FileAnalysis
    stamp: DiskStamp


@dataclass(frozen=True)
class Stale:
    """The data cannot belong to the file as it is on disk."""

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
        self._states: dict[str, tuple[int, DiskStamp, FileState]] = {}
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
        log.info("loaded %s (%d files)", data.settings.data_file, len(data.measured_paths))
        return LoadOutcome("loaded", data.describe_unmapped())

    def has_contexts(self) -> bool:
        """Whether the data records which test ran each line (dynamic contexts)."""
        if self._has_contexts[0] != self.generation:
            found = self.data is not None and _has_contexts(self.data)
            self._has_contexts = (self.generation, found)
        return self._has_contexts[1]

    def contexts(self, rel: str) -> dict[LineNo, list[str]]:
        """Which contexts (tests) ran each line of `rel`, per the current data."""
        cached = self._contexts.get(rel)
        if cached is not None and cached[0] == self.generation:
            return cached[1]
        found: dict[LineNo, list[str]] = {}
        if self.data is not None:
            try:
                found = _tests_by_line(self.data, rel)
            except DataError as exc:
                log.info("%s: no contexts (%s)", rel, exc)
        self._contexts[rel] = (self.generation, found)
        return found

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

    def quick_state(self, path: Path) -> FileState | Pending:
        """What the data says about `path`, if known without analysing it; else `PENDING`."""
        rel = self.relative(path)
        if self.data is None or rel is None or not self.data.is_measured(rel):
            return None
        if self.data.is_older_than(rel):
            return Stale(STALE_MESSAGE)
        stamp = disk_stamp(path)
        if stamp is None:
            return None
        cached = self._states.get(rel)
        if cached is not None and cached[:2] == (self.generation, stamp):
            return cached[2]
        return PENDING

    def file_state(self, path: Path) -> FileState:
        """What the data says about the file at `path` as it is on disk (cached per data load).

        Safe to call from a worker thread: a reload meanwhile only makes the result unused.
        """
        state = self.quick_state(path)
        if not isinstance(state, Pending):
            return state
        data, generation, rel, stamp = (
            self.data,
            self.generation,
            self.relative(path),
            disk_stamp(path),
        )
        if data is None or rel is None or stamp is None:
            return None
        state = _analyse(data, rel, path, stamp)
        self._states[rel] = (generation, stamp, state)
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


def _analyse(data: CoverageSet, rel: str, path: Path, stamp: DiskStamp) -> FileState:
    try:
        text = decode_source(read_regular(path, SOURCE_LIMIT))
        analysis = data.analyse(rel, text)
    except (OSError, NotPython, DataError) as exc:
        log.info("%s: not analysed (%s)", rel, exc)
        return None
    except Exception:  # a parser crash on odd code: say nothing for this file, once per load
        log.exception("%s: analysis failed", rel)
        return None
    if analysis.stale_reason:
        return Stale(f"coverage data does not fit this file ({analysis.stale_reason})")
    return Measured(split_lines(text), analysis, stamp)


def disk_stamp(path: Path) -> DiskStamp | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def has_data_files(main: Path) -> bool:
    """Whether the main data file or any of its shards exists."""
    try:
        names = os.listdir(main.parent)
    except OSError:
        return False
    return any(n == main.name or n.startswith(main.name + ".") for n in names)


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above `start` that looks like a project root (else `start`)."""
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return start


class Workspace:
    """The projects of the open workspace folders, plus any met outside them."""

    def __init__(self) -> None:
        self.projects: dict[Path, Project] = {}
        self.folders: dict[Path, Project] = {}

    def add_folder(self, folder: Path, uri: str) -> Project:
        project = self._project(find_project_root(folder), uri)
        self.folders[folder] = project
        return project

    def remove_folder(self, folder: Path) -> Project | None:
        """Forget a workspace folder; its project, if no other folder shares it."""
        project = self.folders.pop(folder, None)
        if project is None or project in self.folders.values():
            return None
        return self.projects.pop(project.root, None)

    def project_for(self, path: Path) -> Project:
        """The project of the innermost workspace folder holding `path` (or of its own root)."""
        holders = [f for f in self.folders if path.is_relative_to(f)]
        if holders:
            return self.folders[max(holders, key=lambda f: len(f.parts))]
        return self._project(find_project_root(path.parent), None)

    def _project(self, root: Path, uri: str | None) -> Project:
        if root not in self.projects:
            self.projects[root] = Project(root, uri)
        return self.projects[root]
