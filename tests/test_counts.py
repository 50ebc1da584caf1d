"""One counts type and one percent formatter: never a false 0 or 100."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covlint.counts import Counts, format_percent
from covlint.hooks.verdict import decide
from covlint.hooks.wording import total_summary
from covlint.model import DiffCoverage, FileDiffCoverage


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "0"),
        (100, "100"),
        (80, "80"),
        (82.5, "82.5"),
        (200 / 3, "66.7"),
        (99.96, "99.9"),
        (99.999, "99.9"),
        (0.04, "0.1"),
        (0.001, "0.1"),
        (12.04, "12"),
    ],
)
def test_format_percent(value: float, shown: str) -> None:
    assert format_percent(value) == shown


@given(st.integers(1, 10_000), st.data())
def test_never_a_false_100_or_0(total: int, data: st.DataObject) -> None:
    covered = data.draw(st.integers(0, total))
    shown = Counts(total, covered).display_percent
    assert (shown == "100") == (covered == total)
    assert (shown == "0") == (covered == 0)


def test_counts_add_and_derive() -> None:
    counts = Counts(4, 3, 2, 1) + Counts(1, 1, 0, 0)
    assert counts == Counts(5, 4, 2, 1)
    assert (counts.missing, counts.missed_branches, counts.total) == (1, 1, 7)
    assert counts.percent == pytest.approx(500 / 7)
    assert Counts().percent == 100.0


def test_the_gate_never_says_failed_at_100() -> None:
    statements = tuple(range(1, 2001))
    item = FileDiffCoverage("app.py", "ok", changed_statements=statements, uncovered_lines=(7,))
    verdict = decide(DiffCoverage((item,)), 100, {}, branch=False)
    assert not verdict.passed
    assert total_summary(verdict) == (
        "covlint: FAILED: 99.9% of 2000 changed lines covered (needs 100%)"
    )
