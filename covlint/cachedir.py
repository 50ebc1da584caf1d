"""Where covlint keeps what it learns between runs: the user's cache directory, never the project.

Everything under it is a cache: bounded by its writer, safe to delete at any time (it is rebuilt),
and never shared between different coverage data files (each writer keys its entries).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

TYPE_CHECKING = False  # not typing's: a replayed gate run imports neither typing nor pathlib
if TYPE_CHECKING:
    from pathlib import Path

CACHE_DIR_VARIABLE = "COVLINT_CACHE_DIR"

_configured: list[str] = []  # from a setting (`cache-dir`, `covlint serve --cache-dir`)


def use_cache_dir(folder: Path | None) -> None:
    """Make `folder` the cache root of this process (the variable still wins, as coverage's
    COVERAGE_FILE wins over `[run] data_file`); None goes back to the default."""
    _configured[:] = [] if folder is None else [os.path.expanduser(folder)]


def cache_root(environ: Mapping[str, str] = os.environ) -> Path:
    """`$COVLINT_CACHE_DIR`, else the configured folder, else the user cache folder + `covlint`."""
    from pathlib import Path

    return Path(cache_root_name(environ))


def cache_root_name(environ: Mapping[str, str] = os.environ) -> str:
    """`cache_root`, as a string."""
    explicit = environ.get(CACHE_DIR_VARIABLE)
    if explicit:
        return os.path.expanduser(explicit)
    if _configured:
        return _configured[0]
    return os.path.join(_platform_cache(environ), "covlint")


def _platform_cache(environ: Mapping[str, str]) -> str:
    home = os.path.expanduser("~")
    if sys.platform == "win32":  # pragma: no cover - platform quirk
        return environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
    if sys.platform == "darwin":  # pragma: no cover - platform quirk
        return os.path.join(home, "Library", "Caches")
    xdg = environ.get("XDG_CACHE_HOME")
    return xdg if xdg and os.path.isabs(xdg) else os.path.join(home, ".cache")
