"""Pin the coverage.py internals that covlint/coverage_internals.py relies on.

If a coverage.py upgrade changes any of these, this file fails first, naming what moved.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import marshal
import re
from pathlib import Path

import coverage
import pytest
from coverage import CoverageData
from coverage.config import (
    DEFAULT_EXCLUDE,
    DEFAULT_PARTIAL,
    DEFAULT_PARTIAL_ALWAYS,
    read_coverage_config,
)
from coverage.exceptions import CoverageException, NotPython
from coverage.parser import PythonParser
from coverage.python import PythonFileReporter, get_python_source
from coverage.results import Analysis, analysis_from_file_reporter
from coverage.types import TArc, TLineNo

from covlint import coverage_internals as internals
from covlint.coverage_config import read_coverage_settings

SOURCE = """\
def f(x):
    if x:
        return 1
    for i in range(3):
        if i:
            break
    else:
        x = (
            2
        )
    return x  # skip me
"""

SHAPES = Path(__file__).parent / "fixtures" / "shapes" / "shapes"


def parsed(text: str = SOURCE, exclude: str | None = None) -> PythonParser:
    parser = PythonParser(text=text, filename="m.py", exclude=exclude)
    parser.parse_source()
    return parser


# --- PythonParser ------------------------------------------------------------------------------


def test_parser_takes_text_filename_and_exclude_keywords() -> None:
    assert list(inspect.signature(PythonParser).parameters) == ["text", "filename", "exclude"]


def test_parser_statements_and_multiline_map() -> None:
    parser = parsed()

    assert parser.statements == {1, 2, 3, 4, 5, 6, 8, 11}
    assert parser.raw_statements == {1, 2, 3, 4, 5, 6, 8, 9, 11}
    assert parser.multiline_map == {8: 8, 9: 8, 10: 8}
    assert parser.excluded == set()
    assert parser.first_line(9) == 8
    assert parser.first_lines([9, 10, 11]) == {8, 11}
    assert parser.translate_lines([9, 3]) == {8, 3}
    assert parser.translate_arcs([(9, 11), (-1, 9)]) == {(8, 11), (-1, 8)}


def test_parser_exclusion_regex() -> None:
    parser = parsed(exclude="skip me")

    assert parser.excluded == {11}
    assert parser.statements == {1, 2, 3, 4, 5, 6, 8}
    assert parsed(exclude=None).excluded == set()
    assert parsed(exclude="").excluded == set()


def test_parser_lines_matching_maps_to_first_lines_and_empty_matches_everything() -> None:
    parser = parsed()

    assert parser.lines_matching(r"^\s*2$") == {8}
    assert parser.lines_matching(r"(?i)RETURN") == {3, 11}
    # coverage's no_branch_lines() joins no patterns to "" — which matches every line.
    assert parser.lines_matching("") == {1, 2, 3, 4, 5, 6, 7, 8, 11, 12}


def test_parser_arcs_and_exit_counts() -> None:
    parser = parsed()

    assert parser.arcs() == {
        (1, -1),
        (2, 3),
        (2, 4),
        (3, -1),
        (4, 5),
        (4, 8),
        (5, 4),
        (5, 6),
        (6, 11),
        (8, 11),
        (11, -1),
    }
    assert dict(parser.exit_counts()) == {1: 1, 2: 2, 3: 1, 4: 2, 5: 2, 6: 1, 8: 1, 11: 1}


@pytest.mark.parametrize(
    ("arc", "message"),
    [
        ((2, 3), "line 2 didn't jump to line 3 because the condition on line 2 was never true"),
        ((2, 4), "line 2 didn't jump to line 4 because the condition on line 2 was always true"),
        ((4, 5), "line 4 didn't jump to line 5 because the loop on line 4 never started"),
        ((4, 8), "line 4 didn't jump to line 8 because the loop on line 4 didn't complete"),
        ((5, 4), "line 5 didn't jump to line 4 because the condition on line 5 was always true"),
        (
            (3, -1),
            "line 3 didn't return from function 'f' because the return on line 3 wasn't executed",
        ),
    ],
)
def test_parser_missing_arc_description(arc: TArc, message: str) -> None:
    assert parsed().missing_arc_description(*arc) == message


def test_parser_raises_not_python_on_a_syntax_error() -> None:
    parser = PythonParser(text="def (:\n", filename="bad.py")

    with pytest.raises(NotPython, match=r"^Couldn't parse 'bad\.py' as Python source: "):
        parser.parse_source()


# --- analysis_from_file_reporter ---------------------------------------------------------------


def called_on(function: object, name: str) -> set[str]:
    """The methods `function`'s source calls on its argument `name`."""
    source = inspect.getsource(function)  # type: ignore[arg-type]
    return set(re.findall(rf"\b{name}\.(\w+)\(", source))


def test_analysis_from_file_reporter_signature() -> None:
    assert list(inspect.signature(analysis_from_file_reporter).parameters) == [
        "data",
        "precision",
        "file_reporter",
        "filename",
    ]


def test_analysis_reads_only_what_line_data_offers() -> None:
    assert called_on(analysis_from_file_reporter, "data") == {"has_arcs", "lines", "arcs"}
    protocol = {n for n in vars(internals.LineData) if not n.startswith("_")}
    assert protocol == {"has_arcs", "lines", "arcs"}


def test_analysis_asks_the_reporter_only_for_what_text_reporter_overrides() -> None:
    asked = called_on(analysis_from_file_reporter, "file_reporter")

    assert asked == {
        "lines",
        "excluded_lines",
        "translate_lines",
        "arcs",
        "translate_arcs",
        "exit_counts",
        "no_branch_lines",
    }
    assert asked <= set(vars(internals.TextReporter))


def recorded(*, lines: list[TLineNo] | None = None, arcs: list[TArc] | None = None) -> CoverageData:
    """In-memory coverage data for "m.py": branch data when given arcs, else line data."""
    data = CoverageData(no_disk=True)
    if arcs is not None:
        data.add_arcs({"m.py": arcs})
    else:
        data.add_lines({"m.py": lines or []})
    return data


def test_analysis_results() -> None:
    reporter = internals.TextReporter("m.py", SOURCE, "skip me", "pragma: no branch")
    arcs = [(-1, 1), (1, 2), (2, 4), (4, 5), (5, 4), (4, 8), (9, 8), (8, -1)]
    data = recorded(arcs=arcs)

    analysis = internals.analyse(data, reporter, "m.py")

    assert isinstance(analysis, Analysis)
    assert analysis.has_arcs is True
    assert analysis.statements == {1, 2, 3, 4, 5, 6, 8}
    assert analysis.executed == {1, 2, 4, 5, 8}
    assert analysis.missing == {3, 6}
    assert analysis.excluded == {11}
    assert dict(analysis.missing_branch_arcs()) == {2: [3], 5: [6]}
    numbers = analysis.numbers
    assert (numbers.n_statements, numbers.n_missing, numbers.n_excluded) == (7, 2, 1)
    assert (numbers.n_branches, numbers.n_partial_branches, numbers.n_missing_branches) == (
        6,
        2,
        2,
    )


def test_analysis_of_line_data() -> None:
    reporter = internals.TextReporter("m.py", SOURCE, "", "pragma: no branch")

    analysis = internals.analyse(recorded(lines=[1, 2, 3]), reporter, "m.py")

    assert analysis.has_arcs is False
    assert analysis.missing == {4, 5, 6, 8, 11}
    assert analysis.exit_counts == {}
    assert dict(analysis.missing_branch_arcs()) == {}


def test_an_empty_partial_regex_makes_every_line_a_no_branch_line() -> None:
    # coverage.py's own behaviour when both partial_branches lists are emptied: no missed arcs.
    reporter = internals.TextReporter("m.py", SOURCE, "", "")
    data = recorded(arcs=[(-1, 1), (1, 2), (2, 3), (3, -1)])

    analysis = internals.analyse(data, reporter, "m.py")

    assert dict(analysis.missing_branch_arcs()) == {}
    assert analysis.numbers.n_branches == 6


# --- TextReporter answers as coverage's own PythonFileReporter does ----------------------------


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(SHAPES).as_posix() for p in SHAPES.rglob("*.py"))
)
def test_text_reporter_agrees_with_python_file_reporter(tmp_path: Path, path: str) -> None:
    config = tmp_path / ".coveragerc"
    config.write_text(
        "[report]\nexclude_also =\n    def __repr__\n    if TYPE_CHECKING:\n"
        "partial_branches =\n    pragma: no branch\n    covlint: partial\n"
    )
    settings = read_coverage_settings(tmp_path)
    filename = str(SHAPES / path)
    theirs = PythonFileReporter(filename, coverage.Coverage(config_file=str(config)))
    ours = internals.TextReporter(
        filename, theirs.source(), settings.exclude_regex, settings.partial_regex
    )

    assert ours.lines() == theirs.lines()
    assert ours.excluded_lines() == theirs.excluded_lines()
    assert ours.multiline_map() == theirs.multiline_map()
    assert ours.arcs() == theirs.arcs()
    assert ours.exit_counts() == theirs.exit_counts()
    assert ours.no_branch_lines() == theirs.no_branch_lines()
    every_line = range(-1, ours.source().count("\n") + 2)
    assert ours.translate_lines(every_line) == theirs.translate_lines(every_line)
    assert ours.translate_arcs(ours.arcs()) == theirs.translate_arcs(theirs.arcs())
    for start, end in sorted(ours.arcs()):
        assert ours.missing_arc_description(start, end) == theirs.missing_arc_description(
            start, end
        )


# --- read_coverage_config ----------------------------------------------------------------------


def test_read_coverage_config_signature() -> None:
    assert list(inspect.signature(read_coverage_config).parameters) == [
        "config_file",
        "warn",
        "kwargs",
    ]


def test_read_config_without_a_file_gives_coverage_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COVERAGE_FILE", raising=False)

    config = internals.read_config(False, None)

    assert config.get_option("run:data_file") == ".coverage"
    assert config.exclude_list == DEFAULT_EXCLUDE
    assert config.partial_list == DEFAULT_PARTIAL
    assert config.partial_always_list == DEFAULT_PARTIAL_ALWAYS
    assert config.get_option("paths") == {}
    assert config.get_option("run:relative_files") is False


def test_read_config_merges_file_env_and_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rc = tmp_path / "cov.rc"
    rc.write_text(
        "[run]\ndata_file = from-file\n[report]\nexclude_also = skip\npartial_also = maybe\n"
        "[paths]\nsource =\n    src/\n    */src\n"
    )
    monkeypatch.delenv("COVERAGE_FILE", raising=False)

    assert internals.read_config(str(rc), None).get_option("run:data_file") == "from-file"
    monkeypatch.setenv("COVERAGE_FILE", "from-env")
    assert internals.read_config(str(rc), None).get_option("run:data_file") == "from-env"
    config = internals.read_config(str(rc), "from-argument")
    assert config.get_option("run:data_file") == "from-argument"
    assert config.exclude_list == [*DEFAULT_EXCLUDE, "skip"]
    assert config.partial_list == [*DEFAULT_PARTIAL, "maybe"]
    assert config.get_option("paths") == {"source": ["src/", "*/src"]}


def test_read_config_of_a_missing_file_is_a_coverage_exception(tmp_path: Path) -> None:
    with pytest.raises(CoverageException, match=r"^Couldn't read '.*gone\.rc' as a config file$"):
        internals.read_config(str(tmp_path / "gone.rc"), None)


# --- a kept parse restores to the same answers -------------------------------------------------

REAL_FILES = [
    Path(coverage.__file__).parent / "parser.py",
    Path(inspect.getfile(argparse)),
    Path(inspect.getfile(asyncio.tasks)),
    Path(internals.__file__),
]


def restored_copy(reporter: internals.TextReporter, exclude: str) -> internals.TextReporter:
    products = marshal.loads(marshal.dumps(internals.parse_products(reporter)))  # as on disk
    return internals.TextReporter.restore(
        reporter.filename, reporter.text, exclude, reporter.partial, products
    )


@pytest.mark.parametrize(
    "path",
    [str(p) for p in sorted(SHAPES.rglob("*.py"))] + [str(p) for p in REAL_FILES],
    ids=lambda p: Path(p).name,
)
def test_a_restored_parse_answers_as_the_fresh_one(path: str) -> None:
    exclude, partial = r"def __repr__|if TYPE_CHECKING:|pragma: no cover", r"pragma: no branch"
    text = get_python_source(path)
    fresh = internals.TextReporter(path, text, exclude, partial)
    fresh.arcs()

    ours = restored_copy(fresh, exclude)

    assert ours.lines() == fresh.lines()
    assert ours.excluded_lines() == fresh.excluded_lines()
    assert ours.multiline_map() == fresh.multiline_map()
    assert ours.arcs() == fresh.arcs()
    assert ours.exit_counts() == fresh.exit_counts()
    assert ours.no_branch_lines() == fresh.no_branch_lines()
    assert ours.parser.raw_statements == fresh.parser.raw_statements
    every_line = range(-1, text.count("\n") + 2)
    assert ours.translate_lines(every_line) == fresh.translate_lines(every_line)
    every_arc = {(a, b) for a in every_line for b in (-1, 1, a + 1)} | fresh.arcs()
    assert ours.translate_arcs(every_arc) == fresh.translate_arcs(every_arc)
    for start, end in sorted(fresh.arcs()):
        assert ours.missing_arc_description(start, end) == fresh.missing_arc_description(start, end)


def test_a_parse_without_arcs_restores_without_them() -> None:
    fresh = internals.TextReporter("m.py", SOURCE, "", "")
    fresh.release_tree()

    products = internals.parse_products(fresh)

    assert "arcs" not in products
    assert not restored_copy(fresh, "").has_arc_products
    assert restored_copy(fresh, "").lines() == fresh.lines()


def test_parse_products_read_these_parser_attributes() -> None:
    parser = parsed()
    parser.arcs()
    for name in ("_all_arcs", "_with_jump_fixers", "_missing_arc_fragments", "_ast_root"):
        assert hasattr(parser, name)
    assert parser._ast_root is None  # coverage drops the tree once the arcs are known
