"""`covlint trend`: the recorded history of the project's total and diff coverage, and a chart."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from covlint import git
from covlint.counts import format_percent
from covlint.coverage_config import read_coverage_settings
from covlint.errors import CovlintError, UsageError
from covlint.hooks.chart import trend_svg
from covlint.hooks.config import load_config
from covlint.hooks.exit_codes import EXIT_ERROR, EXIT_OK
from covlint.hooks.files import refuse_user_file, write_atomically
from covlint.hooks.history import Entry, default_history, read_history


def history_path(root: Path, given: str | None) -> Path:
    """`--history`, else `history` in config, else the ratchet's own history."""
    config = load_config(root)
    name = given or config.history or (default_history(config.ratchet) if config.ratchet else None)
    if not name:
        raise UsageError("no history to show: pass --history FILE, or set `ratchet` (or `history`)")
    return root / name


def trend_lines(entries: list[Entry]) -> list[str]:
    """A line per entry, oldest first, then the change from the first to the last."""
    lines = [f"{'date':<25} {'commit':<8} {'total':>7} {'diff':>7}"]
    for entry in entries:
        diff = "-" if entry.diff is None else f"{format_percent(entry.diff)}%"
        commit = (entry.commit or "-")[:7]
        lines.append(
            f"{entry.date:<25} {commit:<8} {format_percent(entry.total) + '%':>7} {diff:>7}"
        )
    if entries:
        first, last = entries[0].total, entries[-1].total
        lines.append(
            f"total {format_percent(first)}% → {format_percent(last)}% over {len(entries)} run(s)"
        )
    else:
        lines.append(
            "no entries yet: the ratchet records each raise; `covlint check --record` each run"
        )
    return lines


def run_trend(args: argparse.Namespace) -> int:
    root = git.repo_root(Path.cwd())
    if args.last < 0:
        raise UsageError(f"--last must be 0 (all) or more, not {args.last}")
    path = history_path(root, args.history)
    entries = read_history(path)[-args.last :] if args.last else read_history(path)
    sys.stdout.write("\n".join(trend_lines(entries)) + "\n")
    if args.output:
        target = Path(args.output)
        if target.resolve() == path.resolve():
            raise UsageError(f"{target}: the chart may not overwrite the history")
        refuse_user_file(target, "chart", root, read_coverage_settings(root).data_file, False)
        write_atomically(target, trend_svg(entries), "chart")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="covlint trend", description=__doc__)
    parser.add_argument("--history", metavar="FILE", help="the history file (default: config)")
    parser.add_argument("-o", "--output", metavar="FILE.svg", help="also write an SVG chart")
    parser.add_argument("--last", metavar="N", type=int, default=0, help="only the last N runs")
    args = parser.parse_args(argv)
    try:
        return run_trend(args)
    except CovlintError as exc:
        print(f"covlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
