"""`covlint badge`: an SVG badge of the project's total coverage, drawn here, no service asked."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from html import escape
from pathlib import Path

from covlint import git
from covlint.counts import format_percent
from covlint.coverage_set import CoverageSet
from covlint.errors import CovlintError
from covlint.hooks.config import load_config, percent
from covlint.hooks.exit_codes import EXIT_ERROR, EXIT_OK
from covlint.hooks.files import refuse_user_file, write_atomically
from covlint.totals import project_counts

GREEN, YELLOW, RED = "#3fb950", "#d29922", "#e5534b"
LABEL = "coverage"
CHAR_WIDTH = 7  # px per character of 11px Verdana-like text, rounded up: a fixed, stable layout
PADDING = 10


def colour_for(total: float, threshold: float) -> str:
    """Green at or above the threshold, yellow within ten points below it, red further down."""
    if total >= threshold:
        return GREEN
    return YELLOW if total >= threshold - 10 else RED


def badge_svg(total: float, threshold: float) -> str:
    """The badge: `coverage | 81.6%`, the value's side coloured by `colour_for`."""
    value = f"{format_percent(total)}%"
    left = len(LABEL) * CHAR_WIDTH + PADDING
    right = len(value) * CHAR_WIDTH + PADDING
    width = left + right
    fill = colour_for(total, threshold)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img"'
        f' aria-label="{LABEL}: {value}"><title>{LABEL}: {value}</title>'
        f'<rect width="{left}" height="20" rx="3" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" rx="3" fill="{fill}"/>'
        f'<rect x="{left}" width="4" height="20" fill="{fill}"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif"'
        ' font-size="11">'
        f'<text x="{left / 2:g}" y="14">{LABEL}</text>'
        f'<text id="value" x="{left + right / 2:g}" y="14">{escape(value)}</text>'
        "</g></svg>\n"
    )


def run_badge(args: argparse.Namespace) -> int:
    root = git.repo_root(Path.cwd())
    config = load_config(root).with_overrides(data_file=args.data_file, rcfile=args.rcfile)
    threshold = (
        config.fail_under if args.fail_under is None else percent(args.fail_under, "--fail-under")
    )
    data = CoverageSet.load(root, data_file=config.data_file, rcfile=config.rcfile)
    svg = badge_svg(project_counts(data).percent, threshold)
    if args.output is None:
        sys.stdout.write(svg)
        return EXIT_OK
    target = Path(args.output)
    rel = _relative(target, root)
    measured = rel is not None and data.is_measured(rel)
    refuse_user_file(target, "badge", root, data.settings.data_file, measured)
    write_atomically(target, svg, "badge")
    return EXIT_OK


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="covlint badge", description=__doc__)
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the SVG here (default: stdout)"
    )
    parser.add_argument("--data-file", metavar="PATH", help="coverage data file to read")
    parser.add_argument("--rcfile", metavar="PATH", help="coverage configuration file to use")
    parser.add_argument("--fail-under", metavar="PCT", help="green from here (default: config)")
    args = parser.parse_args(argv)
    try:
        return run_badge(args)
    except CovlintError as exc:
        print(f"covlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
