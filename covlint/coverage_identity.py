"""Which coverage.py is installed, found without importing it.

Importing coverage costs ~50 ms, as much as the rest of a warm gate run, and a run whose
configuration, data and analyses are all kept never needs it. Kept results must still change
when coverage does, so they are keyed by the installed copy of the modules whose code decides
them: their location, sizes and modification times, which any install, upgrade or edit changes.
"""

from __future__ import annotations

import functools
import importlib.util
import os

# The modules whose code decides coverage's configuration, parse and analysis results.
DECIDING_MODULES = ("version.py", "config.py", "parser.py", "results.py")


@functools.cache
def deciding_files() -> tuple[str, ...]:
    """The installed files of the modules in DECIDING_MODULES (none if coverage is missing)."""
    spec = importlib.util.find_spec("coverage")
    folders = list(spec.submodule_search_locations or []) if spec else []
    return tuple(os.path.join(folders[0], name) for name in DECIDING_MODULES) if folders else ()


@functools.cache
def coverage_identity() -> str:
    """A string naming the installed coverage.py: equal for the same files, changed by any
    install, upgrade or edit of them."""
    files = deciding_files()
    if not files:  # pragma: no cover - covlint depends on coverage, so it is there
        return "coverage: not installed"
    parts = [os.path.dirname(files[0])]
    for path in files:
        name = os.path.basename(path)
        try:
            found = os.stat(path)
        except OSError:
            parts.append(f"{name}:-")
        else:
            parts.append(f"{name}:{found.st_size}:{found.st_mtime_ns}")
    return " ".join(parts)
