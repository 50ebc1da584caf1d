"""Test selection on real projects: seed faults one at a time; does the selection miss a test?

For each project (a PyPI sdist with its own suite, committed to a fresh git repository):

1. record: the plain suite, `pytest --cov --cov-context=test` (the data covlint reads) and
   `pytest --testmon` (testmon's own database), each `--runs` times from scratch;
2. for each fault (bench/affected_faults.py), written into the working tree:
   - covlint: `pytest --covlint-affected` (the selected run, timed); then every other test
     (`-x`): a failure there is a test covlint missed; F = every failing test;
   - pytest-testmon: `pytest --testmon` from the database recorded in step 1;
   - pytest-picked: `pytest --picked` (tests in changed files only);
   - a peer misses a fault when a test of F is not among the tests it ran;
   - a missed test that passes when run alone with the fault failed only after other tests
     (order-dependent): it leaves F and is listed apart.

Every run is one process with only the plugins it needs (PYTEST_DISABLE_PLUGIN_AUTOLOAD), one
at a time. Results: bench/out/affected/results.{json,md}.

Usage::

    python bench/bench_affected.py                      # click 55 faults, attrs 50
    python bench/bench_affected.py --projects click --faults 5 --runs 1   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from affected_faults import Fault, apply, candidates, sample

BENCH_DIR = Path(__file__).resolve().parent
OUT = BENCH_DIR / "out" / "affected"
COVLINT_ROOT = BENCH_DIR.parent
GITIGNORE = (
    ".coverage\n.coverage.*\n.testmondata*\n__pycache__/\n*.pyc\n.pytest_cache/\n.hypothesis/\n"
)
SELECTED = re.compile(r"covlint: (\d+) of (\d+) tests selected")
EVERYTHING = re.compile(r"covlint: running all (\d+) tests: (.*)")


@dataclass(frozen=True)
class Project:
    name: str
    plugins: tuple[str, ...] = ()  # plugins its suite needs
    source: str = "src"
    options: tuple[str, ...] = ()
    patches: tuple[tuple[str, str, str], ...] = ()  # (file, old, new) before the first commit
    code: str = "src/"  # faults go into measured files under this folder, not into tests


PROJECTS = {
    # click's default `-m 'not stress'` turns testmon's selection off (and deselected tests
    # confuse it): the opt-in stress tests run one round each instead, with the others.
    "click": Project(
        "click",
        options=("-o", "addopts="),
        patches=(
            ("tests/test_stream_lifecycle.py", "range(10_000)", "range(1)"),
            ("tests/test_utils/test_echo_via_pager.py", "range(1000)", "range(1)"),
        ),
    ),
    "attrs": Project("attrs", plugins=("_hypothesis_pytestplugin",)),
    "toolz": Project("toolz", source=".", code="toolz/"),
}


@dataclass
class Outcome:
    fault: str
    failing: list[str] = field(default_factory=list)
    covlint_selected: int = 0
    covlint_everything: str = ""
    covlint_seconds: float = 0.0  # the plugin's selected run (every --timed-every'th fault)
    covlint_engine_seconds: float = 0.0  # computing the selection
    plugin_agrees: bool = True  # the plugin ran as many tests as the engine selected
    covlint_missed: list[str] = field(default_factory=list)
    testmon_ran: int = 0
    testmon_seconds: float = 0.0
    testmon_missed: list[str] = field(default_factory=list)
    picked_ran: int = 0
    picked_seconds: float = 0.0
    picked_missed: list[str] = field(default_factory=list)
    order_dependent: list[str] = field(default_factory=list)  # failed only after other tests


def prepare(project: Project) -> Path:
    """The project's sdist unpacked into a fresh git repository under bench/out/affected."""
    sdists = OUT / "sdists"
    if not list(sdists.glob(f"{project.name}-*.tar.gz")):
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*pip, project.name, "-d", str(sdists)], check=True, capture_output=True)
    sdist = sorted(sdists.glob(f"{project.name}-*.tar.gz"))[-1]
    root = OUT / sdist.name.removesuffix(".tar.gz")
    shutil.rmtree(root, ignore_errors=True)
    with tarfile.open(sdist) as archive:
        archive.extractall(OUT, filter="data")
    (root / ".gitignore").write_text(GITIGNORE)
    for path, old, new in project.patches:
        (root / path).write_text((root / path).read_text().replace(old, new))
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "sdist", "--no-verify"], cwd=root, check=True)
    time.sleep(1.1)  # the data is written in a later second than HEAD's reflog entry
    return root


def suite_env(project: Project, root: Path) -> dict[str, str]:
    """The environment of every run: the project's code first, no outer coverage or plugins."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE", "COVERAGE_"))}
    env.pop("PYTEST_ADDOPTS", None)
    paths = [str(root / project.source), str(BENCH_DIR), str(COVLINT_ROOT)]
    return env | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": os.pathsep.join(paths)}


def pytest(
    project: Project, root: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[float, str, dict[str, Any]]:
    """Run the suite once; (seconds, output, {"ran": [...], "failed": [...]})."""
    outcomes = root.parent / f"{project.name}-outcomes.json"
    outcomes.unlink(missing_ok=True)
    run_env = suite_env(project, root) | (env or {}) | {"BENCH_OUT": str(outcomes)}
    plugins = [arg for name in ("affected_outcomes", *project.plugins) for arg in ("-p", name)]
    quiet = ("-q", *project.options)  # testmon needs the cache provider
    command = [sys.executable, "-m", "pytest", *quiet, *plugins, *args]
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=root, env=run_env, capture_output=True, text=True, timeout=900, check=False
    )
    seconds = time.perf_counter() - start
    found = json.loads(outcomes.read_text()) if outcomes.exists() else {"ran": [], "failed": []}
    return seconds, done.stdout + done.stderr, found


def record(project: Project, root: Path, runs: int) -> dict[str, Any]:
    """Time the plain suite, the context recording and testmon's recording; keep the last data."""
    times: dict[str, list[float]] = {"plain": [], "cov-context": [], "testmon": []}
    baseline_failures: set[str] = set()
    tests = 0
    for _ in range(runs):
        seconds, _, found = pytest(project, root)
        times["plain"].append(seconds)
        baseline_failures |= set(found["failed"])
        tests = len(found["ran"])
        seconds, _, _ = pytest(
            project, root, "-p", "pytest_cov", "--cov", "--cov-context=test", "--cov-report="
        )
        times["cov-context"].append(seconds)
        for stale in root.glob(".testmondata*"):
            stale.unlink()
        seconds, _, _ = pytest(project, root, "-p", "testmon.pytest_testmon", "--testmon")
        times["testmon"].append(seconds)
    _copy_database(root / ".testmondata", root.parent / f"{project.name}.testmondata")
    return {"times": times, "baseline_failures": sorted(baseline_failures), "tests": tests}


def _copy_database(source: Path, target: Path) -> None:
    """A copy of an SQLite database with what its write-ahead log still holds (testmon may
    leave its last writes in `.testmondata-wal`)."""
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    origin.close()
    copy.close()


def seed_faults(
    root: Path, code: str, count: int, seed: int, only: Collection[str] = ()
) -> list[Fault]:
    """Faults on lines some test ran, from the data just recorded (`only`: those of every
    candidate whose description starts with one of these, e.g. `src/click/utils.py:244`)."""
    sys.path.insert(0, str(COVLINT_ROOT))
    from covlint.coverage_set import CoverageSet

    data = CoverageSet.load(root)
    found: list[Fault] = []
    for path in data.measured_paths:
        if path.startswith(code) and "/tests/" not in path:
            found += candidates(root, path, set(data.contexts_by_line(path)))
    if only:
        return [f for f in found if f.describe().startswith(tuple(only))]
    return sample(found, count, seed)


def run_fault(
    project: Project, root: Path, fault: Fault, ignored: set[str], timed: bool
) -> Outcome:
    """One fault: the full suite (F), covlint's selection, and the peers' own runs."""
    from covlint.impact import affected_tests

    outcome = Outcome(fault.describe())
    original = apply(root, fault)
    try:
        _, _, full = pytest(project, root)
        outcome.failing = sorted(set(full["failed"]) - ignored)
        start = time.perf_counter()
        selection = affected_tests(root)
        outcome.covlint_engine_seconds = time.perf_counter() - start
        outcome.covlint_everything = "; ".join(selection.everything)
        chosen = [  # the plugin's rules: a test the data never saw run a line runs too
            t
            for t in full["ran"]
            if selection.runs_everything
            or _within(t, selection.tests)
            or not _within(t, selection.recorded)
        ]
        outcome.covlint_selected = len(chosen)
        outcome.covlint_missed = sorted(set(outcome.failing) - set(chosen))
        if timed:
            plugin = ("-p", "covlint.plugin_affected", "--covlint-affected")
            outcome.covlint_seconds, _, ran = pytest(project, root, *plugin)
            outcome.plugin_agrees = len(ran["ran"]) == len(chosen)
        restore_testmon(project, root)
        testmon = ("-p", "testmon.pytest_testmon", "--testmon")
        outcome.testmon_seconds, _, found = pytest(project, root, *testmon)
        outcome.testmon_ran = len(found["ran"])
        outcome.testmon_missed = sorted(set(outcome.failing) - set(found["ran"]))
        picked = ("-p", "pytest_picked.plugin", "--picked")
        outcome.picked_seconds, _, found = pytest(project, root, *picked)
        outcome.picked_ran = len(found["ran"])
        outcome.picked_missed = sorted(set(outcome.failing) - set(found["ran"]))
        settle_order_dependent(project, root, outcome)
    finally:
        (root / fault.path).write_bytes(original)
    return outcome


def settle_order_dependent(project: Project, root: Path, outcome: Outcome) -> None:
    """A missed test that passes when run alone with the fault failed only because of what
    earlier tests left behind (an unclosed file's warning at garbage collection, a global).
    It is listed apart and leaves F; it stays a tool's miss when the tool ran no other test
    that fails (then only the order showed the fault)."""
    for test in sorted(set(outcome.covlint_missed) | set(outcome.testmon_missed)):
        _, _, alone = pytest(project, root, test)
        if alone["ran"] and not alone["failed"]:
            outcome.order_dependent.append(test)
    gone = set(outcome.order_dependent)
    failing = [t for t in outcome.failing if t not in gone]
    for name in ("covlint_missed", "testmon_missed", "picked_missed"):
        missed = getattr(outcome, name)
        if any(t not in missed for t in failing):  # the tool still sees the fault
            setattr(outcome, name, [t for t in missed if t not in gone])
    outcome.failing = failing or outcome.failing


def restore_testmon(project: Project, root: Path) -> None:
    """testmon's database as recorded, told the packages installed now: other sessions on a
    shared machine install unrelated packages, which testmon takes for a new environment (and
    then runs everything). Its own functions compute the list it compares, in the runs'
    environment."""
    for stale in root.glob(".testmondata*"):
        stale.unlink()
    target = root / ".testmondata"
    shutil.copy(root.parent / f"{project.name}.testmondata", target)
    with sqlite3.connect(target) as db:
        db.execute(
            "update environment set system_packages = ?",
            (_testmon_packages(project, root),),
        )
    db.close()


def _testmon_packages(project: Project, root: Path) -> str:
    code = (
        "from testmon.common import drop_patch_version, get_system_packages;"
        "print(drop_patch_version(get_system_packages()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env=suite_env(project, root),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _within(node_id: str, selected: Collection[str]) -> bool:
    """Whether `node_id` is a selected id or inside one (a file, a class, a function's params)."""
    while node_id:
        if node_id in selected:
            return True
        cut = node_id.rindex("[") if node_id.endswith("]") and "[" in node_id else -1
        node_id = node_id[:cut] if cut >= 0 else node_id.rpartition("::")[0]
    return False


def summary(name: str, recorded: dict[str, Any], outcomes: list[Outcome]) -> dict[str, Any]:
    tests = recorded["tests"]
    detected = [o for o in outcomes if o.failing]

    def peer(ran: str, missed: str, seconds: str) -> dict[str, Any]:
        sizes = [getattr(o, ran) / tests for o in outcomes]
        times = [getattr(o, seconds) for o in outcomes if getattr(o, seconds)] or [0.0]
        return {
            "missed_faults": sum(1 for o in outcomes if getattr(o, missed)),
            "missed_tests": sum(len(getattr(o, missed)) for o in outcomes),
            "selection_median": statistics.median(sizes),
            "selection_mean": statistics.fmean(sizes),
            "seconds_min": min(times),
            "seconds_median": statistics.median(times),
        }

    return {
        "project": name,
        "tests": tests,
        "faults": len(outcomes),
        "detected": len(detected),
        "ran_everything": sum(1 for o in outcomes if o.covlint_everything),
        "order_dependent": {o.fault: o.order_dependent for o in outcomes if o.order_dependent},
        "engine_seconds": _min_median([o.covlint_engine_seconds for o in outcomes]),
        "record": {
            k: {"min": min(v), "median": statistics.median(v)} for k, v in recorded["times"].items()
        },
        "covlint": peer("covlint_selected", "covlint_missed", "covlint_seconds"),
        "testmon": peer("testmon_ran", "testmon_missed", "testmon_seconds"),
        "picked": peer("picked_ran", "picked_missed", "picked_seconds"),
    }


def _min_median(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values)} if values else {}


def table(summaries: list[dict[str, Any]]) -> str:
    """One row per project and tool: misses, selection size, run times, recording time."""
    rows = [
        "| project (tests, faults: detected) | tool | missed faults (tests) |"
        " selection median (mean) | run min / median | recording min / median |",
        "|---|---|---|---|---|---|",
    ]
    for s in summaries:
        full = s["record"]["plain"]
        head = f"{s['project']} ({s['tests']}, {s['faults']}: {s['detected']})"
        rows.append(f"| {head} | full suite | - | 100% | {_seconds(full)} | {_seconds(full)} |")
        for tool, recording in (("covlint", "cov-context"), ("testmon", "testmon"), ("picked", "")):
            t = s[tool]
            recorded = f"{_seconds(s['record'][recording])} ({recording})" if recording else "-"
            rows.append(
                f"| | {tool} | {t['missed_faults']} ({t['missed_tests']}) |"
                f" {t['selection_median']:.1%} ({t['selection_mean']:.1%}) |"
                f" {_seconds(t)} | {recorded} |"
            )
    for s in summaries:
        for fault, names in s["order_dependent"].items():
            tests = ", ".join(names)
            rows.append(f"\n{s['project']}, {fault}: failed only after other tests, passed alone")
            rows.append(f"with the fault (a miss only if no other failing test ran): {tests}")
    return "\n".join(rows) + "\n"


def _seconds(figures: dict[str, float]) -> str:
    return f"{figures['seconds_min' if 'seconds_min' in figures else 'min']:.1f} / " + (
        f"{figures['seconds_median' if 'seconds_median' in figures else 'median']:.1f} s"
    )


def progress(o: Outcome) -> str:
    covlint = f"covlint={o.covlint_selected} missed={len(o.covlint_missed)}"
    peers = f"testmon={o.testmon_ran}/{len(o.testmon_missed)} picked={o.picked_ran}"
    return f"{o.fault}: F={len(o.failing)} {covlint} {peers} {o.covlint_everything[:60]}"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", nargs="+", default=list(PROJECTS), choices=list(PROJECTS))
    parser.add_argument("--faults", type=int, nargs="+", default=[70, 40, 30], help="per project")
    parser.add_argument("--runs", type=int, default=2, help="recording runs of each kind")
    parser.add_argument(
        "--budget", type=float, nargs="+", default=[2400], help="seconds of faults per project"
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--reuse", action="store_true", help="keep a project's last recording")
    parser.add_argument("--skip", type=int, default=0, help="leave out the first N faults")
    parser.add_argument("--out", default="results", help="name of the results files")
    parser.add_argument(
        "--only", nargs="*", default=[], help="faults whose description starts so (FILE:LINE)"
    )
    parser.add_argument("--timed-every", type=int, default=5, help="time the plugin's run")
    return parser.parse_args()


def recording(project: Project, runs: int, reuse: bool) -> tuple[Path, dict[str, Any]]:
    """The project's tree, data and testmon database: recorded now, or as last recorded."""
    saved = OUT / f"{project.name}-recorded.json"
    if reuse and saved.exists():
        recorded = json.loads(saved.read_text())
        root = Path(recorded["root"])
        subprocess.run(["git", "checkout", "-q", "--", "."], cwd=root, check=True)
        return root, recorded
    root = prepare(project)
    recorded = record(project, root, runs)
    saved.write_text(json.dumps({**recorded, "root": str(root)}))
    return root, recorded


def run_project(project: Project, args: argparse.Namespace, index: int) -> dict[str, Any]:
    root, recorded = recording(project, args.runs, args.reuse)
    print(f"{project.name}: {recorded['tests']} tests, recorded {recorded['times']}", flush=True)
    ignored = set(recorded["baseline_failures"])
    outcomes: list[Outcome] = []
    count = args.faults[min(index, len(args.faults) - 1)]
    deadline = time.monotonic() + args.budget[min(index, len(args.budget) - 1)]
    for fault in seed_faults(root, project.code, count, args.seed, args.only)[args.skip :]:
        if time.monotonic() > deadline:
            print(f"{project.name}: time budget used after {len(outcomes)} faults", flush=True)
            break
        timed = len(outcomes) % args.timed_every == 0
        outcomes.append(run_fault(project, root, fault, ignored, timed))
        print(f"  {progress(outcomes[-1])}", flush=True)
    return {
        "recorded": recorded,
        "outcomes": [asdict(o) for o in outcomes],
        "summary": summary(project.name, recorded, outcomes),
    }


def main() -> int:
    args = arguments()
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    for index, name in enumerate(args.projects):
        results[name] = run_project(PROJECTS[name], args, index)
        (OUT / f"{args.out}.json").write_text(json.dumps(results, indent=1))
    summaries = [found["summary"] for found in results.values()]
    (OUT / f"{args.out}.md").write_text(table(summaries))
    print(table(summaries))
    misses = sum(s["covlint"]["missed_faults"] for s in summaries)
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
