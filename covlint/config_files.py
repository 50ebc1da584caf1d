"""Reading a project's configuration files (pyproject.toml, .coveragerc, setup.cfg, tox.ini).

One reader for the gate, the server and coverage's settings, so that an odd file — a FIFO, a
huge file, non-UTF-8 bytes, invalid TOML, `tool = 5` — is one clear `UsageError`, never a hang
or a traceback. The gate shows the error; the server logs it and uses defaults.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from covlint.errors import UsageError
from covlint.parse_cache import ParseCache
from covlint.safe_io import CONFIG_LIMIT, UnsafeFile, read_regular

TABLE_FORMAT = 1  # bumped when the kept form of a tool table changes
TABLE_PREFIX = "t-"  # kept tool tables' entries, beside the parses' in the cache folder


def read_config_text(path: Path) -> str:
    """The text of a configuration file; FileNotFoundError when it is absent.

    Anything else that is wrong with it is a UsageError naming the file and the fix.
    """
    return _decoded(path, _config_bytes(path))


def _config_bytes(path: Path) -> bytes:
    try:
        return read_regular(path, CONFIG_LIMIT)
    except FileNotFoundError:
        raise
    except UnsafeFile as exc:
        raise UsageError(f"{path.name}: {exc.strerror}: make it a regular text file") from None
    except OSError as exc:
        raise UsageError(f"{path.name}: cannot read {path}: {exc.strerror}") from None


def _decoded(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path.name}: not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start}):"
            " save it as UTF-8"
        ) from None


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML document; FileNotFoundError when absent, UsageError when it is not valid TOML."""
    return _parsed_toml(path, read_config_text(path))


def _parsed_toml(path: Path, text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):  # imported only when a file is parsed (~3 ms)
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path.name}: not valid TOML ({exc})") from None


def read_tool_table(path: Path, name: str, where: str) -> dict[str, Any]:
    """`tool_table(read_toml(path), name, where)`, kept by the file's bytes: a run on an
    unchanged pyproject.toml reads its table back without parsing TOML. Errors are never kept."""
    raw = _config_bytes(path)
    digest = hashlib.sha256(f"tool table {TABLE_FORMAT} {name}\0".encode() + raw)
    key, store = TABLE_PREFIX + digest.hexdigest(), ParseCache()
    kept = store.load(key)
    if kept is not None and isinstance(kept.get("table"), dict):
        return dict(kept["table"])
    table = tool_table(_parsed_toml(path, _decoded(path, raw)), name, where)
    store.save(key, {"table": table})  # not kept when it holds a TOML date or time
    return table


def tool_table(document: Mapping[str, Any], name: str, where: str) -> dict[str, Any]:
    """`[tool.<name>]` of a pyproject document ({} when absent); UsageError when not a table."""
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise UsageError(f"{where}: `tool` must be a table ([tool.{name}]), not {tool!r}")
    table = tool.get(name, {})
    if not isinstance(table, dict):
        raise UsageError(f"{where}: [tool.{name}] must be a table, not {table!r}")
    return table
