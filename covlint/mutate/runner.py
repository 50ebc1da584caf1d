"""Runs pytest on the given node ids, with one module's source replaced by a mutant's, in memory.

Started by covlint as `python runner.py` (a script, so that it imports nothing of covlint and
can mutate covlint itself) with a JSON spec on stdin:

    {"args": [pytest arguments], "path": "/abs/mutated.py" | null, "source": "…" | null,
     "deadline": seconds | null, "parent": pid}

The mutant is applied by an import hook: the module at `path` is compiled from `source`, and
nothing is written anywhere (no bytecode, no cache). pytest's own output goes to /dev/null; the
result is one JSON object on stdout: exit code, failed node ids, durations per test, and whether
the mutated module was imported. The process ends itself when its parent dies or its deadline
passes, so an endless mutant never outlives covlint.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from types import CodeType, ModuleType
from typing import Any

EXIT_DEADLINE = 71
EXIT_ORPHANED = 72


class MutantLoader(importlib.machinery.SourceFileLoader):
    """Loads the mutated source instead of the file's, without reading or writing bytecode."""

    def __init__(self, fullname: str, path: str, source: str, seen: list[str]) -> None:
        super().__init__(fullname, path)
        self.mutated_source = source
        self.seen = seen

    def get_code(self, fullname: str) -> CodeType:
        self.seen.append(fullname)
        return compile(self.mutated_source, self.path, "exec", dont_inherit=True)

    def set_data(self, path: str, data: Any, *, _mode: int = 0o666) -> None:
        return None  # never write bytecode of a mutant


class MutantFinder:
    """A meta path finder that hands the mutated file to `MutantLoader`."""

    def __init__(self, path: str, source: str) -> None:
        self.path = os.path.realpath(path)
        self.source = source
        self.seen: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or os.path.realpath(spec.origin) != self.path:
            return None
        loader = MutantLoader(fullname, spec.origin, self.source, self.seen)
        return importlib.util.spec_from_file_location(
            fullname,
            spec.origin,
            loader=loader,
            submodule_search_locations=spec.submodule_search_locations,
        )


class Recorder:
    """A pytest plugin noting each test's duration and the tests that failed."""

    def __init__(self) -> None:
        self.durations: dict[str, float] = {}
        self.failed: list[str] = []

    def pytest_runtest_logreport(self, report: Any) -> None:
        nodeid = str(report.nodeid)
        self.durations[nodeid] = self.durations.get(nodeid, 0.0) + float(report.duration)
        if report.failed and nodeid not in self.failed:
            self.failed.append(nodeid)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.failed.append(str(report.nodeid) or "<collection>")


def watch(parent: int, deadline: float | None) -> None:
    """End this process when covlint is gone or the time is up."""
    while True:
        time.sleep(0.1)
        if os.getppid() != parent:
            os._exit(EXIT_ORPHANED)
        if deadline is not None and time.monotonic() > deadline:
            os._exit(EXIT_DEADLINE)


def main() -> int:
    spec = json.loads(sys.stdin.read())
    started = time.monotonic()
    deadline = started + spec["deadline"] if spec.get("deadline") else None
    threading.Thread(target=watch, args=(spec["parent"], deadline), daemon=True).start()
    finder = None
    if spec.get("path"):
        finder = MutantFinder(spec["path"], spec["source"])
        sys.meta_path.insert(0, finder)
    sys.path[0] = os.getcwd()  # as `python -m pytest` does
    result_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    import pytest

    recorder = Recorder()
    code = int(pytest.main(list(spec["args"]), plugins=[recorder]))
    result = {
        "exit": code,
        "failed": recorder.failed,
        "durations": recorder.durations,
        "loaded": bool(finder and finder.seen),
        "seconds": time.monotonic() - started,
    }
    os.write(result_fd, json.dumps(result).encode("utf-8"))
    return code


if __name__ == "__main__":
    sys.stdout.flush()
    os._exit(main())
