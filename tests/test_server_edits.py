"""End to end: marks follow the text while the user edits, and never sit on changed lines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.covproject import CovProject
from tests.lsp_fixtures import as_marks, expected_marks, make_project, session, shifted

APP = "pkg/app.py"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> CovProject:
    return make_project(tmp_path_factory.mktemp("edits") / "proj")


@pytest.fixture(scope="module")
def expected(project: CovProject) -> list[tuple[str, int, int, int, int, str]]:
    return expected_marks(project, APP)


@pytest.mark.parametrize("client", ["neovim", "visual-studio-code"])
async def test_inserting_three_lines_above_shifts_every_mark_by_three(
    project: CovProject, expected: list, client: str
) -> None:
    async with session([project.root], client=client) as lsp:
        uri = lsp.open(project.root / APP)
        await lsp.wait_for(uri)
        count = len(lsp.history(uri))
        lsp.edit(uri, (0, 0), (0, 0), "import os\nimport sys\nimport re\n")
        moved = await lsp.wait_for(uri, after=count)
    assert as_marks(moved) == shifted(expected, 3)


async def test_editing_a_marked_line_removes_its_mark_and_undo_restores_it(
    project: CovProject, expected: list
) -> None:
    lines = (project.root / APP).read_text().split("\n")
    target = next(m for m in expected if m[0] == "uncovered" and m[1] == m[3])
    row = target[1]
    async with session([project.root]) as lsp:
        uri = lsp.open(project.root / APP)
        await lsp.wait_for(uri)
        count = len(lsp.history(uri))
        lsp.edit(uri, (row, len(lines[row])), (row, len(lines[row])), "  # changed")
        edited = await lsp.wait_for(uri, after=count)
        count = len(lsp.history(uri))
        lsp.edit(uri, (row, len(lines[row])), (row, len(lines[row]) + len("  # changed")), "")
        undone = await lsp.wait_for(uri, after=count)
    assert target not in as_marks(edited)
    assert [m for m in as_marks(edited) if m[0] == "uncovered"] == [
        m for m in expected if m[0] == "uncovered" and m != target
    ]
    assert all(row not in (m[1], m[3]) for m in as_marks(edited))
    assert as_marks(undone) == expected


async def test_typing_inside_a_run_splits_it_and_spares_the_rest(
    project: CovProject, expected: list
) -> None:
    missing = project.json_report()["files"][APP]["missing_lines"]  # type: ignore[index]
    run = next(
        m
        for m in expected
        if m[0] == "uncovered" and any(m[1] < line - 1 <= m[3] for line in missing)
    )
    second = min(line - 1 for line in missing if run[1] < line - 1 <= run[3])  # its 2nd statement
    async with session([project.root]) as lsp:
        uri = lsp.open(project.root / APP)
        await lsp.wait_for(uri)
        count = len(lsp.history(uri))
        lsp.edit(uri, (second, 0), (second, 0), "    extra = 1\n")
        edited = as_marks(await lsp.wait_for(uri, after=count))
    pieces = [m for m in edited if m[0] == "uncovered" and run[1] <= m[1] <= run[3] + 1]
    assert [(m[1], m[3]) for m in pieces] == [(run[1], second - 1), (second + 1, run[3] + 1)]


async def test_unsaved_changes_at_open_are_remapped_from_the_disk_text(
    project: CovProject, expected: list
) -> None:
    text = (project.root / APP).read_text()
    async with session([project.root]) as lsp:
        uri = lsp.open(project.root / APP, text="# one\n# two\n" + text)
        diagnostics = await lsp.wait_for(uri)
    assert as_marks(diagnostics) == shifted(expected, 2)


async def test_file_newer_than_data_gets_one_stale_diagnostic(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    path = project.root / APP
    later = (project.root / ".coverage").stat().st_mtime + 5
    os.utime(path, (later, later))
    async with session([project.root]) as lsp:
        uri = lsp.open(path)
        diagnostics = await lsp.wait_for(uri)
    assert as_marks(diagnostics) == [
        (
            "stale",
            0,
            0,
            0,
            len(path.read_text().split("\n")[0]),
            "coverage data is older than this file — re-run tests",
        )
    ]


async def test_data_that_cannot_fit_the_text_is_stale_and_nothing_else(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    path = project.root / APP
    stamp = path.stat()
    path.write_text('"""Shorter now."""\n')
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # as old as the data: no mtime hint
    async with session([project.root]) as lsp:
        uri = lsp.open(path)
        diagnostics = await lsp.wait_for(uri)
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("stale", 0)]
    assert "coverage data does not fit this file" in diagnostics[0].message
