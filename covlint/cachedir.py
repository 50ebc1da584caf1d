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


def cache_root(environ: Mapping[str, str] = os.environ) -> Path:
    """`$COVLINT_CACHE_DIR`, else the platform's user cache folder + `covlint`."""
    explicit = environ.get(CACHE_DIR_VARIABLE)
    if explicit:
        return Path(explicit).expanduser()
    return _platform_cache(environ) / "covlint"


def _platform_cache(environ: Mapping[str, str]) -> Path:
    if sys.platform == "win32":  # pragma: no cover - platform quirk
        local = environ.get("LOCALAPPDATA")
        return Path(local) if local else Path.home() / "AppData" / "Local"
    if sys.platform == "darwin":  # pragma: no cover - platform quirk
        return Path.home() / "Library" / "Caches"
    xdg = environ.get("XDG_CACHE_HOME")
    return Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
