"""`covlint check`: block changes whose diff coverage is below the threshold."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from covlint import git
from covlint.cachedir import use_cache_dir
from covlint.changes import ChangeSet, base_changes, range_changes, staged_changes
from covlint.coverage_config import read_coverage_settings
from covlint.coverage_set import CoverageSet
from covlint.datafile import read_with_retries
from covlint.diffcov import diff_coverage
from covlint.errors import DataError, UsageError
from covlint.filenames import is_python_path
from covlint.front_door import OneLineParser, guarded
from covlint.hooks.config import Config, load_config, percent
from covlint.hooks.exit_codes import EXIT_BELOW_THRESHOLD, EXIT_ERROR, EXIT_OK
from covlint.hooks.precommit_stash import set_aside_files
from covlint.hooks.render import (
    FORMATS,
    Output,
    RenderOptions,
    parse_output,
    plan_outputs,
    refuse_user_files,
    use_colour,
    write_outputs,
)
from covlint.hooks.replayable import offer_judged, offer_nothing_judged, replayable
from covlint.hooks.selection import add_untracked, exclude_files, nothing_changed
from covlint.hooks.stores import keep_stores, store_paths
from covlint.hooks.verdict import decide
from covlint.hooks.wording import BRANCH_OFF
from covlint.model import DiffCoverage, SkippedChange
from covlint.parse_cache import one_run
from covlint.paths_hint import paths_block

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _scope_arguments(parser.add_argument_group("what to check"))
    _rule_arguments(parser.add_argument_group("rules"))
    _output_arguments(parser.add_argument_group("output"))


def _scope_arguments(scope: argparse._ArgumentGroup) -> None:
    scope.add_argument("--base", metavar="REF", help="check changes since the merge-base with REF")
    scope.add_argument("--data-file", metavar="PATH", help="coverage data file to read")
    scope.add_argument("--rcfile", metavar="PATH", help="coverage configuration file to use")
    scope.add_argument(
        "--include-untracked",
        action="store_true",
        default=None,
        help="count untracked Python files as added",
    )
    scope.add_argument(
        "--exclude", metavar="GLOB", action="append", help="leave matching files out"
    )
    scope.add_argument("--include", metavar="GLOB", action="append", help="judge only these files")


def _rule_arguments(rules: argparse._ArgumentGroup) -> None:
    rules.add_argument("--fail-under", metavar="PCT", help="minimum diff coverage percent")
    rules.add_argument(
        "--branch",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="count branch arcs (default: when the data has them)",
    )
    rules.add_argument("--stale", choices=("error", "warn"), help="what stale data does")
    rules.add_argument("--ratchet", metavar="FILE", help="total coverage may never drop below")
    rules.add_argument(
        "--history", metavar="FILE", help="the trend's history file (default: beside the ratchet)"
    )
    rules.add_argument("--record", action="store_true", help="add this run to the history")


def _output_arguments(output: argparse._ArgumentGroup) -> None:
    output.add_argument(
        "--format",
        metavar="FMT[:PATH]",
        action="append",
        type=format_spec,
        help=f"report format, repeatable; PATH writes a file ({', '.join(FORMATS)})",
    )
    output.add_argument("-q", "--quiet", action="store_true", help="only failing files and verdict")
    output.add_argument("-v", "--verbose", action="store_true", help="also list every file")


def format_spec(value: str) -> str:
    """`--format` values are checked as they are parsed: a typo is a usage error."""
    try:
        parse_output(value)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _percent_flag(value: str | None) -> float | None:
    try:
        return None if value is None else percent(value, "--fail-under")
    except UsageError as exc:
        raise UsageError(f"{exc}; see covlint check --help") from None


def settings_from(args: argparse.Namespace, root: Path) -> Config:
    fail_under = _percent_flag(args.fail_under)
    return load_config(root).with_overrides(
        fail_under=fail_under,
        base=args.base,
        data_file=args.data_file,
        rcfile=args.rcfile,
        branch=args.branch,
        stale=args.stale,
        ratchet=args.ratchet,
        history=args.history,
        formats=tuple(args.format) if args.format else None,
        include_untracked=args.include_untracked,
        exclude=tuple(args.exclude) if args.exclude else None,
        include=tuple(args.include) if args.include else None,
    )


def changes_for(root: Path, config: Config, head: str | None = None) -> ChangeSet:
    """Staged changes by default; a base ref's merge-base; pre-commit's pre-push refs."""
    from_ref = os.environ.get("PRE_COMMIT_FROM_REF")
    to_ref = os.environ.get("PRE_COMMIT_TO_REF")
    if config.base:
        return base_changes(root, config.base)
    if from_ref and to_ref:
        return range_changes(root, from_ref, to_ref)
    return staged_changes(root, head)


def load_data(root: Path, config: Config, changed: list[str]) -> CoverageSet:
    """The data, with the changed files looked up; an error when none of it maps here."""
    data = CoverageSet.load(root, data_file=config.data_file, rcfile=config.rcfile)
    data.prefetch(changed)
    if not any(map(data.is_measured, changed)) and not data.measured_paths and data.unmapped:
        block = paths_block(root, data.unmapped)
        if block:  # the report's place: stdout; the error stays one line on stderr
            print(f"covlint: a [paths] block for your coverage config:\n{block}")
        raise DataError(data.describe_unmapped())
    return data


def data_notes(
    root: Path, config: Config, data: CoverageSet, coverage: DiffCoverage
) -> tuple[str, ...]:
    """What the report says once about the data: branch coverage off, paths that map nowhere
    (looked for only when a changed file was never measured: mapping every name costs)."""
    notes = []
    if config.branch is None and not data.has_arcs:
        notes.append(BRANCH_OFF)
    if any(f.status == "not-measured" for f in coverage.files) and data.unmapped:
        block = paths_block(root, data.unmapped)
        notes.append(data.describe_unmapped() + (f"; for example:\n{block}" if block else ""))
    return tuple(notes)


def measure(
    root: Path, config: Config, changes: ChangeSet
) -> tuple[DiffCoverage, bool, CoverageSet]:
    """Diff coverage of `changes`, read again whole if the data changed while it was read."""
    return read_with_retries(lambda: _measure(root, config, changes))


def _measure(
    root: Path, config: Config, changes: ChangeSet
) -> tuple[DiffCoverage, bool, CoverageSet]:
    data = load_data(root, config, [f.path for f in changes.files if is_python_path(f.path)])
    branch = data.has_arcs if config.branch is None else config.branch
    if branch and not data.has_arcs:
        raise DataError("--branch needs branch data: record with `pytest --cov --cov-branch`")
    coverage = diff_coverage(
        data, changes, branch=branch, parallel=True, set_aside=set_aside_files()
    )
    return coverage, branch, data


def check_stale(coverage: DiffCoverage, config: Config) -> None:
    """`stale = "error"`: stop naming the first file whose data cannot judge all its changes."""
    stale = [f for f in coverage.files if f.status == "stale" or f.changed_since_run]
    if stale and config.stale == "error":
        more = f" (and {len(stale) - 1} more stale file(s))" if len(stale) > 1 else ""
        raise DataError(stale[0].reason + more)
    for item in stale:
        if item.status != "stale":  # judged on the rest; say what was left out
            print(f"covlint: warning: {item.reason} (left out)", file=sys.stderr)


def run_check(args: argparse.Namespace) -> int:
    with one_run():
        return _run_check(args)


def _run_check(args: argparse.Namespace) -> int:
    root, head = git.top_and_head(Path.cwd())
    config = settings_from(args, root)
    if config.cache_dir:
        use_cache_dir(root / Path(config.cache_dir).expanduser())
    outputs = plan_outputs(config.formats)
    changes = add_untracked(root, changes_for(root, config, head), config)
    options = RenderOptions(root, args.verbose, args.quiet, use_colour())
    left_out = exclude_files(changes, config)
    keeps_store = bool(config.ratchet or args.record)
    if not any(is_python_path(f.path) for f in changes.files) and not keeps_store:
        return report_nothing(config, changes, left_out, outputs, options)
    coverage, branch, data = measure(root, config, changes)
    refuse_user_files(outputs, root, data.settings.data_file)
    stores = store_paths(root, config, data, record=args.record)
    coverage = DiffCoverage(coverage.files, coverage.skipped + left_out)
    check_stale(coverage, config)
    verdict = decide(
        coverage,
        config.fail_under,
        config.thresholds,
        branch=branch,
        nothing_changed=nothing_changed(changes, config),
        notes=data_notes(root, config, data, coverage),
    )
    write_outputs(verdict, outputs, options)
    stores_pass = keep_stores(root, stores, data, verdict, record=args.record)
    if replayable(config, outputs, verbose=args.verbose, stores=keeps_store):
        offer_judged(root, config, changes, data, coverage)
    return EXIT_OK if verdict.passed and stores_pass else EXIT_BELOW_THRESHOLD


def report_nothing(
    config: Config,
    changes: ChangeSet,
    left_out: tuple[SkippedChange, ...],
    outputs: Sequence[Output],
    options: RenderOptions,
) -> int:
    """No Python file changed: pass without needing coverage data."""
    settings = read_coverage_settings(
        options.root, rcfile=config.rcfile, data_file=config.data_file
    )
    refuse_user_files(outputs, options.root, settings.data_file)
    skipped = tuple(SkippedChange(f.path, "not Python") for f in changes.files) + left_out
    verdict = decide(
        DiffCoverage((), skipped),
        config.fail_under,
        {},
        branch=False,
        nothing_changed=nothing_changed(changes, config),
    )
    write_outputs(verdict, outputs, options)
    if replayable(config, outputs, verbose=options.verbose, stores=False):
        offer_nothing_judged(options.root, config)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 passed, 1 below a threshold, 2 anything else (one line on stderr)."""
    parser = OneLineParser(prog="covlint check", description=__doc__)
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0), or a usage error already reported (2)
        return stop.code if isinstance(stop.code, int) else EXIT_ERROR
    return guarded(lambda: run_check(args), verbose=args.verbose)


if __name__ == "__main__":
    raise SystemExit(main())
