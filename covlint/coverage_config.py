"""Coverage.py's own configuration for a project, read through coverage's public API."""

from __future__ import annotations

import configparser
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from coverage.exceptions import CoverageException

from covlint.coverage_internals import CoverageConfig, read_config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from covlint.config_files import read_config_text
from covlint.errors import UsageError

# Coverage's own search order for a configuration file.
CONFIG_CANDIDATES = (".coveragerc", ".coveragerc.toml", "setup.cfg", "tox.ini", "pyproject.toml")


@dataclass(frozen=True)
class CoverageSettings:
    """The parts of coverage's configuration that covlint needs."""

    config_file: Path | None
    data_file: Path
    relative_files: bool
    paths: dict[str, list[str]]
    exclude_regex: str
    partial_regex: str
    source: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    omit: tuple[str, ...] = ()


def join_regex(patterns: list[str]) -> str:
    """One regex matching any of `patterns`, as coverage combines its exclusion lists.

    Like coverage, a single pattern is used as it is, so its global flags (`(?i)`) stay valid.
    """
    if len(patterns) == 1:
        return patterns[0]
    return "|".join(f"(?:{p})" for p in patterns)


def read_coverage_settings(
    root: Path, rcfile: str | None = None, data_file: str | None = None
) -> CoverageSettings:
    """Read coverage's configuration as coverage would when run at `root`."""
    config_file = _find_config_file(root, rcfile)
    cov = _read_config(config_file, data_file)
    configured = str(cov.get_option("run:data_file"))
    paths = cov.get_option("paths")
    return CoverageSettings(
        config_file=config_file,
        data_file=_resolve(root, configured),
        relative_files=bool(cov.get_option("run:relative_files")),
        paths=dict(paths) if isinstance(paths, dict) else {},
        exclude_regex=join_regex(cov.exclude_list),
        partial_regex=join_regex(cov.partial_list + cov.partial_always_list),
        source=_strings(cov.get_option("run:source")) + _strings(cov.get_option("run:source_pkgs")),
        include=_strings(cov.get_option("run:include")),
        omit=_strings(cov.get_option("run:omit")),
    )


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _resolve(root: Path, name: str) -> Path:
    path = Path(os.path.expanduser(name))
    return path if path.is_absolute() else root / path


def _find_config_file(root: Path, rcfile: str | None) -> Path | None:
    """The file coverage would read, checked to be readable text (coverage reads it again)."""
    env_rcfile = os.environ.get("COVERAGE_RCFILE")
    explicit = rcfile or env_rcfile
    if explicit:
        path = _resolve(root, explicit)
        try:
            read_config_text(path)
        except FileNotFoundError:
            missing = f"coverage config file not found: {explicit}"
            where = "" if rcfile else f"{explicit}: "
            raise UsageError(f"{where}{missing}") from None
        return path
    for name in CONFIG_CANDIDATES:
        path = root / name
        if os.path.lexists(path) and _has_coverage_settings(path):
            return path
    return None


def _has_coverage_settings(path: Path) -> bool:
    """Whether coverage would use this file: a `.coveragerc` always, a shared file if it sets
    something in a coverage section. Like coverage, refuse a shared file that does not parse."""
    try:
        text = read_config_text(path)
    except FileNotFoundError:  # a dangling link: coverage would not read it either
        return False
    if path.name.startswith(".coveragerc"):
        return True
    try:
        if path.suffix == ".toml":
            tool = tomllib.loads(text).get("tool", {})
            tables = tool.get("coverage", {}) if isinstance(tool, dict) else {}
            return isinstance(tables, dict) and any(
                isinstance(table, dict) and table for table in tables.values()
            )
        parser = configparser.RawConfigParser()
        parser.read_string(text, str(path))
    except (configparser.Error, tomllib.TOMLDecodeError) as exc:
        raise UsageError(
            f"{path.name}: Couldn't read config file {path}: {_one_line(exc)}"
        ) from None
    return any(name.startswith("coverage:") and parser[name] for name in parser.sections())


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _read_config(config_file: Path | None, data_file: str | None) -> CoverageConfig:
    try:
        return read_config(str(config_file) if config_file else False, data_file)
    except (CoverageException, UnicodeDecodeError) as exc:
        where = config_file.name if config_file else "coverage configuration"
        raise UsageError(f"{where}: {_one_line(exc)}") from None
