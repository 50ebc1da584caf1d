"""The `covlint` command's dispatch, and small gate pieces: ratchet file, stash detection."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from covlint import __version__
from covlint.cli import main
from covlint.errors import UsageError
from covlint.hooks.precommit_stash import stashed_paths, store_folder
from covlint.hooks.ratchet import apply_ratchet, read_stored
from tests.gateproject import staged_project
from tests.gitrepo import GitRepo


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    usage = capsys.readouterr().out
    assert "check     fail when the diff's coverage is below the threshold" in usage
    assert "affected  print the node ids of the tests that ran the changed code" in usage
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"covlint {__version__}\n"


def test_no_command_and_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert capsys.readouterr().out.startswith("usage: covlint {check,mutate,serve,")
    assert main(["lint"]) == 2
    assert capsys.readouterr().err == (
        "covlint: error: unknown command 'lint': use `check`, `mutate`, `serve`, `affected`,"
        " `badge` or `trend`; see covlint --help\n"
    )


def test_console_script_runs_check(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "covlint", "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("covlint: error: not a git repository")


EXIT_WATCH = """
import atexit, gc, runpy, sys


def report():
    collector = "on" if gc.isenabled() else "off"
    print(f"frozen {gc.get_freeze_count() > 1000}, collector {collector}")


atexit.register(report)
sys.argv = ["covlint", *sys.argv[1:]]
runpy.run_module("covlint", run_name="__main__")
"""


def watched_exit(argv: list[str], cwd: Path | None = None) -> tuple[int, str]:
    """`python -m covlint ARGV`'s exit code, and what it left to the exit: its objects frozen
    (so Python's last collections skip them) and the cyclic collector on or off. (Measured by
    the outer test run, if any, as the console script's process is.)"""
    done = subprocess.run(
        [sys.executable, "-c", EXIT_WATCH, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout.splitlines()[-1]


@pytest.mark.parametrize(("argv", "code"), [(["--version"], 0), (["lint"], 2)])
def test_the_command_leaves_its_objects_to_the_exit(argv: list[str], code: int) -> None:
    """`python -m covlint` (as the console script) freezes what it made before exiting; the
    exit code is kept, and the collector stays on for every command but the gate (the server's
    process lives on)."""
    assert watched_exit(argv) == (code, "frozen True, collector on")


def test_a_gate_run_keeps_the_collector_off_to_its_exit(tmp_path: Path) -> None:
    """Turned on again after the gate's work, the collector would make one more pass before
    the exit, over everything imported and parsed."""
    project = staged_project(tmp_path / "repo")
    assert watched_exit(["check", "--fail-under", "0"], cwd=project.root) == (
        0,
        "frozen True, collector off",
    )


def test_check_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "xml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("covlint: error: argument --format: ")
    assert "unknown format 'xml'" in err
    assert err.endswith("; see covlint check --help\n")
    assert err.count("\n") == 1


def test_ratchet_file_must_hold_a_number(tmp_path: Path) -> None:
    stored = tmp_path / "ratchet"
    assert read_stored(stored) is None
    stored.write_text("ninety\n")
    with pytest.raises(UsageError, match="ratchet file must hold one number"):
        read_stored(stored)


def test_ratchet_creates_holds_and_rises(tmp_path: Path) -> None:
    stored = tmp_path / "ratchet"
    assert apply_ratchet(stored, 80.0).passed
    assert stored.read_text() == "80.00\n"
    held = apply_ratchet(stored, 80.001)
    assert (held.passed, stored.read_text()) == (True, "80.00\n")
    assert "holds the ratchet" in held.message
    assert not apply_ratchet(stored, 79.0).passed


def test_stashed_paths_outside_pre_commit_is_empty(tmp_path: Path) -> None:
    assert stashed_paths({"PRE_COMMIT_HOME": str(tmp_path)}, parent_pid=1) == frozenset()


def test_stashed_paths_reads_our_parents_patch(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit_files({"a.py": "x = 1\n", "b.py": "y = 1\n"})
    repo.write("a.py", "x = 2\n")
    patch = repo.git_bytes("diff", "--binary", "--no-color", "--no-ext-diff")
    home = tmp_path / "home"
    home.mkdir()
    (home / "patch1700000000-4242").write_bytes(patch)
    (home / "patch1700000000-999").write_bytes(b"")
    environ = {"PRE_COMMIT": "1", "PRE_COMMIT_HOME": str(home)}
    assert stashed_paths(environ, parent_pid=4242) == frozenset({"a.py"})
    assert stashed_paths(environ, parent_pid=7) == frozenset()


def test_store_folder_follows_pre_commit(tmp_path: Path) -> None:
    assert store_folder({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "pre-commit"
    assert store_folder({"PRE_COMMIT_HOME": "/x"}) == Path("/x")


def test_badge_and_trend_dispatch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    GitRepo.init(tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    assert main(["trend", "--history", "none.jsonl"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("no entries yet")
    assert main(["badge"]) == 2
    assert capsys.readouterr().err.startswith("covlint: error: no coverage data")


@pytest.mark.parametrize("entry", [["-m", "covlint.cli", "serve"], ["-m", "covlint.server"]])
def test_an_unwritable_server_log_is_one_line_exit_2(tmp_path: Path, entry: list[str]) -> None:
    log_file = tmp_path / "missing" / "server.log"
    done = subprocess.run(
        [sys.executable, *entry, "--log-file", str(log_file)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"covlint: error: cannot write the log file {log_file}: No such file or directory;"
        " name a writable file"
    ]
    assert done.stdout == ""
