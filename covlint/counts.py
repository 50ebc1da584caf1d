"""One way to count coverage: statements and branch arcs, covered or not, and one way to show it."""

from __future__ import annotations

import math
from dataclasses import dataclass

PRECISION = 1  # decimals shown in every percentage covlint prints


@dataclass(frozen=True)
class Counts:
    """Covered and total statements and branch arcs, as coverage.py counts them."""

    statements: int = 0
    covered_statements: int = 0
    branches: int = 0
    covered_branches: int = 0

    @property
    def missing(self) -> int:
        return self.statements - self.covered_statements

    @property
    def missed_branches(self) -> int:
        return self.branches - self.covered_branches

    @property
    def total(self) -> int:
        return self.statements + self.branches

    @property
    def percent(self) -> float:
        """Covered share of statements plus branches, as coverage computes it; 100 if empty."""
        if not self.total:
            return 100.0
        return 100.0 * (self.covered_statements + self.covered_branches) / self.total

    @property
    def display_percent(self) -> str:
        return format_percent(self.percent)

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.statements + other.statements,
            self.covered_statements + other.covered_statements,
            self.branches + other.branches,
            self.covered_branches + other.covered_branches,
        )


def format_percent(value: float, precision: int = PRECISION) -> str:
    """A percentage as people write it (80, 82.5, 66.7), never rounded to 0 or 100 unless it is.

    coverage.py's rule: 99.97 shows as 99.9 and 0.02 as 0.1, so "100%" always means all of it.
    """
    step = 10.0**-precision
    if 0 < value < step:
        value = step
    elif 100 - step < value < 100:
        value = 100 - step
    else:
        value = round(value, precision)
    if math.isclose(value, round(value)):
        return str(round(value))
    return f"{value:.{precision}f}"


def format_threshold(value: float) -> str:
    """A configured threshold exactly as the user wrote it (80, 99.95)."""
    return f"{value:g}"
