"""Measured-text benchmark: what knowing "the text that ran" by content costs.

On the generated 1,200-module project (`bench/generate.py`):

* snapshot: learning the blob id of every measured file of a new data version, in-process
  (`MeasuredTexts.record_all`, fresh cache each round), against the peer `git hash-object
  --stdin-paths` on the same files; and in a real `covlint serve` session after a data change,
  with hovers sent meanwhile (their round trips show the event loop kept answering);
* remap: the line diff of a save of a ~5,000-line file (3 lines inserted at the top, 3 edited
  lines), the gate's carry of the same, and a 20,000-line file of repeated lines;
* cache size on disk: with git holding the texts (blob ids only) and without git (texts kept),
  plus the snapshot index of 12,000 module paths.

Usage::

    python bench/bench_measured.py --rounds 7
    python bench/generate.py --modules 12000 --templates 50 --synthetic --out bench/out/n12000-t50
    python bench/bench_measured.py --project bench/out/n12000-t50 --no-server --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lsprotocol import types

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_server import Bench, generated_project  # noqa: E402

from covlint.coverage_set import CoverageSet  # noqa: E402
from covlint.diffcov_remap import Carried  # noqa: E402
from covlint.linediff import match_lines  # noqa: E402
from covlint.measured import MeasuredTexts  # noqa: E402
from covlint.measured_store import TextStore, blob_id  # noqa: E402

Row = tuple[str, str]


def figures(values: list[float], unit: str = "ms") -> str:
    return f"{statistics.median(values):.1f} {unit} (min {min(values):.1f}, n={len(values)})"


def timed(job: Callable[[], object]) -> float:
    started = time.perf_counter()
    job()
    return 1000 * (time.perf_counter() - started)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def snapshot_rows(project: Path, rounds: int, scratch: Path) -> list[Row]:
    data = CoverageSet.load(project)
    paths = "".join(f"{p}\n" for p in data.measured_paths).encode()
    command = ["git", "hash-object", "--stdin-paths"]

    def hash_with_git() -> None:
        subprocess.run(command, cwd=project, input=paths, check=True, capture_output=True)

    ours, peer = [], []
    for index in range(rounds + 1):
        store = TextStore(scratch / f"cache-{index}")
        ours.append(timed(MeasuredTexts(data, store).record_all))
        peer.append(timed(hash_with_git))
    in_git = folder_size(scratch / "cache-0")
    return [
        (f"snapshot of {len(data.measured_paths)} files, in-process", figures(ours[1:])),
        ("  peer: `git hash-object --stdin-paths`, same files", figures(peer[1:])),
        ("cache on disk, texts in git (blob ids only)", f"{in_git / 1024:.0f} kB"),
    ]


def no_git_rows(project: Path, scratch: Path) -> list[Row]:
    copy = scratch / "no-git"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".git", "__pycache__"))
    shutil.copystat(project / ".coverage", copy / ".coverage")
    for path in (project / "pkg").glob("*.py"):  # keep the mtime proof: as old as the data
        shutil.copystat(path, copy / "pkg" / path.name)
    store = TextStore(scratch / "cache-no-git")
    MeasuredTexts(CoverageSet.load(copy), store).record_all()
    source = sum(p.stat().st_size for p in (copy / "pkg").glob("*.py"))
    index = TextStore(scratch / "cache-12k")
    fake: dict[str, str | None] = {
        f"pkg/sub_{n % 97:02d}/module_{n:05d}.py": blob_id(str(n).encode()) for n in range(12_000)
    }
    index.write_snapshot("k" * 40, fake)
    return [
        (
            "cache on disk, no git (texts kept, zlib)",
            f"{folder_size(scratch / 'cache-no-git') / 1024:.0f} kB"
            f" for {source / 1024:.0f} kB of source",
        ),
        (
            "snapshot index of 12,000 module paths",
            f"{folder_size(scratch / 'cache-12k') / 1024:.0f} kB",
        ),
    ]


def remap_rows(project: Path, rounds: int) -> list[Row]:
    text = "".join((project / "pkg" / f"mod_{n:04d}.py").read_text() for n in range(1, 18))
    measured = text.split("\n")[:5000]
    saved = ["import os", "import sys", "import re", *measured]
    for row in (1000, 2500, 4000):
        saved[row] += "  # edited"
    diff = [timed(lambda: match_lines(measured, saved)) for _ in range(rounds)]
    joined_measured, joined_saved = "\n".join(measured), "\n".join(saved)
    carry = [timed(lambda: Carried(joined_measured, joined_saved)) for _ in range(rounds)]
    repeated = ["x = 1"] * 20_000
    inserted = repeated[:10_000] + ["y = 2"] * 3 + repeated[10_000:]
    flat = [timed(lambda: match_lines(repeated, inserted)) for _ in range(rounds)]
    return [
        ("line diff of a save, 5,000-line file (3 inserted, 3 edited)", figures(diff)),
        ("  the gate's carry of the same (both directions)", figures(carry)),
        ("line diff, 20,000 repeated lines, 3 inserted", figures(flat)),
    ]


async def server_rows(project: Path, rounds: int, scratch: Path) -> list[Row]:
    work = scratch / "served"
    shutil.copytree(project, work, ignore=shutil.ignore_patterns("__pycache__"), symlinks=True)
    log = scratch / "server.log"
    bench = Bench(work, log, scratch / "server-cache")
    await bench.start()
    target = work / "pkg" / "mod_0001.py"
    await bench.open(target)
    hovers: list[float] = []
    for _ in range(rounds):
        data = work / ".coverage"
        os.utime(data)  # a new data version: a new snapshot
        event = types.FileEvent(uri=data.as_uri(), type=types.FileChangeType.Changed)
        bench.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(changes=[event])
        )
        hovers += await hover_meanwhile(bench, target, log, len(hovers))
    await bench.stop()
    spans = [
        float(m[1])
        for m in re.finditer(r"measured texts of \d+ files known in ([\d.]+) ms", log.read_text())
    ]
    return [
        ("server: snapshot after a data reload (worker thread)", figures(spans[1:])),
        ("  hover round trips meanwhile", figures(hovers)),
    ]


async def hover_meanwhile(bench: Bench, path: Path, log: Path, seen: int) -> list[float]:
    """Hover every 10 ms until the server logged one more snapshot; their round trips."""
    wanted = log.read_text().count("measured texts of") + 1
    params = types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
        position=types.Position(line=5, character=4),
    )
    times: list[float] = []
    deadline = time.monotonic() + 60
    while log.read_text().count("measured texts of") < wanted and time.monotonic() < deadline:
        sent = time.perf_counter()
        await bench.client.text_document_hover_async(params)
        times.append(1000 * (time.perf_counter() - sent))
        await asyncio.sleep(0.01)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--modules", type=int, default=1200, help="size of the generated project")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per measurement")
    parser.add_argument("--project", type=Path, help="a generated project (e.g. 12,000 modules)")
    parser.add_argument("--no-server", action="store_true", help="skip the server session")
    args = parser.parse_args(argv)
    project = args.project or generated_project(args.modules)
    with tempfile.TemporaryDirectory(prefix="covlint-bench-measured-") as tmp:
        scratch = Path(tmp)
        os.environ["COVLINT_CACHE_DIR"] = str(scratch / "server-cache")
        rows = snapshot_rows(project, args.rounds, scratch)
        rows += no_git_rows(project, scratch)
        rows += remap_rows(project, args.rounds)
        if not args.no_server:
            rows += asyncio.run(server_rows(project, args.rounds, scratch))
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
