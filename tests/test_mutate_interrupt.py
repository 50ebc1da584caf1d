"""Ctrl-C and a hard kill in the middle of `covlint mutate`: nothing of the user's changes."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.lsp_fixtures import server_env
from tests.mutateproject import MutateProject

SLOW_TEST = """\
import os
import pty
import time
from pathlib import Path

from app.core import double


def test_double():
    marker = os.environ.get("MUTATE_MARKER")
    if marker:  # under covlint mutate: the baseline is quick, every mutant run is slow
        with open(marker, "a") as runs:
            runs.write("run\\n")
        if len(Path(marker).read_text().splitlines()) > 1:
            time.sleep(60)
    assert double(2) == 4
"""


@pytest.fixture
def project(tmp_path: Path) -> MutateProject:
    project = MutateProject(tmp_path / "repo")
    project.write("app/core.py", "def double(x):\n    return x\n")
    project.commit_all("start")
    project.write("app/core.py", "def double(x):\n    return x * 2\n")
    project.write("tests/test_core.py", SLOW_TEST)
    project.repo.stage_all()
    project.record()
    return project


def covlint_env() -> dict[str, str]:
    """`covlint mutate`'s environment: measured by the outer run as the server is (it keeps that
    measurement away from the tests it starts)."""
    return server_env()


def start_mutating(project: MutateProject, marker: Path) -> subprocess.Popen[bytes]:
    """`covlint mutate` as the user runs it, returned once a mutant's tests are running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "covlint", "mutate", "-j", "2"],
        cwd=project.root,
        env={**covlint_env(), "MUTATE_MARKER": str(marker)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not marker.exists() or len(marker.read_text().splitlines()) < 2:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no mutant started"
        time.sleep(0.05)
    return process


def processes_in(folder: Path) -> list[int]:
    """Live processes whose working directory is `folder` (the tests covlint started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")) == folder:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_for_no_processes(folder: Path, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while processes_in(folder) and time.monotonic() < deadline:
        time.sleep(0.05)
    return processes_in(folder)


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_ends_the_tests_and_leaves_the_files_as_they_were(
    project: MutateProject, tmp_path: Path, stop: signal.Signals
) -> None:
    before = project.snapshot()
    process = start_mutating(project, tmp_path / "runs")
    process.send_signal(stop)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err.decode()
    assert err.decode().endswith("covlint: interrupted: your files are as they were\n")
    assert wait_for_no_processes(project.root) == []
    assert project.snapshot() == before


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
def test_a_hard_kill_leaves_the_files_as_they_were_and_no_test_running(
    project: MutateProject, tmp_path: Path
) -> None:
    before = project.snapshot()
    process = start_mutating(project, tmp_path / "runs")
    process.kill()
    process.communicate(timeout=30)
    assert wait_for_no_processes(project.root) == []  # the tests end themselves
    assert project.snapshot() == before


def test_a_progress_line_on_a_terminal_only(tmp_path: Path) -> None:
    project = MutateProject(tmp_path / "repo")
    project.write("app/core.py", "def double(x):\n    return x\n")
    project.commit_all("start")
    project.write("app/core.py", "def double(x):\n    return x * 2\n")
    project.write(
        "tests/test_core.py",
        "from app.core import double\n\n\ndef test_double():\n    assert double(3) == 6\n",
    )
    project.repo.stage_all()
    project.record()
    command = [sys.executable, "-m", "covlint", "mutate", "-j", "1"]
    leader, follower = pty.openpty()
    with subprocess.Popen(
        command, cwd=project.root, env=covlint_env(), stdout=subprocess.PIPE, stderr=follower
    ) as process:
        os.close(follower)
        out, _ = process.communicate(timeout=120)
    shown = _read_all(leader).decode()
    quiet = subprocess.run(
        command, cwd=project.root, env=covlint_env(), capture_output=True, check=False
    )
    assert "covlint mutate: 3/3 mutants (3 killed)" in shown
    assert shown.count("\rcovlint mutate: ") == 3  # one line, rewritten per mutant
    assert quiet.stderr == b""
    assert out == quiet.stdout


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)
