"""CoverageSet.analyse gives exactly what `coverage json` gives, for every shape of Python code.

The fixture project `tests/fixtures/shapes` is copied, measured for real by coverage.py in a few
ways (branch on and off, static and dynamic contexts, only some tests run), and every measured file
is analysed by covlint and compared with `coverage json` and with the wording of `coverage html`.
"""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from coverage.python import get_python_source

from covlint.analysis import branch_line_messages, decode_source, forget_parses
from covlint.analysis_cache import ANALYSIS_PREFIX
from covlint.coverage_set import CoverageSet
from covlint.model import FileAnalysis
from tests.covproject import CovProject

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"

# Written at run time: bytes that editors and formatters would rewrite if committed as files.
GENERATED = {
    "shapes/latin1.py": (
        "# -*- coding: latin-1 -*-\n"
        '"""Caf\xe9 cr\xe8me."""\n'
        "\n"
        "\n"
        "def greet(name):\n"
        "    if name:\n"
        '        return "h\xe9llo " + name\n'
        '    return "\xe0 bient\xf4t"\n'
    ).encode("latin-1"),
    "shapes/crlf.py": (
        b'"""Windows line endings."""\r\n'
        b"\r\n"
        b"\r\n"
        b"def pick(flag):\r\n"
        b"    values = (\r\n"
        b"        1,\r\n"
        b"        2,\r\n"
        b"    )\r\n"
        b"    if flag:\r\n"
        b"        return values[0]\r\n"
        b"\x0c\r\n"
        b"    return values[1]\r\n"
    ),
    "shapes/bom.py": (
        b'\xef\xbb\xbf"""A byte order mark, then \xc3\xa9t\xc3\xa9."""\n'
        b"\n"
        b"\n"
        b"def sign(x):\n"
        b'    return "+" if x > 0 else "\xe2\x88\x92"\n'
        b"\n"
        b"\n"
        b"def unused():\n"
        b"    return 0\n"
    ),
    "shapes/oldmac.py": (
        b'"""Old Mac line endings, and no newline at the end."""\r'
        b"\r"
        b"\r"
        b"def first(items):\r"
        b"    for item in items:\r"
        b"        return item\r"
        b"    return None"
    ),
}

SHAPE_FILES = sorted(
    [p.relative_to(FIXTURES).as_posix() for p in (FIXTURES / "shapes").rglob("*.py")]
    + list(GENERATED)
)


pytestmark = pytest.mark.usefixtures("no_outer_coverage_module")


CONFIG = """\
[run]
source = shapes
{run}

[report]
exclude_also =
    raise NotImplementedError
    def __repr__
    if TYPE_CHECKING:
    covlint: skip-me
partial_branches =
    pragma: no branch
    covlint: partial
"""


@dataclass(frozen=True)
class Variant:
    """One way of measuring the shapes project."""

    run_args: tuple[str, ...]
    run_config: str = ""
    tests: str = ""  # SHAPES_TESTS: which driver tests run (all when empty)
    core: str = ""  # COVERAGE_CORE: which tracer records (coverage's default when empty)


VARIANTS = {
    "branch-dynamic": Variant(("--branch",), "dynamic_context = test_function"),
    "lines-static": Variant(("--context=ci",)),
    "lines-dynamic": Variant((), "dynamic_context = test_function"),
    "branch-pytrace": Variant(("--branch",), core="pytrace"),
    "branch-static-some": Variant(
        ("--branch", "--context=ci"), tests="test_loops,test_encodings,test_partial_import"
    ),
}


@dataclass(frozen=True)
class Recording:
    """A measured copy of the shapes project, with coverage's own reports of it."""

    variant: Variant
    project: CovProject
    cset: CoverageSet
    files: dict[str, Any]  # coverage json's "files"
    html_annotations: dict[str, dict[int, str]]  # file -> line -> coverage html's long annotation

    def analyse(self, path: str) -> FileAnalysis:
        return self.cset.analyse(path, decode_source((self.project.root / path).read_bytes()))


def record(name: str, base: Path) -> Recording:
    """Measure a fresh copy of the shapes project as variant `name` does."""
    variant = VARIANTS[name]
    root = base / "project"
    shutil.copytree(FIXTURES, root)
    for generated, raw in GENERATED.items():
        (root / generated).write_bytes(raw)
    project = CovProject(root)
    project.write(".coveragerc", CONFIG.format(run=variant.run_config))
    env = {"SHAPES_TESTS": variant.tests, "COVERAGE_CORE": variant.core}
    project.coverage("run", *variant.run_args, "run_shapes.py", env=env)
    files = project.json_report()["files"]
    assert isinstance(files, dict)
    return Recording(variant, project, CoverageSet.load(root), files, html_annotations(project))


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Recording]:
    """Each variant's recording, made once for the whole module."""
    made: dict[str, Recording] = {}

    def recording_of(name: str) -> Recording:
        if name not in made:
            made[name] = record(name, tmp_path_factory.mktemp(name))
        return made[name]

    return recording_of


@pytest.fixture(params=sorted(VARIANTS))
def recording(request: pytest.FixtureRequest, recordings: Callable[[str], Recording]) -> Recording:
    return recordings(request.param)


ANNOTATED_LINE = re.compile(
    r'<p class="par[^"]*"><span class="n"><a id="t(\d+)".*?'
    r'<span class="annotate long">(.*?)</span>'
)
TITLE = re.compile(r"<title>Coverage for (.*?): \d+%</title>")


def html_annotations(project: CovProject) -> dict[str, dict[int, str]]:
    """What `coverage html` writes beside each partly run branch line, per file."""
    project.coverage("html", "-d", "htmlcov")
    found: dict[str, dict[int, str]] = {}
    for page in (project.root / "htmlcov").glob("z_*.html"):
        text = page.read_text(encoding="utf-8")
        title = TITLE.search(text)
        assert title is not None, page
        found[html.unescape(title[1])] = {
            int(line): html.unescape(message) for line, message in ANNOTATED_LINE.findall(text)
        }
    shutil.rmtree(project.root / "htmlcov")
    return found


def coverage_figures(entry: dict[str, Any]) -> dict[str, Any]:
    """The figures `coverage json` gives for one file, under covlint's names for them."""
    summary = entry["summary"]
    figures = {
        "num_statements": summary["num_statements"],
        "covered_lines": summary["covered_lines"],
        "num_missing_lines": summary["missing_lines"],
        "num_excluded_lines": summary["excluded_lines"],
        "executed_lines": entry["executed_lines"],
        "missing_lines": entry["missing_lines"],
        "excluded_lines": entry["excluded_lines"],
    }
    if "num_branches" in summary:
        figures |= {
            "num_branches": summary["num_branches"],
            "num_partial_branches": summary["num_partial_branches"],
            "covered_branches": summary["covered_branches"],
            "num_missing_branches": summary["missing_branches"],
            "missing_branches": entry["missing_branches"],
        }
    return figures


def covlint_figures(analysis: FileAnalysis) -> dict[str, Any]:
    figures = {
        "num_statements": len(analysis.statements),
        "covered_lines": len(analysis.executed),
        "num_missing_lines": len(analysis.missing),
        "num_excluded_lines": len(analysis.excluded),
        "executed_lines": sorted(analysis.executed),
        "missing_lines": sorted(analysis.missing),
        "excluded_lines": sorted(analysis.excluded),
    }
    if analysis.has_arcs:
        figures |= {
            "num_branches": analysis.num_branches,
            "num_partial_branches": sum(
                1 for arc in analysis.missed_arcs if arc.start not in analysis.missing
            ),
            "covered_branches": analysis.num_branches - analysis.num_missed_branches,
            "num_missing_branches": analysis.num_missed_branches,
            "missing_branches": [[arc.start, arc.end] for arc in analysis.missed_arcs],
        }
    return figures


def test_every_shape_is_measured_and_mapped(recording: Recording) -> None:
    assert sorted(recording.files) == SHAPE_FILES
    assert recording.cset.measured_paths == SHAPE_FILES
    assert recording.cset.unmapped == ()
    assert recording.cset.describe_unmapped() == ""


Analyser = Callable[[Recording, str], FileAnalysis]


@pytest.fixture(params=["fresh", "cached-parse", "cached-analysis"])
def analyse(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Analyser:
    """A recording's analysis of a file from a fresh parse, from the parse kept on disk, or the
    whole analysis kept on disk (written by a first analysis, read back as another process)."""
    monkeypatch.setenv("COVLINT_CACHE_DIR", str(tmp_path / "cache"))
    kept = tmp_path / "cache" / "parse"

    def analysed(recording: Recording, path: str) -> FileAnalysis:
        forget_parses()
        first = recording.analyse(path)
        if request.param == "fresh":
            return first
        forget_parses()
        analyses = list(kept.glob(f"{ANALYSIS_PREFIX}*.m"))
        assert analyses
        assert len(list(kept.glob("*.m"))) > len(analyses)
        if request.param == "cached-parse":
            for entry in analyses:
                entry.unlink()
        return recording.analyse(path)

    return analysed


@pytest.mark.parametrize("path", SHAPE_FILES)
def test_analysis_equals_coverage_json(recording: Recording, path: str, analyse: Analyser) -> None:
    analysis = analyse(recording, path)

    assert covlint_figures(analysis) == coverage_figures(recording.files[path])
    assert analysis.path == path
    assert analysis.stale_reason is None


@pytest.mark.parametrize("path", SHAPE_FILES)
def test_branch_lines_are_worded_as_coverage_html_words_them(
    recording: Recording, path: str, analyse: Analyser
) -> None:
    analysis = analyse(recording, path)

    assert branch_line_messages(analysis) == recording.html_annotations[path]


def test_a_line_that_always_raised_is_worded_as_coverage_html_words_it(
    recordings: Callable[[str], Recording],
) -> None:
    analysis = recordings("branch-dynamic").analyse("shapes/exceptions.py")

    assert [(a.start, a.end) for a in analysis.missed_arcs if a.start == 56] == [(56, 57), (56, 58)]
    assert branch_line_messages(analysis)[56] == (
        "line 56 didn't jump anywhere: it always raised an exception."
    )


@pytest.mark.parametrize("path", SHAPE_FILES)
def test_contexts_equal_coverage_json(recording: Recording, path: str) -> None:
    contexts = recording.files[path]["contexts"]
    expected = {int(line): sorted(c for c in names if c) for line, names in contexts.items()}

    assert recording.cset.contexts_by_line(path) == expected


def test_has_arcs_and_contexts_follow_the_recording(recording: Recording) -> None:
    assert recording.cset.has_arcs is ("--branch" in recording.variant.run_args)
    variant = recording.variant
    recorded_contexts = "dynamic_context" in variant.run_config or any(
        arg.startswith("--context=") for arg in variant.run_args
    )
    assert recording.cset.has_contexts() is recorded_contexts


KNOWN_MESSAGES = [
    (
        "shapes/loops.py",
        6,
        10,
        "line 6 didn't jump to line 10 because the loop on line 6 didn't complete",
    ),
    (
        "shapes/loops.py",
        55,
        56,
        "line 55 didn't jump to line 56 because the loop on line 55 never started",
    ),
    (
        "shapes/loops.py",
        63,
        -62,
        "line 63 didn't return from function 'tail_if' because the condition on line 63 was"
        " always true",
    ),
    (
        "shapes/multiline.py",
        29,
        33,
        "line 29 didn't jump to line 33 because the condition on line 29 was never true",
    ),
    (
        "shapes/matching.py",
        29,
        31,
        "line 29 didn't jump to line 31 because the pattern on line 29 always matched",
    ),
    (
        "shapes/decorated.py",
        84,
        83,
        "line 84 didn't jump to line 83 because the condition on line 84 was always true",
    ),
    (
        "shapes/exceptions.py",
        56,
        57,
        "line 56 didn't jump to line 57 because the condition on line 56 was never true",
    ),
    (
        "shapes/latin1.py",
        6,
        8,
        "line 6 didn't jump to line 8 because the condition on line 6 was always true",
    ),
]


@pytest.mark.parametrize(("path", "start", "end", "message"), KNOWN_MESSAGES)
def test_known_missed_arc_messages(
    recordings: Callable[[str], Recording], path: str, start: int, end: int, message: str
) -> None:
    analysis = recordings("branch-dynamic").analyse(path)

    assert {(a.start, a.end): a.message for a in analysis.missed_arcs}[start, end] == message


def test_line_data_has_no_branch_figures(recordings: Callable[[str], Recording]) -> None:
    analysis = recordings("lines-static").analyse("shapes/loops.py")

    assert analysis.has_arcs is False
    assert analysis.exit_counts == {}
    assert analysis.missed_arcs == ()
    assert sorted(analysis.missing) == [10, 30, 56]


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_decode_source_reads_bytes_as_coverage_reads_them(tmp_path: Path, name: str) -> None:
    path = tmp_path / "mod.py"
    path.write_bytes(GENERATED[name])

    assert decode_source(GENERATED[name]) == get_python_source(str(path))


# --- real-world code: stdlib modules, copied into a project under other names -----------------

STDLIB_MODULES = ("configparser", "difflib", "fractions", "textwrap")

STDLIB_DRIVER = """\
import sys

sys.path.insert(0, "lib")
import s_configparser, s_difflib, s_fractions, s_textwrap

s_textwrap.fill("hello world " * 20, 30)
s_textwrap.dedent("  a\\n  b\\n")
list(s_difflib.unified_diff(["a\\n", "b\\n"], ["a\\n", "c\\n"]))
s_difflib.SequenceMatcher(None, "abcd", "bcde").ratio()
s_fractions.Fraction(3, 4) + s_fractions.Fraction("1/3")
parser = s_configparser.ConfigParser()
parser.read_string("[a]\\nb = 1\\n")
parser.getint("a", "b")
"""


@pytest.fixture(scope="module", params=["branch", "lines"])
def stdlib(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Recording:
    root = tmp_path_factory.mktemp(f"stdlib-{request.param}")
    (root / "lib").mkdir()
    for name in STDLIB_MODULES:
        source = importlib.util.find_spec(name).origin  # type: ignore[union-attr]
        shutil.copy(str(source), root / "lib" / f"s_{name}.py")
    project = CovProject(root)
    project.write("run_stdlib.py", STDLIB_DRIVER)
    project.write(".coveragerc", "[run]\nsource = lib\n")
    project.run("run_stdlib.py", branch=request.param == "branch")
    files = project.json_report()["files"]
    assert isinstance(files, dict)
    variant = Variant(("--branch",) if request.param == "branch" else ())
    return Recording(variant, project, CoverageSet.load(root), files, {})


@pytest.mark.parametrize("name", STDLIB_MODULES)
def test_stdlib_module_analysis_equals_coverage_json(
    stdlib: Recording, name: str, analyse: Analyser
) -> None:
    path = f"lib/s_{name}.py"
    analysis = analyse(stdlib, path)

    assert covlint_figures(analysis) == coverage_figures(stdlib.files[path])
    assert analysis.stale_reason is None
    assert analysis.executed  # the driver ran some of it
    assert analysis.missing  # and left some of it
