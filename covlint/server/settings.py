"""The language server's settings: typed, documented, with a default for every field.

Precedence, highest first:

1. `workspace/configuration`, section ``covlint``, pulled per workspace folder at start-up and
   again on every `workspace/didChangeConfiguration` (what the editor's settings UI edits);
2. `initializationOptions` sent with `initialize` (for clients without `workspace/configuration`);
3. ``[tool.covlint]`` in the project's ``pyproject.toml`` (keys in camelCase or kebab-case);
4. the defaults below.

A ``null`` value means "not set here" and falls through to the next layer. An invalid value is
logged and ignored (the next layer, and in the end the default, is used); the server keeps running.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, cast

from covlint.config_files import read_toml, tool_table
from covlint.errors import UsageError
from covlint.schema import known_keys, owner_of

log = logging.getLogger(__name__)

SeverityName = Literal["error", "warning", "information", "hint"]
Scope = Literal["all", "diff"]
Problems = Literal["all", "diff", "none"]
SEVERITY_NAMES: tuple[SeverityName, ...] = ("error", "warning", "information", "hint")
SCOPES: tuple[Scope, ...] = ("all", "diff")
PROBLEMS: tuple[Problems, ...] = ("all", "diff", "none")


@dataclass(frozen=True)
class Severities:
    """The severity of each kind of diagnostic."""

    uncovered: SeverityName = "information"
    """Runs of statements no test ran (code ``uncovered``). VS Code's Problems panel never lists
    "hint" diagnostics, so the default is "information"."""

    missedBranch: SeverityName = "information"
    """Branch lines with an arc no test took (code ``missed-branch``)."""

    stale: SeverityName = "warning"
    """Coverage data that cannot belong to the file as it is (code ``stale``)."""

    survivedMutant: SeverityName = "warning"
    """A mutant of a changed line that no test noticed (code ``survived-mutant``)."""


@dataclass(frozen=True)
class Settings:
    """Everything a user can configure; the names are the ones clients send."""

    enable: bool = True
    """Publish coverage diagnostics at all."""

    severity: Severities = field(default_factory=Severities)
    """Severity per diagnostic code."""

    dataFile: str | None = None
    """The coverage data file, absolute or relative to the project root (for example a CI
    artifact). Default: where coverage.py itself would write it (``COVERAGE_FILE``,
    ``[run] data_file``, else ``.coverage``). ``[paths]`` remapping applies."""

    showBranches: bool = True
    """Publish ``missed-branch`` diagnostics."""

    showStale: bool = True
    """Publish a ``stale`` diagnostic when the data is older than the file or does not fit it."""

    scope: Scope = "all"
    """"all": marks on every uncovered line; "diff": only on lines changed against ``base``
    (committed since the base, staged and unstaged) - what ``covlint check --base`` judges."""

    problems: Problems | None = None
    """Which findings are published as diagnostics: "all" (those ``scope`` selects), "diff" (only
    lines changed against ``base`` - what the gate blocks - whatever ``scope`` is) or "none" (only
    ``stale``). Default: "diff" for clients that colour lines from ``covlint/marks`` themselves
    (the VS Code extension: colours show everything, the Problems panel what the gate blocks),
    "all" for the others, whose diagnostics are all they show."""

    codeLens: bool = False
    """A code lens on each function with missed lines or branches ("71% · 2 lines, 1 branch
    missed"). Off by default: on a poorly covered file it is noise."""

    base: str | None = None
    """The git ref ``scope = "diff"`` compares with. Default: the merge-base with the upstream
    branch, else with ``origin/main``, ``main``, ``origin/master`` or ``master``."""

    showMutants: bool = True
    """Publish ``survived-mutant`` diagnostics from the results of ``covlint mutate``."""

    mutantResults: str | None = None
    """The results file of ``covlint mutate``, absolute or relative to the project root (for
    example ``--output`` of a CI run). Default: the one ``covlint mutate`` writes in covlint's
    cache for this project."""


DEFAULTS = Settings()
_BOOL_FIELDS = ("enable", "showBranches", "showStale", "codeLens", "showMutants")
_STR_FIELDS = ("dataFile", "base", "mutantResults")
_NAMES = frozenset(f.name for f in fields(Settings))


def merge_settings(*layers: Mapping[str, Any] | None) -> Settings:
    """Settings from raw layers, lowest precedence first; invalid values are logged and skipped."""
    settings = DEFAULTS
    for layer in layers:
        if layer:
            settings = _apply_layer(settings, layer)
    return settings


def _apply_layer(settings: Settings, raw: Mapping[str, Any]) -> Settings:
    if not isinstance(raw, Mapping):
        log.warning("ignoring covlint settings: expected an object, got %r", raw)
        return settings
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        name = _camel(key)
        if value is None or name not in _NAMES:
            continue  # unset here, or another tool's key (the gate shares [tool.covlint])
        if name == "severity":
            changes[name] = _severities(settings.severity, value)
        elif _valid(name, value):
            changes[name] = value
        else:
            log.warning("ignoring invalid covlint setting %s = %r", key, value)
    return replace(settings, **changes)


def _valid(name: str, value: object) -> bool:
    if name in _BOOL_FIELDS:
        return isinstance(value, bool)
    if name in _STR_FIELDS:
        return isinstance(value, str) and bool(value.strip())
    if name == "scope":
        return value in SCOPES
    if name == "problems":
        return value in PROBLEMS
    return False


def _severities(current: Severities, raw: object) -> Severities:
    if not isinstance(raw, Mapping):
        log.warning("ignoring invalid covlint setting severity = %r", raw)
        return current
    changes: dict[str, SeverityName] = {}
    known = {f.name for f in fields(Severities)}
    for key, value in raw.items():
        name = _camel(key)
        if name in known and value in SEVERITY_NAMES:
            changes[name] = cast(SeverityName, value)
        elif value is not None:
            log.warning("ignoring invalid covlint setting severity.%s = %r", key, value)
    return replace(current, **changes)


def _camel(key: object) -> str:
    """`show-branches` and `show_branches` as `showBranches`."""
    return re.sub(r"[-_](\w)", lambda m: m.group(1).upper(), str(key))


def read_pyproject(root: Path) -> dict[str, Any]:
    """The ``[tool.covlint]`` table of ``root/pyproject.toml`` ({} when absent or unreadable)."""
    path = root / "pyproject.toml"
    try:
        table = tool_table(read_toml(path), "covlint", str(path))
    except FileNotFoundError:
        return {}
    except UsageError as exc:
        log.warning("cannot read [tool.covlint] (%s); using defaults", exc)
        return {}
    return server_keys(table, path)


def server_keys(table: Mapping[str, Any], where: object) -> dict[str, Any]:
    """The server's keys of a `[tool.covlint]` table (not the gate's); unknown ones are logged."""
    keys = {}
    for key, value in table.items():
        owner = owner_of(key)
        if owner is None:
            log.warning("%s: unknown [tool.covlint] key %r (known: %s)", where, key, known_keys())
        elif owner in ("server", "both"):
            keys[key] = value
    return keys
