"""Running the user's tests in child processes: the baseline, then one run per mutant.

Each run is `runner.py` in its own process group (so a timeout ends the tests' own children
too), with the project root as working directory. The user's files are never touched: the
mutant reaches the tests through an import hook; bytecode, pytest's cache and coverage are off.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

from covlint import git
from covlint.cachedir import cache_root
from covlint.errors import CovlintError

log = logging.getLogger(__name__)

RUNNER = Path(__file__).with_name("runner.py")
# Outer coverage measurement must not reach the user's tests (nor write their data file).
DROPPED_VARIABLES = ("COVERAGE_PROCESS_START", "COVERAGE_PROCESS_CONFIG", "COV_CORE_SOURCE")
GRACE_SECONDS = 1.0  # the runner's own deadline comes this much after ours


@dataclass(frozen=True)
class TestRun:
    """What one pytest run in a child process did."""

    exit_code: int
    seconds: float
    timed_out: bool = False
    failed: tuple[str, ...] = ()
    durations: dict[str, float] = field(default_factory=dict)
    loaded: bool = False  # the mutated module was imported
    stderr: str = ""


class Children:
    """The live child processes, so that Ctrl-C or an error can end them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: set[subprocess.Popen[bytes]] = set()
        self.stopping = False

    def add(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._live.add(process)
        if self.stopping:
            kill_group(process)

    def discard(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._live.discard(process)

    def stop_all(self) -> None:
        self.stopping = True
        with self._lock:
            live = list(self._live)
        for process in live:
            kill_group(process)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def pytest_arguments(node_ids: list[str], *, first_failure: bool) -> list[str]:
    """pytest's arguments: quiet, no cache, no coverage, no xdist workers, then the tests."""
    args = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    if find_spec("pytest_cov") is not None:
        args.append("--no-cov")
    if find_spec("xdist") is not None:
        args += ["-n", "0"]
    if first_failure:
        args.append("-x")
    return [*args, "--", *node_ids]


def child_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_VARIABLES}
    scratch = cache_root() / "mutate" / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    index = private_index(root, scratch)
    if index is not None:  # git run by the tests (or their plugins) refreshes a copy
        env["GIT_INDEX_FILE"] = str(index)
    env["COVERAGE_FILE"] = str(scratch / ".coverage")  # never the user's data file
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["GIT_OPTIONAL_LOCKS"] = "0"  # a plugin's `git status`/`describe` must not rewrite the index
    return env


def spec_line(spec: Mapping[str, object]) -> bytes:
    return (json.dumps(spec) + "\n").encode("utf-8")


def private_index(root: Path, scratch: Path) -> Path | None:
    """A private copy of the repository's index (`git describe --dirty` rewrites the index)."""
    try:
        found = git.run_git(root, "rev-parse", "--git-path", "index").decode().strip()
        copy = scratch / f"index-{os.getpid()}-{threading.get_ident()}"  # one per worker
        shutil.copyfile(root / found, copy)
    except (CovlintError, OSError):
        return None
    return copy


def start_runner(root: Path, children: Children) -> subprocess.Popen[bytes]:
    """`runner.py` in `root`, in its own process group, waiting for its spec on stdin."""
    process = subprocess.Popen(
        [sys.executable, str(RUNNER)],
        cwd=root,
        env=child_env(root),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    children.add(process)
    return process


def run_tests(
    root: Path,
    args: list[str],
    children: Children,
    *,
    mutated: tuple[Path, str] | None = None,
    timeout: float | None = None,
) -> TestRun:
    """Run pytest with `args` in `root`, with `mutated` = (file, its mutated source) if given."""
    spec = {
        "args": args,
        "sources": {str(mutated[0]): mutated[1]} if mutated else {},
        "deadline": timeout + GRACE_SECONDS if timeout else None,
        "parent": os.getpid(),
    }
    started = time.monotonic()
    process = start_runner(root, children)
    try:
        out, err = process.communicate(spec_line(spec), timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        process.communicate()
        return TestRun(-1, time.monotonic() - started, timed_out=True)
    finally:
        children.discard(process)
    return _parsed(process.returncode, out, err, time.monotonic() - started)


def _parsed(code: int, out: bytes, err: bytes, seconds: float) -> TestRun:
    stderr = err.decode("utf-8", "replace")[-2000:]
    try:
        result = json.loads(out.decode("utf-8"))
    except ValueError:
        return TestRun(code, seconds, timed_out=code == 71, stderr=stderr)
    return TestRun(
        exit_code=int(result["exit"]),
        seconds=seconds,
        failed=tuple(result["failed"]),
        durations={str(k): float(v) for k, v in result["durations"].items()},
        loaded=bool(result["loaded"]),
        stderr=stderr,
    )
