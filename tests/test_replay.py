"""A gate run repeated with nothing changed replays its verdict; any change is judged afresh."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from covlint import cli, replay
from covlint.cachedir import cache_root
from covlint.hooks import check
from tests.covproject import clean_env
from tests.gateproject import GateProject

MODULE = "def f(x):\n    if x:\n        return 1\n    return 2\n"
ARGS = ("check", "--fail-under", "90")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GateProject:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("app/other.py", "X = 1\n")
    project.write("pyproject.toml", '[project]\nname = "app"\n')
    project.write("run_tests.py", "")
    project.commit_all("start")
    project.write("app/m.py", MODULE)
    project.repo.stage_all()
    project.record("import app.m\napp.m.f(1)\n")
    monkeypatch.chdir(project.root)
    monkeypatch.setenv("COVLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(replay, "MARGIN_NS", 0)  # the files were all just made: see test_racy_*
    return project


class Runs:
    """`covlint check` run in this process through its front door, counting judged runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self.judged = 0
        self.capsys = capsys
        judge = check.main

        def counted(argv: list[str]) -> int:
            self.judged += 1
            return judge(argv)

        monkeypatch.setattr(check, "main", counted)

    def run(self, *argv: str) -> tuple[int, str, str, bool]:
        """Exit code, stdout, stderr, and whether this run was judged (not replayed)."""
        before = self.judged
        code = cli.main([*ARGS, *argv])
        out, err = self.capsys.readouterr()
        return code, out, err, self.judged > before


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Runs:
    return Runs(monkeypatch, capsys)


def test_a_repeated_run_replays_its_report_and_exit_code(project: GateProject, runs: Runs) -> None:
    first = runs.run()
    second = runs.run()
    third = runs.run()

    assert first[0] == 1
    assert "FAILED" in first[1]
    assert first[3]
    assert not second[3]
    assert not third[3]
    assert second[:3] == first[:3] == third[:3]
    assert not isinstance(sys.stdout, replay._Tee)  # the recorded streams are given back


def test_what_a_run_printed_on_stderr_is_replayed_too(project: GateProject, runs: Runs) -> None:
    project.write("app/m.py", MODULE + "\n\ndef g(x):\n    return 0\n")
    project.record_with_pytest("from app.m import g\n\ndef test_it():\n    g(1)\n")
    project.write("app/m.py", MODULE + "\n\ndef g(x):\n    return -1\n")  # after the run
    project.repo.stage_all()  # judged on the lines that ran; the edited one is left out
    first = runs.run("--stale", "warn", "--format", "json")
    second = runs.run("--stale", "warn", "--format", "json")

    assert "left out" in first[2]
    assert not second[3]
    assert second[:3] == first[:3]


def test_a_run_that_changed_no_python_file_is_replayed(project: GateProject, runs: Runs) -> None:
    project.commit_all("the change")
    project.write("README.md", "# app\n")
    project.repo.stage_all()

    first, second = runs.run(), runs.run()

    assert first[0] == 0
    assert first[3]
    assert not second[3]
    assert second[:3] == first[:3]


def _stage_edit(project: GateProject) -> None:
    project.write("app/m.py", MODULE + "\n\ndef g():\n    return 3\n")
    project.repo.stage_all()


def _edit_unstaged(project: GateProject) -> None:
    project.write("app/m.py", MODULE + "# edited\n")  # newer than the data: stale now


def _record_again(project: GateProject) -> None:
    project.record("import app.m\napp.m.f(1)\napp.m.f(0)\n")


def _add_shard(project: GateProject) -> None:
    shard = project.root / ".coverage.host.1.x"
    shard.write_bytes((project.root / ".coverage").read_bytes())


def _configure(project: GateProject) -> None:
    project.write("pyproject.toml", '[project]\nname = "app"\n\n[tool.covlint]\nstale = "warn"\n')


def _configure_coverage(project: GateProject) -> None:
    rc = project.root / ".coveragerc"
    rc.write_text(rc.read_text() + "\n[report]\nexclude_lines =\n    return 2\n")


def _source_folder(project: GateProject) -> None:
    (project.root / "src" / "app").mkdir(parents=True)  # `[run] source = app` could mean it


def _commit(project: GateProject) -> None:
    project.commit_all("the change")


def _colour(project: GateProject) -> None:
    os.environ["FORCE_COLOR"] = "1"  # undone by the test's monkeypatch


CHANGES: dict[str, Callable[[GateProject], None]] = {
    "staged edit": _stage_edit,
    "unstaged edit of a changed file": _edit_unstaged,
    "tests run again": _record_again,
    "a new shard": _add_shard,
    "[tool.covlint] edited": _configure,
    "coverage's config edited": _configure_coverage,
    "a [run] source folder made": _source_folder,
    "a commit": _commit,
    "an environment variable": _colour,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_any_change_to_what_the_run_read_is_judged_afresh(
    project: GateProject,
    runs: Runs,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[GateProject], None],
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "0")
    runs.run("--format", "json")
    assert not runs.run("--format", "json")[3]  # kept

    time.sleep(0.01)  # a file system tick: the change is seen in the files' status
    change(project)
    changed = runs.run("--format", "json")
    kept_cleared(project)
    fresh = runs.run("--format", "json")

    assert changed[3]
    assert changed[:3] == fresh[:3]


def kept_cleared(project: GateProject) -> None:
    for entry in (cache_root() / "verdicts").iterdir():
        entry.unlink()


def test_a_change_of_arguments_is_judged_afresh(project: GateProject, runs: Runs) -> None:
    runs.run()
    other = runs.run("--fail-under", "50")

    assert other[3]
    assert other[0] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ("--format", "json:{out}/report.json"),
        ("--ratchet", "{out}/ratchet"),
        ("-v",),
        ("--base", "HEAD"),
    ],
    ids=["a report file", "a ratchet", "-v", "another range"],
)
def test_runs_that_did_more_than_print_are_never_replayed(
    project: GateProject, runs: Runs, argv: tuple[str, ...], tmp_path: Path
) -> None:
    argv = tuple(arg.format(out=tmp_path) for arg in argv)  # outside the project's folder
    runs.run(*argv)
    again = runs.run(*argv)

    assert again[3]


def test_an_error_is_reported_every_time(project: GateProject, runs: Runs) -> None:
    (project.root / ".coverage").rename(project.root / "elsewhere")
    first, second = runs.run(), runs.run()

    assert first[0] == second[0] == 2
    assert first[3]
    assert second[3]


def test_a_run_under_pre_commit_that_set_changes_aside_is_judged(
    project: GateProject, runs: Runs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "pre-commit-home"
    home.mkdir()
    monkeypatch.setenv("PRE_COMMIT", "1")
    monkeypatch.setenv("PRE_COMMIT_HOME", str(home))
    runs.run()
    assert not runs.run()[3]

    (home / f"patch1700000000-{os.getppid()}").write_bytes(b"")  # this run's pre-commit

    assert runs.run()[3]


def test_racy_files_keep_nothing_until_they_are_old_enough(
    project: GateProject, runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay, "MARGIN_NS", 2_000_000_000)  # the data was written just now
    runs.run()
    assert runs.run()[3]

    monkeypatch.setattr(replay, "MARGIN_NS", 0)  # as if two seconds went by
    runs.run()
    assert not runs.run()[3]


def test_a_spoilt_entry_is_judged_around(project: GateProject, runs: Runs) -> None:
    first = runs.run()
    [entry] = (cache_root() / "verdicts").iterdir()
    entry.write_bytes(b"\x00not marshal")

    again = runs.run()

    assert again[3]
    assert again[:3] == first[:3]
    assert marshal.loads(entry.read_bytes())["key"] == entry.name  # kept again


def test_kept_verdicts_are_bounded(
    project: GateProject, runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay, "MAX_ENTRIES", 2)
    folder = cache_root() / "verdicts"
    for percent in ("10", "20", "30"):
        runs.run("--fail-under", percent)
        time.sleep(0.01)  # each entry's time its own

    assert len(list(folder.iterdir())) == 2
    assert not runs.run("--fail-under", "30")[3]  # the newest are kept
    assert runs.run("--fail-under", "10")[3]  # the oldest went


def test_a_replayed_run_imports_neither_the_gate_nor_coverage(
    project: GateProject, tmp_path: Path
) -> None:
    probe = (
        "import json, sys\nfrom covlint.cli import main\ncode = main(sys.argv[1:])\n"
        "names = [m for m in sys.modules if m.partition('.')[0] in ('coverage', 'covlint')]\n"
        "print(json.dumps({'code': code, 'modules': names}), file=sys.stderr)\n"
    )
    env = clean_env({"COVLINT_CACHE_DIR": str(tmp_path / "cache")})
    time.sleep(0.6)  # past the real margin: the data was recorded just now

    def run() -> tuple[str, dict[str, object]]:
        done = subprocess.run(
            [sys.executable, "-c", probe, *ARGS, "--format", "json"],
            cwd=project.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])

    judged, replayed = run(), run()

    assert "covlint.hooks.check" in judged[1]["modules"]  # type: ignore[operator]
    assert replayed[0] == judged[0]
    assert replayed[1]["code"] == judged[1]["code"] == 1
    assert not {"covlint.hooks.check", "coverage"} & set(replayed[1]["modules"])  # type: ignore[arg-type]
