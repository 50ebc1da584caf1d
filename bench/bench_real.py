"""Time the gate on real release diffs against `coverage xml` + `diff-cover`, cold and warm.

Each case is a real package's two consecutive releases from PyPI (sdists, `pip download
--no-binary :all:`): a git repository gets the old release committed and the new release's files
staged (the release diff is the change the gate judges); the new release's own test suite is run
under `pytest --cov=<package> --cov-branch`, so the data is real and newer than every file.

Then, round by round (commands interleaved, whole processes):

* covlint cold: `covlint check --fail-under 0 --format json` with an empty cache directory;
* covlint warm: the same with the cache the previous run filled (the second run of the day):
  nothing changed, so the verdict kept by that run is replayed;
* covlint judged warm: the same with the kept verdicts deleted first, so the run judges again
  on kept parses and analyses (what a commit costs whose texts covlint has seen before);
* one case is recorded with `--cov-context=test` too, as test selection and mutation need;
* `python -c "import coverage"`: the floor of any gate that imports coverage, `python -c
  pass`: Python's start alone, and `bench/warm_floor.py`: the floor of any warm gate written in
  Python (its start, the two git calls, a stat and the header of the data; nothing computed);
* the peers: `coverage xml -o cov.xml` + `diff-cover cov.xml --compare-branch=HEAD
  --ignore-unstaged --format json:dc.json` (sum of both).

    python bench/bench_real.py --runs 5                  # all cases
    python bench/bench_real.py --cases click --runs 3
    python bench/bench_real.py --venv --runs 5           # the tools of a fresh venv (wheel_venv.py)
    python bench/bench_real.py --busy 2 --runs 5         # both cores kept busy (busy.py)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from busy import busy_machine
from installed import installed_env, peer_script, precompile
from wheel_venv import venv_python

BENCH_DIR = Path(__file__).resolve().parent
OUT = BENCH_DIR / "out" / "real"


@dataclass(frozen=True)
class Case:
    name: str
    old: str  # pip requirement of the release committed
    new: str  # the release whose files are the change
    source: tuple[str, ...]  # coverage's [run] source: the package folders
    contexts: bool = False  # recorded with `--cov-context=test` (test selection, mutation)


CASES = (
    Case("click", "click==8.5.0", "click==8.5.1", ("src/click",)),
    Case("click-contexts", "click==8.5.0", "click==8.5.1", ("src/click",), contexts=True),
    Case("attrs", "attrs==25.3.0", "attrs==25.4.0", ("src/attr", "src/attrs")),
    Case("packaging", "packaging==25.0", "packaging==26.0", ("src/packaging",)),
    Case("more-itertools", "more-itertools==10.7.0", "more-itertools==10.8.0", ("more_itertools",)),
)
COVERAGERC = "[run]\nbranch = true\nsource =\n{source}\n"


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.returncode, done.stdout + done.stderr


def sdist(requirement: str, folder: Path) -> Path:
    """The unpacked sdist of `requirement` (downloaded once)."""
    folder.mkdir(parents=True, exist_ok=True)
    name, version = requirement.split("==")
    stem = f"{name.replace('-', '_')}-{version}"
    for candidate in (folder / stem, folder / f"{name}-{version}"):
        if candidate.is_dir():
            return candidate
    pip = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps"]
    subprocess.run([*pip, requirement, "-d", str(folder)], check=True, capture_output=True)
    archive = next(
        p
        for p in folder.glob("*.tar.gz")
        if version in p.name and p.name.lower().startswith(name[:4].lower())
    )
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return next(p for p in (folder / stem, folder / f"{name}-{version}") if p.is_dir())


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "core.quotepath=off", *args], cwd=repo, check=True, capture_output=True
    )


def build(case: Case) -> Path:
    """The case's repository: old release committed, new release staged, data recorded."""
    repo = OUT / case.name
    if (repo / ".coverage").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    old, new = sdist(case.old, OUT / "sdists"), sdist(case.new, OUT / "sdists")
    shutil.copytree(old, repo)
    git(repo, "init", "-q", "-b", "main")
    for key, value in (("user.name", "bench"), ("user.email", "bench@covlint.invalid")):
        git(repo, "config", key, value)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "--no-gpg-sign", "-m", case.old)
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(new, repo, dirs_exist_ok=True)
    git(repo, "add", "-A")
    # Untracked, so not part of the staged change; `pytest --cov` and covlint both read it.
    source = "".join(f"    {folder}\n" for folder in case.source)
    (repo / ".coveragerc").write_text(COVERAGERC.format(source=source.rstrip()))
    env = dict(os.environ, PYTHONPATH=str(repo / "src") if (repo / "src").is_dir() else str(repo))
    test = [sys.executable, "-m", "pytest", "--cov", "-q", "-p", "no:cacheprovider"]
    test.append("--continue-on-collection-errors")  # a test module needing a missing extra
    test += ["--cov-context=test"] if case.contexts else []
    seconds, code, out = run(test, repo, env)
    print(f"{case.name}: test suite under coverage {seconds:.1f}s (exit {code})", flush=True)
    if not (repo / ".coverage").exists():
        print(f"{case.name}: no data recorded, skipped\n{out[-2000:]}", flush=True)
    return repo


@dataclass(frozen=True)
class Tools:
    """Where the timed commands come from: this Python and the source tree, or `--venv`."""

    python: str = sys.executable
    venv: bool = False

    def env(self, cache: Path) -> dict[str, str]:
        """The environment of the timed commands, with covlint's cache at `cache`."""
        if self.venv:  # covlint as installed there, bytecode and all
            return dict(os.environ, COVLINT_CACHE_DIR=str(cache))
        env = dict(os.environ, COVLINT_CACHE_DIR=str(cache), PYTHONPATH=str(BENCH_DIR.parent))
        return installed_env(env)

    def script(self, name: str) -> str:
        return str(Path(self.python).parent / name) if self.venv else peer_script(name)


def gate_report(case: Case, result: tuple[float, int, str]) -> dict[str, Any]:
    """The gate's JSON report; a gate that stopped with an error stops the bench, saying why."""
    code, output = result[1], result[2]
    try:
        report: dict[str, Any] = json.loads(output)
    except ValueError:
        raise SystemExit(f"{case.name}: covlint check exited {code}: {output.strip()}") from None
    return report


def time_case(case: Case, runs: int, tools: Tools) -> dict[str, object] | None:
    repo = build(case)
    if not (repo / ".coverage").exists():
        return None
    python = tools.python
    # In a venv its console script, as pre-commit runs the hook; here `-m` (pyenv's shim is slow).
    program = [tools.script("covlint")] if tools.venv else [python, "-m", "covlint"]
    covlint = [*program, "check", "--fail-under", "0", "--format", "json"]
    covlint_env = tools.env
    peers = (
        [python, "-m", "coverage", "xml", "-o", "cov.xml"],
        [
            tools.script("diff-cover"),
            "cov.xml",
            "--compare-branch=HEAD",
            "--ignore-unstaged",
            "--format",
            "json:dc.json",
        ],
    )
    cold_cache, warm_cache = OUT / "cache-cold", OUT / "cache-warm"
    shutil.rmtree(warm_cache, ignore_errors=True)
    run(covlint, repo, covlint_env(warm_cache))  # fills the warm cache
    times: dict[str, list[float]] = {
        "cold": [],
        "warm": [],
        "judged": [],
        "peers": [],
        "import": [],
        "start": [],
        "floor": [],
        "limit": [],
    }
    bare_import = [python, "-c", "import coverage"]  # the floor of a gate importing it
    bare_start = [python, "-c", "pass"]  # Python's start alone
    warm_floor = [python, str(BENCH_DIR / "warm_floor.py")]  # start, git, a stat
    judged = gate_report(case, run(covlint, repo, covlint_env(warm_cache)))["files"]
    changed = [f["path"] for f in judged if f["status"] != "skipped"]
    limit = [python, str(BENCH_DIR / "limit.py"), *changed]  # coverage's analysis only
    # Deleting a cache just before a timed run would time the kernel's deferred work of the
    # deletion too: each cold run gets an empty folder of its own, and the kept verdicts go
    # well before the judged run (judged again on kept parses).
    shutil.rmtree(cold_cache, ignore_errors=True)
    shutil.rmtree(warm_cache / "verdicts", ignore_errors=True)
    for round_number in range(runs):
        cold_env = covlint_env(cold_cache / str(round_number))
        times["cold"].append(run(covlint, repo, cold_env)[0])
        times["judged"].append(run(covlint, repo, covlint_env(warm_cache))[0])
        seconds, _, report = run(covlint, repo, covlint_env(warm_cache))  # replayed
        times["warm"].append(seconds)
        shutil.rmtree(warm_cache / "verdicts", ignore_errors=True)
        times["peers"].append(sum(run(cmd, repo)[0] for cmd in peers))
        times["import"].append(run(bare_import, repo, covlint_env(warm_cache))[0])
        times["start"].append(run(bare_start, repo, covlint_env(warm_cache))[0])
        times["floor"].append(run(warm_floor, repo, covlint_env(warm_cache))[0])
        times["limit"].append(run(limit, repo, covlint_env(warm_cache))[0])
    verdict = json.loads(report)
    peer = json.loads((repo / "dc.json").read_text())
    changed = [f for f in verdict["files"] if f["status"] != "skipped"]
    return {
        "case": f"{case.old} → {case.new.split('==')[1]}" + (" (test contexts)" * case.contexts),
        "files": len(changed),
        "lines": sum(len(f.get("changed_statements", [])) for f in changed),
        "data_mb": (repo / ".coverage").stat().st_size / 1e6,
        "covlint_percent": verdict["totals"]["percent"],
        "diff_cover_percent": peer.get("total_percent_covered"),
        **{k: (min(v), statistics.median(v)) for k, v in times.items()},
    }


def table(rows: list[dict[str, object]]) -> str:
    head = (
        "| release diff | changed files | changed statements | data | covlint cold | covlint warm |"
        " covlint judged warm | coverage xml + diff-cover | ratio cold | ratio warm |"
        " ratio judged warm | `import coverage` alone | Python's start alone |"
        " warm floor (start + git + stat) | limit script (cold floor) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for r in rows:
        cold, warm, judged, peers = r["cold"], r["warm"], r["judged"], r["peers"]
        assert isinstance(judged, tuple)
        assert isinstance(cold, tuple)
        assert isinstance(warm, tuple)
        assert isinstance(peers, tuple)
        bare, start, floor, limit = r["import"], r["start"], r["floor"], r["limit"]
        assert isinstance(limit, tuple)
        assert isinstance(bare, tuple)
        assert isinstance(start, tuple)
        assert isinstance(floor, tuple)
        lines.append(
            f"| {r['case']} | {r['files']} | {r['lines']} | {r['data_mb']:.1f} MB"
            f" | {cold[1]:.3f} ({cold[0]:.3f}) | {warm[1]:.3f} ({warm[0]:.3f})"
            f" | {judged[1]:.3f} ({judged[0]:.3f}) | {peers[1]:.3f} ({peers[0]:.3f})"
            f" | {peers[1] / cold[1]:.1f}x | {peers[1] / warm[1]:.1f}x"
            f" | {peers[1] / judged[1]:.1f}x"
            f" | {bare[1]:.3f}, 1/{peers[1] / bare[1]:.1f} of the peers"
            f" | {start[1]:.3f}, 1/{peers[1] / start[1]:.1f}"
            f" | {floor[1]:.3f}, 1/{peers[1] / floor[1]:.1f}"
            f" | {limit[1]:.3f}, 1/{peers[1] / limit[1]:.1f} |"
        )
    return head + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cases", nargs="*", default=[c.name for c in CASES])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--busy", type=int, default=0, metavar="N", help="N spinning processes")
    parser.add_argument("--venv", action="store_true", help="time the tools of a fresh venv")
    args = parser.parse_args(argv)
    precompile()
    tools = Tools(str(venv_python()), venv=True) if args.venv else Tools()
    rows = []
    with busy_machine(args.busy):
        for case in CASES:
            row = time_case(case, args.runs, tools) if case.name in args.cases else None
            if row is not None:
                rows.append(row)
                print(json.dumps(row, default=str), flush=True)
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
