"""The gate's speed on generated projects: cold and warm, against the limit script and the peers.

For each project (folders made by generate.py), round by round, whole processes:

* covlint cold: `covlint check --fail-under 0 --format json` with an empty cache directory;
* covlint warm: the same, second run on the same cache (same data, same texts): the verdict the
  first run kept is replayed;
* covlint judged warm: the same with the kept verdicts deleted first: judged again on the kept
  parses and analyses;
* limit: `bench/limit.py` on the changed files (coverage's own analysis of just those, forked),
  timed just before or just after covlint cold, in turns;
* peers (unless `--no-peers`): `coverage xml -o cov.xml` + `diff-cover cov.xml
  --compare-branch=HEAD --ignore-unstaged --format json:dc.json`.

The machine's load average is printed with the table: this is a shared 2-core machine, and the
figures are only comparable within one run. `--busy 2` keeps both cores busy with spinning
processes throughout (`busy.py`): the busy machine of a CI runner or a laptop mid-build.

    python bench/bench_speed.py out/n300 out/n1200 --runs 5
    python bench/bench_speed.py out/n300 out/n1200 --runs 5 --busy 2
    python bench/bench_speed.py out/mono-12000 out/mono-12000-s64 --no-peers
    python bench/bench_speed.py out/n1200 --busy 2 --limit-flags="--frozen-exit --with-git"

`--limit-flags` passes flags to the limit script: `--with-git` makes it a gate's floor (its two
git calls too), `--frozen-exit` has it exit as the `covlint` command does (see limit.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from busy import busy_machine
from installed import installed_env, peer_script, precompile

BENCH = Path(__file__).resolve().parent


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{done.stderr[-2000:]}")
    return time.perf_counter() - started, done.stdout


def changed_python(project: Path) -> list[str]:
    out = subprocess.run(
        ["git", "diff", "--cached", "--name-only", "--", "*.py"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if line]


def bench(project: Path, runs: int, peers: bool, limit_flags: list[str]) -> dict[str, object]:
    precompile()
    env = installed_env(dict(os.environ, PYTHONPATH=str(BENCH.parent)))
    covlint = [sys.executable, "-m", "covlint", "check", "--fail-under", "0", "--format", "json"]
    limit = [sys.executable, str(BENCH / "limit.py"), *limit_flags, *changed_python(project)]
    peer_cmds = [
        [sys.executable, "-m", "coverage", "xml", "-o", "cov.xml"],
        [
            peer_script("diff-cover"),
            "cov.xml",
            "--compare-branch=HEAD",
            "--ignore-unstaged",
            "--format",
            "json:dc.json",
        ],
    ]
    times: dict[str, list[float]] = {"cold": [], "warm": [], "judged": [], "limit": [], "peers": []}
    with tempfile.TemporaryDirectory(prefix="covlint-speed-") as tmp:
        warm_env = dict(env, COVLINT_CACHE_DIR=str(Path(tmp) / "warm"))
        _, report = timed(covlint, project, warm_env)  # fills the warm cache
        kept_verdicts = Path(tmp) / "warm" / "verdicts"
        shutil.rmtree(kept_verdicts)
        for round_number in range(runs):
            # An empty cache folder of its own each round: deleting the last round's just
            # before would time the kernel's deferred work of that deletion too (~10% of a
            # cold run on the busy machine).
            cold_env = dict(env, COVLINT_CACHE_DIR=str(Path(tmp) / f"cold-{round_number}"))
            # Cold and the limit script swap places every other round: on a busy machine a
            # command's time depends on what ran just before it (see the README).
            for name in ("limit", "cold") if round_number % 2 else ("cold", "limit"):
                if name == "cold":
                    times["cold"].append(timed(covlint, project, cold_env)[0])
                else:
                    times["limit"].append(timed(limit, project, env)[0])
            times["judged"].append(timed(covlint, project, warm_env)[0])
            times["warm"].append(timed(covlint, project, warm_env)[0])
            shutil.rmtree(kept_verdicts)  # for the next round's judged run, well before it
            if peers:
                times["peers"].append(sum(timed(cmd, project, env)[0] for cmd in peer_cmds))
    meta = json.loads((project / ".git" / "bench-meta.json").read_text())
    return {
        "project": project.name,
        "modules": meta["modules"],
        "shards": meta.get("shards", 0),
        "changed": len(changed_python(project)),
        "percent": json.loads(report)["totals"]["percent"],
        **{k: (min(v), statistics.median(v)) for k, v in times.items() if v},
        "rounds": {k: [round(t, 4) for t in v] for k, v in times.items()},
    }


def cell(pair: object) -> str:
    if not isinstance(pair, tuple):
        return "-"
    return f"{pair[1]:.3f} ({pair[0]:.3f})"


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| project | modules | data | changed files | covlint cold | covlint warm"
        " | covlint judged warm | limit script | cold / limit | xml + diff-cover | ratio cold"
        " | ratio warm | ratio judged warm |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cold, warm, judged, limit, peers = (
            r.get(k) for k in ("cold", "warm", "judged", "limit", "peers")
        )
        assert isinstance(judged, tuple)
        assert isinstance(cold, tuple)
        assert isinstance(warm, tuple)
        assert isinstance(limit, tuple)
        shards = r["shards"]
        form = f"{shards} shards" if shards else "one file"
        ratios = (
            f"{peers[1] / cold[1]:.1f}x | {peers[1] / warm[1]:.1f}x | {peers[1] / judged[1]:.1f}x"
            if isinstance(peers, tuple)
            else "- | - | -"
        )
        lines.append(
            f"| {r['project']} | {r['modules']:,} | {form} | {r['changed']} | {cell(cold)}"
            f" | {cell(warm)} | {cell(judged)} | {cell(limit)} | {cold[1] / limit[1]:.2f}"
            f" | {cell(peers)}"
            f" | {ratios} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("projects", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--busy", type=int, default=0, metavar="N", help="N spinning processes")
    parser.add_argument("--limit-flags", default="", help="flags for limit.py, e.g. --with-git")
    args = parser.parse_args(argv)
    rows = []
    with busy_machine(args.busy):
        for project in args.projects:
            flags = args.limit_flags.split()
            rows.append(bench(project.resolve(), args.runs, not args.no_peers, flags))
            print(json.dumps(rows[-1]), flush=True)
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        if args.limit_flags:
            print(f"limit script: limit.py {args.limit_flags}")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
