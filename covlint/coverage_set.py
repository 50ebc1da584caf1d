"""Loaded coverage data for one project root: the engine's entry point for both front doors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from covlint.model import FileAnalysis


@dataclass(frozen=True)
class DataLocation:
    """Where a project's coverage data lives: the main file and the glob of its parallel shards."""

    main: Path
    shard_glob: str  # e.g. ".coverage.*", relative to main.parent


class CoverageSet:
    """Read-only view over a project's coverage data (main file + newer shards, combined in memory).

    API contract (implementation in progress):
      CoverageSet.load(root, data_file=None, rcfile=None) -> CoverageSet
          raises DataError / DataNotReady (covlint.errors) with a one-line actionable message.
      .root: Path; .location: DataLocation; .sources: list[Path]; .mtime: float (newest source)
      .has_arcs: bool; .has_contexts: bool
      .unmapped: tuple[str, ...]  measured paths that map to no file under root
      .is_measured(path: str) -> bool            path repo-relative, forward slashes
      .analyse(path: str, text: str) -> FileAnalysis   (stale_reason set if data cannot fit text)
      .is_older_than(path: str) -> bool          the file on disk is newer than the data
      .contexts_by_line(path: str) -> dict[int, list[str]]
      .total() -> Totals of the whole data (for the ratchet)
    """

    def analyse(self, path: str, text: str) -> FileAnalysis:
        raise NotImplementedError
