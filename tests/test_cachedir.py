"""The cache root: the variable first, then the platform's user cache folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from covlint.cachedir import cache_root, use_cache_dir
from tests.gateproject import GateProject


def test_variable_wins(tmp_path: Path) -> None:
    assert cache_root({"COVLINT_CACHE_DIR": str(tmp_path)}) == tmp_path


@pytest.mark.skipif(sys.platform != "linux", reason="XDG is the Linux convention")
def test_xdg_cache_home(tmp_path: Path) -> None:
    assert cache_root({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "covlint"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG is the Linux convention")
def test_relative_xdg_is_ignored_as_the_spec_says() -> None:
    assert cache_root({"XDG_CACHE_HOME": "relative"}) == Path.home() / ".cache" / "covlint"


def test_a_configured_folder_is_used_and_the_variable_still_wins(tmp_path: Path) -> None:
    try:
        use_cache_dir(tmp_path / "configured")
        assert cache_root({}) == tmp_path / "configured"
        assert cache_root({"COVLINT_CACHE_DIR": str(tmp_path / "env")}) == tmp_path / "env"
    finally:
        use_cache_dir(None)
    assert cache_root({"COVLINT_CACHE_DIR": str(tmp_path)}) == tmp_path


def test_the_gate_keeps_its_cache_where_pyproject_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("app/core.py", "def one():\n    return 1\n")
    project.write("pyproject.toml", '[tool.covlint]\ncache-dir = "../covlint-cache"\n')
    project.commit_all()
    project.write("app/core.py", "def one():\n    return 2\n")
    project.repo.stage("app/core.py")
    project.record("from app.core import one\none()\n")
    monkeypatch.delenv("COVLINT_CACHE_DIR")
    try:
        code, _, err = project.check(capsys=capsys)
    finally:
        use_cache_dir(None)
    assert (code, err) == (0, "")
    assert any((tmp_path / "covlint-cache").iterdir())  # what the gate learnt of the run
