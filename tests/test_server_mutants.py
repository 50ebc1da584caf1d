"""End to end: survivors of a real `covlint mutate` run as `survived-mutant` diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from covlint.mutate_cli import main
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


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, no_outer_coverage_module: None) -> Path:
    """A staged change with weak tests, recorded and mutated for real."""
    project = MutateProject(tmp_path_factory.mktemp("mutants") / "repo")
    project.write("app/core.py", "def is_adult(age):\n    return False\n")
    project.commit_all("start")
    project.write("app/core.py", CODE)
    project.write("tests/test_core.py", TESTS)
    project.repo.stage_all()
    project.record()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project.root)
        assert main(["-q"]) == 1
    return project.root


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
