"""Vim + ALE with the shipped editors/vim linter definition: ALE's loclist equals the server's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.editor import log_tail, run_editor
from tests.e2e.oracle import ServerView, server_view
from tests.e2e.project import BASE_REF, OPENED
from tests.e2e.steps import STEP_NAMES, STEPS, editor_steps, require_step

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("vim") / "driver.vim"
SETTINGS = {"base": BASE_REF}
TIMEOUT_S = 60


def as_ale(diagnostic: dict[str, Any], last_line: int) -> dict[str, Any]:
    """An LSP diagnostic as ALE 3.3 lists it: 1-based, E or W (Info/Hint: W), source in detail."""
    start, end = diagnostic["range"]["start"], diagnostic["range"]["end"]
    message = diagnostic["message"].replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    code = diagnostic.get("code")
    return {
        "lnum": min(start["line"] + 1, last_line),
        "col": start["character"] + 1,
        "end_lnum": min(end["line"] + 1, last_line),
        "end_col": end["character"],
        "type": "E" if diagnostic.get("severity", 1) == 1 else "W",
        "text": message,
        "code": str(code) if code is not None else None,
        "detail": f"[{diagnostic['source']}] {diagnostic['message']}"
        if "source" in diagnostic
        else None,
        "linter_name": "covlint",
    }


def ordered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda d: (d["lnum"], d["col"], d["text"]))


@pytest.fixture(scope="module")
def expected(project: Path, server_command: list[str]) -> ServerView:
    view = server_view(server_command, project, OPENED, settings=SETTINGS, client=None, steps=STEPS)
    assert view.diagnostics, "the server published no diagnostics for the fixture project"
    return view


@pytest.fixture(scope="module")
def last_line(project: Path) -> int:
    return len((project / OPENED).read_text().splitlines())


@pytest.fixture(scope="module")
def shown(
    expected: ServerView,
    project: Path,
    editor_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    vim = shutil.which("vim")
    if not vim or not Path("/usr/share/vim-ale").is_dir():
        pytest.fail("vim and ALE are not installed: apt-get install vim vim-ale")
    work = tmp_path_factory.mktemp("vim")
    steps = editor_steps(
        expected, {"diff": {"command": "CovlintScope diff"}, "off": {"command": "CovlintToggle"}}
    )
    job = {
        "plugin": str(REPO / "editors" / "vim"),
        "file": str(project / OPENED),
        "settings": SETTINGS,
        "steps": steps,
        "output": str(work / "result.json"),
        "timeout_ms": 20000,
        "settle_ms": 300,
    }
    (work / "job.json").write_text(json.dumps(job))
    env = {**editor_env, "COVLINT_JOB": str(work / "job.json"), "HOME": str(work)}
    result: dict[str, Any] = run_editor(
        [vim, "-N", "-u", str(DRIVER), "-i", "NONE", "-n", "-es"],
        env=env,
        cwd=project,
        timeout=TIMEOUT_S,
        output=work / "result.json",
    )
    assert "error" not in result, f"{result['error']}\n{result.get('log')}"
    return result


def test_ale_loclist_equals_the_servers(
    shown: dict[str, Any], expected: ServerView, last_line: int
) -> None:
    assert shown["filetype"] == "python"
    want = ordered([as_ale(d, last_line) for d in expected.diagnostics])
    assert ordered(shown["steps"]["all"]["loclist"]) == want, log_tail(shown)


def test_ale_places_a_sign_per_marked_line(
    shown: dict[str, Any], expected: ServerView, last_line: int
) -> None:
    lines = {as_ale(d, last_line)["lnum"] for d in expected.diagnostics}
    assert shown["steps"]["all"]["signs"] == len(lines)


@pytest.mark.parametrize("step", STEP_NAMES)
def test_commands_change_the_loclist_as_the_server_does(
    shown: dict[str, Any], expected: ServerView, last_line: int, step: str
) -> None:
    """:CovlintScope diff, then :CovlintToggle: each time ALE lists the server's diagnostics."""
    want = ordered([as_ale(d, last_line) for d in require_step(expected, step)])
    assert ordered(shown["steps"][step]["loclist"]) == want, log_tail(shown)
