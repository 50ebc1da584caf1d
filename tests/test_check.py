"""`covlint check` end to end: real git repositories, real coverage runs, the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gateproject import GateProject

BASE_APP = """\
def double(x):
    return x * 2
"""

NEW_UNCOVERED = """\
def double(x):
    return x * 2


def triple(x):
    if x > 0:
        return x * 3
    return 0
"""


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line containing `needle`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


@pytest.fixture
def project(tmp_path: Path) -> GateProject:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("app/core.py", BASE_APP)
    project.write("run_tests.py", "from app.core import double\nassert double(2) == 4\n")
    project.commit_all("start")
    return project


def test_covered_change_passes(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    text = BASE_APP + "\n\ndef half(x):\n    return x / 2\n"
    project.write("app/core.py", text)
    project.repo.stage("app/core.py")
    project.record("from app.core import double, half\ndouble(1)\nhalf(2)\n")
    code, out, _ = project.check("--fail-under", "100", capsys=capsys)
    assert code == 0
    assert out.splitlines() == [
        "1 file fully covered",
        "covlint: passed: 100% of 2 changed lines and 0 branches covered (needs 100%)",
    ]


def test_uncovered_function_blocks(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("app/core.py", NEW_UNCOVERED)
    project.repo.stage("app/core.py")
    project.record("from app.core import double, triple\ndouble(1)\ntriple(5)\n")
    code, out, _ = project.check("--fail-under", "90", capsys=capsys)
    assert code == 1
    ret0 = line_of(NEW_UNCOVERED, "return 0")
    cond = line_of(NEW_UNCOVERED, "if x > 0")
    assert out.splitlines() == [
        "app/core.py: 66.7% of 4 changed lines and 2 branches covered",
        f"  not run: line {ret0}",
        f"  line {cond} didn't jump to line {ret0} because the condition on line {cond} was "
        "always true",
        "covlint: FAILED: 66.7% of 4 changed lines and 2 branches covered (needs 90%)",
    ]


def test_json_report_schema(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("app/core.py", NEW_UNCOVERED)
    project.repo.stage("app/core.py")
    project.record("from app.core import triple\ntriple(5)\n")
    code, report = project.check_json("--fail-under", "50", capsys=capsys)
    ret0 = line_of(NEW_UNCOVERED, "return 0")
    cond = line_of(NEW_UNCOVERED, "if x > 0")
    assert code == 0
    assert report["schema"] == 1
    assert report["passed"] is True
    assert report["threshold"] == 50.0
    assert report["totals"] == {
        "percent": 66.67,
        "statements": 4,
        "covered_statements": 3,
        "branches": 2,
        "covered_branches": 1,
    }
    (entry,) = report["files"]  # type: ignore[misc]
    assert entry["path"] == "app/core.py"
    assert entry["status"] == "ok"
    assert entry["uncovered_lines"] == [ret0]
    assert entry["missed_arcs"] == [
        {
            "from": cond,
            "to": ret0,
            "message": f"line {cond} didn't jump to line {ret0} because the condition on line "
            f"{cond} was always true",
        }
    ]


def test_no_branch_counts_lines_only(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("app/core.py", NEW_UNCOVERED)
    project.repo.stage("app/core.py")
    project.record("from app.core import triple\ntriple(5)\n")
    _, report = project.check_json("--no-branch", capsys=capsys)
    assert report["branch"] is False
    assert report["totals"]["branches"] == 0  # type: ignore[index]
    assert report["totals"]["percent"] == 75.0  # type: ignore[index]


def test_partially_staged_file_judges_staged_lines_only(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    """Staged: an uncovered new function. Unstaged: three covered lines inserted above it."""
    staged = BASE_APP + "\n\ndef never_called(x):\n    y = x + 1\n    return y\n"
    project.write("app/core.py", staged)
    project.repo.stage("app/core.py")
    worktree = "A = 1\nB = 2\nC = 3\n" + staged
    project.write("app/core.py", worktree)
    project.record("from app.core import double\ndouble(1)\n")
    code, report = project.check_json("--fail-under", "0", capsys=capsys)
    first = line_of(worktree, "def never_called")
    assert code == 0
    (entry,) = report["files"]  # type: ignore[misc]
    assert entry["changed_statements"] == [first, first + 1, first + 2]
    assert entry["uncovered_lines"] == [first + 1, first + 2]
    assert report["totals"]["statements"] == 3  # type: ignore[index]


def test_staged_line_edited_again_in_worktree_is_stale(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    staged = BASE_APP + "\n\ndef added(x):\n    return x + 1\n"
    project.write("app/core.py", staged)
    project.repo.stage("app/core.py")
    project.write("app/core.py", staged.replace("x + 1", "x + 2"))
    project.record("from app.core import added\nadded(1)\n")
    code, _, err = project.check(capsys=capsys)
    assert code == 2
    assert "differ from the working tree that was tested" in err
    code, report = project.check_json("--stale", "warn", capsys=capsys)
    assert code == 0
    assert [f["status"] for f in report["files"]] == ["stale"]  # type: ignore[union-attr]


def test_continuation_line_counts_its_statement(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    before = BASE_APP + "\n\ndef total(a, b):\n    return sum(\n        [a,\n         b])\n"
    project.write("app/core.py", before)
    project.commit_all("multi-line")
    after = before.replace("         b])", "         b, 1])")
    project.write("app/core.py", after)
    project.repo.stage("app/core.py")
    project.record("from app.core import double\ndouble(1)\n")
    _, report = project.check_json(capsys=capsys)
    (entry,) = report["files"]  # type: ignore[misc]
    assert entry["changed_statements"] == [line_of(after, "return sum(")]
    assert entry["uncovered_lines"] == [line_of(after, "return sum(")]


def test_data_older_than_file_is_stale(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("app/core.py", NEW_UNCOVERED)
    project.repo.stage("app/core.py")
    project.record("from app.core import triple\ntriple(5)\n")
    data_mtime = (project.root / ".coverage").stat().st_mtime
    source = project.root / "app/core.py"
    import os

    os.utime(source, (data_mtime + 10, data_mtime + 10))
    code, out, err = project.check(capsys=capsys)
    assert (code, out) == (2, "")
    assert err == "covlint: error: coverage data is older than app/core.py: re-run tests\n"


def test_nothing_to_check(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("README.md", "docs\n")
    project.repo.stage("README.md")
    code, out, _ = project.check("-v", capsys=capsys)
    assert code == 0
    assert out.splitlines() == [
        "README.md: skipped (not Python)",
        "covlint: nothing to check: no Python changes (1 changed file skipped; -v lists them)",
    ]


def test_per_path_threshold_is_not_diluted(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("app/core.py", NEW_UNCOVERED)
    many = "".join(f"V{i} = {i}\n" for i in range(40))
    project.write("app/consts.py", many)
    project.repo.stage("app/core.py", "app/consts.py")
    project.write(
        "pyproject.toml",
        '[tool.covlint]\nfail-under = 80\n[tool.covlint.thresholds]\n"app/core.py" = 95\n',
    )
    project.record("import app.consts\nfrom app.core import triple\ntriple(5)\n")
    code, report = project.check_json(capsys=capsys)
    assert code == 1
    assert report["totals"]["percent"] > 80  # type: ignore[index,operator]
    statuses = {f["path"]: f["status"] for f in report["files"]}  # type: ignore[union-attr]
    assert statuses == {"app/consts.py": "ok", "app/core.py": "below"}


def test_flags_override_config(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("pyproject.toml", "[tool.covlint]\nfail-under = 100\n")
    project.write("app/core.py", NEW_UNCOVERED)
    project.repo.stage("app/core.py")
    project.record("from app.core import triple\ntriple(5)\n")
    assert project.check("-q", capsys=capsys)[0] == 1
    assert project.check("-q", "--fail-under", "60", capsys=capsys)[0] == 0


def test_base_ref_checks_committed_and_uncommitted(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.switch("feature", create=True)
    project.write("app/core.py", NEW_UNCOVERED)
    project.commit_all("triple")
    project.write("app/extra.py", "def extra():\n    return 1\n")
    project.record("from app.core import triple\ntriple(5)\n")
    _, report = project.check_json("--base", "main", "--fail-under", "0", capsys=capsys)
    statuses = {f["path"]: f["status"] for f in report["files"]}  # type: ignore[union-attr]
    # extra.py is untracked: not part of any diff
    assert statuses == {"app/core.py": "ok"}


def test_ratchet_holds_and_rises(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("app/core.py", NEW_UNCOVERED)
    project.repo.stage("app/core.py")
    project.record("from app.core import triple\ntriple(5)\n")
    ratchet = project.root / "coverage-ratchet.txt"
    ratchet.write_text("99.5\n")
    code, _, err = project.check("--fail-under", "0", "--ratchet", ratchet.name, capsys=capsys)
    assert code == 1
    assert "total coverage fell from 99.5%" in err
    ratchet.write_text("10\n")
    code, _, err = project.check("--fail-under", "0", "--ratchet", ratchet.name, capsys=capsys)
    assert code == 0
    assert "raised from 10%" in err
    assert float(ratchet.read_text()) > 10


def test_pre_push_refs_from_pre_commit(
    project: GateProject, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At pre-push, pre-commit names the pushed range: the gate checks exactly that."""
    before = project.repo.rev()
    project.write("app/core.py", NEW_UNCOVERED)
    pushed = project.commit_all("triple")
    project.record("from app.core import triple\ntriple(5)\n")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", before)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", pushed)
    code, report = project.check_json("--fail-under", "90", capsys=capsys)
    assert code == 1
    (entry,) = report["files"]  # type: ignore[misc]
    assert entry["path"] == "app/core.py"
    assert entry["uncovered_lines"] == [line_of(NEW_UNCOVERED, "return 0")]
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", pushed)
    assert project.check("--fail-under", "90", capsys=capsys)[0] == 0  # nothing pushed
