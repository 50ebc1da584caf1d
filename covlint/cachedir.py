"""Where covlint keeps what it learns between runs: the user's cache directory, never the project.

Everything under it is a cache: bounded by its writer, safe to delete at any time (it is rebuilt),
and never shared between different coverage data files (each writer keys its entries).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

CACHE_DIR_VARIABLE = "COVLINT_CACHE_DIR"

_configured: list[Path] = []  # from a setting (`cache-dir`, `covlint serve --cache-dir`)


def use_cache_dir(folder: Path | None) -> None:
    """Make `folder` the cache root of this process (the variable still wins, as coverage's
    COVERAGE_FILE wins over `[run] data_file`); None goes back to the default."""
    _configured[:] = [] if folder is None else [folder.expanduser()]


def cache_root(environ: Mapping[str, str] = os.environ) -> Path:
    """`$COVLINT_CACHE_DIR`, else the configured folder, else the user cache folder + `covlint`."""
    explicit = environ.get(CACHE_DIR_VARIABLE)
    if explicit:
        return Path(explicit).expanduser()
    if _configured:
        return _configured[0]
    return _platform_cache(environ) / "covlint"


def _platform_cache(environ: Mapping[str, str]) -> Path:
    if sys.platform == "win32":  # pragma: no cover - platform quirk
        local = environ.get("LOCALAPPDATA")
        return Path(local) if local else Path.home() / "AppData" / "Local"
    if sys.platform == "darwin":  # pragma: no cover - platform quirk
        return Path.home() / "Library" / "Caches"
    xdg = environ.get("XDG_CACHE_HOME")
    return Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
