"""One snapshot, several processes: the server and its background process learn the same data
version side by side; the first entry for a file wins, and each reads what the other added."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from covlint.coverage_set import CoverageSet
from covlint.measured import MeasuredTexts
from covlint.measured_store import SnapshotLog, TextStore, blob_id
from tests.covproject import CovProject
from tests.gitrepo import GitRepo

APP = "def double(x):\n    return x * 2\n"
LIB = "def half(x):\n    return x / 2\n"
EDITED = "# edited\n" + APP

pytestmark = pytest.mark.usefixtures("no_outer_coverage_module")


def recorded(root: Path) -> CovProject:
    GitRepo.init(root)
    project = CovProject(root)
    project.write("app.py", APP, dedent=False)
    project.write("lib.py", LIB, dedent=False)
    project.write("run.py", "import app, lib\napp.double(1)\n")
    project.run("run.py")
    return project


def background(root: Path, *args: str) -> list[dict[str, object]]:
    """Run the server's background snapshot process; its stderr events."""
    done = subprocess.run(
        [sys.executable, "-m", "covlint.measured_snapshot", str(root), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == ""
    return [json.loads(line) for line in done.stderr.splitlines()]


def test_what_one_process_learnt_first_wins_in_the_other(tmp_path: Path) -> None:
    project = recorded(tmp_path / "p")
    server = MeasuredTexts(CoverageSet.load(project.root))
    server.record(["app.py"])  # the server learns its open document
    project.write("app.py", EDITED, dedent=False)  # then it is saved: newer than the data
    later = (project.root / ".coverage").stat().st_mtime + 10
    os.utime(project.root / "app.py", (later, later))

    events = background(project.root, "--key", server.key)

    assert events == [{"measured": 3, "unmapped": ""}, {"learnt": 2}]  # lib.py and run.py
    fresh = MeasuredTexts(CoverageSet.load(project.root))
    assert fresh.identity("app.py") == blob_id(APP.encode())  # the server's sight, not None
    assert fresh.identity("lib.py") == blob_id(LIB.encode())
    assert not server.knows("lib.py")
    assert server.identity("lib.py") == blob_id(LIB.encode())  # read from the snapshot
    assert server.text("app.py") == APP.encode()  # git lacks it: kept in the cache


def test_a_run_for_data_that_changed_since_learns_nothing(tmp_path: Path) -> None:
    project = recorded(tmp_path / "p")

    events = background(project.root, "--key", "0" * 40)

    assert events == [{"moot": "the data changed since the server loaded it"}]
    key = MeasuredTexts(CoverageSet.load(project.root)).key
    assert TextStore().read_snapshot(key) == {}


def test_the_snapshot_is_read_incrementally_and_survives_a_torn_line(tmp_path: Path) -> None:
    log = SnapshotLog(tmp_path / "snapshot")
    reader = SnapshotLog(tmp_path / "snapshot")
    log.append({"a.py": "1" * 40})
    assert reader.read_new() == {"a.py": "1" * 40}
    with (tmp_path / "snapshot").open("ab") as file:
        file.write(b'{"format": 2, "files": {"b.py"')  # a writer that died mid-line
    assert reader.read_new() == {}
    log.append({"c.py": None, "a.py": "2" * 40})
    assert reader.read_new() == {"c.py": None, "a.py": "2" * 40}  # new to this reader
    assert SnapshotLog(tmp_path / "snapshot").read_new() == {"a.py": "1" * 40, "c.py": None}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SCHED_IDLE is Linux's")
@pytest.mark.parametrize(("kind", "idle", "nice"), [("idle", True, None), ("low", False, 19)])
def test_the_helpers_launcher_lowers_its_priority_before_running_the_module(
    tmp_path: Path, kind: str, idle: bool, nice: int | None
) -> None:
    (tmp_path / "probe.py").write_text(
        "import os, sys\n"
        "print(os.sched_getscheduler(0) == os.SCHED_IDLE, os.nice(0), sys.argv[1:])\n"
        "raise SystemExit(3)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]))
    done = subprocess.run(
        [sys.executable, "-m", "covlint.background", kind, "probe", "a", "b"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert done.returncode == 3
    expected_nice = os.nice(0) if nice is None else nice  # the idle class leaves nice alone
    assert done.stdout.split(maxsplit=2) == [str(idle), str(expected_nice), "['a', 'b']\n"]
