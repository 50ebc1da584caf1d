"""`[tool.covlint]` kept by the bytes of pyproject.toml: the same table as a fresh parse, a fresh
parse whenever the file changes, and errors reported every time."""

from __future__ import annotations

from pathlib import Path

import pytest

from covlint import config_files
from covlint.cachedir import CACHE_DIR_VARIABLE
from covlint.config_files import read_toml, read_tool_table, tool_table
from covlint.errors import UsageError

PYPROJECT = """\
[project]
name = "demo"

[tool.covlint]
fail-under = 85.5
exclude = ["migrations/*", "docs/*"]
thresholds = { "src/core/*" = 95 }
big = 12345678901234567890
"""


@pytest.fixture
def pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT)
    return path


def fresh(path: Path) -> dict[str, object]:
    return tool_table(read_toml(path), "covlint", "pyproject.toml")


def test_a_kept_table_is_the_parsed_one_without_parsing(
    pyproject: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = read_tool_table(pyproject, "covlint", "pyproject.toml")
    monkeypatch.setattr(config_files, "_parsed_toml", lambda *a: pytest.fail("parsed again"))

    kept = read_tool_table(pyproject, "covlint", "pyproject.toml")

    assert kept == first
    monkeypatch.undo()
    assert kept == fresh(pyproject)


def test_an_edited_file_is_parsed_again(pyproject: Path) -> None:
    read_tool_table(pyproject, "covlint", "pyproject.toml")
    pyproject.write_text(PYPROJECT.replace("85.5", "90"))

    assert read_tool_table(pyproject, "covlint", "pyproject.toml")["fail-under"] == 90


@pytest.mark.parametrize(
    ("text", "message"),
    [("tool = 5", "`tool` must be a table"), ("[tool.covlint\n", "not valid TOML")],
)
def test_errors_are_reported_every_time(pyproject: Path, text: str, message: str) -> None:
    pyproject.write_text(text)
    for _ in range(2):
        with pytest.raises(UsageError, match=message):
            read_tool_table(pyproject, "covlint", "pyproject.toml")


def test_a_table_with_a_date_is_read_but_not_kept(
    pyproject: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyproject.write_text("[tool.covlint]\nsince = 2026-12-01\n")
    first = read_tool_table(pyproject, "covlint", "pyproject.toml")
    parses: list[object] = []
    real = config_files._parsed_toml
    monkeypatch.setattr(config_files, "_parsed_toml", lambda *a: parses.append(a) or real(*a))

    assert read_tool_table(pyproject, "covlint", "pyproject.toml") == first
    assert parses  # parsed again: nothing was kept
