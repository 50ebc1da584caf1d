"""What every command line does the same way: one-line usage errors and no bare tracebacks.

Exit codes: 0 ok, 1 only "below a threshold" (the gate says so itself), 2 everything else. An
unexpected exception is a bug: exit 2 with one line asking to report it and naming the file that
holds the full traceback (kept under the cache root, newest few only); `-v` prints it as well.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from covlint import __version__
from covlint.cachedir import cache_root
from covlint.errors import CovlintError

log = logging.getLogger(__name__)

EXIT_ERROR = 2
KEEP_TRACEBACKS = 20  # the newest tracebacks kept under cache_root()/logs
MAX_TRACEBACK_CHARS = 64_000


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr naming `--help`, and exit 2."""

    def error(self, message: str) -> NoReturn:
        usage_error(f"{message}; see {self.prog} --help")


def usage_error(message: str) -> NoReturn:
    print(f"covlint: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_ERROR)


def guarded(work: Callable[[], int], *, verbose: bool = False) -> int:
    """`work()`, with covlint's errors as one line and exit 2, and bugs reported as bugs."""
    try:
        return work()
    except CovlintError as exc:
        print(f"covlint: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("covlint: error: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        print(internal_error(exc, verbose=verbose), file=sys.stderr)
        return EXIT_ERROR


def internal_error(exc: BaseException, *, verbose: bool = False) -> str:
    """The one line for a bug (the traceback goes to a log file, and to stderr with -v)."""
    text = "".join(traceback.format_exception(exc))
    if verbose:
        sys.stderr.write(text)
    where = save_traceback(text)
    summary = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:200]
    kept = f"full traceback in {where}" if where else "run with -v for the full traceback"
    return f"covlint: error: internal error ({summary}): please report it; {kept}"


def save_traceback(text: str) -> Path | None:
    """Write a traceback under the cache root's `logs` (bounded); None when that fails."""
    folder = cache_root() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = folder / f"crash-{stamp}-{os.getpid()}-{time.monotonic_ns() % 10**9:09d}.txt"
        header = f"covlint {__version__}, python {sys.version.split()[0]}, argv {sys.argv}\n"
        path.write_text(header + text[-MAX_TRACEBACK_CHARS:], encoding="utf-8")
        _prune(folder)
    except OSError as exc:
        log.debug("cannot keep the traceback: %s", exc)
        return None
    return path


def _prune(folder: Path) -> None:
    crashes = sorted(folder.glob("crash-*.txt"), key=lambda p: p.stat().st_mtime_ns)
    for old in crashes[:-KEEP_TRACEBACKS]:
        old.unlink(missing_ok=True)
