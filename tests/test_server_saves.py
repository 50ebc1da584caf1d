"""End to end: saving keeps the marks. The text that ran is known by content, not by mtime."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.covproject import CovProject
from tests.gitrepo import GitRepo
from tests.lsp_fixtures import (
    Session,
    as_marks,
    expected_marks,
    make_project,
    run_pytest,
    session,
    shifted,
)

APP = "pkg/app.py"
HEADER = "import os\nimport sys\nimport re\n"


async def summary(lsp: Session, uri: str) -> Any:
    """`covlint/summary`: answered after every notification sent before it."""
    return await lsp.client.protocol.send_request_async("covlint/summary", {"uri": uri})


def later_than_data(project: CovProject, path: Path) -> None:
    """Give `path` an mtime newer than the data, as a save does."""
    later = (project.root / ".coverage").stat().st_mtime + 5
    os.utime(path, (later, later))


async def open_and_wait(lsp: Session, path: Path) -> tuple[str, list[Any]]:
    uri = lsp.open(path)
    return uri, as_marks(await lsp.wait_for(uri))


async def test_saving_identical_text_keeps_every_mark(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    path, expected = project.root / APP, expected_marks(project, APP)
    async with session([project.root]) as lsp:
        uri, opened = await open_and_wait(lsp, path)
        path.write_bytes(path.read_bytes())  # a formatter that changes nothing
        later_than_data(project, path)
        lsp.save(uri)
        result = await summary(lsp, uri)
        assert result.stale is False
        assert as_marks(lsp.current(uri)) == opened == expected


async def test_an_edit_saved_to_disk_moves_the_marks_and_is_not_stale(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    path, expected = project.root / APP, expected_marks(project, APP)
    async with session([project.root]) as lsp:
        uri, _ = await open_and_wait(lsp, path)
        lsp.edit(uri, (0, 0), (0, 0), HEADER)
        moved = as_marks(await lsp.wait_for(uri, after=1))
        path.write_text(HEADER + path.read_text())
        later_than_data(project, path)
        lsp.save(uri)
        result = await summary(lsp, uri)
        assert result.stale is False
        assert as_marks(lsp.current(uri)) == moved == shifted(expected, 3)


async def test_saving_an_edit_inside_a_run_unmarks_only_that_statement(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    path, expected = project.root / APP, expected_marks(project, APP)
    lines = path.read_text().split("\n")
    target = next(m for m in expected if m[0] == "uncovered" and m[1] == m[3])
    row = target[1]
    async with session([project.root]) as lsp:
        uri, _ = await open_and_wait(lsp, path)
        lsp.edit(uri, (row, len(lines[row])), (row, len(lines[row])), "  # changed")
        await lsp.wait_for(uri, after=1)
        lines[row] += "  # changed"
        path.write_text("\n".join(lines))
        later_than_data(project, path)
        lsp.save(uri)
        await summary(lsp, uri)
        saved = as_marks(lsp.current(uri))
    assert [m for m in saved if m[0] == "uncovered"] == [
        m for m in expected if m[0] == "uncovered" and m != target
    ]
    assert all(row not in (m[1], m[3]) for m in saved)


async def test_a_restarted_server_remaps_a_file_saved_after_the_run(tmp_path: Path) -> None:
    """The measured text outlives the session: reopening the edited file gives the same marks."""
    project = make_project(tmp_path / "proj")
    path, expected = project.root / APP, expected_marks(project, APP)
    async with session([project.root]) as lsp:
        await open_and_wait(lsp, path)
    path.write_text(HEADER + path.read_text())
    later_than_data(project, path)
    async with session([project.root]) as lsp:
        _, reopened = await open_and_wait(lsp, path)
    assert reopened == shifted(expected, 3)


async def test_touch_and_a_stash_round_trip_change_no_mark(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    repo = GitRepo.init(root)
    repo.commit_files({"pkg/app.py": "def first():\n    return 1\n"}, "older app")
    project = make_project(root)
    path, expected = project.root / APP, expected_marks(project, APP)
    async with session([project.root]) as lsp:
        await open_and_wait(lsp, path)
    repo.git("stash")
    repo.git("stash", "pop")
    later_than_data(project, path)  # and `touch`
    async with session([project.root]) as lsp:
        uri, reopened = await open_and_wait(lsp, path)
        assert (await summary(lsp, uri)).stale is False
    assert reopened == expected


async def test_a_file_changed_before_the_server_saw_the_data_is_stale(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    path = project.root / APP
    path.write_text(HEADER + path.read_text())
    later_than_data(project, path)
    async with session([project.root]) as lsp:
        _, marks = await open_and_wait(lsp, path)
    assert [(m[0], m[1], m[5]) for m in marks] == [
        ("stale", 0, "coverage data is older than this file — re-run tests")
    ]


async def test_diff_scope_follows_a_saved_edit(tmp_path: Path) -> None:
    """The working tree's changed lines are carried to the text that ran, like the marks."""
    root = tmp_path / "proj"
    repo = GitRepo.init(root)
    project = make_project(root)
    repo.write(".gitignore", ".coverage*\ncoverage.json\n__pycache__/\n")
    repo.stage_all()
    repo.commit("start")
    path = project.root / APP
    repo.write(APP, path.read_text().replace("first = a + b", "first = a + b + 0"))
    repo.commit_files({APP: path.read_text()}, "changed")
    repo.switch("feature", create=True, start="HEAD~1")
    repo.git("checkout", "main", "--", APP)
    run_pytest(project)
    config = {"": {"scope": "diff", "base": "feature"}}
    async with session([project.root], configuration=config) as lsp:
        uri, diff = await open_and_wait(lsp, path)
        before = (await summary(lsp, uri)).file
        lsp.edit(uri, (0, 0), (0, 0), HEADER)
        moved = as_marks(await lsp.wait_for(uri, after=1))
        path.write_text(HEADER + path.read_text())
        later_than_data(project, path)
        lsp.save(uri)
        after = (await summary(lsp, uri)).file
        saved = as_marks(lsp.current(uri))
    assert (before.statements, before.missing) == (after.statements, after.missing) == (1, 1)
    assert diff == [("uncovered", 21, 4, 21, 21, "line 22 not run by any test")]
    assert saved == moved == shifted(diff, 3)
