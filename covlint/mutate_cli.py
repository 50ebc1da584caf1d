"""`covlint mutate`: mutation testing of the changed lines, each mutant against its own tests."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from covlint import git
from covlint.changes import ChangeSet, base_changes, range_changes, staged_changes
from covlint.coverage_set import CoverageSet
from covlint.errors import CovlintError, DataError, UsageError
from covlint.mutate.config import MutateConfig, jobs, load_mutate_config, percent, positive
from covlint.mutate.merge import merge_runs
from covlint.mutate.model import MutantResult, MutationRun, Shard
from covlint.mutate.plan import PlanOptions, plan_mutants
from covlint.mutate.report import render
from covlint.mutate.results import default_results_path, read_results, write_results
from covlint.mutate.session import RunOptions, run_mutants

# As `covlint check`'s: 0 pass (or nothing to mutate), 1 below the threshold, 2 an error.
EXIT_OK = 0
EXIT_BELOW_THRESHOLD = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scope = parser.add_argument_group("what to mutate")
    scope.add_argument("--base", metavar="REF", help="the changes since the merge-base with REF")
    scope.add_argument("--staged", action="store_true", help="the staged changes (the default)")
    scope.add_argument("--data-file", metavar="PATH", help="coverage data file to read")
    scope.add_argument("--rcfile", metavar="PATH", help="coverage configuration file to use")
    scope.add_argument("--shard", metavar="K/N", help="run only part K of N of the mutants")
    scope.add_argument("--merge", metavar="FILE", nargs="+", help="combine shards' results files")
    run = parser.add_argument_group("running")
    run.add_argument("-j", "--jobs", metavar="N", help="parallel test runs (default: the cores)")
    run.add_argument("--timeout-factor", metavar="F", help="times the baseline a mutant may take")
    run.add_argument(
        "--fork",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run mutants in forks of a warm test process (default: on)",
    )
    rules = parser.add_argument_group("rules and output")
    rules.add_argument("--fail-under", metavar="PCT", help="minimum mutation score percent")
    rules.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    rules.add_argument("--output", metavar="FILE", help="also write the JSON results to FILE")
    rules.add_argument("-q", "--quiet", action="store_true", help="only the summary line")


def parse_shard(text: str) -> Shard:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise UsageError(f"--shard must be K/N with 1 <= K <= N, e.g. 1/4, not {text!r}")
    return Shard(int(index), int(count))


def settings_from(args: argparse.Namespace, root: Path) -> MutateConfig:
    config = load_mutate_config(root)
    factor = args.timeout_factor
    return config.with_overrides(
        fail_under=None if args.fail_under is None else percent(args.fail_under, "--fail-under"),
        jobs=None if args.jobs is None else jobs(args.jobs, "--jobs"),
        timeout_factor=None if factor is None else positive(factor, "--timeout-factor"),
        fork=args.fork,
    )


def changes_for(root: Path, args: argparse.Namespace, base: str | None) -> ChangeSet:
    """As the gate chooses: --staged, --base (or config), pre-push's refs, else staged."""
    from_ref, to_ref = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if args.staged:
        return staged_changes(root)
    ref = args.base or base
    if ref:
        return base_changes(root, ref)
    if from_ref and to_ref:
        return range_changes(root, from_ref, to_ref)
    return staged_changes(root)


class ProgressLine:
    """`covlint mutate: 12/40 mutants (10 killed, 2 survived)` on a terminal, else nothing."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, result: MutantResult) -> None:
        with self.lock:
            self.counts[result.outcome] += 1
            done = sum(self.counts.values())
            shown = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.counts.items()))
            end = "\n" if done == self.total else ""
            sys.stderr.write(f"\rcovlint mutate: {done}/{self.total} mutants ({shown})\x1b[K{end}")
            sys.stderr.flush()


def mutate_change(
    args: argparse.Namespace, root: Path, config: MutateConfig, shard: Shard | None
) -> MutationRun:
    changes = changes_for(root, args, config.base)
    base = changes.base
    if not any(f.path.endswith((".py", ".pyw")) for f in changes.files):
        return MutationRun(str(root), base, 0, ())
    data = CoverageSet.load(
        root, data_file=args.data_file or config.data_file, rcfile=args.rcfile or config.rcfile
    )
    plan = plan_mutants(data, changes, PlanOptions(config.operators, config.exclude))
    mutants = list(plan.shard(shard))
    quiet = args.quiet or not sys.stderr.isatty()
    progress = None if quiet or not mutants else ProgressLine(len(mutants))
    options = RunOptions(config.jobs, config.timeout_factor, config.timeout, config.fork)
    results = run_mutants(root, mutants, options, progress)
    shards = (shard,) if shard else ()
    return MutationRun(str(root), base, len(plan.mutants), tuple(results), plan.digests, shards)


def merged(paths: list[str]) -> MutationRun:
    return merge_runs([read_results(Path(path)) for path in paths], paths)


def run_mutate(args: argparse.Namespace) -> int:
    root = git.repo_root(Path.cwd())
    config = settings_from(args, root)
    if args.merge and (args.shard or args.base or args.staged):
        raise UsageError("--merge combines results files: it takes no --shard, --base or --staged")
    shard = parse_shard(args.shard) if args.shard else None
    run = merged(args.merge) if args.merge else mutate_change(args, root, config, shard)
    threshold = None if run.shards else config.fail_under  # a shard alone has no verdict
    for target in [default_results_path(root), *([Path(args.output)] if args.output else [])]:
        write_results(target, run, threshold)
    sys.stdout.write(render(run, args.format, config.fail_under, quiet=args.quiet))
    if run.results and run.score is None:  # every mutant an error: there is no verdict
        first = run.results[0].detail
        raise DataError(f"none of the {len(run.results)} mutants could be judged ({first})")
    if run.shards:
        print(f"covlint: shard {run.shards[0]}: merge all shards for the verdict", file=sys.stderr)
        return EXIT_OK
    score = run.score
    return EXIT_OK if score is None or score >= config.fail_under else EXIT_BELOW_THRESHOLD


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="covlint mutate", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _stop)  # a cancelled CI job: as Ctrl-C
    try:
        return run_mutate(args)
    except CovlintError as exc:
        print(f"covlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("covlint: interrupted: your files are as they were", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main())
