"""The only module that touches coverage.py internals.

Coverage's public API analyses files it reads from disk; covlint must analyse a given text (the
staged version, an editor buffer). So it parses with `coverage.parser.PythonParser` and computes
results with `coverage.results.analysis_from_file_reporter`, exactly as `coverage json` does.
`tests/test_coverage_internals.py` pins the behaviour relied on here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from coverage import FileReporter
from coverage.config import CoverageConfig, read_coverage_config
from coverage.exceptions import NotPython
from coverage.parser import PythonParser
from coverage.results import Analysis, analysis_from_file_reporter
from coverage.types import TArc, TLineNo

__all__ = [
    "Analysis",
    "CoverageConfig",
    "LineData",
    "NotPython",
    "TextReporter",
    "analyse",
    "read_config",
]


class LineData(Protocol):
    """The slice of `CoverageData` an analysis reads."""

    def has_arcs(self) -> bool: ...
    def lines(self, filename: str) -> list[TLineNo] | None: ...
    def arcs(self, filename: str) -> list[TArc] | None: ...


class TextReporter(FileReporter):
    """A file reporter over a given source text instead of a file on disk."""

    def __init__(self, filename: str, text: str, exclude: str, partial: str) -> None:
        super().__init__(filename)
        self.text = text
        self.partial = partial
        self.parser = PythonParser(text=text, filename=filename, exclude=exclude or None)
        self.parser.parse_source()  # raises NotPython on a syntax error

    def source(self) -> str:
        return self.text

    def lines(self) -> set[TLineNo]:
        return self.parser.statements

    def excluded_lines(self) -> set[TLineNo]:
        return self.parser.excluded

    def multiline_map(self) -> dict[TLineNo, TLineNo]:
        return self.parser.multiline_map

    def translate_lines(self, lines: Iterable[TLineNo]) -> set[TLineNo]:
        return self.parser.translate_lines(lines)

    def translate_arcs(self, arcs: Iterable[TArc]) -> set[TArc]:
        return self.parser.translate_arcs(arcs)

    def no_branch_lines(self) -> set[TLineNo]:
        # As coverage does, even for an empty regex (no partial patterns), which matches every line.
        return self.parser.lines_matching(self.partial)

    def arcs(self) -> set[TArc]:
        return self.parser.arcs()

    def exit_counts(self) -> dict[TLineNo, int]:
        return self.parser.exit_counts()

    def missing_arc_description(
        self, start: TLineNo, end: TLineNo, executed_arcs: Iterable[TArc] | None = None
    ) -> str:
        return self.parser.missing_arc_description(start, end)


def analyse(data: LineData, reporter: TextReporter, data_filename: str) -> Analysis:
    """Coverage's own analysis of `reporter`'s text against the data recorded for a file."""
    return analysis_from_file_reporter(data, 0, reporter, data_filename)  # type: ignore[arg-type]


def read_config(config_file: str | bool, data_file: str | None) -> CoverageConfig:
    """Coverage's configuration, read the way `Coverage()` reads it, without making one.

    Creating a `Coverage` object would switch off coverage's measurement of this process when it
    runs as a measured subprocess, and reset coverage's global relative-path state.
    """
    return read_coverage_config(
        config_file=config_file, warn=lambda message: None, data_file=data_file
    )
