"""The gate and the editor say the same thing: same ranges, same words, for the same change."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covlint import codes
from covlint.coverage_set import CoverageSet
from covlint.server.diagnostics import Options, lsp_diagnostics
from covlint.server.remap import LineOrigins
from covlint.server.settings import Severities
from covlint.wording import change_ranges, not_run
from tests.gateproject import GateProject

BEFORE = "def never(x):\n    a = x + 1\n    b = a + 1\n    c = b + 1\n    return c\n"
AFTER = (
    "def never(x):\n    a = x + 10\n    b = a + 1\n    c = (\n        b + 10\n    )\n"
    "    d = c\n\n    # a comment and a blank line split a range, as in the editor\n"
    "    return d * 1\n\n\ndef ran():\n    return 1\n"
)


def test_gate_ranges_are_the_editors_diff_scope_marks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("app/never.py", BEFORE)
    project.write("run_tests.py", "")
    project.commit_all("start")
    project.write("app/never.py", AFTER)
    project.repo.stage("app/never.py")
    project.record("from app.never import ran\nran()\n")
    _, report = project.check_json(capsys=capsys)
    [item] = report["files"]  # type: ignore[misc]
    gate = [not_run(first, last) for first, last in item["uncovered_ranges"]]
    assert gate == [
        "line 2 not run by any test",
        "lines 4–7 not run by any test",
        "line 10 not run by any test",
    ]

    data = CoverageSet.load(project.root)
    text = (project.root / "app/never.py").read_text().splitlines()
    analysis = data.analyse("app/never.py", "\n".join(text) + "\n")
    changed = set(item["changed_statements"])
    options = Options(uri="file:///never.py", severities=Severities(), keep=changed.__contains__)
    editor = [
        d.message
        for d in lsp_diagnostics(analysis, LineOrigins(text, text), options)
        if d.code == codes.UNCOVERED
    ]
    assert editor == gate


def test_ranges_of_a_file_edited_since_the_run_are_in_its_judged_numbering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = GateProject(tmp_path / "edited")
    project.write("app/__init__.py", "")
    project.write("app/core.py", "def double(x):\n    return x * 2\n")
    project.commit_all("start")
    ran = (
        "def double(x):\n    return x * 2\n\n\ndef triple(x):\n    a = x\n    b = a\n    return b\n"
    )
    project.write("app/core.py", ran)
    project.record_with_pytest("from app.core import double\n\ndef test_it():\n    double(1)\n")
    project.write("app/core.py", "# moved down\n" + ran)  # edited after the run, then staged
    project.repo.stage("app/core.py")
    _, report = project.check_json("--fail-under", "0", capsys=capsys)
    [item] = report["files"]  # type: ignore[misc]
    assert item["uncovered_lines"] == [7, 8, 9]
    assert item["uncovered_ranges"] == [[7, 9]]


@given(
    st.dictionaries(st.integers(1, 60), st.sampled_from(["missing", "run", "excluded"])),
    st.sets(st.integers(1, 60)),
)
def test_a_range_never_spans_a_line_that_is_not_an_uncovered_changed_statement(
    kinds: dict[int, str], changed: set[int]
) -> None:
    missing = {line for line, kind in kinds.items() if kind == "missing"}
    spans = change_ranges(kinds, missing, changed, {})
    inside = [line for first, last in spans for line in range(first, last + 1)]
    statements_inside = [line for line in inside if line in kinds]
    assert all(line in missing and line in changed for line in statements_inside)
    assert statements_inside == inside  # no blank or comment line inside a range
    assert sorted(statements_inside) == sorted(missing & changed)  # each one, once
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))  # in order, apart
