"""The ratchet: the project's total coverage may never drop below the stored figure.

The stored figure rises with the total; its file is the only one covlint writes, and only when
the user asks for a ratchet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from covlint.counts import format_percent
from covlint.errors import UsageError

# Totals differing by less than this are equal: float noise must not trip the ratchet.
TOLERANCE = 0.005


@dataclass(frozen=True)
class RatchetResult:
    passed: bool
    message: str


def read_stored(path: Path) -> float | None:
    """The stored figure, None when the file doesn't exist yet."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{path}: ratchet file must hold one number, not {text[:40]!r}") from None


def apply_ratchet(path: Path, total: float) -> RatchetResult:
    """Compare `total` with the stored figure; raise the stored figure when `total` is higher."""
    stored = read_stored(path)
    if stored is not None and total < stored - TOLERANCE:
        return RatchetResult(
            False,
            f"covlint: total coverage fell from {format_percent(stored)}%"
            f" to {format_percent(total)}% (ratchet {path})",
        )
    if stored is None or total > stored + TOLERANCE:
        path.write_text(f"{total:.2f}\n", encoding="utf-8")
        before = "" if stored is None else f" from {format_percent(stored)}%"
        return RatchetResult(True, f"covlint: ratchet {path} raised{before} to {total:.2f}%")
    return RatchetResult(
        True, f"covlint: total coverage {format_percent(total)}% holds the ratchet"
    )
