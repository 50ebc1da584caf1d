"""covlint's own settings: `[tool.covlint]` in pyproject.toml, validated key by key."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from covlint.errors import UsageError

StalePolicy = Literal["error", "warn"]


@dataclass(frozen=True)
class Config:
    """Gate settings; every field has a default, flags override the file."""

    fail_under: float = 80.0
    """Minimum diff coverage (percent) of all changed code together."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """Glob -> minimum percent that each matching changed file must meet on its own."""
    branch: bool | None = None
    """Count branch arcs; None means: when the data has arcs."""
    stale: StalePolicy = "error"
    """What stale data does to the gate: fail it (error) or be reported and skipped (warn)."""
    base: str | None = None
    """Compare against this ref's merge-base instead of the staged changes."""
    ratchet: str | None = None
    """File holding the project's total coverage, which may never drop."""
    data_file: str | None = None
    """Coverage data file, when not coverage's own setting."""
    rcfile: str | None = None
    """Coverage configuration file, when not found the usual way."""

    def with_overrides(self, **values: Any) -> Config:
        """A copy with every non-None value in `values` set."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def percent(value: object, key: str) -> float:
    """A percentage in 0-100, or a UsageError naming `key`."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise UsageError(f"{key} must be a number from 0 to 100, not {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"{key} must be a number from 0 to 100, not {value!r}") from None
    if not 0 <= number <= 100:
        raise UsageError(f"{key} must be from 0 to 100, not {value!r}")
    return number


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(f"{key} must be a non-empty string, not {value!r}")
    return value


def _flag(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{key} must be true or false, not {value!r}")
    return value


def _stale(value: object, key: str) -> str:
    if value not in ("error", "warn"):
        raise UsageError(f'{key} must be "error" or "warn", not {value!r}')
    return str(value)


def _thresholds(value: object, key: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise UsageError(f'{key} must be a table of glob = percent, e.g. "src/core/*" = 95')
    return {str(glob): percent(pct, f"{key}.{glob!r}") for glob, pct in value.items()}


KEYS = {
    "fail-under": ("fail_under", percent),
    "thresholds": ("thresholds", _thresholds),
    "branch": ("branch", _flag),
    "stale": ("stale", _stale),
    "base": ("base", _text),
    "ratchet": ("ratchet", _text),
    "data-file": ("data_file", _text),
    "rcfile": ("rcfile", _text),
}


# Tables of other commands inside [tool.covlint], validated by their owners.
SUBTABLES = ("mutate",)


def parse_config(table: dict[str, Any], where: str = "[tool.covlint]") -> Config:
    """Validate a `[tool.covlint]` table; unknown keys and bad values name the key."""
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        if key in SUBTABLES:
            continue
        if key not in KEYS:
            known = ", ".join(KEYS)
            raise UsageError(f"{where}: unknown key {raw_key!r} (known: {known})")
        name, check = KEYS[key]
        values[name] = check(value, f"{where} {raw_key}")
    return Config(**values)


def load_config(root: Path) -> Config:
    """The `[tool.covlint]` settings of the project at `root` (defaults if there are none)."""
    return parse_config(covlint_table(root))


def covlint_table(root: Path) -> dict[str, Any]:
    """The raw `[tool.covlint]` table of `root/pyproject.toml` ({} when there is none)."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"pyproject.toml is not valid TOML: {exc}") from None
    table = document.get("tool", {}).get("covlint", {})
    if not isinstance(table, dict):
        raise UsageError("pyproject.toml: [tool.covlint] must be a table")
    return table
