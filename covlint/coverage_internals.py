"""The only module that touches coverage.py internals.

Coverage's public API analyses files it reads from disk; covlint must analyse a given text (the
staged version, an editor buffer). So it parses with `coverage.parser.PythonParser` and computes
results with `coverage.results.analysis_from_file_reporter`, exactly as `coverage json` does.
`tests/test_coverage_internals.py` pins the behaviour relied on here.

A parse can be kept (`parse_products`) and restored (`TextReporter.restore`): the restored
reporter is a `PythonParser` whose results are set from the kept products instead of computed,
so every answer (first lines, arc translation, exit counts, missed-arc wording) is still
computed by coverage's own code from the same facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from coverage import FileReporter
from coverage.config import CoverageConfig, read_coverage_config
from coverage.exceptions import NotPython as CoverageNotPython
from coverage.parser import PythonParser
from coverage.results import Analysis, analysis_from_file_reporter
from coverage.types import TArc, TLineNo

from covlint.errors import NotPython
from covlint.model import LineData

__all__ = [
    "Analysis",
    "CoverageConfig",
    "LineData",
    "NotPython",
    "ParseProducts",
    "TextReporter",
    "analyse",
    "read_config",
]


# What a parse yields, in plain form: lists of ints and of int pairs, strings or None.
ParseProducts = dict[str, Any]
# Coverage's wording of each arc's miss: (why it was missed, what it did not do) pairs.
ArcFragments = dict[TArc, list[tuple[str | None, str | None]]]


class TextReporter(FileReporter):
    """A file reporter over a given source text instead of a file on disk."""

    def __init__(self, filename: str, text: str, exclude: str, partial: str) -> None:
        super().__init__(filename)
        self.text = text
        self.partial = partial
        self.parser = PythonParser(text=text, filename=filename, exclude=exclude or None)
        try:
            self.parser.parse_source()
        except CoverageNotPython as exc:  # as covlint's own, which callers catch coverage-free
            raise NotPython(str(exc)) from exc

    @classmethod
    def restore(
        cls, filename: str, text: str, exclude: str, partial: str, products: ParseProducts
    ) -> TextReporter:
        """A reporter over `text` whose parse is `products` (from `parse_products` of the same
        text and settings); raises KeyError/TypeError/ValueError on malformed products."""
        reporter = cls.__new__(cls)
        FileReporter.__init__(reporter, filename)
        reporter.text = text
        reporter.partial = partial
        reporter.parser = _restored_parser(filename, text, exclude, products)
        return reporter

    def release_tree(self) -> None:
        """Drop the syntax tree kept for a later arc analysis (the memory it holds is large)."""
        self.parser._ast_root = None

    @property
    def has_arc_products(self) -> bool:
        """Whether the arc analysis (the costly half of a parse) is done."""
        return self.parser._all_arcs is not None

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


def parse_products(reporter: TextReporter) -> ParseProducts:
    """What `reporter`'s parse found, to be kept and given to `TextReporter.restore`.

    Compact, as writing them is on a cold gate run's path: pairs of line numbers as flat lists,
    and the missed-arc wording grouped by fragment (most arcs share one), each group naming its
    arcs as a flat list.
    """
    parser = reporter.parser
    products: ParseProducts = {
        "statements": sorted(parser.statements),
        "excluded": sorted(parser.excluded),
        "raw_statements": sorted(parser.raw_statements),
        "multiline": _flat(parser.multiline_map.items()),
    }
    if parser._all_arcs is not None:
        products["arcs"] = _flat(parser._all_arcs)
        products["jump_fixers"] = sorted(
            (arc, fixed) for arc, fixed in parser._with_jump_fixers.items()
        )
        products["fragments"] = _grouped_fragments(parser._missing_arc_fragments or {})
    return products


def _flat(pairs: Iterable[tuple[int, int]]) -> list[int]:
    return [n for pair in sorted(pairs) for n in pair]


def _pairs(flat: Any) -> Iterator[tuple[int, int]]:
    numbers = iter(_ints(flat))
    return zip(numbers, numbers, strict=True)


def _grouped_fragments(fragments: ArcFragments) -> list[tuple[list[Any], list[int]]]:
    groups: dict[tuple[tuple[str | None, str | None], ...], list[TArc]] = {}
    for arc, pairs in fragments.items():
        groups.setdefault(tuple(pairs), []).append(arc)
    return [(list(pairs), _flat(arcs)) for pairs, arcs in sorted(groups.items(), key=_first_arc)]


def _first_arc(group: tuple[Any, list[TArc]]) -> TArc:
    return min(group[1])


def _restored_parser(
    filename: str, text: str, exclude: str, products: ParseProducts
) -> PythonParser:
    parser = PythonParser(text=text, filename=filename, exclude=exclude or None)
    parser.statements = set(_ints(products["statements"]))
    parser.excluded = set(_ints(products["excluded"]))
    parser.raw_statements = set(_ints(products["raw_statements"]))
    parser.multiline_map = dict(_pairs(products["multiline"]))
    if "arcs" in products:
        parser._all_arcs = set(_pairs(products["arcs"]))
        parser._with_jump_fixers = {
            _arc(arc): None if fixed is None else _arc(fixed)
            for arc, fixed in products["jump_fixers"]
        }
        parser._missing_arc_fragments = {
            arc: [(_text(cause), _text(action)) for cause, action in pairs]
            for pairs, arcs in products["fragments"]
            for arc in _pairs(arcs)
        }
    return parser


def _ints(values: Iterable[Any]) -> list[int]:
    return [int(v) for v in values]


def _arc(pair: Any) -> TArc:
    start, end = pair
    return int(start), int(end)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"not a text fragment: {value!r}")


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
