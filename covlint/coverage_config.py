"""Coverage.py's own configuration for a project, read through coverage's public API.

What it gives is kept (`settings_cache`): a run whose inputs are unchanged reads it back without
importing coverage or parsing a configuration file.
"""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from covlint.config_files import read_config_text
from covlint.errors import UsageError
from covlint.settings_cache import keep_settings, kept_settings, settings_key

if TYPE_CHECKING:
    from covlint.coverage_internals import CoverageConfig

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
    """Read coverage's configuration as coverage would when run at `root` (or as it was read
    before, from the same files, arguments and environment)."""
    files = config_candidates(root, rcfile)
    key = settings_key(files, (str(root), rcfile, data_file))
    stored = kept_settings(key) if key else None
    if stored is not None:
        try:
            return _restored(stored)
        except (KeyError, TypeError, ValueError):
            pass  # read afresh below, and kept again
    settings = _read_settings(root, rcfile, data_file)
    if key:
        keep_settings(key, _stored(settings))
    return settings


def config_candidates(root: Path, rcfile: str | None = None) -> list[Path]:
    """The files coverage reads its settings from at `root`: the one named, or those it looks
    for (present or not: one appearing changes the settings too)."""
    explicit = rcfile or os.environ.get("COVERAGE_RCFILE")
    return [_resolve(root, explicit)] if explicit else [root / n for n in CONFIG_CANDIDATES]


def _stored(settings: CoverageSettings) -> dict[str, Any]:
    stored = asdict(settings)
    stored["config_file"] = None if settings.config_file is None else str(settings.config_file)
    stored["data_file"] = str(settings.data_file)
    return stored


def _restored(stored: dict[str, Any]) -> CoverageSettings:
    """Settings from their stored form; KeyError/TypeError/ValueError when it is malformed."""
    paths = stored["paths"]
    if not isinstance(paths, dict) or not all(isinstance(v, list) for v in paths.values()):
        raise TypeError("paths")
    config_file = stored["config_file"]
    return CoverageSettings(
        config_file=None if config_file is None else Path(_text(config_file)),
        data_file=Path(_text(stored["data_file"])),
        relative_files=bool(stored["relative_files"]),
        paths={_text(k): [_text(p) for p in v] for k, v in paths.items()},
        exclude_regex=_text(stored["exclude_regex"]),
        partial_regex=_text(stored["partial_regex"]),
        source=tuple(map(_text, stored["source"])),
        include=tuple(map(_text, stored["include"])),
        omit=tuple(map(_text, stored["omit"])),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not a string: {value!r}")
    return value


def _read_settings(root: Path, rcfile: str | None, data_file: str | None) -> CoverageSettings:
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
    import configparser  # only when the settings are read afresh

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
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
    from coverage.exceptions import CoverageException  # only when the settings are read afresh

    from covlint.coverage_internals import read_config

    try:
        return read_config(str(config_file) if config_file else False, data_file)
    except (CoverageException, UnicodeDecodeError) as exc:
        where = config_file.name if config_file else "coverage configuration"
        raise UsageError(f"{where}: {_one_line(exc)}") from None
