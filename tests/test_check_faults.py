"""Fault injection for the gate: every odd input ends in its documented exit code and one line.

Each case breaks one input (special files, sizes, encodings, config shapes, git states), runs the
real `covlint check` (in a subprocess with a deadline where a regression could hang it: special
files), and checks: the exit code, one line on stderr, no traceback, and every file of the
repository — `.git/` and the coverage data included — byte-identical before and after (hashed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from covlint.cli import main
from tests.covproject import clean_env
from tests.gateproject import GateProject
from tests.gitrepo import GitRepo

APP = "def double(x):\n    return x * 2\n"
CHANGED = APP + "\n\ndef triple(x):\n    return x * 3\n"
DRIVER = "from app.core import double, triple\ndouble(1)\ntriple(1)\n"
DEADLINE = 60  # seconds: far above a normal run, far below a hang


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with a staged change and real, passing coverage data (copied per case)."""
    project = GateProject(tmp_path_factory.mktemp("faults") / "repo")
    project.write("app/__init__.py", "")
    project.write("app/core.py", APP)
    project.commit_all("start")
    project.write("app/core.py", CHANGED)
    project.repo.stage("app/core.py")
    project.record(DRIVER)
    return project.root


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    return root


def fingerprint(root: Path) -> dict[str, str]:
    """Every entry under `root` (`.git` included): a hash of regular files, the kind of others."""
    found = {}
    for path in sorted(root.rglob("*")):
        mode = path.lstat().st_mode
        if stat.S_ISREG(mode):
            found[str(path.relative_to(root))] = digest(path)
        elif not stat.S_ISDIR(mode):
            found[str(path.relative_to(root))] = f"mode {stat.S_IFMT(mode):o}"
    return found


Runner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def in_process(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    """`covlint check` in this process (fast), for inputs that cannot hang it."""

    def run(root: Path, *argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        with monkeypatch.context() as patch:
            patch.chdir(root)
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            code = main(["check", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def digest(path: Path) -> str:
    """The file's hash; for a huge (sparse) test file, its size, mtime and first MiB."""
    status = path.stat()
    with path.open("rb") as file:
        head = file.read(1 << 20) if status.st_size > 64 << 20 else file.read()
    whole = "" if status.st_size <= 64 << 20 else f" {status.st_size} {status.st_mtime_ns}"
    return hashlib.sha256(head).hexdigest() + whole


def run_check(root: Path, *argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`covlint check` in a subprocess that must end within DEADLINE seconds."""
    done = subprocess.run(
        [sys.executable, "-m", "covlint", "check", *argv],
        cwd=root,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def expect(
    root: Path, code: int, message: str, *argv: str, runner: Runner = run_check, **env: str
) -> str:
    """Exit `code`, one line on stderr containing `message`, nothing written anywhere."""
    before = fingerprint(root)
    got, out, err = runner(root, *argv, env=env)
    assert got == code, (out, err)
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    assert err.startswith("covlint: error: ") or code != 2, err
    assert message in err
    assert fingerprint(root) == before
    return err


def fifo(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def device(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to("/dev/zero")


def folder(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.mkdir()


def huge(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with path.open("r+b" if path.exists() else "wb") as file:
            file.truncate(size)  # sparse: large on paper, cheap on disk

    return make


SPECIAL = {"fifo": fifo, "device": device, "folder": folder}


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_data_file_that_is_a_special_file(repo: Path, kind: str) -> None:
    SPECIAL[kind](repo / ".coverage")
    expect(repo, 2, "not a regular file" if kind != "folder" else "a folder")


def test_data_file_absurdly_large(repo: Path, in_process: Runner) -> None:
    huge((4 << 30) + 1)(repo / ".coverage")
    expect(repo, 2, "too large", runner=in_process)


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_shard_that_is_a_special_file_is_not_data(repo: Path, kind: str) -> None:
    SPECIAL[kind](repo / ".coverage.host.1.abc")
    code, out, err = run_check(repo)
    assert (code, err) == (0, ""), out


@pytest.mark.parametrize("kind", sorted(SPECIAL))
@pytest.mark.parametrize("name", [".coveragerc", "pyproject.toml", "setup.cfg"])
def test_config_file_that_is_a_special_file(repo: Path, name: str, kind: str) -> None:
    (repo / ".coveragerc").unlink()  # else coverage (and covlint) never look at the others
    SPECIAL[kind](repo / name)
    expect(repo, 2, f"{name}: ")


def test_config_file_absurdly_large(repo: Path, in_process: Runner) -> None:
    huge(9 << 20)(repo / "pyproject.toml")
    expect(repo, 2, "pyproject.toml: too large", runner=in_process)


@pytest.mark.parametrize("name", ["pyproject.toml", ".coveragerc", "setup.cfg", "tox.ini"])
def test_config_file_that_is_not_utf8(repo: Path, name: str, in_process: Runner) -> None:
    (repo / ".coveragerc").unlink()
    (repo / name).write_bytes(b"[run]\nbranch = true\n# caf\xe9\n")
    expect(repo, 2, f"{name}: not UTF-8 text (byte 0xe9", runner=in_process)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("tool = 5", "`tool` must be a table"),
        ("[tool]\ncovlint = 5", "[tool.covlint] must be a table, not 5"),
        ("[tool]\ncovlint = []", "[tool.covlint] must be a table, not []"),
        ("[tool.covlint\n", "pyproject.toml: not valid TOML"),
        ("[tool.covlint]\nthresholds = 5", "thresholds must be a table"),
        ("[tool.covlint]\nratchet = 7", "ratchet must be a non-empty string"),
        ("[tool.coverage.run]\ndata_file = 5", "pyproject.toml: "),
    ],
)
def test_odd_config_shapes(repo: Path, toml: str, message: str, in_process: Runner) -> None:
    (repo / ".coveragerc").unlink()
    (repo / "pyproject.toml").write_text(toml + "\n")
    expect(repo, 2, message, runner=in_process)


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_rcfile_flag_and_variable_naming_a_special_file(repo: Path, kind: str) -> None:
    SPECIAL[kind](repo / "odd.rc")
    expect(repo, 2, "not a regular file", "--rcfile", "odd.rc")
    expect(repo, 2, "not a regular file", COVERAGE_RCFILE=str(repo / "odd.rc"))


def test_data_file_flag_naming_a_device(repo: Path) -> None:
    expect(repo, 2, "/dev/zero", "--data-file", "/dev/zero")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_changed_source_replaced_by_a_special_file(repo: Path, kind: str) -> None:
    SPECIAL[kind](repo / "app" / "core.py")
    expect(repo, 2, "app/core.py")


def test_unmerged_paths_ask_to_resolve_the_merge(repo: Path, in_process: Runner) -> None:
    git = GitRepo(repo)
    git.commit("triple")
    git.switch("other", create=True, start="HEAD~1")
    git.commit_files({"app/core.py": APP + "\n\ndef other(x):\n    return x\n"}, "other")
    git.switch("main")
    subprocess.run(["git", "merge", "-q", "other"], cwd=repo, capture_output=True, check=False)
    assert git.git("ls-files", "--unmerged")
    expect(repo, 2, "has unresolved merge conflicts: resolve the merge first", runner=in_process)
    expect(repo, 2, "resolve the merge first", "--base", "HEAD~1", runner=in_process)


def test_a_run_after_touch_leaves_git_byte_identical(repo: Path) -> None:
    """`git diff` would refresh the index's stat cache after a touch: optional locks are off."""
    os.utime(repo / "app" / "__init__.py")  # stat data now differs from the index's
    before = fingerprint(repo)
    code, _, err = run_check(repo, "--fail-under", "0")
    assert (code, err) == (0, "")
    assert fingerprint(repo) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        (["--format", "xml"], "argument --format: unknown format 'xml'"),
        (["--fail-under", "abc"], "--fail-under must be a number"),
        (["--stale"], "argument --stale: expected one argument"),
    ],
)
def test_usage_errors_are_one_line_naming_help(
    repo: Path, argv: list[str], message: str, in_process: Runner
) -> None:
    err = expect(repo, 2, message, *argv, runner=in_process)
    assert err.rstrip("\n").endswith("; see covlint check --help")
