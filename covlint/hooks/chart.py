"""A small SVG line chart of the trend: total and diff coverage over the recorded commits."""

from __future__ import annotations

from html import escape

from covlint.counts import format_percent
from covlint.hooks.history import Entry

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 28, 40
TOTAL_COLOUR, DIFF_COLOUR = "#0969da", "#bc4c00"


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if count == 1 else span * index / (count - 1))


def _y(value: float, low: float) -> float:
    span = HEIGHT - TOP - BOTTOM
    return TOP + span * (100 - value) / (100 - low)


def _floor(entries: list[Entry]) -> float:
    """The chart's lowest percentage: ten below the lowest figure, in steps of ten."""
    values = [e.total for e in entries] + [e.diff for e in entries if e.diff is not None]
    lowest = min(values, default=0.0)
    return max(0.0, (int(lowest) // 10) * 10 - 10) if lowest < 100 else 90.0


def _grid(low: float) -> list[str]:
    parts = []
    for value in range(int(low), 101, 10):
        y = _y(value, low)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value}%</text>'
        )
    return parts


def _series(points: list[tuple[float, float]], colour: str, name: str) -> str:
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points)
    return (
        f'<g class="{name}"><polyline points="{path}" fill="none" stroke="{colour}"'
        f' stroke-width="2"/>{dots}</g>'
    )


def trend_svg(entries: list[Entry]) -> str:
    """The chart; the first and last commits are named under the axis."""
    low, count = _floor(entries), len(entries)
    totals = [(_x(i, count), _y(e.total, low)) for i, e in enumerate(entries)]
    diffs = [(_x(i, count), _y(e.diff, low)) for i, e in enumerate(entries) if e.diff is not None]
    labels = [
        f'<text x="{_x(i, count):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="{anchor}">'
        f"{escape((e.commit or 'no commit')[:7])}</text>"
        for i, e in enumerate(entries)
        if i in (0, count - 1)
        for anchor in ["middle" if count == 1 else "start" if i == 0 else "end"]
    ]
    last = entries[-1] if entries else None
    title = f"total {format_percent(last.total)}%" if last else "no entries yet"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"'
        ' font-family="sans-serif" font-size="11" fill="#57606a">'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>'
        f'<text x="{LEFT}" y="16" font-size="13" fill="#1f2328">covlint trend: {title}</text>'
        f'<text x="{WIDTH - RIGHT}" y="16" text-anchor="end"><tspan fill="{TOTAL_COLOUR}">'
        f'━ total</tspan> <tspan fill="{DIFF_COLOUR}">━ diff</tspan></text>'
        + "".join(_grid(low))
        + "".join(labels)
        + (_series(totals, TOTAL_COLOUR, "total") if totals else "")
        + (_series(diffs, DIFF_COLOUR, "diff") if diffs else "")
        + "</svg>\n"
    )
