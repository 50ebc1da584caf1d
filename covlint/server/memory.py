"""Giving freed memory back to the system after a data load.

glibc keeps what a process frees inside its heap for reuse, and returns the heap's top only:
after a reload the old data's SQLite connections (64 shards: ~7 MB) leave holes below the new
ones, so a server reloading all day would sit on every peak. `malloc_trim` hands the free pages
back. Elsewhere (macOS, musl, Windows) there is no such call, and nothing to do.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)


def return_free_memory() -> None:
    """Give the free pages of the heap back to the system, where the C library can."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # pragma: no cover - a C library without it (musl)
        return None
    return trim
