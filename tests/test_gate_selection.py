"""Which changed files the gate judges: untracked files when asked, include and exclude globs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gateproject import GateProject

USED = "def used(x):\n    return x\n"
UNUSED = "def unused(x):\n    return x\n"


@pytest.fixture
def project(tmp_path: Path) -> GateProject:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("run_tests.py", "")
    project.commit_all("start")
    project.write("app/used.py", USED)
    project.write("app/legacy/old.py", UNUSED)
    project.repo.stage("app/used.py", "app/legacy/old.py")
    project.write("app/fresh.py", UNUSED)  # untracked
    project.write("app/ignored.py", UNUSED)
    project.write(".gitignore", ".coverage\n.coverage.*\nrun_tests.py\napp/ignored.py\n")
    project.record("import app.fresh, app.legacy.old\nfrom app.used import used\nused(1)\n")
    return project


def statuses(report: dict[str, object]) -> dict[str, str]:
    return {f["path"]: f["status"] for f in report["files"]}  # type: ignore[index, union-attr]


def test_untracked_files_count_only_when_asked(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    _, plain = project.check_json("--fail-under", "0", capsys=capsys)
    assert set(statuses(plain)) == {"app/legacy/old.py", "app/used.py"}
    _, report = project.check_json("--include-untracked", "--fail-under", "0", capsys=capsys)
    assert set(statuses(report)) == {"app/fresh.py", "app/legacy/old.py", "app/used.py"}
    fresh = next(f for f in report["files"] if f["path"] == "app/fresh.py")  # type: ignore[attr-defined]
    assert (fresh["changed_statements"], fresh["uncovered_ranges"]) == ([1, 2], [[2, 2]])


def test_untracked_files_from_config_and_in_a_branch_check(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("pyproject.toml", "[tool.covlint]\ninclude-untracked = true\n")
    project.commit_all("config and code")
    project.write("app/fresh.py", UNUSED)
    project.record("import app.fresh\n")
    _, report = project.check_json("--base", "HEAD~1", "--fail-under", "0", capsys=capsys)
    assert "app/fresh.py" in statuses(report)


def test_exclude_and_include_globs(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = project.check_json("--exclude", "app/legacy/*", capsys=capsys)
    assert code == 0
    assert set(statuses(report)) == {"app/used.py"}
    assert {"path": "app/legacy/old.py", "why": "excluded by 'app/legacy/*'"} in report["skipped"]  # type: ignore[operator]
    code, report = project.check_json("--include", "app/legacy/*", capsys=capsys)
    assert code == 1
    assert set(statuses(report)) == {"app/legacy/old.py"}


def test_globs_from_config(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("pyproject.toml", '[tool.covlint]\nexclude = ["app/legacy/*"]\n')
    code, out, _ = project.check(capsys=capsys)
    assert (code, out.splitlines()[-1]) == (
        0,
        "covlint: passed: 100% of 2 changed lines and 0 branches covered (needs 80%)",
    )
    project.write("pyproject.toml", "[tool.covlint]\nexclude = 5\n")
    code, _, err = project.check(capsys=capsys)
    assert (code, err) == (
        2,
        "covlint: error: [tool.covlint] exclude must be a string or a list of strings, not 5\n",
    )


def test_nothing_staged_says_what_to_try(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = GateProject(tmp_path / "empty")
    project.write("app/__init__.py", "")
    project.commit_all("start")
    code, out, _ = project.check(capsys=capsys)
    assert (code, out) == (
        0,
        "covlint: nothing to check: nothing staged (stage with `git add`, or check a branch"
        " with --base origin/main)\n",
    )


def test_line_data_says_once_that_branches_are_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = GateProject(tmp_path / "lines")
    project.write("app/__init__.py", "")
    project.write("run_tests.py", "")
    project.write(".coveragerc", "[run]\nrelative_files = true\nsource = app\n")
    project.commit_all("start")
    project.write("app/used.py", USED)
    project.repo.stage("app/used.py")
    project.record("from app.used import used\nused(1)\n", branch=False)
    _, out, _ = project.check(capsys=capsys)
    assert out.splitlines() == [
        "1 file fully covered",
        "branch coverage is off: the data has no arcs; record with `pytest --cov --cov-branch`"
        " (or `[run] branch = true`) to check branches too",
        "covlint: passed: 100% of 2 changed lines covered (needs 80%)",
    ]
    _, quiet, _ = project.check("--no-branch", capsys=capsys)
    assert "branch coverage is off" not in quiet
