"""`covlint check`: block changes whose diff coverage is below the threshold."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from covlint import git
from covlint.changes import ChangeSet, base_changes, range_changes, staged_changes
from covlint.coverage_set import CoverageSet
from covlint.datafile import read_with_retries
from covlint.diffcov import diff_coverage
from covlint.errors import CovlintError, DataError
from covlint.filenames import is_python_path
from covlint.hooks.config import Config, load_config, percent
from covlint.hooks.exit_codes import EXIT_BELOW_THRESHOLD, EXIT_ERROR, EXIT_OK
from covlint.hooks.precommit_stash import set_aside_files
from covlint.hooks.ratchet import apply_ratchet
from covlint.hooks.render import FORMATS, render
from covlint.hooks.verdict import decide
from covlint.model import DiffCoverage, SkippedChange
from covlint.totals import project_counts

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scope = parser.add_argument_group("what to check")
    scope.add_argument("--base", metavar="REF", help="check changes since the merge-base with REF")
    scope.add_argument("--data-file", metavar="PATH", help="coverage data file to read")
    scope.add_argument("--rcfile", metavar="PATH", help="coverage configuration file to use")
    rules = parser.add_argument_group("rules")
    rules.add_argument("--fail-under", metavar="PCT", help="minimum diff coverage percent")
    rules.add_argument(
        "--branch",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="count branch arcs (default: when the data has them)",
    )
    rules.add_argument("--stale", choices=("error", "warn"), help="what stale data does")
    rules.add_argument("--ratchet", metavar="FILE", help="total coverage may never drop below")
    output = parser.add_argument_group("output")
    output.add_argument("--format", choices=tuple(FORMATS), default="text")
    output.add_argument("-q", "--quiet", action="store_true", help="only failures and the total")
    output.add_argument("-v", "--verbose", action="store_true", help="also list skipped changes")


def settings_from(args: argparse.Namespace, root: Path) -> Config:
    config = load_config(root)
    fail_under = None if args.fail_under is None else percent(args.fail_under, "--fail-under")
    return config.with_overrides(
        fail_under=fail_under,
        base=args.base,
        data_file=args.data_file,
        rcfile=args.rcfile,
        branch=args.branch,
        stale=args.stale,
        ratchet=args.ratchet,
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
        raise DataError(data.describe_unmapped())
    return data


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
    root, head = git.top_and_head(Path.cwd())
    config = settings_from(args, root)
    changes = changes_for(root, config, head)
    if not any(is_python_path(f.path) for f in changes.files) and not config.ratchet:
        return report_nothing(args, config, changes)
    coverage, branch, data = measure(root, config, changes)
    check_stale(coverage, config)
    verdict = decide(coverage, config.fail_under, config.thresholds, branch=branch)
    sys.stdout.write(render(verdict, args.format, verbose=args.verbose, quiet=args.quiet))
    passed = verdict.passed
    if config.ratchet:
        result = apply_ratchet(root / config.ratchet, project_counts(data).percent)
        print(result.message, file=sys.stderr)
        passed = passed and result.passed
    return EXIT_OK if passed else EXIT_BELOW_THRESHOLD


def report_nothing(args: argparse.Namespace, config: Config, changes: ChangeSet) -> int:
    """No Python file changed: pass without needing coverage data."""
    skipped = tuple(SkippedChange(f.path, "not Python") for f in changes.files)
    verdict = decide(DiffCoverage((), skipped), config.fail_under, {}, branch=False)
    sys.stdout.write(render(verdict, args.format, verbose=args.verbose, quiet=args.quiet))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="covlint check", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_check(args)
    except CovlintError as exc:
        print(f"covlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
