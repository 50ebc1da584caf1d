"""The ratchet: the project's total coverage may never drop below the stored figure.

The stored figure rises with the total; its file (and the trend's history) are the only files
covlint writes, and only when the user asks for a ratchet. Each comparison and raise happens
under a lock and each write is one rename, so concurrent runs never see a torn file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from covlint.counts import format_percent
from covlint.errors import UsageError
from covlint.hooks.files import locked, read_text, write_atomically

# Totals differing by less than this are equal: float noise must not trip the ratchet.
TOLERANCE = 0.005
MAX_BYTES = 4096  # a ratchet file holds one number
WHAT = "ratchet file"


@dataclass(frozen=True)
class RatchetResult:
    passed: bool
    message: str
    raised: bool = False


def read_stored(path: Path) -> float | None:
    """The stored figure, None when the file doesn't exist yet; a bad one is a UsageError."""
    text = read_text(path, WHAT, MAX_BYTES)
    if text is None:
        return None
    try:
        figure = float(text.strip())
    except ValueError:
        raise UsageError(
            f"{path}: the ratchet file must hold one number, not {text.strip()[:40]!r}"
        ) from None
    if not math.isfinite(figure) or not 0 <= figure <= 100:
        raise UsageError(
            f"{path}: the ratchet file must hold a number from 0 to 100, not {text.strip()[:40]!r}"
        )
    return figure


def apply_ratchet(path: Path, total: float) -> RatchetResult:
    """Compare `total` with the stored figure; raise the stored figure when `total` is higher."""
    with locked(path):
        stored = read_stored(path)
        if stored is not None and total < stored - TOLERANCE:
            return RatchetResult(
                False,
                f"covlint: total coverage fell from {format_percent(stored)}%"
                f" to {format_percent(total)}% (ratchet {path})",
            )
        if stored is None or total > stored + TOLERANCE:
            write_atomically(path, f"{total:.2f}\n", WHAT)
            before = "" if stored is None else f" from {format_percent(stored)}%"
            message = f"covlint: ratchet {path} raised{before} to {total:.2f}%"
            return RatchetResult(True, message, raised=True)
    return RatchetResult(
        True, f"covlint: total coverage {format_percent(total)}% holds the ratchet"
    )
