"""The floor the gate is measured against: the least work that gives coverage's own answers.

    python bench/limit.py FILE...             (run in the project; FILE: the changed files)
    python bench/limit.py --with-git FILE...  (the same, plus the two git calls of a staged gate)
    python bench/limit.py --frozen-exit [--with-git] FILE...  (either, exiting as covlint does)

Imports coverage, reads the data, and has coverage analyse just the given files (statements,
missing lines, branch arcs: `Coverage.analysis2` on branch data computes them all), forked over
the cores the way covlint forks (largest files first, shares of about equal size). No git, no
diff, no reports: everything covlint does beyond this is its own overhead. It never writes the
project's data: shards without a combined file are combined into a temporary file, and each
forked child reads the data through its own `Coverage` (coverage's data object, used after a
fork, starts a new data file: it would erase the project's).

`--with-git` is the floor of any gate of staged changes: it must also ask git for the work
tree's top and HEAD, and for the staged patch. The two calls start first and run while coverage
is imported, as covlint's do; their output is read and dropped.

`--frozen-exit` freezes the process's objects before it exits, as the `covlint` command does:
Python's last collections then skip everything imported and parsed (~17 ms here). Without it,
the script pays an exit covlint does not.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coverage import Coverage


def data_file(folder: str) -> str | None:
    """The data to read (None: the project's, as coverage finds it); shards without a combined
    file are combined into a temporary file (coverage cannot query shards), never the project."""
    from coverage import Coverage

    if os.path.exists(".coverage"):
        return None
    combined = os.path.join(folder, "combined")
    Coverage(data_file=combined).combine(["."], keep=True)
    return combined


def loaded(path: str | None) -> Coverage:
    from coverage import Coverage

    cov = Coverage() if path is None else Coverage(data_file=path)
    cov.load()
    return cov


def analyse(cov: Coverage, files: list[str]) -> int:
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


GATE_GIT_CALLS = (
    ["git", "rev-parse", "--show-toplevel", "--verify", "--quiet", "HEAD^{commit}"],
    ["git", "diff", "--cached", "--no-color", "--no-ext-diff", "-U0", "--full-index", "HEAD"],
)


def main(argv: list[str]) -> int:
    frozen_exit = argv[:1] == ["--frozen-exit"]
    argv = argv[1:] if frozen_exit else argv
    with_git = argv[:1] == ["--with-git"]
    files = argv[1:] if with_git else argv
    calls = [subprocess.Popen(c, stdout=subprocess.PIPE) for c in GATE_GIT_CALLS if with_git]
    import coverage  # noqa: F401 - while git answers

    for call in calls:
        call.communicate()
    with tempfile.TemporaryDirectory(prefix="covlint-limit-") as folder:
        code = run(data_file(folder), files)
    if frozen_exit:
        gc.freeze()
    return code


def run(path: str | None, files: list[str]) -> int:
    """Analyse `files` in forked workers, as covlint does (coverage imported before forking;
    each process opens the data itself)."""
    cov = loaded(path)
    cores = len(os.sched_getaffinity(0))
    parts = shares(files, max(1, min(cores, len(files) // 4)))
    children = []
    for part in parts[1:]:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            os._exit(0 if analyse(loaded(path), part) >= 0 else 1)
        children.append(pid)
    analyse(cov, parts[0])
    return max((os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children), default=0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
