"""One `[tool.covlint]` schema: the gate and the server read the same table without tripping."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from covlint.hooks.config import KEYS as GATE_KEYS
from covlint.schema import KEYS, canonical, owner_of
from covlint.server.settings import Settings, merge_settings, read_pyproject
from tests.gateproject import GateProject

SERVER_ONLY_TABLE = """\
[tool.covlint]
fail-under = 50
codeLens = true
show-branches = false
scope = "diff"

[tool.covlint.severity]
uncovered = "warning"
"""


def test_every_gate_key_is_declared_for_the_gate() -> None:
    declared = {k.name for k in KEYS if k.owner in ("gate", "both")}
    assert set(GATE_KEYS) == declared


def test_every_server_setting_is_declared_for_the_server() -> None:
    declared = {k.camel for k in KEYS if k.owner in ("server", "both")}
    assert {f.name for f in dataclasses.fields(Settings)} == declared


@pytest.mark.parametrize("spelling", ["codeLens", "code_lens", "code-lens"])
def test_spellings_name_one_key(spelling: str) -> None:
    assert canonical(spelling) == "code-lens"
    assert owner_of(spelling) == "server"


def test_gate_skips_the_servers_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("app/core.py", "def one():\n    return 1\n\n\ndef two():\n    return 2\n")
    project.write("pyproject.toml", SERVER_ONLY_TABLE)
    project.commit_all()
    project.write("app/core.py", "def one():\n    return 1\n\n\ndef two():\n    return 3\n")
    project.repo.stage("app/core.py")
    project.record("from app.core import one\none()\n")
    code, out, err = project.check(capsys=capsys)
    assert (code, err) == (1, "")  # fail-under = 50 applies; line 6 never ran
    assert "(needs 50%)" in out


def test_server_skips_the_gates_keys_and_logs_unknown_ones(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "pyproject.toml").write_text(SERVER_ONLY_TABLE + "[tool.covlint.bogus]\nx = 1\n")
    settings = merge_settings(read_pyproject(tmp_path))
    assert (settings.codeLens, settings.showBranches, settings.scope) == (True, False, "diff")
    assert settings.severity.uncovered == "warning"
    [record] = caplog.records
    assert "unknown [tool.covlint] key 'bogus'" in record.getMessage()
