"""A mutation run: the baseline, then every mutant against only the tests that ran its line."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from covlint.analysis import decode_source
from covlint.errors import DataError
from covlint.mutate.execute import Children, TestRun, pytest_arguments, run_tests
from covlint.mutate.model import Mutant, MutantResult
from covlint.mutate.schemata import build_schema
from covlint.mutate.warm import WarmPool, WarmStartError

log = logging.getLogger(__name__)

Progress = Callable[[MutantResult], None]
SHOWN_FAILURES = 3


@dataclass(frozen=True)
class RunOptions:
    """How to run the mutants."""

    jobs: int = 0  # 0: one per core
    timeout_factor: float = 3.0  # a mutant may take this many times its tests' baseline time
    timeout: float = 5.0  # seconds added to every mutant's allowance (start-up noise)
    fork: bool = True  # run switchable mutants in forks of a warm test process


@dataclass(frozen=True)
class Baseline:
    """The unmutated tests' timing: start-up cost and each test's duration."""

    startup: float
    durations: dict[str, float]

    def allowance(self, mutant: Mutant, options: RunOptions, *, warm: bool = False) -> float:
        """The seconds a mutant's tests may take (in a warm fork: no start-up to pay)."""
        tests = sum(self.durations.get(test, 0.0) for test in mutant.tests)
        startup = 0.0 if warm else self.startup
        return options.timeout_factor * (startup + tests) + options.timeout


def default_jobs() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - platform quirk


def run_baseline(root: Path, tests: list[str], children: Children) -> Baseline:
    """Run the tests once unmutated; they must pass, or no outcome would mean anything."""
    run = run_tests(root, pytest_arguments(tests, first_failure=False), children)
    if run.exit_code != 0:
        raise DataError(_baseline_failure(run))
    startup = max(0.0, run.seconds - sum(run.durations.values()))
    log.info("baseline: %d tests in %.2f s (start-up %.2f s)", len(tests), run.seconds, startup)
    return Baseline(startup, run.durations)


def _baseline_failure(run: TestRun) -> str:
    if run.failed:
        shown = ", ".join(run.failed[:SHOWN_FAILURES])
        more = f" and {len(run.failed) - SHOWN_FAILURES} more" if len(run.failed) > 3 else ""
        return f"the tests fail without any mutant ({shown}{more}): fix them, then mutate"
    last = (run.stderr.strip().splitlines() or ["no output"])[-1]
    return f"pytest cannot run the recorded tests (exit {run.exit_code}: {last}): re-run tests"


def run_mutants(
    root: Path,
    mutants: list[Mutant],
    options: RunOptions,
    progress: Progress | None = None,
) -> list[MutantResult]:
    """Every mutant's outcome, `options.jobs` at a time; Ctrl-C ends all children first."""
    children = Children()
    tests = sorted({test for mutant in mutants for test in mutant.tests})
    try:
        baseline = run_baseline(root, tests, children) if tests else Baseline(0.0, {})
    except BaseException:
        children.stop_all()
        raise
    texts = {path: decode_source((root / path).read_bytes()) for path in _paths(mutants)}
    numbers, warm = _warm_pool(root, mutants, texts, children, options)

    def one(mutant: Mutant) -> MutantResult:
        number = numbers.get(mutant)
        result = None
        if number is not None and not children.stopping:
            result = run_warm(
                root, mutant, number, warm, baseline.allowance(mutant, options, warm=True)
            )
        text = texts[mutant.path]
        if result is None:
            result = run_mutant(
                root, mutant, text, baseline=baseline, options=options, children=children
            )
        if result.survived and mutant.wider_tests:  # a guess of its tests: ask all of them
            wider = replace(mutant, tests=mutant.wider_tests, wider_tests=())
            result = run_mutant(
                root, wider, text, baseline=baseline, options=options, children=children
            )
        if progress is not None:
            progress(result)
        return result

    with ThreadPoolExecutor(max_workers=options.jobs or default_jobs()) as pool:
        try:
            return list(pool.map(one, mutants))
        except BaseException:  # Ctrl-C: end the running tests now, start no more
            children.stop_all()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            warm.stop()


def _warm_pool(
    root: Path,
    mutants: list[Mutant],
    texts: dict[str, str],
    children: Children,
    options: RunOptions,
) -> tuple[dict[Mutant, int], WarmPool]:
    """The switch number of each mutant a warm process can run, and the pool of them."""
    numbers: dict[Mutant, int] = {}
    sources: dict[Path, str] = {}
    covered = [m for m in mutants if m.tests] if options.fork else []
    for path in sorted({m.path for m in covered}):
        mine = [m for m in covered if m.path == path]
        schema = build_schema(texts[path], [m.mutation for m in mine], first=len(numbers) + 1)
        try:
            compile(schema.text, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            log.warning("%s: mutants not switchable (%s): one process per mutant", path, exc)
            continue
        numbers.update(
            {m: schema.numbers[m.mutation] for m in mine if m.mutation in schema.numbers}
        )
        sources[root / path] = schema.text
    tests = sorted({test for mutant in numbers for test in mutant.tests})
    return numbers, WarmPool(root, sources, tests, children)


def run_warm(
    root: Path, mutant: Mutant, number: int, warm: WarmPool, limit: float
) -> MutantResult | None:
    """The mutant's outcome from a warm process; None when only a fresh process can tell."""
    process = warm.process()
    if process is None:
        return None
    try:
        run = process.run(number, root / mutant.path, list(mutant.tests), limit)
    except WarmStartError as error:
        warm.give_up(error)
        return None
    if not run.loaded and not run.timed_out:
        return None  # imported some other way: let a fresh process judge it
    return _judged(mutant, run)


def _paths(mutants: list[Mutant]) -> list[str]:
    return sorted({mutant.path for mutant in mutants})


def run_mutant(
    root: Path,
    mutant: Mutant,
    text: str,
    *,
    baseline: Baseline,
    options: RunOptions,
    children: Children,
) -> MutantResult:
    """One mutant's outcome; not covered without running anything when no test ran its line."""
    if not mutant.tests:
        return MutantResult(mutant, "not-covered")
    source = mutant.mutation.apply(text)
    try:
        compile(source, mutant.path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return MutantResult(mutant, "error", detail=f"the mutant does not compile: {exc}")
    if children.stopping:
        return MutantResult(mutant, "error", detail="stopped")
    args = pytest_arguments(list(mutant.tests), first_failure=True)
    limit = baseline.allowance(mutant, options)
    run = run_tests(root, args, children, mutated=(root / mutant.path, source), timeout=limit)
    return _judged(mutant, run)


def _judged(mutant: Mutant, run: TestRun) -> MutantResult:
    if run.timed_out:
        return MutantResult(mutant, "timeout", run.seconds, detail="the tests ran out of time")
    if run.exit_code != 0 and run.failed and run.loaded:  # a failing test or test module
        return MutantResult(mutant, "killed", run.seconds, killed_by=run.failed[0])
    if run.exit_code in (1, 2, 3, 4) and run.loaded:  # pytest itself broke on importing it
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        return MutantResult(mutant, "killed", run.seconds, detail=f"pytest failed: {last}")
    if run.exit_code == 0 and run.loaded:
        return MutantResult(mutant, "survived", run.seconds)
    if run.exit_code == 0:
        detail = "the tests never imported the mutated module"
    else:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        detail = f"pytest exit {run.exit_code}: {last}"
    return MutantResult(mutant, "error", run.seconds, detail=detail)
