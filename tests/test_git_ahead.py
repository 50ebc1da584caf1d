"""Git calls started ahead: the gate's first two run while Python imports the rest of covlint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from covlint import cli, git, git_calls
from tests.gateproject import GateProject, staged_project
from tests.gitrepo import GitRepo


@pytest.fixture(autouse=True)
def nothing_left_ahead() -> Iterator[None]:
    yield
    git_calls.stop_ahead()


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit_files({"a.txt": "one\n"})
    return repo


def test_a_call_takes_the_result_started_ahead(repo: GitRepo) -> None:
    first = repo.git("rev-parse", "HEAD")
    git_calls.start_ahead(repo.root, "rev-parse", "HEAD")
    git_calls._ahead[("rev-parse", "HEAD")].process.wait()
    second = repo.commit_files({"a.txt": "two\n"})

    assert git.run_git(repo.root, "rev-parse", "HEAD").decode().strip() == first  # taken
    assert git.run_git(repo.root, "rev-parse", "HEAD").decode().strip() == second  # once


def test_a_result_started_in_a_subfolder_serves_the_top(repo: GitRepo) -> None:
    (repo.root / "sub").mkdir()
    git_calls.start_ahead(repo.root / "sub", "rev-parse", "HEAD")
    git_calls._ahead[("rev-parse", "HEAD")].process.wait()
    repo.commit_files({"a.txt": "two\n"})

    taken = git.run_git(repo.root, "rev-parse", "HEAD").decode().strip()

    assert taken == repo.git("rev-parse", "HEAD~1")


def test_another_work_trees_result_is_not_taken(repo: GitRepo, tmp_path: Path) -> None:
    other = GitRepo.init(tmp_path / "other")
    other.commit_files({"b.txt": "b\n"})
    git_calls.start_ahead(other.root, "rev-parse", "HEAD")

    taken = git.run_git(repo.root, "rev-parse", "HEAD").decode().strip()

    assert taken == repo.git("rev-parse", "HEAD")


def test_stop_ahead_ends_what_no_call_took(repo: GitRepo) -> None:
    git_calls.start_ahead(repo.root, "rev-parse", "HEAD")
    [process] = [s.process for s in git_calls._ahead.values()]

    git_calls.stop_ahead()

    assert process.returncode is not None
    assert not git_calls._ahead


def cli_check(
    project: GateProject, capsys: pytest.CaptureFixture[str], *argv: str
) -> dict[str, object]:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project.root / "app")  # from a subfolder, as a user may run it
        code = cli.main(["check", "--fail-under", "0", "--format", "json", *argv])
    out = capsys.readouterr().out
    assert code == 0, out
    result: dict[str, object] = json.loads(out)
    return result


def test_the_gate_judges_the_same_with_its_calls_started_ahead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = staged_project(tmp_path / "repo")
    started: dict[tuple[str, ...], object] = {}
    start = git_calls.start_ahead

    def seen(folder: Path, *args: str) -> None:
        start(folder, *args)
        started[args] = git_calls._ahead[args]

    monkeypatch.setattr(git_calls, "start_ahead", seen)

    ahead = cli_check(project, capsys)
    code, plain = project.check_json("--fail-under", "0", capsys=capsys)  # nothing ahead
    assert code == 0

    assert ahead == plain
    assert list(started) == [git_calls.TOP_AND_HEAD, git_calls.STAGED_PATCH]
    assert all(s.taken for s in started.values())  # type: ignore[attr-defined]
    assert not git_calls._ahead  # all ended


def test_a_run_against_a_base_starts_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = staged_project(tmp_path / "repo")
    project.commit_all("the change")
    monkeypatch.setattr(git_calls, "start_ahead", lambda *a: pytest.fail("started"))

    result = cli_check(project, capsys, "--base", "HEAD~1")

    assert [f["path"] for f in result["files"]] == ["app/m.py"]  # type: ignore[attr-defined]


def test_a_configured_base_leaves_nothing_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = staged_project(tmp_path / "repo")
    project.write("pyproject.toml", '[tool.covlint]\nbase = "HEAD~1"\n')
    project.commit_all("the change")

    result = cli_check(project, capsys)

    assert [f["path"] for f in result["files"]] == ["app/m.py"]  # type: ignore[attr-defined]
    assert not git_calls._ahead  # the unused patch's process was ended


def test_the_same_call_started_twice_runs_once(repo: GitRepo, tmp_path: Path) -> None:
    git_calls.start_ahead(repo.root, "rev-parse", "HEAD")
    [first] = [s.process for s in git_calls._ahead.values()]
    git_calls.start_ahead(tmp_path, "rev-parse", "HEAD")

    assert [s.process for s in git_calls._ahead.values()] == [first]
    git_calls.stop_ahead()
