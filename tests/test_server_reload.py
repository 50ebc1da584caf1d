"""End to end: the server reloads by itself when tests are re-run, and survives bad data."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from pathlib import Path

import pytest
from lsprotocol import types

from tests.covproject import CovProject
from tests.lsp_fixtures import (
    APP,
    COVERAGERC,
    MORE_TESTS,
    TESTS,
    as_marks,
    expected_marks,
    file_events,
    make_project,
    run_pytest,
    session,
    start_pytest,
)

SOURCE = "pkg/app.py"


def unmeasured_project(root: Path) -> CovProject:
    """The fixture project before any test run: no data at all."""
    project = CovProject(root)
    project.write(".coveragerc", COVERAGERC)
    project.write("pkg/__init__.py", "")
    project.write(SOURCE, APP, dedent=False)
    project.write("tests/test_app.py", TESTS)
    return project


@pytest.mark.parametrize("client", ["neovim", "visual-studio-code"])
async def test_rerun_of_pytest_cov_gives_new_marks_and_never_an_empty_set(
    tmp_path: Path, client: str
) -> None:
    project = make_project(tmp_path / "proj")
    before = expected_marks(project, SOURCE)
    async with session([project.root], client=client) as lsp:
        uri = lsp.open(project.root / SOURCE)
        await lsp.wait_for(uri)
        project.write("tests/test_more.py", MORE_TESTS)
        events = file_events(lsp, project.root) if lsp.registrations else contextlib.nullcontext()
        async with events:
            running = start_pytest(project)
            await lsp.wait_for_log("no coverage data")  # pytest-cov deleted .coverage: keep marks
            (project.root / "go").touch()
            out, _ = await asyncio.to_thread(running.communicate)
            assert running.returncode == 0, out
            reloaded = await lsp.wait_for(uri, lambda ds: as_marks(ds) != before)
        registrations = list(lsp.registrations)
    after = expected_marks(project, SOURCE)
    assert after != before
    assert as_marks(reloaded) == after
    assert all(as_marks(published) in (before, after) for published in lsp.history(uri))
    if client == "visual-studio-code":
        [registration] = registrations
        assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        options = registration.register_options
        assert [w["globPattern"] for w in options["watchers"]] == ["**/.coverage*"]  # type: ignore[index]
    else:
        assert registrations == []


async def test_missing_data_is_quiet_then_lights_up_when_data_appears(tmp_path: Path) -> None:
    project = unmeasured_project(tmp_path / "proj")
    async with session([project.root]) as lsp:
        uri = lsp.open(project.root / SOURCE)
        await asyncio.to_thread(run_pytest, project)
        diagnostics = await lsp.wait_for(uri)
        messages = list(lsp.client.messages)
    assert lsp.history(uri)[0] == diagnostics  # nothing (not even an empty list) before the data
    assert as_marks(diagnostics) == expected_marks(project, SOURCE)
    assert messages == []


async def test_corrupt_data_shows_one_message_and_the_server_keeps_serving(tmp_path: Path) -> None:
    project = unmeasured_project(tmp_path / "proj")
    data = project.root / ".coverage"
    data.write_bytes(b"this is not a database\n")
    async with session([project.root]) as lsp:
        uri = lsp.open(project.root / SOURCE)
        message = await lsp.wait_for_message()
        data.write_bytes(b"still not a database, and longer\n")
        await asyncio.to_thread(run_pytest, project)
        diagnostics = await lsp.wait_for(uri)
        messages = list(lsp.client.messages)
    assert messages == [message]
    assert message.type == types.MessageType.Error
    assert "not a coverage.py data file" in message.message
    assert as_marks(diagnostics) == expected_marks(project, SOURCE)


async def test_half_written_database_is_retried_then_reported_once(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    data = project.root / ".coverage"
    good = data.read_bytes()
    shutil.copy(data, tmp_path / "good")
    data.write_bytes(good[: len(good) // 3])
    async with session([project.root]) as lsp:
        uri = lsp.open(project.root / SOURCE)
        message = await lsp.wait_for_message()
        data.write_bytes(good)
        diagnostics = await lsp.wait_for(uri)
        messages = list(lsp.client.messages)
    assert messages == [message]
    assert "unreadable" in message.message or "no tables" in message.message
    assert as_marks(diagnostics) == expected_marks(project, SOURCE)
