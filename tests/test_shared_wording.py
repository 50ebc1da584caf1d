"""The gate and the editor say the same thing: same ranges, same words, for the same change."""

from __future__ import annotations

from pathlib import Path

import pytest

from covlint import codes
from covlint.coverage_set import CoverageSet
from covlint.server.diagnostics import Options, lsp_diagnostics
from covlint.server.remap import LineOrigins
from covlint.server.settings import Severities
from covlint.wording import not_run
from tests.gateproject import GateProject

BEFORE = "def never(x):\n    a = x + 1\n    b = a + 1\n    c = b + 1\n    return c\n"
AFTER = (
    "def never(x):\n    a = x + 10\n    b = a + 1\n    c = (\n        b + 10\n    )\n"
    "    return c * 1\n\n\ndef ran():\n    return 1\n"
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
    assert gate == ["line 2 not run by any test", "lines 4–7 not run by any test"]

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
