"""Bad input: each case gets one actionable line, the right exit code, and nothing written."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.gateproject import GateProject

APP = "def double(x):\n    return x * 2\n"
CHANGED = APP + "\n\ndef triple(x):\n    return x * 3\n"
DRIVER = "from app.core import double, triple\ndouble(1)\ntriple(1)\n"


@pytest.fixture
def project(tmp_path: Path) -> GateProject:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("app/core.py", APP)
    project.write("run_tests.py", "from app.core import double\ndouble(2)\n")
    project.commit_all("start")
    project.write("app/core.py", CHANGED)
    project.repo.stage("app/core.py")
    return project


def expect_error(
    project: GateProject, capsys: pytest.CaptureFixture[str], message: str, *argv: str
) -> None:
    """The gate exits 2 with exactly one line on stderr containing `message`, writing nothing."""
    before = project.snapshot()
    code, out, err = project.check(*argv, capsys=capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1, err
    assert err.startswith("covlint: error: ")
    assert message in err
    assert "Traceback" not in err
    assert project.snapshot() == before


def test_no_data_file(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    expect_error(project, capsys, "no coverage data at")
    expect_error(project, capsys, "run `pytest --cov`")


def test_empty_data_file(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    (project.root / ".coverage").write_bytes(b"")
    expect_error(project, capsys, ".coverage is empty: tests still running?")


def test_corrupt_data_file(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.record(DRIVER)
    data = project.root / ".coverage"
    raw = bytearray(data.read_bytes())
    raw[100 : len(raw) // 2] = b"\xde\xad" * ((len(raw) // 2 - 100) // 2)
    data.write_bytes(bytes(raw[: len(raw) * 3 // 4]))
    expect_error(project, capsys, "coverage data is unreadable")


def test_sqlite_file_that_is_not_coverage(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(project.root / ".coverage") as db:
        db.execute("create table notes (text)")
    expect_error(project, capsys, "is an SQLite database but not coverage.py data")


def test_text_file_named_coverage(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    (project.root / ".coverage").write_text("hello\n")
    expect_error(project, capsys, "is not a coverage.py data file")


def record_elsewhere(folder: Path, project: GateProject) -> GateProject:
    """Record the same sources in another checkout and copy its data into `project`."""
    other = GateProject(folder)
    other.write(".coveragerc", "[run]\nbranch = true\nsource = app\n")
    other.write("app/__init__.py", "")
    other.write("app/core.py", CHANGED)
    other.record(DRIVER)
    shutil.copy(other.root / ".coverage", project.root / ".coverage")
    return other


def test_data_from_another_checkout(
    project: GateProject, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = record_elsewhere(tmp_path / "elsewhere", project)
    project.write(".coveragerc", "[run]\nbranch = true\nsource = app\n")
    before = project.snapshot()
    code, out, err = project.check(capsys=capsys)
    assert (code, err.count("\n")) == (2, 1)
    assert err.startswith("covlint: error: 2 measured file(s) are not under this checkout (e.g.")
    assert err.endswith(": add a [paths] mapping to your coverage config\n")
    assert project.snapshot() == before
    assert out.splitlines() == [
        "covlint: a [paths] block for your coverage config:",
        "[paths]",
        "app =",
        "    app/",
        f"    {other.root}/app/",
    ]


def test_data_from_another_checkout_with_paths(
    project: GateProject, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = record_elsewhere(tmp_path / "elsewhere", project)
    project.write(
        ".coveragerc",
        f"[run]\nbranch = true\nsource = app\n[paths]\nsrc =\n    app/\n    {other.root}/app\n",
    )
    code, report = project.check_json(capsys=capsys)
    assert code == 0
    assert report["totals"]["percent"] == 100.0  # type: ignore[index]


def test_unimported_source_file_counts_as_uncovered(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    """With [run] source set, coverage records unimported files: they are 0%, not unknown."""
    project.write("app/unused.py", "def lonely():\n    return 1\n")
    project.repo.stage("app/unused.py")
    project.record(DRIVER)
    code, report = project.check_json(capsys=capsys)
    assert code == 1
    files = {f["path"]: f for f in report["files"]}  # type: ignore[union-attr]
    assert files["app/unused.py"]["status"] == "ok"
    assert files["app/unused.py"]["uncovered_lines"] == [1, 2]


def test_changed_file_never_measured(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(".coveragerc", "[run]\nbranch = true\n")
    project.write("app/unused.py", "def lonely():\n    return 1\n")
    project.repo.stage("app/unused.py")
    project.record(DRIVER)
    code, report = project.check_json(capsys=capsys)
    assert code == 1
    files = {f["path"]: f for f in report["files"]}  # type: ignore[union-attr]
    assert files["app/unused.py"]["status"] == "not-measured"
    assert files["app/unused.py"]["uncovered_lines"] == [1, 2]
    assert "never measured" in files["app/unused.py"]["reason"]


def test_file_outside_measured_source_is_skipped(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("scripts/tool.py", "print('hi')\n")
    project.repo.stage("scripts/tool.py")
    project.record(DRIVER)
    code, report = project.check_json(capsys=capsys)
    assert code == 0
    assert report["skipped"] == [
        {
            "path": "scripts/tool.py",
            "why": "outside the measured source ([run] source/include/omit)",
        }
    ]


WIDE_SOURCE = "[run]\nbranch = true\nrelative_files = true\nsource =\n    app\n    tools\n"


def test_a_source_root_the_run_did_not_measure_is_skipped_and_said_once(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    """`[run] source` names app and tools, but the run measured only app (as `pytest --cov=app`
    does): tools' changes are not judged as never run, and the report says why, once."""
    project.write(".coveragerc", WIDE_SOURCE)
    project.write("tools/__init__.py", "")
    project.write("tools/a.py", "def a():\n    return 1\n")
    project.write("tools/b.py", "def b():\n    return 2\n")
    project.repo.stage("tools/__init__.py", "tools/a.py", "tools/b.py")
    project.cov.coverage("run", "--branch", "--source=app", "run_tests.py")
    code, out, _ = project.check("--fail-under", "0", capsys=capsys)
    why = (
        "nothing under tools/ was measured:"
        " the run measured less than [run] source names (e.g. pytest --cov=pkg)"
    )
    assert code == 0
    assert out.splitlines()[-2:] == [
        f"2 changed files skipped: {why}",
        "covlint: passed: 50% of 2 changed lines and 0 branches covered (needs 0%)",
    ]


def test_a_source_root_the_run_measured_but_never_imported_still_blocks(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    """With both roots in the run's source, coverage records tools' files as unexecuted: a
    change there is uncovered, never skipped."""
    project.write(".coveragerc", WIDE_SOURCE)
    project.write("tools/__init__.py", "")
    project.write("tools/a.py", "def a():\n    return 1\n")
    project.repo.stage("tools/__init__.py", "tools/a.py")
    project.record(DRIVER)
    code, report = project.check_json("--fail-under", "100", capsys=capsys)
    assert code == 1
    files = {f["path"]: f for f in report["files"]}  # type: ignore[union-attr]
    assert files["tools/a.py"]["uncovered_lines"] == [1, 2]
    assert report["skipped"] == [{"path": "tools/__init__.py", "why": "no added lines"}]


def test_binary_deleted_and_renamed(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.commit("triple")
    project.write("app/blob.bin", "")
    project.repo.write("app/blob.bin", b"\x00\x01\x02binary")
    project.repo.move("app/core.py", "app/maths.py")
    project.write("app/maths.py", CHANGED + "\n\ndef quadruple(x):\n    return x * 4\n")
    project.repo.remove("app/__init__.py")
    project.repo.stage("app/blob.bin", "app/maths.py", "app/__init__.py")
    project.record("from app.maths import double\ndouble(1)\n")
    code, report = project.check_json("--fail-under", "0", capsys=capsys)
    assert code == 0
    assert [(f["path"], f["status"]) for f in report["files"]] == [  # type: ignore[union-attr]
        ("app/maths.py", "ok")
    ]
    (entry,) = report["files"]  # type: ignore[misc]
    added = (CHANGED + "\n\n").count("\n") + 1
    assert entry["changed_statements"] == [added, added + 1]  # only the added function
    assert sorted(report["skipped"], key=lambda s: s["path"]) == [  # type: ignore[arg-type]
        {"path": "app/__init__.py", "why": "deleted"},
        {"path": "app/blob.bin", "why": "binary"},
    ]


def test_no_head_yet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = GateProject(tmp_path / "fresh")
    project.write("app/__init__.py", "")
    project.write("app/core.py", CHANGED)
    project.repo.stage_all()
    project.record(DRIVER)
    code, report = project.check_json(capsys=capsys)
    assert code == 0
    assert report["totals"]["statements"] == 4  # type: ignore[index]


def test_not_a_git_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from covlint.hooks.check import main

    os.chdir(tmp_path)
    try:
        code = main([])
    finally:
        os.chdir(Path(__file__).parent)
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("covlint: error: not a git repository")


def test_git_not_on_path(
    project: GateProject,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    expect_error(project, capsys, "git not found on PATH")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("fail-under = 120", "[tool.covlint] fail-under must be from 0 to 100, not 120"),
        ('fail-under = "lots"', "[tool.covlint] fail-under must be a number from 0 to 100"),
        ("branch = 3", "[tool.covlint] branch must be true or false, not 3"),
        ('stale = "maybe"', '[tool.covlint] stale must be "error" or "warn"'),
        ("colour = true", "[tool.covlint]: unknown key 'colour'"),
        ("[tool.covlint.thresholds]\n'app/*' = -1", "[tool.covlint] thresholds.'app/*' must be"),
    ],
)
def test_invalid_config_value(
    project: GateProject, capsys: pytest.CaptureFixture[str], config: str, message: str
) -> None:
    project.write("pyproject.toml", f"[tool.covlint]\n{config}\n")
    expect_error(project, capsys, message)


@pytest.mark.parametrize("value", ["101", "-5", "abc"])
def test_threshold_flag_outside_range(
    project: GateProject, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    expect_error(project, capsys, "--fail-under must be", "--fail-under", value)


def test_non_utf8_source(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "# -*- coding: latin-1 -*-\ndef name():\n    return 'caf\xe9'\n\n\n"
        "def other():\n    return 2\n"
    )
    project.repo.write("app/latin.py", text.encode("latin-1"))
    project.repo.stage("app/latin.py")
    project.record(DRIVER + "from app.latin import name\nname()\n")
    code, report = project.check_json("--fail-under", "0", capsys=capsys)
    assert code == 0
    files = {f["path"]: f for f in report["files"]}  # type: ignore[union-attr]
    assert files["app/latin.py"]["uncovered_lines"] == [7]
    assert files["app/latin.py"]["changed_statements"] == [2, 3, 6, 7]


def test_crlf_source(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    text = "def one():\r\n    return 1\r\n\r\n\r\ndef two():\r\n    return 2\r\n"
    project.repo.write("app/crlf.py", text.encode())
    project.repo.stage("app/crlf.py")
    project.record(DRIVER + "from app.crlf import one\none()\n")
    _, report = project.check_json("--fail-under", "0", capsys=capsys)
    files = {f["path"]: f for f in report["files"]}  # type: ignore[union-attr]
    assert files["app/crlf.py"]["changed_statements"] == [1, 2, 5, 6]
    assert files["app/crlf.py"]["uncovered_lines"] == [6]


def test_unknown_base_ref(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.record(DRIVER)
    expect_error(project, capsys, "no-such-branch", "--base", "no-such-branch")
