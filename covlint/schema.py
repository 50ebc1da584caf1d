"""Every key of `[tool.covlint]`, declared once, with the front door that reads it.

The gate (`covlint check`), the language server and test selection (`covlint affected` and its
pytest plugin, which read `affected` and `data-file`) share the table: each reads its own keys and
the shared ones, skips the others', and both reject (the server: log) a key neither knows.
`covlint mutate` reads its own sub-table, `[tool.covlint.mutate]`, and the shared keys.
Keys are written in kebab-case; camelCase and snake_case spellings mean the same key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from covlint.config_files import read_tool_table

Owner = Literal["gate", "server", "both", "affected", "mutate"]


@dataclass(frozen=True)
class Key:
    """One `[tool.covlint]` key."""

    name: str  # kebab-case, as written in pyproject.toml
    owner: Owner
    doc: str

    @property
    def camel(self) -> str:
        """The name editors send (`showBranches`)."""
        return re.sub(r"-(\w)", lambda m: m.group(1).upper(), self.name)


KEYS: tuple[Key, ...] = (
    Key("fail-under", "gate", "minimum diff coverage (percent) of the whole change"),
    Key("thresholds", "gate", "table of glob = percent that each matching changed file must meet"),
    Key("branch", "gate", "count branch arcs (default: when the data has them)"),
    Key("stale", "gate", 'what stale data does to the gate: "error" or "warn"'),
    Key("ratchet", "gate", "file holding the project's total, which may never drop"),
    Key("rcfile", "gate", "the coverage configuration file, when not found the usual way"),
    Key("format", "gate", 'reports of each run: "text", "json:covlint.json", "html:DIR", …'),
    Key("include-untracked", "gate", "count untracked Python files as added (off by default)"),
    Key("exclude", "gate", "globs of changed files the gate leaves out"),
    Key("include", "gate", "globs: when set, only matching changed files are judged"),
    Key("history", "gate", "the trend's history file (default: beside the ratchet)"),
    Key("base", "both", "the ref the gate and the editor's diff scope compare with"),
    Key("cache-dir", "gate", "covlint's cache folder (default: the user cache folder + covlint)"),
    Key("data-file", "both", "the coverage data file, when not coverage's own setting"),
    Key("enable", "server", "publish coverage diagnostics at all"),
    Key(
        "severity",
        "server",
        "table: severity of `uncovered`, `missed-branch`, `stale`, `survived-mutant`",
    ),
    Key("show-branches", "server", "publish `missed-branch` diagnostics"),
    Key("show-stale", "server", "publish a `stale` diagnostic when the data does not fit the file"),
    Key("scope", "server", '"all" lines, or "diff": only lines changed since `base`'),
    Key("code-lens", "server", "a code lens on each function with missed lines or branches"),
    Key(
        "problems",
        "server",
        'which findings become diagnostics: "all" (those `scope` selects), "diff" (what the gate'
        ' blocks) or "none"; default: "diff" for clients that colour lines, else "all"',
    ),
    Key("affected", "affected", "table: test selection's `always-run` and `ignore` globs"),
    Key("show-mutants", "server", "publish `survived-mutant` diagnostics from `covlint mutate`"),
    Key("mutant-results", "server", "the results file of `covlint mutate` the editor shows"),
    Key("mutate", "mutate", "table: the defaults of `covlint mutate` ([tool.covlint.mutate])"),
)

BY_NAME = {key.name: key for key in KEYS}


def canonical(raw: object) -> str:
    """`codeLens`, `code_lens` and `code-lens` all name `code-lens`."""
    text = str(raw).replace("_", "-")
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "-" + m.group(1).lower(), text)


def owner_of(raw: object) -> Owner | None:
    """Which front door reads the key; None for a key neither knows."""
    key = BY_NAME.get(canonical(raw))
    return key.owner if key else None


def known_keys() -> str:
    return ", ".join(key.name for key in KEYS)


def read_table(root: Path) -> dict[str, Any]:
    """The raw `[tool.covlint]` table of `root/pyproject.toml` ({} when there is none)."""
    try:
        return read_tool_table(root / "pyproject.toml", "covlint", "pyproject.toml")
    except FileNotFoundError:
        return {}
