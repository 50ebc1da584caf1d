"""Diff scope: the editor marks exactly what `covlint check --base` judges (real git repo)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.covproject import CovProject, clean_env
from tests.lsp_fixtures import (
    as_marks,
    expected_marks,
    make_project,
    marks_from,
    run_pytest,
    session,
    statements_of,
)

SOURCE = "pkg/app.py"
ADDED = """

def added(x):
    if x:
        return 1
    return 2
"""
ADDED_TEST = "from pkg import app\n\n\ndef test_added():\n    assert app.added(1) == 1\n"


def git(root: Path, *args: str) -> None:
    identity = ["-c", "user.name=covlint", "-c", "user.email=covlint@example.invalid"]
    subprocess.run(["git", *identity, *args], cwd=root, check=True, capture_output=True)


def on_a_branch(project: CovProject) -> CovProject:
    """The project committed on main, then a `feature` branch checked out."""
    project.write(".gitignore", ".coverage*\ncoverage.json\n__pycache__/\n")
    git(project.root, "init", "-q", "-b", "main")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "--no-gpg-sign", "--no-verify", "-m", "start")
    git(project.root, "checkout", "-q", "-b", "feature")
    return project


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> CovProject:
    """Committed on main; on a branch: a commit, a staged and an unstaged edit; tests re-run."""
    project = on_a_branch(make_project(tmp_path_factory.mktemp("scope") / "proj"))
    path = project.root / SOURCE
    path.write_text(path.read_text() + ADDED)
    git(project.root, "commit", "-q", "--no-gpg-sign", "--no-verify", "-am", "added")
    path.write_text(path.read_text().replace("first = a + b", "first = a + b + 0"))
    git(project.root, "add", SOURCE)
    path.write_text(path.read_text().replace('return "zero"', 'return "zero"  # unstaged'))
    project.write("tests/test_added.py", ADDED_TEST)
    run_pytest(project)
    return project


def gate(project: CovProject) -> Any:
    """What `covlint check --base main` reports (JSON)."""
    done = subprocess.run(
        [sys.executable, "-m", "covlint", "check", "--base", "main", "--format", "json"],
        cwd=project.root,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


async def test_diff_scope_marks_what_the_gate_judges(repo: CovProject) -> None:
    verdict = gate(repo)
    [judged] = [f for f in verdict["files"] if f["path"] == SOURCE]
    arcs = [(a["from"], a["to"], a["message"]) for a in judged["missed_arcs"]]
    coverage = repo.json_report()["files"][SOURCE]  # type: ignore[index]
    text = (repo.root / SOURCE).read_text()
    expected = marks_from(text, statements_of(coverage), set(judged["uncovered_lines"]), arcs)
    assert {m[0] for m in expected} == {"uncovered", "missed-branch"}
    async with session([repo.root], client="visual-studio-code") as lsp:
        uri = lsp.open(repo.root / SOURCE)
        everything = await lsp.wait_for(uri)
        params = types.ExecuteCommandParams(command="covlint.setScope", arguments=["diff"])
        await lsp.client.workspace_execute_command_async(params)
        diff = await lsp.wait_for(uri, after=1)
        summary = await lsp.client.protocol.send_request_async("covlint/summary", {"uri": uri})
    assert as_marks(everything) == expected_marks(repo, SOURCE)
    assert as_marks(diff) == expected
    totals = verdict["totals"]
    for figures in (summary.file, summary.total):
        assert figures.statements == totals["statements"]
        assert figures.missing == totals["statements"] - totals["covered_statements"]
        assert figures.branches == totals["branches"]
        assert figures.missedBranches == totals["branches"] - totals["covered_branches"]
    assert summary.scope == "diff"


async def test_an_unknown_base_warns_once_and_marks_everything(repo: CovProject) -> None:
    config = {"": {"scope": "diff", "base": "no-such-branch"}}
    async with session([repo.root], configuration=config) as lsp:
        uri = lsp.open(repo.root / SOURCE)
        diagnostics = await lsp.wait_for(uri)
        message = await lsp.wait_for_message()
    assert as_marks(diagnostics) == expected_marks(repo, SOURCE)
    assert message.type == types.MessageType.Warning
    assert "no-such-branch" in message.message


@pytest.fixture(scope="module")
def with_outside_change(tmp_path_factory: pytest.TempPathFactory) -> CovProject:
    """A branch that changes a measured file and a script outside `--cov=pkg` (never measured)."""
    project = on_a_branch(make_project(tmp_path_factory.mktemp("outside") / "proj"))
    path = project.root / SOURCE
    path.write_text(path.read_text() + ADDED)
    project.write("tools/release.py", "import sys\n\nprint(sys.argv)\nprint('done')\n")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "--no-gpg-sign", "--no-verify", "-m", "added")
    project.write("tests/test_added.py", ADDED_TEST)
    run_pytest(project)
    return project


async def test_diff_scope_total_is_the_gates_total(with_outside_change: CovProject) -> None:
    """A changed file outside coverage's source is skipped by the gate, and so by the summary."""
    verdict = gate(with_outside_change)
    assert {s["path"]: s["why"] for s in verdict["skipped"]}["tools/release.py"].startswith(
        "outside the measured source"
    )
    config = {"": {"scope": "diff", "base": "main"}}
    async with session([with_outside_change.root], configuration=config) as lsp:
        uri = lsp.open(with_outside_change.root / SOURCE)
        await lsp.wait_for(uri)
        summary = await lsp.client.protocol.send_request_async("covlint/summary", {"uri": uri})
    totals = verdict["totals"]
    assert summary.total.statements == totals["statements"]
    assert summary.total.missing == totals["statements"] - totals["covered_statements"]
    assert summary.total.branches == totals["branches"]
    assert summary.total.percent == pytest.approx(totals["percent"], abs=0.005)
