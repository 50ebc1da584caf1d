"""Loaded coverage data for one project: the engine's entry point for both front doors.

Loading opens the main data file and its newer shards in place and reads nothing but their
headers; each local file is looked up when first asked about (an index lookup per data file),
so the cost follows the files asked for, not the size of the project or the number of shards.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from covlint.analysis import analyse_text
from covlint.coverage_config import CoverageSettings, read_coverage_settings
from covlint.data_sources import DataSource, find_sources
from covlint.datafile import DataReader, read_with_retries
from covlint.errors import DataError
from covlint.model import Arc, FileAnalysis, LineNo
from covlint.pathmap import PathMapper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recorded:
    """Where one local file's measurements live: a data file and the id it recorded it under."""

    reader: DataReader
    file_id: int


class FileLines:
    """The recorded lines and arcs of one local file, merged across data files."""

    def __init__(
        self, recorded: list[Recorded], *, arcs: bool = True, merged: set[Any] | None = None
    ) -> None:
        self.recorded = recorded
        self.use_arcs = arcs  # False: analyse lines only, skipping the costly arc analysis
        self._lines: list[LineNo] | None = None
        self._arcs: list[Arc] | None = None
        if merged is not None:  # read ahead: the arcs (or lines) of every data file, merged
            if any(r.reader.has_arcs for r in recorded):
                self._arcs = sorted(merged)
            else:
                self._lines = sorted(merged)

    def has_arcs(self) -> bool:
        return self.use_arcs and any(r.reader.has_arcs for r in self.recorded)

    def lines(self, filename: str) -> list[LineNo] | None:
        """The executed lines, as `CoverageData.lines` gives them (from the arcs, for arc data)."""
        if self._lines is None:
            if any(r.reader.has_arcs for r in self.recorded):
                self._lines = sorted({n for arc in self._all_arcs() for n in arc if n > 0})
            else:
                self._lines = sorted(
                    {n for r in self.recorded for n in r.reader.measured(r.file_id)}
                )
        return self._lines or None

    def arcs(self, filename: str) -> list[Arc] | None:
        return self._all_arcs() or None

    def _all_arcs(self) -> list[Arc]:
        """Read once: the analysis and the staleness check both ask."""
        if self._arcs is None:
            found = (r.reader.measured(r.file_id) for r in self.recorded if r.reader.has_arcs)
            self._arcs = sorted(set().union(*found))
        return self._arcs


class CoverageSet:
    """A read-only view of a project's coverage data: main file plus newer shards, in place."""

    def __init__(self, root: Path, settings: CoverageSettings, sources: list[DataSource]) -> None:
        self.root = root
        self.settings = settings
        self.sources = sources
        self.mtime = max(s.mtime for s in sources)
        self._readers = [DataReader(s.path) for s in sources]
        _check_same_kind(self._readers)
        self._mapper = PathMapper(root, settings.paths)
        self._located: dict[str, list[Recorded]] = {}
        self._ahead: dict[str, set[Any]] = {}  # read ahead, until the path's next analysis
        self._kept_only = False  # `kept_analyses_only`
        self._names: dict[str, list[str]] | None = None
        self._unmapped: tuple[str, ...] = ()

    @classmethod
    def load(
        cls, root: Path, data_file: str | None = None, rcfile: str | None = None
    ) -> CoverageSet:
        """Load the data coverage would use at `root`; raise DataError when there is none."""
        settings = read_coverage_settings(root, rcfile=rcfile, data_file=data_file)
        return read_with_retries(lambda: cls(root, settings, find_sources(settings.data_file)))

    def locate(self, paths: list[str]) -> None:
        """Find where `paths` were recorded, in one batched lookup per data file."""
        wanted = [p for p in dict.fromkeys(paths) if p not in self._located]
        if not wanted:
            return
        if self._mapper.has_aliases:  # [paths] rules can't be inverted: map every name once
            names = self._map_all()
            candidates = {name: path for path in wanted for name in names.get(path, [])}
        else:
            candidates = {n: path for path in wanted for n in self._mapper.recorded_names(path)}
        found: dict[str, list[Recorded]] = {path: [] for path in wanted}
        for reader in self._readers:
            for name, file_id in reader.file_ids(candidates).items():
                if self._mapper.map(name) == candidates[name]:
                    found[candidates[name]].append(Recorded(reader, file_id))
        self._located.update(found)

    def prefetch(self, paths: list[str]) -> None:
        """Look up `paths` and read their measurements in one query per data file (the gate's
        diff, before it forks: its workers then need no database at all)."""
        self.locate(paths)
        wanted: dict[DataReader, list[int]] = {}
        for path in paths:
            for recorded in self._recorded(path):
                wanted.setdefault(recorded.reader, []).append(recorded.file_id)
        for reader, file_ids in wanted.items():
            reader.keep(file_ids)

    def read_ahead(self, paths: list[str]) -> None:
        """Read the measurements of `paths` now, in one batch per data file, merged per path and
        kept until each one's next analysis: the server's open documents after a load (64
        shards repeat the same arcs 64 times; merged, they are a few kB per file)."""
        self.locate(paths)
        wanted: dict[DataReader, list[tuple[str, int]]] = {}
        for path in dict.fromkeys(paths):
            for recorded in self._recorded(path):
                wanted.setdefault(recorded.reader, []).append((path, recorded.file_id))
        merged: dict[str, set[Any]] = {}
        for reader, files in wanted.items():
            found = reader.measured_each([file_id for _, file_id in files])
            for path, file_id in files:
                merged.setdefault(path, set()).update(found[file_id])
        self._ahead.update(merged)

    def _recorded(self, path: str) -> list[Recorded]:
        if path not in self._located:
            self.locate([path])
        return self._located[path]

    def _map_all(self) -> dict[str, list[str]]:
        """Local path -> the names recorded for it, over every data file; each distinct name is
        mapped once, and only names are kept (64 shards name the same files 64 times)."""
        if self._names is None:
            mapped: dict[str, str | None] = {}
            for reader in self._readers:
                for name in reader.file_ids():
                    if name not in mapped:
                        mapped[name] = self._mapper.map(name)
            names: dict[str, list[str]] = {}
            for name, local in mapped.items():
                if local is not None:
                    names.setdefault(local, []).append(name)
            unmapped = sorted(name for name, local in mapped.items() if local is None)
            if unmapped:
                log.info("%d measured files map to no file under %s", len(unmapped), self.root)
            self._names, self._unmapped = names, tuple(unmapped)
        return self._names

    def reopen(self) -> None:
        """Let a forked child open its own connections (SQLite's must not cross a fork)."""
        for reader in self._readers:
            reader.forget_connection()

    def close(self) -> None:
        """Close the connections to the data files (they reopen when needed)."""
        for reader in self._readers:
            reader.close()

    @property
    def has_arcs(self) -> bool:
        return any(reader.has_arcs for reader in self._readers)

    @property
    def measured_paths(self) -> list[str]:
        return sorted(self._map_all())

    @property
    def unmapped(self) -> tuple[str, ...]:
        self._map_all()
        return self._unmapped

    def is_measured(self, path: str) -> bool:
        return bool(self._recorded(path))

    def known_measured(self, path: str) -> bool | None:
        """`is_measured` if already known without reading the data, else None."""
        found = self._located.get(path)
        if found is None and self._names is not None:
            return None if path in self._names else False
        return None if found is None else bool(found)

    def is_older_than(self, path: str) -> bool:
        """Whether the file on disk was modified after the data was written."""
        try:
            return (self.root / path).stat().st_mtime > self.mtime
        except OSError:
            return False

    def analyse(self, path: str, text: str, *, branch: bool = True) -> FileAnalysis:
        """Coverage of `text` as the file at `path`; raises NotPython when it does not parse.

        `branch=False` analyses lines only, as if the data had no arcs.
        """
        merged = self._ahead.get(path) if self._kept_only else self._ahead.pop(path, None)
        return analyse_text(
            FileLines(self._recorded(path), arcs=branch, merged=merged),
            path=path,
            data_filename=path,
            text=text,
            exclude=self.settings.exclude_regex,
            partial=self.settings.partial_regex,
            kept_only=self._kept_only,
        )

    @contextlib.contextmanager
    def kept_analyses_only(self) -> Iterator[None]:
        """Within it, `analyse` only restores kept analyses and raises `AnalysisNotKept` for
        any other: the gate judges what is kept before deciding whether forking pays."""
        self._kept_only = True
        try:
            yield
        finally:
            self._kept_only = False

    def has_contexts(self) -> bool:
        return any(reader.has_contexts() for reader in self._readers)

    def measured_contexts(self) -> set[str]:
        """Every context recorded in the data ("" is code run outside any dynamic context)."""
        return {context for reader in self._readers for context in reader.measured_contexts()}

    def contexts_by_line(self, path: str, *, static: bool = False) -> dict[LineNo, list[str]]:
        """Which contexts (tests) ran each line of `path`; `static`: keep the empty context."""
        merged: dict[LineNo, set[str]] = {}
        for recorded in self._recorded(path):
            for line, contexts in recorded.reader.contexts_by_line(recorded.file_id).items():
                merged.setdefault(line, set()).update(c for c in contexts if c or static)
        return {line: sorted(contexts) for line, contexts in merged.items()}

    def describe_unmapped(self) -> str:
        """A hint for data recorded elsewhere, naming one recorded path."""
        if not self.unmapped:
            return ""
        return (
            f"{len(self.unmapped)} measured file(s) are not under this checkout"
            f" (e.g. {self.unmapped[0]}): add a [paths] mapping to your coverage config"
        )


def _check_same_kind(readers: list[DataReader]) -> None:
    """Refuse branch data mixed with line data, as `coverage combine` does."""
    kinds = {reader.has_arcs: reader for reader in readers if reader.has_files}
    if len(kinds) > 1:
        raise DataError(
            f"{kinds[True].path} has branch data but {kinds[False].path} has only lines:"
            " coverage can't combine them; re-run tests with the same --branch setting"
        )
