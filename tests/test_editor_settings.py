"""One settings schema for every editor: the server's `Settings` (types, defaults) and
`covlint.schema` (owners, docs) are the source; VS Code's `contributes.configuration`, the READMEs'
tables and the Neovim, Emacs, Helix and Vim configurations are checked against them."""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from covlint.schema import BY_NAME, KEYS, canonical
from covlint.server.settings import Settings, Severities

REPO = Path(__file__).resolve().parent.parent
EDITORS = REPO / "editors"
PACKAGE = json.loads((EDITORS / "vscode" / "package.json").read_text(encoding="utf-8"))
PROPERTIES: dict[str, Any] = PACKAGE["contributes"]["configuration"]["properties"]

# The extension colours lines itself, so the server's own default for it is "diff" (see
# `Settings.problems`): VS Code shows that as its default.
VSCODE_DEFAULTS = {"problems": "diff"}
# Settings only the VS Code extension reads (how to start the server, how to draw).
VSCODE_ONLY = {
    "path",
    "interpreter",
    "trace.server",
    "colors.enable",
    "colors.gutter",
    "colors.wholeLine",
    "colors.covered",
    "testCoverage",
}


@dataclass(frozen=True)
class Setting:
    """One server setting as editors spell it (`severity.missedBranch`)."""

    name: str
    types: frozenset[str]
    enum: frozenset[str] | None
    default: Any

    @property
    def top(self) -> str:
        return self.name.split(".")[0]


def json_types(hint: Any) -> tuple[frozenset[str], frozenset[str] | None]:
    """JSON schema types (and enum) of a Python type hint."""
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    args = typing.get_args(hint) if union else (hint,)
    found, enum = set(), None
    for arg in args:
        if arg is type(None):
            found.add("null")
        elif typing.get_origin(arg) is Literal:
            found.add("string")
            enum = frozenset(typing.get_args(arg))
        else:
            found.add({bool: "boolean", str: "string", int: "integer"}[arg])
    return frozenset(found), enum


def fields_of(cls: type, prefix: str = "") -> list[Setting]:
    hints = typing.get_type_hints(cls)
    found = []
    for field in dataclasses.fields(cls):
        if field.name == "severity":
            found += fields_of(Severities, "severity.")
            continue
        kinds, enum = json_types(hints[field.name])
        default = getattr(cls(), field.name)
        found.append(Setting(prefix + field.name, kinds, enum, default))
    return found


SERVER_SETTINGS = fields_of(Settings)
NAMES = [s.name for s in SERVER_SETTINGS]
TOP_NAMES = sorted({s.top for s in SERVER_SETTINGS})


def test_every_server_setting_has_a_schema_key_with_a_doc() -> None:
    for name in TOP_NAMES:
        key = BY_NAME[canonical(name)]
        assert key.owner in ("server", "both")
        assert key.doc
    assert {k.camel for k in KEYS if k.owner in ("server", "both")} == set(TOP_NAMES)


@pytest.mark.parametrize("setting", SERVER_SETTINGS, ids=NAMES)
def test_vscode_contributes_each_server_setting_as_the_server_types_it(setting: Setting) -> None:
    contributed = PROPERTIES[f"covlint.{setting.name}"]
    kinds = contributed["type"]
    kinds = frozenset([kinds] if isinstance(kinds, str) else kinds)
    default = VSCODE_DEFAULTS.get(setting.name, setting.default)
    assert contributed["default"] == default
    assert kinds - {"null"} == setting.types - {"null"}
    assert ("null" in kinds) == (default is None)
    if setting.enum:
        assert set(contributed["enum"]) == setting.enum
    assert contributed["description"]


def test_vscode_contributes_nothing_else() -> None:
    extra = {name.removeprefix("covlint.") for name in PROPERTIES} - set(NAMES)
    assert extra == VSCODE_ONLY


def table_rows(text: str) -> dict[str, str]:
    """`setting` -> default cell of each markdown table row that starts with a code span."""
    rows = {}
    for line in text.splitlines():
        match = re.match(r"\|\s*`([\w.]+)`\s*\|\s*([^|]*?)\s*\|", line)
        if match:
            rows[match[1]] = match[2]
    return rows


def shown_default(value: Any) -> str:
    return json.dumps(value)


def test_the_readme_table_lists_every_server_setting_with_its_default() -> None:
    rows = table_rows((REPO / "README.md").read_text(encoding="utf-8"))
    for setting in SERVER_SETTINGS:
        assert setting.name in rows, setting.name
        if setting.name != "problems":  # default depends on the client: the row says how
            assert rows[setting.name] == f"`{shown_default(setting.default)}`", setting.name


def test_the_vscode_readme_documents_every_contributed_setting() -> None:
    rows = table_rows((EDITORS / "vscode" / "README.md").read_text(encoding="utf-8"))
    for name, contributed in PROPERTIES.items():
        assert name in rows, name
        default = contributed["default"]
        shown = "unset" if default is None else f"`{shown_default(default)}`"
        assert rows[name] == shown, name


@pytest.mark.parametrize(
    "where",
    [
        "nvim/lsp/covlint.lua",
        "nvim/lua/covlint/init.lua",
        "nvim/README.md",
        "emacs/covlint.el",
        "emacs/README.md",
        "helix/languages.toml",
        "helix/README.md",
        "vim/README.md",
        "vim/ale_linters/python/covlint.vim",
    ],
)
def test_each_editors_configuration_names_every_server_setting(where: str) -> None:
    """Neovim, Emacs, Helix and Vim pass the settings through: their docs name each one."""
    text = (EDITORS / where).read_text(encoding="utf-8")
    words = set(re.findall(r"\w+", text))
    missing = [name for name in NAMES if name.split(".")[-1] not in words]
    assert missing == []
