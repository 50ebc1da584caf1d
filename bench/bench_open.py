"""First opens by file length, each in a new server session: cold, and with the text seen before.

For each round and length, on the generated project plus modules of those lengths measured for
real (`bench_server.prepare`):

* a session with an empty cache directory opens the file (cold: parse and analysis);
* a second session on the cache the first one filled opens it again (the text seen before, as
  after the gate, an earlier session or the background pre-parse: the analysis is in the cache).

Either way the file is the session's first document, opened once the server has loaded the data,
learnt the measured texts and gone quiet (as when a user opens a file after start-up).
Client-side: didOpen -> the publishDiagnostics JSON read by the client, and decoded into Python
objects by the test client (pytest-lsp's own cost, which an editor does not pay). Server-side,
from its debug log: the analysis and the publish (diagnostics built and sent).

Usage::

    python bench/bench_open.py --lengths 500 5000 20000 --rounds 5
    python bench/bench_open.py --lengths 5000 --baseline /tmp/old-covlint   # before/after
    python bench/bench_server.py --lengths 500 5000 20000 --rounds 5   # the same
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_server import HERE, Bench, big_name, generated_project, prepare, server_times

QUIET = 0.5  # seconds without a new log line: the server is idle


async def until_quiet(log_file: Path, quiet: float = QUIET, timeout: float = 120) -> None:
    """Wait until the server's log has not grown for `quiet` seconds."""
    deadline, size, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        now = log_file.stat().st_size
        if now != size:
            size, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        await asyncio.sleep(0.05)


async def one_session(
    work: Path, log_file: Path, cache: Path, path: Path, server_path: str | None = None
) -> dict[str, float]:
    """Open `path` as the first document of a new session; the times in ms."""
    bench = Bench(work, log_file, cache, server_path)
    await bench.start()
    await bench.until_logged(r"loaded and re-published")
    try:  # the measured texts of all files learnt in the background (the worker is free)
        await bench.until_logged(
            r"measured texts of .*: \d+ file\(s\) learnt in the background", timeout=60
        )
    except TimeoutError:
        print(f"{log_file.name}: measured texts not learnt within 60 s", file=sys.stderr)
    await until_quiet(log_file)
    read, decoded = await bench.open_timed(path)
    await bench.stop()
    name = path.name.replace(".", r"\.")
    analysed = server_times(log_file, rf"analyse {name}: ([\d.]+) ms")
    published = server_times(log_file, rf"publish {name}: \d+ diagnostics.* in ([\d.]+) ms")
    return {
        "read": 1000 * read,
        "decoded": 1000 * decoded,
        "analysis": analysed[0] if analysed else float("nan"),
        "publish": published[0] if published else float("nan"),
    }


Figures = dict[tuple[str, int, str], list[dict[str, float]]]  # (server, length, kind) -> rounds


async def first_opens(
    work: Path, tmp: Path, lengths: list[int], rounds: int, servers: dict[str, str | None]
) -> Figures:
    """Each round, each length, each server (interleaved: the same load for all): cold, then
    seen before."""
    figures: Figures = {}
    for index in range(rounds):
        for length in lengths:
            path = work / "pkg" / f"{big_name(length)}.py"
            for server, server_path in servers.items():
                cache = tmp / f"cache-{index}-{length}-{server}"  # empty: the first session parses
                for kind in ("cold", "seen"):
                    log_file = tmp / f"open-{index}-{length}-{server}-{kind}.log"
                    found = await one_session(work, log_file, cache, path, server_path)
                    figures.setdefault((server, length, kind), []).append(found)
                    shutil.copy(log_file, HERE / "out" / f"bench_open_{server}_{length}_{kind}.log")
                shutil.rmtree(cache, ignore_errors=True)
    return figures


def cell(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} (min {min(values):.1f})"


def table(figures: Figures, lengths: list[int], servers: list[str]) -> str:
    lines = [
        "| server | file length | first open, cold: read (client) | decoded (client) | text seen"
        " before: read (client) | decoded (client) | server: analysis + publish, seen before |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for length in lengths:
        for name in servers:
            lines.append(
                row(name, length, figures[name, length, "cold"], figures[name, length, "seen"])
            )
    return "\n".join(lines) + "\n"


def row(name: str, length: int, cold: list[dict[str, float]], seen: list[dict[str, float]]) -> str:
    server = f"{cell([s['analysis'] for s in seen])} + {cell([s['publish'] for s in seen])}"
    return (
        f"| {name} | {length:,} lines | {cell([c['read'] for c in cold])} ms"
        f" | {cell([c['decoded'] for c in cold])} ms | {cell([s['read'] for s in seen])} ms"
        f" | {cell([s['decoded'] for s in seen])} ms | {server} ms |"
    )


async def run(
    modules: int, lengths: list[int], rounds: int, project: Path | None, baseline: str | None = None
) -> str:
    (HERE / "out").mkdir(exist_ok=True)
    servers = {"covlint": None, **({"baseline": baseline} if baseline else {})}
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="covlint-bench-open-", dir=HERE / "out") as tmp:
        work = Path(tmp) / "proj"
        prepare(project or generated_project(modules), work, tuple(lengths))
        figures = await first_opens(work, Path(tmp), lengths, rounds, servers)
    after = " ".join(f"{x:.1f}" for x in os.getloadavg())
    report = table(figures, lengths, list(servers))
    return f"{report}\n{rounds} rounds; load average before: {load}, after: {after}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--modules", type=int, default=1200, help="size of the generated project")
    parser.add_argument("--lengths", type=int, nargs="+", default=[500, 5000, 20000])
    parser.add_argument("--rounds", type=int, default=5, help="sessions per length and kind")
    parser.add_argument("--project", type=Path, help="a generated project (e.g. the monorepo)")
    parser.add_argument("--baseline", help="PYTHONPATH of another covlint, measured interleaved")
    args = parser.parse_args(argv)
    report = run(args.modules, args.lengths, args.rounds, args.project, args.baseline)
    print(asyncio.run(report), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
