"""Loaded coverage data for one project: the engine's entry point for both front doors."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from coverage import CoverageData
from coverage.exceptions import DataError as CoverageDataError
from coverage.types import TArc, TLineNo

from covlint.analysis import analyse_text
from covlint.coverage_config import CoverageSettings, read_coverage_settings
from covlint.datafile import DataCopies, DataSource, find_sources
from covlint.errors import DataError, DataNotReady
from covlint.model import FileAnalysis
from covlint.pathmap import PathMapper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recorded:
    """Where one local file's measurements live: a data set and the path it recorded."""

    data: CoverageData
    name: str


class FileLines:
    """The recorded lines and arcs of one local file, merged across data files."""

    def __init__(self, recorded: list[Recorded], *, arcs: bool = True) -> None:
        self.recorded = recorded
        self.use_arcs = arcs  # False: analyse lines only, skipping the costly arc analysis

    def has_arcs(self) -> bool:
        return self.use_arcs and any(r.data.has_arcs() for r in self.recorded)

    def lines(self, filename: str) -> list[TLineNo] | None:
        found = [r.data.lines(r.name) for r in self.recorded]
        return sorted({n for lines in found if lines for n in lines}) if any(found) else None

    def arcs(self, filename: str) -> list[TArc] | None:
        found = [r.data.arcs(r.name) for r in self.recorded]
        return sorted({a for arcs in found if arcs for a in arcs}) if any(found) else None


class CoverageSet:
    """A read-only view of a project's coverage data: main file plus newer shards, in memory."""

    def __init__(self, root: Path, settings: CoverageSettings, sources: list[DataSource]) -> None:
        self.root = root
        self.settings = settings
        self.sources = sources
        self.mtime = max(s.mtime for s in sources)
        self._copies = DataCopies()
        with _reading(self._copies):
            self._datas = [self._copies.open(s, i) for i, s in enumerate(sources)]
            _check_same_kind(sources, self._datas)
            self._files, self.unmapped = self._map_files()

    @classmethod
    def load(
        cls, root: Path, data_file: str | None = None, rcfile: str | None = None
    ) -> CoverageSet:
        """Load the data coverage would use at `root`; raise DataError when there is none."""
        settings = read_coverage_settings(root, rcfile=rcfile, data_file=data_file)
        return cls(root, settings, find_sources(settings.data_file))

    def _map_files(self) -> tuple[dict[str, list[Recorded]], tuple[str, ...]]:
        mapper = PathMapper(self.root, self.settings.paths)
        files: dict[str, list[Recorded]] = {}
        unmapped: set[str] = set()
        for data in self._datas:
            for name in data.measured_files():
                local = mapper.map(name)
                if local is None:
                    unmapped.add(name)
                else:
                    files.setdefault(local, []).append(Recorded(data, name))
        if unmapped:
            log.info("%d measured files map to no file under %s", len(unmapped), self.root)
        return files, tuple(sorted(unmapped))

    def reopen(self) -> None:
        """Use fresh connections to the private copies: for a forked child process."""
        fresh = {id(old): self._copies.reopen(i) for i, old in enumerate(self._datas)}
        self._datas = list(fresh.values())
        self._files = {
            path: [Recorded(fresh[id(r.data)], r.name) for r in recorded]
            for path, recorded in self._files.items()
        }

    @property
    def has_arcs(self) -> bool:
        return any(data.has_arcs() for data in self._datas)

    @property
    def measured_paths(self) -> list[str]:
        return sorted(self._files)

    def is_measured(self, path: str) -> bool:
        return path in self._files

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
        lines = FileLines(self._files.get(path, []), arcs=branch)
        with _reading(self._copies):
            return analyse_text(
                lines,
                path=path,
                data_filename=path,
                text=text,
                exclude=self.settings.exclude_regex,
                partial=self.settings.partial_regex,
            )

    def has_contexts(self) -> bool:
        with _reading(self._copies):
            return any(data.measured_contexts() - {""} for data in self._datas)

    def measured_contexts(self) -> set[str]:
        """Every context name in the data ("" for lines run without one)."""
        with _reading(self._copies):
            return set().union(*(data.measured_contexts() for data in self._datas))

    def contexts_by_line(self, path: str) -> dict[TLineNo, list[str]]:
        """Which contexts (tests) ran each line of `path`."""
        merged: dict[TLineNo, set[str]] = {}
        with _reading(self._copies):
            for recorded in self._files.get(path, []):
                for line, contexts in recorded.data.contexts_by_lineno(recorded.name).items():
                    merged.setdefault(line, set()).update(c for c in contexts if c)
        return {line: sorted(contexts) for line, contexts in merged.items()}

    def describe_unmapped(self) -> str:
        """A hint for data recorded elsewhere, naming one recorded path."""
        if not self.unmapped:
            return ""
        return (
            f"{len(self.unmapped)} measured file(s) are not under this checkout"
            f" (e.g. {self.unmapped[0]}): add a [paths] mapping to your coverage config"
        )


def _check_same_kind(sources: list[DataSource], datas: list[CoverageData]) -> None:
    """Refuse branch data mixed with line data, as `coverage combine` does."""
    kinds = {
        data.has_arcs(): source
        for source, data in zip(sources, datas, strict=True)
        if data.measured_files()
    }
    if len(kinds) > 1:
        raise DataError(
            f"{kinds[True].path} has branch data but {kinds[False].path} has only lines:"
            " coverage can't combine them; re-run tests with the same --branch setting"
        )


@contextmanager
def _reading(copies: DataCopies) -> Iterator[None]:
    """Turn SQLite failures on a half-written copy into a retryable, one-line error."""
    try:
        yield
    except (sqlite3.DatabaseError, CoverageDataError) as exc:
        reason = copies.explain(exc)
        raise DataNotReady(f"coverage data is unreadable ({reason}): re-run tests") from None
