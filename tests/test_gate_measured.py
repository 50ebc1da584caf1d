"""The gate judges by content: the text that ran, not the file's mtime (real git, real runs)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.gateproject import GateProject

APP = "def double(x):\n    return x * 2\n"
TRIPLE = APP + "\n\ndef triple(x):\n    if x > 0:\n        return x * 3\n    return 0\n"
EDITED = TRIPLE.replace("    return 0\n", "    return -1\n")


@pytest.fixture
def project(tmp_path: Path) -> GateProject:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("app/core.py", APP)
    project.commit_all("start")
    return project


def touch(path: Path) -> None:
    later = path.stat().st_mtime + 60
    os.utime(path, (later, later))


def test_touching_a_staged_file_keeps_the_verdict(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("app/core.py", TRIPLE)
    project.repo.stage("app/core.py")
    project.record("from app.core import triple\ntriple(1)\n")
    before = project.check("--fail-under", "0", capsys=capsys)
    touch(project.root / "app/core.py")
    after = project.check("--fail-under", "0", capsys=capsys)
    assert before == after
    assert before[0] == 0
    assert after[1].splitlines()[0] == (
        "app/core.py: 66.7% of 4 changed lines and 2 branches covered"
    )


def test_a_staged_edit_made_after_the_run_is_judged_on_its_unchanged_lines(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("app/core.py", TRIPLE)
    project.record_with_pytest("from app.core import triple\n\ndef test_it():\n    triple(1)\n")
    project.write("app/core.py", EDITED)
    touch(project.root / "app/core.py")
    project.repo.stage("app/core.py")
    code, out, err = project.check(
        "--format", "json", "--fail-under", "0", "--stale", "warn", capsys=capsys
    )
    report = json.loads(out)
    assert code == 0
    [item] = report["files"]  # type: ignore[misc]
    assert item["changed_statements"] == [5, 6, 7]  # the judged version's numbers
    assert item["uncovered_lines"] == []
    assert [a["from"] for a in item["missed_arcs"]] == [6]
    assert item["missed_arcs"][0]["message"] == (
        "line 6 didn't jump to a changed line because the condition on line 6 was always true"
    )
    assert "app/core.py: line 8 changed since the tests ran" in err


def test_the_changed_statement_is_named_and_stops_the_gate_by_default(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("app/core.py", TRIPLE)
    project.record_with_pytest("from app.core import triple\n\ndef test_it():\n    triple(1)\n")
    project.write("app/core.py", EDITED)
    project.repo.stage("app/core.py")
    code, _, err = project.check(capsys=capsys)
    assert code == 2
    assert err == (
        "covlint: error: app/core.py: line 8 changed since the tests ran: re-run tests\n"
    )
    code, _, err = project.check("--stale", "warn", "--fail-under", "0", capsys=capsys)
    assert code == 0
    assert "app/core.py: line 8 changed since the tests ran: re-run tests (left out)" in err


def test_an_edit_after_the_run_unseen_by_covlint_and_unrecorded_is_stale(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("app/core.py", TRIPLE)
    project.record("from app.core import triple\ntriple(1)\n")
    project.write("app/core.py", EDITED)
    touch(project.root / "app/core.py")
    project.repo.stage("app/core.py")
    code, _, err = project.check(capsys=capsys)
    assert code == 2
    assert err == "covlint: error: coverage data is older than app/core.py: re-run tests\n"


def test_a_file_edited_then_reverted_after_the_gate_saw_the_data_is_judged(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("app/core.py", TRIPLE)
    project.repo.stage("app/core.py")
    project.record("from app.core import triple\ntriple(1)\n")
    first = project.check("--fail-under", "0", capsys=capsys)
    project.write("app/core.py", EDITED)
    project.write("app/core.py", TRIPLE)  # undo, then save: same text, newer file
    touch(project.root / "app/core.py")
    assert project.check("--fail-under", "0", capsys=capsys) == first


def test_staged_texts_that_ran_need_no_question_to_git(
    project: GateProject, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index holds the staged blobs: when what ran is the staged text, git is not asked
    whether it has it; a text that is neither staged nor committed is still asked about."""
    from covlint import measured

    asked: list[list[str]] = []
    real = measured._git_blobs
    monkeypatch.setattr(
        measured, "_git_blobs", lambda root, ids: (asked.append(list(ids)), real(root, ids))[1]
    )
    project.write("app/core.py", TRIPLE)
    project.repo.stage("app/core.py")
    project.record("from app.core import triple\ntriple(1)\n")
    assert project.check("--fail-under", "0", capsys=capsys)[0] == 0
    assert asked == []
    project.write("app/core.py", EDITED)  # unstaged, and tested as it is now
    project.record("from app.core import triple\ntriple(1)\n")

    project.check("--fail-under", "0", capsys=capsys)

    assert len(asked) == 1
