"""Settings: typed, defaulted, layered, invalid values ignored; one data set per folder."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest
from lsprotocol import types

from covlint.server.settings import DEFAULTS, Settings, Severities, merge_settings, read_pyproject
from tests.covproject import CovProject
from tests.lsp_fixtures import (
    COVERAGERC,
    as_marks,
    expected_marks,
    make_project,
    run_pytest,
    session,
)

SOURCE = "pkg/app.py"
OTHER_TESTS = """\
from pkg import app


def test_everything_but_total():
    assert app.classify(-1) == "negative"
    assert app.unused(1, 2) == 6
"""


def test_defaults_are_documented_values() -> None:
    assert merge_settings() == Settings(
        enable=True,
        severity=Severities(uncovered="information", missedBranch="information", stale="warning"),
        dataFile=None,
        showBranches=True,
        showStale=True,
        scope="all",
        base=None,
    )


def test_later_layers_win_and_null_falls_through() -> None:
    settings = merge_settings(
        {"show-branches": False, "severity": {"missed-branch": "hint"}},
        {"severity": {"uncovered": "warning"}, "dataFile": "ci/.coverage"},
        {"severity": {"uncovered": "error"}, "dataFile": None, "scope": "diff"},
    )
    assert settings.showBranches is False
    assert settings.severity == Severities(uncovered="error", missedBranch="hint", stale="warning")
    assert settings.dataFile == "ci/.coverage"
    assert settings.scope == "diff"


def test_invalid_values_are_logged_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="covlint.server.settings"):
        settings = merge_settings(
            {"enable": "yes", "scope": "some", "severity": {"stale": "loud"}, "dataFile": 3},
            {"severity": "error", "base": ""},
            ["not", "an", "object"],  # type: ignore[arg-type]
        )
    assert settings == DEFAULTS
    assert len(caplog.records) == 7
    assert "enable = 'yes'" in caplog.text


def test_other_tools_keys_in_pyproject_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.covlint]\nfail-under = 90\nshow-stale = false\n"
        "[tool.covlint.severity]\nstale = 'error'\n"
    )
    settings = merge_settings(read_pyproject(tmp_path))
    assert (settings.showStale, settings.severity.stale) == (False, "error")


def test_unreadable_pyproject_means_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.covlint\n")
    assert read_pyproject(tmp_path) == {}
    assert read_pyproject(tmp_path / "absent") == {}


async def test_invalid_client_settings_mean_defaults_and_the_server_keeps_running(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "proj")
    options = {"enable": "sure", "severity": {"uncovered": "loud"}, "scope": 3}
    async with session([project.root], init_options=options) as lsp:
        uri = lsp.open(project.root / SOURCE)
        diagnostics = await lsp.wait_for(uri)
        await lsp.wait_for_log("ignoring invalid covlint setting enable = 'sure'")
    assert as_marks(diagnostics) == expected_marks(project, SOURCE)
    assert {d.severity for d in diagnostics} == {types.DiagnosticSeverity.Information}


async def test_client_settings_override_pyproject(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    project.write("pyproject.toml", "[tool.covlint]\nshow-branches = false\n")
    init = {"covlint": {"severity": {"uncovered": "warning", "missedBranch": "error"}}}
    config = {"": {"severity": {"uncovered": "error"}}}
    async with session([project.root], init_options=init, configuration=config) as lsp:
        uri = lsp.open(project.root / SOURCE)
        diagnostics = await lsp.wait_for(uri)
    expected = [m for m in expected_marks(project, SOURCE) if m[0] == "uncovered"]
    assert as_marks(diagnostics) == expected
    assert {d.severity for d in diagnostics} == {types.DiagnosticSeverity.Error}


async def test_changed_configuration_is_pulled_again_and_republished(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    async with session([project.root]) as lsp:
        uri = lsp.open(project.root / SOURCE)
        await lsp.wait_for(uri)
        lsp.client.set_configuration({"severity": {"uncovered": "hint"}}, section="covlint")
        lsp.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        hinted = await lsp.wait_for(uri, after=1)
        lsp.client.set_configuration({"enable": False}, section="covlint")
        lsp.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        disabled = await lsp.wait_for(uri, after=2)
    severities = {d.code: d.severity for d in hinted}
    assert severities["uncovered"] == types.DiagnosticSeverity.Hint
    assert severities["missed-branch"] == types.DiagnosticSeverity.Information
    assert disabled == []


async def test_multi_root_workspace_reads_one_data_set_per_folder(tmp_path: Path) -> None:
    first = make_project(tmp_path / "first")
    second = make_project(tmp_path / "second", tests=OTHER_TESTS)
    config = {second.root.as_uri(): {"showBranches": False}}
    async with session([first.root, second.root], configuration=config) as lsp:
        uri_first = lsp.open(first.root / SOURCE)
        uri_second = lsp.open(second.root / SOURCE)
        marks_first = as_marks(await lsp.wait_for(uri_first))
        marks_second = as_marks(await lsp.wait_for(uri_second))
    assert marks_first == expected_marks(first, SOURCE)
    expected_second = [m for m in expected_marks(second, SOURCE) if m[0] == "uncovered"]
    assert marks_second == expected_second
    assert [m for m in marks_first if m[0] == "uncovered"] != marks_second  # two data sets


async def test_data_file_from_ci_is_mapped_with_paths(tmp_path: Path) -> None:
    ci = make_project(tmp_path / "ci-checkout")
    ci.write(".coveragerc", COVERAGERC.replace("relative_files = true", "relative_files = false"))
    run_pytest(ci)  # absolute paths of another checkout
    expected = expected_marks(ci, SOURCE)
    local = CovProject(tmp_path / "local")
    for name in ("pkg/__init__.py", SOURCE, "tests/test_app.py"):
        local.write(name, (ci.root / name).read_text(), dedent=False)
    rc = COVERAGERC + f"\n[paths]\nsource =\n    pkg/\n    {ci.root}/pkg/\n"
    local.write(".coveragerc", rc)
    (local.root / "artifacts").mkdir()
    shutil.copy(ci.root / ".coverage", local.root / "artifacts" / "ci.coverage")
    old = (local.root / "artifacts" / "ci.coverage").stat().st_mtime + 5
    os.utime(local.root / "artifacts" / "ci.coverage", (old, old))  # newer than the checkout
    config = {"": {"dataFile": "artifacts/ci.coverage"}}
    async with session([local.root], configuration=config) as lsp:
        uri = lsp.open(local.root / SOURCE)
        diagnostics = await lsp.wait_for(uri)
    assert as_marks(diagnostics) == expected
