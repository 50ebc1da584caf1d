"""The gate's settings: its keys of `[tool.covlint]` in pyproject.toml, validated key by key."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from covlint.errors import UsageError
from covlint.schema import canonical, known_keys, owner_of, read_table

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
    formats: tuple[str, ...] = ()
    """Reports of each run, `FMT` (stdout) or `FMT:PATH`; none means the text report."""
    include_untracked: bool = False
    """Untracked Python files count as added."""
    exclude: tuple[str, ...] = ()
    """Globs of changed files left out of the verdict."""
    include: tuple[str, ...] = ()
    """Globs: when any is set, only the changed files matching one are judged."""
    history: str | None = None
    """The trend's history file; default: beside the ratchet file."""
    cache_dir: str | None = None
    """covlint's cache folder, relative to the project root (`COVLINT_CACHE_DIR` wins)."""

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


def _texts(value: object, key: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
        raise UsageError(f"{key} must be a string or a list of strings, not {value!r}")
    return tuple(items)


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
    "format": ("formats", _texts),
    "include-untracked": ("include_untracked", _flag),
    "exclude": ("exclude", _texts),
    "include": ("include", _texts),
    "history": ("history", _text),
    "cache-dir": ("cache_dir", _text),
}


def parse_config(table: dict[str, Any], where: str = "[tool.covlint]") -> Config:
    """Validate a `[tool.covlint]` table; unknown keys and bad values name the key.

    The language server's, test selection's and `covlint mutate`'s keys are skipped: the table
    is shared.
    """
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        owner = owner_of(raw_key)
        if owner is None:
            raise UsageError(f"{where}: unknown key {raw_key!r} (known: {known_keys()})")
        if owner not in ("gate", "both"):
            continue
        name, check = KEYS[canonical(raw_key)]
        values[name] = check(value, f"{where} {raw_key}")
    return Config(**values)


def load_config(root: Path) -> Config:
    """The `[tool.covlint]` settings of the project at `root` (defaults if there are none)."""
    return parse_config(read_table(root))
