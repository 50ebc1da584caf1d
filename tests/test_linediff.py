"""The line diff that carries marks from the text that ran: property tests and a large case."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covlint.analysis import normal_source
from covlint.coverage_internals import NotPython
from covlint.coverage_set import CoverageSet
from covlint.diffcov_remap import Carried, judge_carried
from covlint.linediff import match_lines
from covlint.model import FileAnalysis
from covlint.server.diagnostics import Options, lsp_diagnostics, statement_ends
from covlint.server.remap import LineOrigins
from covlint.server.settings import Severities
from tests.covproject import CovProject
from tests.lsp_fixtures import APP

pytestmark = pytest.mark.usefixtures("no_outer_coverage_module")

REPEATED = st.sampled_from(["", "pass", "x = 1", "    return None", "a", "b"])
Edit = tuple[str, int, list[str]]  # ("insert" | "delete" | "replace", where, lines)


@st.composite
def edit_sequences(draw: st.DrawFn, lines: list[str], pool: st.SearchStrategy[str]) -> list[str]:
    """`lines` after a random sequence of line insertions, deletions and replacements."""
    current = list(lines)
    for _ in range(draw(st.integers(0, 8))):
        where = draw(st.integers(0, len(current)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        new = draw(st.lists(pool, min_size=1, max_size=3))
        if kind == "insert" or where == len(current):
            current[where:where] = new
        elif kind == "delete":
            del current[where : where + len(new)]
        else:
            current[where : where + 1] = new
    return current


def assert_is_a_matching(old: list[str], new: list[str], origins: list[int | None]) -> None:
    pairs = [(a, b) for b, a in enumerate(origins) if a is not None]
    assert all(old[a] == new[b] for a, b in pairs)
    assert all(p[0] < q[0] and p[1] < q[1] for p, q in itertools.pairwise(pairs))


@given(st.lists(REPEATED, max_size=40), st.data())
def test_every_match_is_an_identical_line_in_order(old: list[str], data: st.DataObject) -> None:
    new = data.draw(edit_sequences(old, REPEATED))
    assert_is_a_matching(old, new, match_lines(old, new))


@given(st.integers(1, 200), st.data())
def test_lines_no_edit_touched_all_survive(size: int, data: st.DataObject) -> None:
    old = [f"line {n}" for n in range(size)]
    fresh = st.builds(lambda n: f"new {n}", st.integers(0, 10))
    new = data.draw(edit_sequences(old, fresh))
    origins = match_lines(old, new)
    kept = {old[a] for a in origins if a is not None}
    assert kept == {line for line in new if line.startswith("line ")}
    assert_is_a_matching(old, new, origins)


def test_a_large_file_of_repeated_lines_is_matched_in_one_pass() -> None:
    old = ["x = 1"] * 20_000
    new = old[:10_000] + ["y = 2"] * 3 + old[10_000:]
    origins = match_lines(old, new)
    assert origins[:10_000] == list(range(10_000))
    assert origins[10_000:10_003] == [None] * 3
    assert origins[10_003:] == list(range(10_000, 20_000))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> CoverageSet:
    project = CovProject(tmp_path_factory.mktemp("linediff") / "proj")
    project.write("app.py", APP, dedent=False)
    project.write("run.py", "import app\napp.classify(5)\napp.total([1, None])\n")
    project.run("run.py")
    return CoverageSet.load(project.root)


MEASURED_LINES = APP.split("\n")
CODE_LINES = st.sampled_from([line for line in MEASURED_LINES if line.strip()] + ["    new = 0"])


def statement_lines(analysis: FileAnalysis) -> dict[int, range]:
    ends = statement_ends(analysis.multiline)
    return {s: range(s, ends.get(s, s) + 1) for s in analysis.statements}


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_marks_in_the_editor_sit_only_on_unchanged_statements(
    recorded: CoverageSet, data: st.DataObject
) -> None:
    measured = recorded.analyse("app.py", APP)
    buffer = data.draw(edit_sequences(MEASURED_LINES, CODE_LINES))
    origins = LineOrigins(MEASURED_LINES, buffer)
    options = Options(uri="file:///app.py", severities=Severities())
    for mark in lsp_diagnostics(measured, origins, options):
        rows = range(mark.range.start.line, mark.range.end.line + 1)
        marked = {origins.origins[row] for row in rows}
        assert None not in marked
        assert all(buffer[row] == MEASURED_LINES[origins.origins[row] or 0] for row in rows)
        for lines in statement_lines(measured).values():
            if {line - 1 for line in lines} & marked:  # a statement under the mark is unchanged
                moved = [origins.current_index(line - 1) for line in lines]
                assert None not in moved
                assert moved == list(range(moved[0] or 0, (moved[0] or 0) + len(moved)))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_gate_judges_only_statements_whose_lines_all_survived(
    recorded: CoverageSet, data: st.DataObject
) -> None:
    measured = recorded.analyse("app.py", APP)
    judged_lines = data.draw(edit_sequences(MEASURED_LINES, CODE_LINES))
    judged_text = "\n".join(judged_lines)
    try:
        judged = recorded.analyse("app.py", judged_text, branch=False)
    except NotPython:
        return
    carried = Carried(APP, normal_source(judged_text))
    result = judge_carried(measured, judged, carried, set(judged.statements), branch=True)
    for statement in result.changed_statements:
        for line in statement_lines(judged)[statement]:
            origin = carried.to_measured(line)
            assert origin is not None
            assert MEASURED_LINES[origin - 1] == judged_lines[line - 1]
    assert set(result.changed_statements) | set(result.changed_since_run) == judged.statements
    assert not set(result.changed_statements) & set(result.changed_since_run)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_long_runs_of_repeated_lines_are_matched_window_by_window(data: st.DataObject) -> None:
    """No line occurs once: the gap is matched along the diagonal, still only identical lines
    in order, and lines far from the edits keep their match."""
    old = [f"step {n % 7}" for n in range(600)]
    new = data.draw(edit_sequences(old, st.sampled_from(["other", "step 1"])))
    origins = match_lines(old, new)
    assert_is_a_matching(old, new, origins)
    assert sum(o is not None for o in origins) >= len(new) // 2
