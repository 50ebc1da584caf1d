"""Whether coverage was configured to measure a file ([run] source, source_pkgs, include, omit).

A changed file outside the measured source is skipped; one inside it that has no data is
"not measured", which the gate reports and never lets pass silently, unless nothing at all under
its source root was measured: then the run measured less than the config names (`pytest
--cov=pkg` replaces `[run] source`), and the root is skipped as a whole, saying so.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

from covlint.coverage_config import CoverageSettings


class SourceFilter:
    """Answers `wants(path)` for repo-relative paths, as coverage's settings select files."""

    def __init__(self, root: Path, settings: CoverageSettings) -> None:
        self.root = root
        self.prefixes = tuple(_source_prefix(root, s) for s in settings.source)
        self.include = tuple(_glob(root, g) for g in settings.include)
        self.omit = tuple(_glob(root, g) for g in settings.omit)

    def wants(self, path: str) -> bool:
        absolute = str(self.root / path)
        if any(fnmatchcase(absolute, g) for g in self.omit):
            return False
        if self.prefixes:
            return any(path == p or path.startswith(p + "/") for p in self.prefixes)
        if self.include:
            return any(fnmatchcase(absolute, g) for g in self.include)
        return True

    def root_of(self, path: str) -> str | None:
        """The configured source root holding `path`, if source roots are configured."""
        return next((p for p in self.prefixes if path == p or path.startswith(p + "/")), None)


UNMEASURED_ROOT = "the run measured less than [run] source names (e.g. pytest --cov=pkg)"


def unmeasured_root_reason(root: str) -> str:
    return f"nothing under {root}/ was measured: {UNMEASURED_ROOT}"


def is_unmeasured_root_reason(why: str) -> bool:
    return why.endswith(UNMEASURED_ROOT)


def consulted_folders(root: Path, settings: CoverageSettings) -> list[Path]:
    """The folders whose existence decides what `[run] source` names (`_source_prefix`)."""
    return [root / folder for source in settings.source for folder in _source_folders(source)]


def _source_folders(source: str) -> tuple[str, str]:
    """A [run] source entry read as a folder, and as a package under `src/`."""
    return source.rstrip("/").removeprefix("./"), "src/" + source.replace(".", "/")


def _source_prefix(root: Path, source: str) -> str:
    """A [run] source entry is a directory, or else a package name."""
    as_dir, in_src = _source_folders(source)
    if (root / as_dir).is_dir():
        return as_dir
    return in_src if (root / in_src).is_dir() else source.replace(".", "/")


def _glob(root: Path, pattern: str) -> str:
    return pattern if pattern.startswith(("/", "*")) else str(root / pattern)
