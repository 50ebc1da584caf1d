"""`[tool.covlint.mutate]`: the defaults of `covlint mutate`, validated key by key."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from covlint.errors import UsageError
from covlint.mutate.operators import OPERATORS
from covlint.schema import read_table

DEFAULT_EXCLUDE = ("test_*.py", "*_test.py", "conftest.py")


@dataclass(frozen=True)
class MutateConfig:
    """Mutation settings; flags override the file."""

    fail_under: float = 80.0
    """Minimum mutation score (percent) of the change."""
    operators: tuple[str, ...] = OPERATORS
    """Which operators make mutants (see covlint.mutate.operators)."""
    timeout: float = 5.0
    """Seconds every mutant gets on top of its tests' baseline time times `timeout-factor`."""
    timeout_factor: float = 3.0
    """How many times its tests' baseline time a mutant may take before it counts as a timeout."""
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    """Globs (matched against the path and the file name) of changed files never mutated."""
    jobs: int = 0
    """Parallel test runs; 0: one per core."""
    fork: bool = True
    """Run mutants inside function bodies in forks of a warm test process (much faster);
    false: a fresh test process for every mutant."""
    base: str | None = None
    """`base` of `[tool.covlint]` (shared): mutate the changes since its merge-base."""
    data_file: str | None = None
    """`data-file` of `[tool.covlint]`: the coverage data file."""
    rcfile: str | None = None
    """`rcfile` of `[tool.covlint]`: the coverage configuration file."""

    def with_overrides(self, **values: Any) -> MutateConfig:
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def percent(value: object, key: str) -> float:
    """A percentage in 0-100, or a UsageError naming `key`."""
    number = _number(value, key, "a number from 0 to 100")
    if not 0 <= number <= 100:
        raise UsageError(f"{key} must be from 0 to 100, not {value!r}")
    return number


def _number(value: object, key: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise UsageError(f"{key} must be {what}, not {value!r}")
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"{key} must be {what}, not {value!r}") from None


def positive(value: object, key: str) -> float:
    number = _number(value, key, "a positive number")
    if number <= 0:
        raise UsageError(f"{key} must be a positive number, not {value!r}")
    return number


def _seconds(value: object, key: str) -> float:
    if value == 0:
        return 0.0
    return positive(value, key)


def _names(value: object, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{key} must be a list of strings, not {value!r}")
    return tuple(value)


def _operators(value: object, key: str) -> tuple[str, ...]:
    names = _names(value, key)
    unknown = [name for name in names if name not in OPERATORS]
    if unknown:
        raise UsageError(f"{key}: unknown operator {unknown[0]!r} (known: {', '.join(OPERATORS)})")
    return names


def _flag(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{key} must be true or false, not {value!r}")
    return value


def jobs(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise UsageError(f"{key} must be a whole number (0: one per core), not {value!r}")
    return int(value)


KEYS = {
    "fail-under": ("fail_under", percent),
    "operators": ("operators", _operators),
    "timeout": ("timeout", _seconds),
    "timeout-factor": ("timeout_factor", positive),
    "exclude": ("exclude", _names),
    "jobs": ("jobs", jobs),
    "fork": ("fork", _flag),
}


SHARED = {"base": "base", "data-file": "data_file", "rcfile": "rcfile"}


def load_mutate_config(root: Path) -> MutateConfig:
    """`[tool.covlint.mutate]` and the shared keys of `[tool.covlint]` at `root`."""
    table = read_table(root)
    config = parse_mutate_config(table.get("mutate", {}))
    shared = {name: table[key] for key, name in SHARED.items() if isinstance(table.get(key), str)}
    return replace(config, **shared)


def parse_mutate_config(table: object, where: str = "[tool.covlint.mutate]") -> MutateConfig:
    """Validate a `[tool.covlint.mutate]` table; unknown keys and bad values name the key."""
    if not isinstance(table, dict):
        raise UsageError(f"pyproject.toml: {where} must be a table")
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        if key not in KEYS:
            raise UsageError(f"{where}: unknown key {raw_key!r} (known: {', '.join(KEYS)})")
        name, check = KEYS[key]
        values[name] = check(value, f"{where} {raw_key}")
    return MutateConfig(**values)
