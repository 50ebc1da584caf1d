"""A warm test process: it imports and collects once, then runs each mutant in a forked child.

Used for the mutants `schemata` can switch at run time (inside function bodies); it talks to
`runner.py`'s `WarmLoop` through JSON lines. If it cannot start (its collection fails, it dies),
the caller falls back to one fresh process per mutant, which is always correct.
"""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from covlint.mutate.execute import (
    Children,
    TestRun,
    kill_group,
    pytest_arguments,
    spec_line,
    start_runner,
)

log = logging.getLogger(__name__)

SLACK_SECONDS = 30.0  # beyond a request's own timeout, before the warm process counts as dead


class WarmStartError(Exception):
    """The warm process could not collect the tests (the fresh-process path still works)."""


class WarmProcess:
    """One warm `runner.py`, serving one worker thread's mutants one at a time."""

    def __init__(self, root: Path, sources: dict[Path, str], tests: list[str], children: Children):
        self.children = children
        self.process = start_runner(root, children)
        spec = {
            "args": pytest_arguments(tests, first_failure=False),
            "sources": {str(path): text for path, text in sources.items()},
            "deadline": None,
            "parent": os.getpid(),
            "warm": True,
        }
        assert self.process.stdin is not None
        self.process.stdin.write(spec_line(spec))
        self.process.stdin.flush()
        ready = self._answer(600.0)
        if ready is None or "ready" not in ready or ready.get("failed"):
            self.stop()
            raise WarmStartError(f"the warm test process did not collect: {ready}")
        log.info("warm test process %d: %d tests collected", self.process.pid, ready["ready"])

    def run(self, number: int, path: Path, tests: list[str], timeout: float) -> TestRun:
        assert self.process.stdin is not None
        request = {"number": number, "tests": tests, "timeout": timeout}
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
            self.process.stdin.flush()
        except OSError as exc:
            raise WarmStartError(f"the warm test process is gone: {exc}") from None
        answer = self._answer(timeout + SLACK_SECONDS)
        if answer is None:
            self.stop()
            raise WarmStartError("the warm test process stopped answering")
        return _test_run(answer, os.path.realpath(path))

    def _answer(self, seconds: float) -> dict[str, Any] | None:
        stdout = self.process.stdout
        assert stdout is not None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([stdout], [], [], min(1.0, seconds))
            if ready:
                line = stdout.readline()
                return json.loads(line) if line else None
            if self.process.poll() is not None:
                return None
        return None

    def stop(self) -> None:
        """End the warm process (closing its requests ends its pytest session)."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kill_group(self.process)
            self.process.wait()
        self.children.discard(self.process)


def _test_run(answer: dict[str, Any], path: str) -> TestRun:
    failed = tuple(answer.get("failed", ()))
    return TestRun(
        exit_code=1 if failed else 0,
        seconds=float(answer.get("seconds", 0.0)),
        timed_out=bool(answer.get("timeout")),
        failed=failed,
        loaded=path in answer.get("loaded", ()),
    )


class WarmPool:
    """One warm process per worker thread, started on first use; broken once, never again."""

    def __init__(self, root: Path, sources: dict[Path, str], tests: list[str], children: Children):
        self.root, self.sources, self.tests, self.children = root, sources, tests, children
        self.local = threading.local()
        self.started: list[WarmProcess] = []
        self.broken = not sources

    def process(self) -> WarmProcess | None:
        """This thread's warm process, or None when warm running is off or broken."""
        if self.broken:
            return None
        found: WarmProcess | None = getattr(self.local, "process", None)
        if found is None:
            try:
                found = WarmProcess(self.root, self.sources, self.tests, self.children)
            except WarmStartError as exc:
                log.warning("%s: one fresh process per mutant instead", exc)
                self.broken = True
                return None
            self.local.process = found
            self.started.append(found)
        return found

    def give_up(self, error: WarmStartError) -> None:
        log.warning("%s: one fresh process per mutant from now on", error)
        self.broken = True

    def stop(self) -> None:
        for process in self.started:
            process.stop()
