"""Runs pytest on the given node ids, with one module's source replaced by a mutant's, in memory.

Started by covlint as `python runner.py` (a script, so that it imports nothing of covlint and
can mutate covlint itself) with a JSON spec as the first line on stdin:

    {"args": [pytest arguments], "sources": {"/abs/mutated.py": "source", …},
     "deadline": seconds | null, "parent": pid, "warm": bool}

With "warm", the sources are schemata (see `schemata.py`) and the process serves requests after
collecting (see `WarmLoop`); without, it runs the tests once.

The mutant is applied by an import hook: the module at `path` is compiled from `source`, and
nothing is written anywhere (no bytecode, no cache). pytest's own output goes to /dev/null; the
result is one JSON object on stdout: exit code, failed node ids, durations per test, and whether
the mutated module was imported. The process ends itself when its parent dies or its deadline
passes, so an endless mutant never outlives covlint.
"""

from __future__ import annotations

import builtins
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

    def __init__(self, fullname: str, path: str, source: str, seen: set[str]) -> None:
        super().__init__(fullname, path)
        self.mutated_source = source
        self.seen = seen

    def get_code(self, fullname: str) -> CodeType:
        self.seen.add(os.path.realpath(self.path))
        return compile(self.mutated_source, self.path, "exec", dont_inherit=True)

    def set_data(self, path: str, data: Any, *, _mode: int = 0o666) -> None:
        return None  # never write bytecode of a mutant


class MutantFinder:
    """A meta path finder that hands each mutated file to `MutantLoader`."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = {os.path.realpath(path): text for path, text in sources.items()}
        self.seen: set[str] = set()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        origin = os.path.realpath(spec.origin) if spec and spec.origin else None
        if spec is None or origin not in self.sources:
            return None
        loader = MutantLoader(fullname, str(spec.origin), self.sources[origin], self.seen)
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


class WarmLoop:
    """Collect once, then run each requested mutant's tests in a forked child.

    Requests are JSON lines on `commands`: {"number": n, "tests": [...], "timeout": s}; each
    answer is a JSON line on `answers`. The child sets `__covlint_active__` to n first.
    """

    def __init__(self, recorder: Recorder, finder: MutantFinder, commands: int, answers: int):
        self.recorder = recorder
        self.finder = finder
        self.commands = os.fdopen(commands, "r", encoding="utf-8")
        self.answers = answers

    def answer(self, message: dict[str, Any]) -> None:
        os.write(self.answers, (json.dumps(message) + "\n").encode("utf-8"))

    def pytest_runtestloop(self, session: Any) -> bool:
        self.answer({"ready": len(session.items), "failed": self.recorder.failed})
        for line in self.commands:
            request = json.loads(line)
            wanted = set(request["tests"])
            chosen = [item for item in session.items if item.nodeid in wanted]  # pytest's order
            self.answer(self.run_forked(request["number"], chosen, request["timeout"]))
        return True

    def run_forked(self, number: int, items: list[Any], timeout: float) -> dict[str, Any]:
        started = time.monotonic()
        reading, writing = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - the child process
            os.close(reading)
            guard = (os.getppid(), started + timeout + 1.0)  # ends with the warm process
            threading.Thread(target=watch, args=guard, daemon=True).start()
            builtins.__covlint_active__ = number  # type: ignore[attr-defined]
            self.recorder.failed = []
            for index, item in enumerate(items):
                following = items[index + 1] if index + 1 < len(items) else None
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
                if self.recorder.failed:
                    break
            loaded = sorted(self.finder.seen)
            os.write(
                writing, json.dumps({"failed": self.recorder.failed, "loaded": loaded}).encode()
            )
            os._exit(0)
        os.close(writing)
        status = wait_for(child, started + timeout)
        with os.fdopen(reading, "rb") as pipe:
            report = json.loads(pipe.read() or b"{}") if status is not None else {}
        return {"timeout": status is None, "seconds": time.monotonic() - started, **report}


def wait_for(child: int, deadline: float) -> int | None:
    """The child's exit status, or None after killing it at `deadline`."""
    while time.monotonic() < deadline:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            return status
        time.sleep(0.005)
    os.kill(child, 9)
    os.waitpid(child, 0)
    return None


def main() -> int:
    spec = json.loads(sys.stdin.readline())
    started = time.monotonic()
    deadline = started + spec["deadline"] if spec.get("deadline") else None
    threading.Thread(target=watch, args=(spec["parent"], deadline), daemon=True).start()
    builtins.__covlint_active__ = 0  # type: ignore[attr-defined]
    finder = MutantFinder(spec.get("sources") or {})
    sys.meta_path.insert(0, finder)
    sys.path[0] = os.getcwd()  # as `python -m pytest` does
    commands, result_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    import pytest

    recorder = Recorder()
    plugins: list[Any] = [recorder]
    if spec.get("warm"):
        plugins.append(WarmLoop(recorder, finder, commands, result_fd))
    try:
        code = int(pytest.main(list(spec["args"]), plugins=plugins))
    except Exception as exc:  # pytest itself broke, e.g. a plugin importing the mutant
        print(f"pytest crashed: {exc!r}", file=sys.stderr)
        code = 3
    result = {
        "exit": code,
        "failed": recorder.failed,
        "durations": recorder.durations,
        "loaded": bool(finder.seen),
        "seconds": time.monotonic() - started,
    }
    if not spec.get("warm"):
        os.write(result_fd, json.dumps(result).encode("utf-8"))
    return code


if __name__ == "__main__":
    sys.stdout.flush()
    os._exit(main())
