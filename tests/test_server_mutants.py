"""End to end: survivors of a real `covlint mutate` run as `survived-mutant` diagnostics."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from covlint.mutate.results import default_results_path
from covlint.mutate_cli import main
from tests.covproject import OUTER_COVERAGE_VARIABLES, clean_env
from tests.lsp_fixtures import session
from tests.mutateproject import MutateProject

CODE = "def is_adult(age):\n    return age >= 18\n"
TESTS = """\
from app.core import is_adult


def test_is_adult():
    assert is_adult(30)
    assert not is_adult(5)
"""
SURVIVORS = [
    (1, 15, 1, 17, "changing `>=` to `>` here fails no test (1 test ran this line)"),
    (1, 18, 1, 20, "changing `18` to `19` here fails no test (1 test ran this line)"),
]


STRONG_TESTS = TESTS + "    assert is_adult(18)\n    assert not is_adult(17)\n"
WATCHING_CLIENT = types.ClientCapabilities(
    workspace=types.WorkspaceClientCapabilities(
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
            dynamic_registration=True, relative_pattern_support=True
        )
    )
)


def recorded(root: Path) -> MutateProject:
    """A staged change with weak tests, its coverage recorded for real (not mutated yet)."""
    project = MutateProject(root)
    project.write("app/core.py", "def is_adult(age):\n    return False\n")
    project.commit_all("start")
    project.write("app/core.py", CODE)
    project.write("tests/test_core.py", TESTS)
    project.repo.stage_all()
    project.record()
    return project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A staged change with weak tests, recorded and mutated for real (the outer run's coverage
    settings kept away from that run only: the servers the tests start are measured)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in OUTER_COVERAGE_VARIABLES:
            patch.delenv(name, raising=False)
        project = recorded(tmp_path_factory.mktemp("mutants") / "repo")
        patch.chdir(project.root)
        assert main(["-q"]) == 1
    return project.root


async def mutate_in_background(root: Path) -> int:
    """A real `covlint mutate` run in its own process, as a user starts one from a terminal."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "covlint", "mutate", "-q", cwd=root, env=clean_env()
    )
    return await process.wait()


def replace_results(path: Path, document: object) -> None:
    """Replace the results file in one step, the way `covlint mutate` writes it."""
    partial = path.with_name(path.name + ".new")
    partial.write_text(document if isinstance(document, str) else json.dumps(document))
    os.replace(partial, path)


def all_killed(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    for mutant in document["mutants"]:
        mutant["outcome"] = "killed"
    return document


def survivors(diagnostics: list[types.Diagnostic]) -> list[tuple[int, int, int, int, str]]:
    return [
        (
            d.range.start.line,
            d.range.start.character,
            d.range.end.line,
            d.range.end.character,
            d.message,
        )
        for d in diagnostics
        if d.code == "survived-mutant"
    ]


async def test_survivors_are_published_on_their_tokens(project: Path) -> None:
    async with session([project]) as lsp:
        uri = lsp.open(project / "app/core.py")
        shown = await lsp.wait_for(uri, lambda d: bool(survivors(d)))
    assert survivors(shown) == SURVIVORS
    assert {d.severity for d in shown if d.code == "survived-mutant"} == {
        types.DiagnosticSeverity.Warning
    }
    assert {d.source for d in shown} == {"covlint"}


async def test_survivors_move_with_edits_and_go_when_their_line_changes(project: Path) -> None:
    async with session([project]) as lsp:
        uri = lsp.open(project / "app/core.py")
        await lsp.wait_for(uri, lambda d: bool(survivors(d)))
        count = len(lsp.history(uri))
        lsp.edit(uri, (0, 0), (0, 0), "import os\n")
        moved = await lsp.wait_for(uri, after=count)
        count = len(lsp.history(uri))
        lsp.edit(uri, (2, 22), (2, 22), " + 0")
        edited = await lsp.wait_for(uri, after=count)
    assert survivors(moved) == [(s + 1, sc, e + 1, ec, m) for s, sc, e, ec, m in SURVIVORS]
    assert survivors(edited) == []


async def test_settings_choose_the_severity_and_can_hide_survivors(project: Path) -> None:
    async with session([project]) as lsp:
        uri = lsp.open(project / "app/core.py")
        await lsp.wait_for(uri, lambda d: bool(survivors(d)))
        count = len(lsp.history(uri))
        lsp.client.set_configuration({"severity": {"survivedMutant": "hint"}}, section="covlint")
        lsp.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        hinted = await lsp.wait_for(uri, after=count)
        count = len(lsp.history(uri))
        lsp.client.set_configuration({"showMutants": False}, section="covlint")
        lsp.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        hidden = await lsp.wait_for(uri, after=count)
    assert {d.severity for d in hinted} == {types.DiagnosticSeverity.Hint}
    assert hidden == []


async def test_a_finished_run_publishes_and_clears_survivors_by_polling(tmp_path: Path) -> None:
    project = recorded(tmp_path / "repo")
    async with session([project.root]) as lsp:  # Neovim: no file events, the server polls
        uri = lsp.open(project.root / "app/core.py")  # fully covered: nothing to show yet
        assert await mutate_in_background(project.root) == 1
        shown = await lsp.wait_for(uri, lambda d: bool(survivors(d)))
        count = len(lsp.history(uri))
        project.write("tests/test_core.py", STRONG_TESTS)
        assert await mutate_in_background(project.root) == 0
        gone = await lsp.wait_for(uri, lambda d: not survivors(d), after=count)
    assert survivors(shown) == SURVIVORS
    assert gone == []


async def test_a_client_that_watches_files_reports_the_new_results(project: Path) -> None:
    results = default_results_path(project)
    weak = results.read_text()
    # No polling within the test's time: only the client's file event can bring the change.
    async with session([project], WATCHING_CLIENT, args=("--poll-interval", "600")) as lsp:
        uri = lsp.open(project / "app/core.py")
        await lsp.wait_for(uri, lambda d: bool(survivors(d)))
        watched = [r for r in lsp.registrations if r.id == "covlint-mutant-results"]
        count = len(lsp.history(uri))
        replace_results(results, all_killed(results))
        lsp.files_changed(results)
        gone = await lsp.wait_for(uri, lambda d: not survivors(d), after=count)
        count = len(lsp.history(uri))
        replace_results(results, weak)
        lsp.files_changed(results)
        back = await lsp.wait_for(uri, lambda d: bool(survivors(d)), after=count)
    options = [r.register_options for r in watched]
    patterns = [w["globPattern"] for o in options for w in o["watchers"]]  # type: ignore[index]
    assert patterns == [{"baseUri": results.parent.as_uri(), "pattern": "results.json"}]
    assert survivors(gone) == []
    assert survivors(back) == SURVIVORS


@pytest.mark.parametrize(
    ("document", "reason"),
    [("{not json", "Expecting property name"), ({"schema": 99}, "schema 99, expected 1")],
)
async def test_an_unusable_results_file_is_told_once_and_serving_goes_on(
    project: Path, document: object, reason: str
) -> None:
    results = default_results_path(project)
    weak = results.read_text()
    try:
        async with session([project]) as lsp:
            uri = lsp.open(project / "app/core.py")
            await lsp.wait_for(uri, lambda d: bool(survivors(d)))
            count = len(lsp.history(uri))
            replace_results(results, document)
            gone = await lsp.wait_for(uri, lambda d: not survivors(d), after=count)
            message = await lsp.wait_for_message()
            replace_results(results, document)  # the same trouble again: logged, not shown
            await lsp.wait_for_log("is not a covlint mutation results file", count=2)
            count = len(lsp.history(uri))
            replace_results(results, weak)
            back = await lsp.wait_for(uri, lambda d: bool(survivors(d)), after=count)
    finally:
        results.write_text(weak)
    assert survivors(gone) == []
    assert message.type == types.MessageType.Warning
    assert message.message.startswith(f"covlint: {results} is not a covlint mutation results file")
    assert reason in message.message
    assert len(lsp.client.messages) == 1
    assert survivors(back) == SURVIVORS
