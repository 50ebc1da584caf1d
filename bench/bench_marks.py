"""Cost of the colours: `covlint/marks` next to the diagnostics of the same file.

A generated module of about `--lines` lines (functions full of branches, half of them run by a real
`coverage run --branch`) is analysed once; then, per round, the marks (`buffer_marks`) and the
diagnostics (`lsp_diagnostics`) are computed for the unchanged buffer and after Enter at the top
(every line moves). Both are what the server does for each published document: the marks are the
extra cost a colouring client brings. Reports min and median over `--rounds`.

Usage::

    python bench/bench_marks.py --lines 5000 --rounds 21
"""

from __future__ import annotations

import argparse
import functools
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from covlint.coverage_set import CoverageSet
from covlint.server.diagnostics import Options, lsp_diagnostics
from covlint.server.marks import buffer_marks
from covlint.server.remap import LineOrigins, split_lines
from covlint.server.settings import Severities

FUNCTION = """
def f_{n}(x, items):
    total = 0
    if x > {n}:
        total += 1
    else:
        total -= 1
    for item in items:
        if item:
            total += item
    while x > 0:
        x -= 1
        if x % 3 == 0:
            break
    return total
"""


def make_module(root: Path, lines: int) -> Path:
    """`mod.py` of about `lines` lines and a run of it calling every other function."""
    count = max(1, lines // FUNCTION.count("\n"))
    (root / "mod.py").write_text("".join(FUNCTION.format(n=n) for n in range(count)))
    calls = "".join(f"mod.f_{n}({n + 1}, [1, 0])\n" for n in range(0, count, 2))
    (root / "run.py").write_text("import mod\n" + calls)
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--branch", "run.py"], cwd=root, check=True
    )
    return root / "mod.py"


def timed(job: Callable[[], object], rounds: int) -> list[float]:
    found = []
    for _ in range(rounds):
        started = time.perf_counter()
        job()
        found.append(1000 * (time.perf_counter() - started))
    return found


def row(name: str, values: list[float]) -> str:
    return f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = make_module(Path(tmp), args.lines)
        text = path.read_text()
        analysis = CoverageSet.load(Path(tmp)).analyse("mod.py", text)
    lines = split_lines(text)
    same = LineOrigins(lines, lines)
    moved = LineOrigins(lines, ["", *lines])
    options = Options(uri="file:///mod.py", severities=Severities())
    print(
        f"{len(lines)} lines, {len(analysis.statements)} statements, "
        f"{len(analysis.missing)} missing, {len(analysis.missed_arcs)} missed arcs"
    )
    print("| computed for one publish | median ms | min ms |\n|---|---:|---:|")
    for name, origins in (("unchanged buffer", same), ("after Enter at the top", moved)):
        mark = functools.partial(buffer_marks, analysis, origins)
        diagnose = functools.partial(lsp_diagnostics, analysis, origins, options)
        print(row(f"marks, {name}", timed(mark, args.rounds)))
        print(row(f"diagnostics, {name}", timed(diagnose, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
