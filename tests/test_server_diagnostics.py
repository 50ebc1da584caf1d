"""End to end: the diagnostics covlint publishes equal what coverage.py measured."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from tests.lsp_fixtures import as_marks, expected_marks, make_project, session


@pytest.mark.parametrize("client", ["neovim", "visual-studio-code"])
async def test_open_document_gets_exact_marks(tmp_path: Path, client: str) -> None:
    project = make_project(tmp_path / "proj")
    expected = expected_marks(project, "pkg/app.py")
    assert {m[0] for m in expected} == {"uncovered", "missed-branch"}
    async with session([project.root], client=client) as lsp:
        uri = lsp.open(project.root / "pkg/app.py")
        diagnostics = await lsp.wait_for(uri)
    assert as_marks(diagnostics) == expected
    assert {d.source for d in diagnostics} == {"covlint"}
    severities = {d.code: d.severity for d in diagnostics}
    assert severities == {
        "uncovered": types.DiagnosticSeverity.Information,
        "missed-branch": types.DiagnosticSeverity.Information,
    }
