"""Workspace folders, projects outside them, clients without workspace/configuration."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from covlint.server.folders import Workspace, find_project_root
from covlint.server.workspace import Project
from tests.covproject import CovProject
from tests.lsp_fixtures import (
    COVERAGERC,
    MORE_TESTS,
    as_marks,
    expected_marks,
    make_project,
    run_pytest,
    session,
)

SOURCE = "pkg/app.py"


def folder(path: Path) -> types.WorkspaceFolder:
    return types.WorkspaceFolder(uri=path.as_uri(), name=path.name)


def test_project_roots_are_found_upwards(tmp_path: Path) -> None:
    (tmp_path / "proj" / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "proj" / "pyproject.toml").write_text("")
    assert find_project_root(tmp_path / "proj" / "src" / "pkg") == tmp_path / "proj"
    space = Workspace()
    inner = space.add_folder(tmp_path / "proj" / "src", "file:///src")
    assert inner.root == tmp_path / "proj"
    assert space.project_for(tmp_path / "proj" / "src" / "pkg" / "m.py") is inner
    outside = space.project_for(tmp_path / "elsewhere" / "m.py")
    assert outside.root == tmp_path / "elsewhere"
    assert space.remove_folder(tmp_path / "proj" / "src") is inner
    assert space.remove_folder(tmp_path / "proj" / "src") is None


async def test_folders_added_later_and_files_outside_any_folder_get_marks(tmp_path: Path) -> None:
    first = make_project(tmp_path / "first")
    second = make_project(tmp_path / "second")
    third = make_project(tmp_path / "third")
    async with session([first.root]) as lsp:
        event = types.WorkspaceFoldersChangeEvent(
            added=[folder(second.root)], removed=[folder(first.root)]
        )
        lsp.client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(event=event)
        )
        uri_second = lsp.open(second.root / SOURCE)
        uri_third = lsp.open(third.root / SOURCE)  # in no folder: its own project root
        marks_second = as_marks(await lsp.wait_for(uri_second))
        marks_third = as_marks(await lsp.wait_for(uri_third))
    assert marks_second == expected_marks(second, SOURCE)
    assert marks_third == expected_marks(third, SOURCE)


async def test_without_workspace_configuration_the_pushed_settings_apply(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    capabilities = client_capabilities("neovim")
    assert capabilities.workspace is not None
    capabilities.workspace.configuration = False
    expected = [m for m in expected_marks(project, SOURCE) if m[0] == "uncovered"]
    async with session([project.root], client=capabilities) as lsp:
        uri = lsp.open(project.root / SOURCE)
        await lsp.wait_for(uri)
        settings = {"covlint": {"showBranches": False}}
        lsp.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=settings)
        )
        diagnostics = await lsp.wait_for(uri, after=1)
    assert as_marks(diagnostics) == expected


async def test_pointing_data_file_elsewhere_reloads_from_there(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    before = expected_marks(project, SOURCE)
    project.write("tests/test_more.py", MORE_TESTS)
    (project.root / "go").touch()
    run_pytest(project)
    after = expected_marks(project, SOURCE)
    (project.root / "artifacts").mkdir()
    os.replace(project.root / ".coverage", project.root / "artifacts" / "later.coverage")
    async with session([project.root]) as lsp:
        uri = lsp.open(project.root / SOURCE)
        assert lsp.history(uri) == []
        lsp.client.set_configuration({"dataFile": "artifacts/later.coverage"}, section="covlint")
        lsp.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        diagnostics = await lsp.wait_for(uri)
    assert before != after
    assert as_marks(diagnostics) == after


async def test_data_that_maps_nowhere_warns_once(tmp_path: Path) -> None:
    ci = make_project(tmp_path / "ci")
    ci.write(".coveragerc", COVERAGERC.replace("relative_files = true", "relative_files = false"))
    run_pytest(ci)
    local = CovProject(tmp_path / "local")
    local.write(SOURCE, (ci.root / SOURCE).read_text(), dedent=False)
    local.write(".coveragerc", COVERAGERC)
    shutil.copy(ci.root / ".coverage", local.root / ".coverage")
    async with session([local.root]) as lsp:
        uri = lsp.open(local.root / SOURCE)
        message = await lsp.wait_for_message()
        loads = sum("loaded and re-published" in m.message for m in lsp.client.log_messages)
        lsp.client.workspace_execute_command(types.ExecuteCommandParams(command="covlint.refresh"))
        await lsp.wait_for_log("loaded and re-published", count=loads + 1)
        messages = list(lsp.client.messages)
    assert messages == [message]
    assert message.type == types.MessageType.Warning
    assert "add a [paths] mapping" in message.message
    assert lsp.history(uri) == []


async def test_closing_clears_and_other_languages_are_ignored(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    notes = project.write("notes.txt", "not python\n")
    async with session([project.root]) as lsp:
        item = types.TextDocumentItem(
            uri=notes.as_uri(), language_id="plaintext", version=1, text="x"
        )
        lsp.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        uri = lsp.open(project.root / SOURCE)
        await lsp.wait_for(uri)
        lsp.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        cleared = await lsp.wait_for(uri, after=1)
    assert cleared == []
    assert lsp.history(notes.as_uri()) == []


def test_a_crash_analysing_one_file_is_logged_and_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("COVERAGE_FILE", raising=False)
    project = Project(make_project(tmp_path / "proj").root)
    assert project.reload().status == "loaded"
    calls = []

    def crash(path: str, text: str) -> None:
        calls.append(path)
        raise RecursionError("deeply nested code")

    assert project.data is not None
    monkeypatch.setattr(project.data, "analyse", crash)
    path = project.root / SOURCE
    assert project.file_state(path) is None
    assert project.file_state(path) is None
    assert calls == [SOURCE]
    assert "pkg/app.py: analysis failed" in caplog.text


async def test_what_the_analysis_thread_logs_reaches_the_client(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    path = project.root / SOURCE
    stamp = path.stat()
    path.write_text("def broken(:\n")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # not newer than the data
    async with session([project.root]) as lsp:
        uri = lsp.open(path)
        await lsp.wait_for_log("pkg/app.py: not analysed")
    assert lsp.history(uri) == []
