"""Time `covlint check` against the peer pipeline on large synthetic projects, and check verdicts.

For each project size N (modules of ~300 lines, see generate.py; cached under bench/out/):

(a) ``covlint check --fail-under 0 --no-branch --format json``            (one process)
(b) ``coverage xml -o cov.xml`` + ``diff-cover cov.xml --compare-branch=HEAD --ignore-unstaged
    --format json:diff-cover.json``                                        (sum of both)
(c) ``coverage report``                                                    (reference)
(d) ``covlint check --fail-under 0 --format json``                        (branch mode; extra)

Each is a whole process (interpreter start-up included) with a clean environment (PATH and HOME
only), run `--runs` times after `--warmup` untimed rounds, the commands interleaved round by
round. Medians (and minima) are reported as a markdown table, with the flatness ratio
covlint(N=largest) / covlint(N=smallest).

Verdict check (exit status 1 on any mismatch):

* covlint line mode vs diff-cover's JSON report: per-file statements, uncovered lines and
  percent, and the totals;
* covlint (line and branch mode) vs an oracle computed from ``coverage json`` (coverage.py's own
  analysis of the changed files) and ``git diff --cached -U0``: changed statements, uncovered
  lines, branch arcs leaving changed lines and the missed ones.

Usage::

    python bench/bench_gate.py                      # N = 300 and 1200, 7 runs
    python bench/bench_gate.py --sizes 300 --runs 3
    python bench/bench_gate.py --skip-covlint       # peers only (before covlint exists)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generate import META_FILE, clean_env, generate, generator_fingerprint

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
PERCENT_TOLERANCE = 0.01


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------


def executable(name: str, module: str | None = None) -> list[str]:
    """The console script next to this interpreter (no pyenv shim), else on PATH, else -m."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return [str(beside)]
    found = shutil.which(name)
    if found:
        return [found]
    if module:
        return [sys.executable, "-m", module]
    raise SystemExit(f"{name} not found (pip install -e '.[bench]')")


def run(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd, env=clean_env(), capture_output=True, text=True, check=False
    )
    return time.perf_counter() - t0, proc


def checked(
    proc: subprocess.CompletedProcess[str], ok: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess[str]:
    if proc.returncode not in ok:
        cmd = " ".join(str(a) for a in proc.args)
        raise SystemExit(f"`{cmd}` exited {proc.returncode}\n{proc.stdout[-2000:]}{proc.stderr}")
    return proc


# --------------------------------------------------------------------------------------------
# The projects
# --------------------------------------------------------------------------------------------


def ensure_project(
    modules: int, changed: int, seed: int, regen: bool
) -> tuple[Path, dict[str, Any]]:
    """Generate once and cache; rebuild when the generator changed or the tree was disturbed."""
    project = OUT_DIR / f"n{modules}-c{changed}-s{seed}"
    meta_path = project / ".git" / META_FILE
    if not regen and meta_path.is_file():
        meta: dict[str, Any] = json.loads(meta_path.read_text())
        _, staged = run(["git", "diff", "--cached", "--name-only"], project)
        if (
            meta.get("generator_fingerprint") == generator_fingerprint()
            and staged.returncode == 0
            and staged.stdout.split() == meta["changed_paths"]
        ):
            return project, meta
    print(f"generating N={modules} in {project} …", flush=True)
    return project, generate(project, modules, changed, seed, quiet=True)


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def min(self) -> float:
        return min(self.seconds)

    def cell(self) -> str:
        return f"{self.median:.3f} (min {self.min:.3f})" if self.seconds else "n/a"


@dataclass
class SizeResult:
    modules: int
    source_lines: int
    timings: dict[str, Samples]
    covlint_json: dict[str, Any] | None
    covlint_branch_json: dict[str, Any] | None
    diff_cover_json: dict[str, Any]
    project: Path
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before / after


def bench_size(
    project: Path, meta: dict[str, Any], runs: int, warmup: int, with_covlint: bool
) -> SizeResult:
    covlint = executable("covlint")[0] if with_covlint else ""
    coverage = executable("coverage", "coverage")
    diff_cover = executable("diff-cover", "diff_cover.diff_cover_tool")
    commands: dict[str, list[str]] = {}
    if with_covlint:
        gate = [covlint, "check", "--fail-under", "0", "--format", "json"]
        commands["covlint"] = [*gate[:4], "--no-branch", *gate[4:]]
        commands["covlint_branch"] = gate
    commands["xml"] = [*coverage, "xml", "-o", "cov.xml"]
    commands["diff_cover"] = [
        *diff_cover,
        "cov.xml",
        "--compare-branch=HEAD",
        "--ignore-unstaged",
        "--format",
        "json:diff-cover.json",
        "--total-percent-float",
    ]
    commands["report"] = [*coverage, "report"]

    load_before = os.getloadavg()[0]
    timings = {name: Samples() for name in commands}
    timings["xml+diff_cover"] = Samples()
    last: dict[str, subprocess.CompletedProcess[str]] = {}
    for round_no in range(warmup + runs):
        this_round: dict[str, float] = {}
        for name, cmd in commands.items():
            this_round[name], proc = run(cmd, project)
            last[name] = checked(proc)
        this_round["xml+diff_cover"] = this_round["xml"] + this_round["diff_cover"]
        if round_no >= warmup:
            for name, seconds in this_round.items():
                timings[name].seconds.append(seconds)
        label = "warm-up" if round_no < warmup else f"run {round_no - warmup + 1}/{runs}"
        shown = ", ".join(f"{n}={s:.3f}s" for n, s in this_round.items())
        print(f"  N={meta['modules']} {label}: {shown}", flush=True)

    def parse(name: str) -> dict[str, Any] | None:
        if name not in last:
            return None
        try:
            parsed: dict[str, Any] = json.loads(last[name].stdout)
        except json.JSONDecodeError as exc:
            text = last[name].stdout[:500]
            raise SystemExit(f"{name}: stdout is not JSON ({exc}):\n{text}") from None
        return parsed

    return SizeResult(
        modules=int(meta["modules"]),
        source_lines=int(meta["source_lines"]),
        timings=timings,
        covlint_json=parse("covlint"),
        covlint_branch_json=parse("covlint_branch"),
        diff_cover_json=json.loads((project / "diff-cover.json").read_text()),
        project=project,
        load=(load_before, os.getloadavg()[0]),
    )


# --------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def staged_changed_lines(project: Path) -> dict[str, set[int]]:
    """Added/modified line numbers (new side) per staged file, from `git diff --cached -U0`."""
    cmd = ["git", "-c", "core.quotepath=off", "diff", "--cached", "-U0", "--no-color"]
    proc = checked(run([*cmd, "--no-ext-diff", "--no-renames"], project)[1])
    changed: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in proc.stdout.splitlines():
        if line.startswith("+++ "):
            path = line[4:]
            current = None if path == "/dev/null" else changed.setdefault(path[2:], set())
        elif (m := _HUNK.match(line)) and current is not None:
            start, count = int(m.group(1)), int(m.group(2) or "1")
            current.update(range(start, start + count))
    return changed


@dataclass
class OracleFile:
    statements: set[int]
    uncovered: set[int]
    arcs: set[tuple[int, int]]
    missed_arcs: set[tuple[int, int]]


def oracle(project: Path) -> dict[str, OracleFile]:
    """Diff coverage per file, from coverage.py's own `coverage json` of the changed files."""
    changed = staged_changed_lines(project)
    include = ",".join(changed)
    coverage = executable("coverage", "coverage")
    cmd = [*coverage, "json", "-q", "--include", include, "-o", ".bench-oracle.json"]
    checked(run(cmd, project)[1])
    data = json.loads((project / ".bench-oracle.json").read_text())["files"]
    result: dict[str, OracleFile] = {}
    for path, lines in changed.items():
        info = data.get(path)
        if info is None:
            continue
        stmts = set(info["executed_lines"]) | set(info["missing_lines"])
        executed_arcs = {(a, b) for a, b in info.get("executed_branches", [])}
        missing_arcs = {(a, b) for a, b in info.get("missing_branches", [])}
        result[path] = OracleFile(
            statements=stmts & lines,
            uncovered=set(info["missing_lines"]) & lines,
            arcs={arc for arc in executed_arcs | missing_arcs if arc[0] in lines},
            missed_arcs={arc for arc in missing_arcs if arc[0] in lines},
        )
    return result


def _pct(covered: int, total: int) -> float:
    return 100.0 * covered / total if total else 100.0


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= PERCENT_TOLERANCE


def _by_path(covlint: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in covlint["files"] if f.get("statements")}


def compare_diff_cover(covlint: dict[str, Any], dc: dict[str, Any]) -> list[str]:
    """covlint (line mode) vs diff-cover's JSON report for the same staged diff."""
    problems: list[str] = []
    ours = _by_path(covlint)
    theirs: dict[str, dict[str, Any]] = dc["src_stats"]
    for path in sorted(set(ours) ^ set(theirs)):
        where = "covlint only" if path in ours else "diff-cover only"
        problems.append(f"{path}: judged by {where}")
    for path in sorted(set(ours) & set(theirs)):
        o, t = ours[path], theirs[path]
        t_statements = len(t["covered_lines"]) + len(t["violation_lines"])
        if o["statements"] != t_statements:
            problems.append(
                f"{path}: statements covlint={o['statements']} diff-cover={t_statements}"
            )
        if sorted(o["uncovered_lines"]) != sorted(t["violation_lines"]):
            only_o = sorted(set(o["uncovered_lines"]) - set(t["violation_lines"]))
            only_t = sorted(set(t["violation_lines"]) - set(o["uncovered_lines"]))
            problems.append(
                f"{path}: uncovered lines differ: covlint-only {only_o}, diff-cover-only {only_t}"
            )
        if not _close(o["percent"], t["percent_covered"]):
            problems.append(
                f"{path}: percent covlint={o['percent']} diff-cover={t['percent_covered']}"
            )
    totals = covlint["totals"]
    if totals["statements"] != dc["total_num_lines"]:
        problems.append(
            f"total statements covlint={totals['statements']} diff-cover={dc['total_num_lines']}"
        )
    dc_covered = dc["total_num_lines"] - dc["total_num_violations"]
    if totals["covered_statements"] != dc_covered:
        problems.append(
            f"total covered covlint={totals['covered_statements']} diff-cover={dc_covered}"
        )
    if not _close(totals["percent"], dc["total_percent_covered"]):
        problems.append(
            f"total percent covlint={totals['percent']} diff-cover={dc['total_percent_covered']}"
        )
    return problems


def _oracle_file(mode: str, path: str, o: dict[str, Any], e: OracleFile) -> list[str]:
    problems: list[str] = []
    if o["statements"] != len(e.statements):
        problems.append(f"[{mode}] {path}: statements {o['statements']} != {len(e.statements)}")
    if set(o["uncovered_lines"]) != e.uncovered:
        got, want = sorted(o["uncovered_lines"]), sorted(e.uncovered)
        problems.append(f"[{mode}] {path}: uncovered {got} != {want}")
    missed = {(a["from"], a["to"]) for a in o.get("missed_arcs", [])}
    covered = len(e.statements) - len(e.uncovered)
    if mode == "branch":
        if missed != e.missed_arcs:
            problems.append(
                f"[{mode}] {path}: missed arcs covlint-only {sorted(missed - e.missed_arcs)}, "
                f"oracle-only {sorted(e.missed_arcs - missed)}"
            )
        if o.get("branches", len(e.arcs)) != len(e.arcs):
            problems.append(f"[{mode}] {path}: branches {o['branches']} != {len(e.arcs)}")
        want_pct = _pct(covered + len(e.arcs) - len(e.missed_arcs), len(e.statements) + len(e.arcs))
    else:
        if missed:
            problems.append(f"[{mode}] {path}: missed arcs listed with --no-branch")
        want_pct = _pct(covered, len(e.statements))
    if not _close(o["percent"], want_pct):
        problems.append(f"[{mode}] {path}: percent {o['percent']} != {want_pct:.4f}")
    return problems


def compare_oracle(
    covlint: dict[str, Any], truth: dict[str, OracleFile], branch: bool
) -> list[str]:
    """covlint vs coverage.py's own analysis restricted to the changed lines."""
    mode = "branch" if branch else "line"
    problems: list[str] = []
    ours = _by_path(covlint)
    expected = {p: f for p, f in truth.items() if f.statements}
    for path in sorted(set(ours) ^ set(expected)):
        where = "covlint only" if path in ours else "oracle only"
        problems.append(f"[{mode}] {path}: judged by {where}")
    n_stmts = n_cov = n_br = n_cov_br = 0
    for path in sorted(set(ours) & set(expected)):
        e = expected[path]
        n_stmts += len(e.statements)
        n_cov += len(e.statements) - len(e.uncovered)
        if branch:
            n_br += len(e.arcs)
            n_cov_br += len(e.arcs) - len(e.missed_arcs)
        problems += _oracle_file(mode, path, ours[path], e)
    t = covlint["totals"]
    want_totals = {"statements": n_stmts, "covered_statements": n_cov}
    if branch:
        want_totals |= {"branches": n_br, "covered_branches": n_cov_br}
    for key, want_n in want_totals.items():
        if t.get(key) != want_n:
            problems.append(f"[{mode}] totals.{key} {t.get(key)} != {want_n}")
    want_pct = _pct(n_cov + n_cov_br, n_stmts + n_br)
    if not _close(t["percent"], want_pct):
        problems.append(f"[{mode}] totals.percent {t['percent']} != {want_pct:.4f}")
    return problems


def verdicts(result: SizeResult) -> list[str]:
    problems: list[str] = []
    truth = oracle(result.project)
    dc = result.diff_cover_json
    # diff-cover against the oracle: if these disagree, the oracle or the data is off.
    dc_as_covlint = {
        "files": [
            {
                "path": p,
                "statements": len(s["covered_lines"]) + len(s["violation_lines"]),
                "uncovered_lines": s["violation_lines"],
                "percent": s["percent_covered"],
            }
            for p, s in dc["src_stats"].items()
        ],
        "totals": {
            "statements": dc["total_num_lines"],
            "covered_statements": dc["total_num_lines"] - dc["total_num_violations"],
            "percent": dc["total_percent_covered"],
        },
    }
    problems += [f"(diff-cover vs oracle) {p}" for p in compare_oracle(dc_as_covlint, truth, False)]
    if result.covlint_json is not None:
        problems += [f"(vs diff-cover) {p}" for p in compare_diff_cover(result.covlint_json, dc)]
        problems += compare_oracle(result.covlint_json, truth, branch=False)
    if result.covlint_branch_json is not None:
        problems += compare_oracle(result.covlint_branch_json, truth, branch=True)
    return problems


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def table(results: list[SizeResult]) -> str:
    rows = [
        "| N modules | source lines | covlint check (s) | coverage xml + diff-cover (s) | ratio "
        "| coverage report (s) | covlint check, branch mode (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        t = r.timings
        gate = t.get("covlint")
        peer = t["xml+diff_cover"]
        ratio = f"{peer.median / gate.median:.1f}x" if gate and gate.seconds else "n/a"
        rows.append(
            f"| {r.modules} | {r.source_lines:,} | {gate.cell() if gate else 'n/a'} "
            f"| {peer.cell()} | {ratio} | {t['report'].cell()} "
            f"| {t['covlint_branch'].cell() if 'covlint_branch' in t else 'n/a'} |"
        )
    rows.append("")
    rows.append(
        "Load average (1 min) before/after: "
        + "; ".join(f"N={r.modules}: {r.load[0]:.2f}/{r.load[1]:.2f}" for r in results)
        + f" on {os.cpu_count()} CPUs.  "
    )
    rows.append(
        "Peer split (median s): "
        + "; ".join(
            f"N={r.modules}: coverage xml {r.timings['xml'].median:.3f}, "
            f"diff-cover {r.timings['diff_cover'].median:.3f}"
            for r in results
        )
    )
    gates = [r for r in results if "covlint" in r.timings]
    if len(gates) >= 2:
        small, large = gates[0], gates[-1]
        flat = large.timings["covlint"].median / small.timings["covlint"].median
        peer_growth = (
            large.timings["xml+diff_cover"].median / small.timings["xml+diff_cover"].median
        )
        flat_min = large.timings["covlint"].min / small.timings["covlint"].min
        rows.append(
            f"\nFlatness: covlint(N={large.modules}) / covlint(N={small.modules}) = {flat:.2f} "
            f"by medians, {flat_min:.2f} by minima (xml + diff-cover: {peer_growth:.2f})"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="300,1200", help="comma-separated N (default 300,1200)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    parser.add_argument("--changed", type=int, default=20, help="staged modules (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--regen", action="store_true", help="regenerate cached projects")
    parser.add_argument("--skip-covlint", action="store_true", help="time the peers only")
    parser.add_argument("--no-verdict", action="store_true", help="skip the verdict check")
    args = parser.parse_args(argv)

    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    with_covlint = not args.skip_covlint
    beside = Path(sys.executable).parent / "covlint"
    if with_covlint and not beside.is_file() and not shutil.which("covlint"):
        raise SystemExit("covlint not installed: pip install -e . (or use --skip-covlint)")

    results: list[SizeResult] = []
    problems: list[str] = []
    for modules in sizes:
        project, meta = ensure_project(modules, args.changed, args.seed, args.regen)
        result = bench_size(project, meta, args.runs, args.warmup, with_covlint)
        results.append(result)
        if not args.no_verdict:
            found = verdicts(result)
            problems += [f"N={modules}: {p}" for p in found]
            print(
                f"  N={modules} verdict check: {'OK' if not found else f'{len(found)} mismatches'}"
            )

    print()
    print(
        f"python {sys.version.split()[0]}, {args.runs} runs (+{args.warmup} warm-up), "
        f"{args.changed} staged modules, seed {args.seed}; medians (min) in seconds"
    )
    print()
    report = table(results)
    print(report)
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "results.md").write_text(report + "\n")
    if args.no_verdict:
        return 0
    print()
    if problems:
        print(f"VERDICT CHECK FAILED: {len(problems)} mismatches")
        for p in problems:
            print(f"  {p}")
        return 1
    checked_what = (
        "covlint vs diff-cover vs coverage json" if with_covlint else "diff-cover vs coverage json"
    )
    print(f"verdict check: OK ({checked_what}, every size)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
