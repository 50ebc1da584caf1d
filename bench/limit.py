"""The floor the gate is measured against: the least work that gives coverage's own answers.

    python bench/limit.py FILE...      (run in the project; FILE: the changed files)

Imports coverage, reads the data, and has coverage analyse just the given files (statements,
missing lines, branch arcs: `Coverage.analysis2` on branch data computes them all), forked over
the cores the way covlint forks (largest files first, shares of about equal size). No git, no
diff, no reports: everything covlint does beyond this is its own overhead.
"""

from __future__ import annotations

import os
import sys


def analyse(files: list[str]) -> int:
    from coverage import Coverage

    cov = Coverage()
    cov.load()
    for name in files:
        cov.analysis2(name)
    return len(files)


def shares(files: list[str], count: int) -> list[list[str]]:
    sized = sorted(files, key=lambda f: -os.path.getsize(f))
    out: list[list[str]] = [[] for _ in range(count)]
    totals = [0] * count
    for name in sized:
        lightest = totals.index(min(totals))
        out[lightest].append(name)
        totals[lightest] += os.path.getsize(name)
    return out


def main(files: list[str]) -> int:
    import coverage  # noqa: F401 - imported before forking, as covlint does

    cores = len(os.sched_getaffinity(0))
    parts = shares(files, max(1, min(cores, len(files) // 4)))
    children = []
    for part in parts[1:]:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            os._exit(0 if analyse(part) >= 0 else 1)
        children.append(pid)
    analyse(parts[0])
    return max((os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children), default=0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
