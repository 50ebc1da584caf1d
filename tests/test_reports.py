"""The gate's report formats, on a real change measured by a real coverage run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from covlint.counts import format_percent
from covlint.wording import span_list, uncovered_runs
from tests.gateproject import GateProject

APP = "def double(x):\n    return x * 2\n"
CHANGED = APP + (
    "\n\ndef sign(x):\n    if x > 0:\n        return 1\n    return -1\n"
    "\n\ndef unused(a):\n    b = a + 1\n    c = b * 2\n    return c\n"
)


@pytest.fixture
def project(tmp_path: Path) -> GateProject:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("app/core.py", APP)
    project.write("run_tests.py", "")
    project.commit_all("start")
    project.write("app/core.py", CHANGED)
    project.write("docs.md", "notes\n")
    project.repo.stage("app/core.py", "docs.md")
    project.record("from app.core import sign\nsign(5)\n")
    return project


def test_markdown(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = project.check("--format", "markdown", capsys=capsys)
    assert code == 1
    assert out.splitlines() == [
        "### ❌ covlint: FAILED: 50% of 8 changed lines and 2 branches covered (needs 80%)",
        "",
        "| File | Status | Diff coverage | Not covered |",
        "|---|---|---:|---|",
        "| `app/core.py` | ok | 50% | line 8, lines 12–14 not run<br>line 6 didn't jump to line 8"
        " because the condition on line 6 was always true |",
    ]


def test_github_annotations(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = project.check("--format", "github", "--fail-under", "40", capsys=capsys)
    assert code == 0
    assert out.splitlines() == [
        "::warning file=app/core.py,line=6,title=covlint missed-branch::line 6 didn't jump to"
        " line 8 because the condition on line 6 was always true",
        "::warning file=app/core.py,line=8,endLine=8,title=covlint uncovered::line 8 not run by"
        " any test",
        "::warning file=app/core.py,line=12,endLine=14,title=covlint uncovered::lines 12–14 not"
        " run by any test",
        "covlint: passed: 50% of 8 changed lines and 2 branches covered (needs 40%)",
    ]


def test_github_failure_is_an_error_with_a_job_summary(
    project: GateProject, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = project.root.parent / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    _, out, _ = project.check("--format", "github", capsys=capsys)
    assert out.splitlines()[0].startswith("::error file=app/core.py,line=6,")
    assert out.splitlines()[-1] == (
        "::error title=covlint::covlint: FAILED: 50%25 of 8 changed lines and 2 branches covered"
        " (needs 80%25)"
    )
    written = summary.read_text(encoding="utf-8").splitlines()
    assert written[:2] == [
        "earlier step",
        "### ❌ covlint: FAILED: 50% of 8 changed lines and 2 branches covered (needs 80%)",
    ]


def test_text_quiet_and_verbose(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    _, quiet, _ = project.check("-q", capsys=capsys)
    assert quiet.splitlines() == [
        "app/core.py: 50% of 8 changed lines and 2 branches covered",
        "covlint: FAILED: 50% of 8 changed lines and 2 branches covered (needs 80%)",
    ]
    _, quiet_pass, _ = project.check("-q", "--fail-under", "40", capsys=capsys)
    assert quiet_pass.splitlines() == [
        "covlint: passed: 50% of 8 changed lines and 2 branches covered (needs 40%)"
    ]
    _, passing, _ = project.check("--fail-under", "40", capsys=capsys)
    assert passing.splitlines() == [  # a passing file: one line; its findings with -v
        "app/core.py: 50% of 8 changed lines and 2 branches covered",
        "covlint: passed: 50% of 8 changed lines and 2 branches covered (needs 40%)",
    ]
    _, verbose, _ = project.check("-v", "--fail-under", "40", capsys=capsys)
    assert verbose.splitlines()[1:4] == [
        "  not run: line 8, lines 12–14",
        "  line 6 didn't jump to line 8 because the condition on line 6 was always true",
        "docs.md: skipped (not Python)",
    ]


def test_stale_warn_in_every_format(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    stamp = (project.root / ".coverage").stat().st_mtime + 5
    os.utime(project.root / "app/core.py", (stamp, stamp))
    reason = "coverage data is older than app/core.py: re-run tests"
    _, text, _ = project.check("--stale", "warn", capsys=capsys)
    assert text.splitlines()[0] == f"app/core.py: stale: {reason}"
    _, markdown, _ = project.check("--stale", "warn", "--format", "markdown", capsys=capsys)
    assert f"| `app/core.py` | stale | | {reason} |" in markdown.splitlines()
    _, github, _ = project.check("--stale", "warn", "--format", "github", capsys=capsys)
    assert github.splitlines()[0] == f"::error file=app/core.py,title=covlint stale::{reason}"
    _, sarif, _ = project.check("--stale", "warn", "--format", "sarif", capsys=capsys)
    [result] = json.loads(sarif)["runs"][0]["results"]
    assert (result["ruleId"], result["level"], result["message"]["text"]) == (
        "stale",
        "error",
        reason,
    )


def test_runs_split_at_any_other_statement() -> None:
    statements = [3, 4, 5, 9, 10, 12]
    assert uncovered_runs(statements, {3, 4, 9, 10, 12}) == [[3, 4], [9, 10, 12]]
    assert uncovered_runs(statements, {3, 4, 9, 12}, keep=lambda n: n != 4) == [[3], [9], [12]]
    assert span_list([(3, 4), (9, 9)]) == "lines 3–4, line 9"
    assert (format_percent(100.0), format_percent(82.54), format_percent(66.666)) == (
        "100",
        "82.5",
        "66.7",
    )


def test_branch_line_that_always_raised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = GateProject(tmp_path / "raised")
    project.write("app/__init__.py", "")
    project.write("run_tests.py", "")
    project.commit_all("start")
    project.write("app/lookup.py", 'def f(t):\n    if t["k"]:\n        return 1\n    return 2\n')
    project.repo.stage("app/lookup.py")
    project.record("from app.lookup import f\ntry:\n    f({})\nexcept KeyError:\n    pass\n")
    _, out, _ = project.check(capsys=capsys)
    assert out.splitlines()[:3] == [
        "app/lookup.py: 33.3% of 4 changed lines and 2 branches covered",
        "  not run: lines 3–4",
        "  line 2 didn't jump anywhere: it always raised an exception.",
    ]
