"""Emacs (batch) + Eglot with the shipped covlint.el: Flymake's diagnostics equal the server's."""

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
DRIVER = Path(__file__).with_name("emacs") / "driver.el"
SETTINGS = {"base": BASE_REF}
TIMEOUT_S = 60
EGLOT_TYPES = {1: "eglot-error", 2: "eglot-warning", 3: "eglot-note", 4: "eglot-note"}


def as_flymake(diagnostic: dict[str, Any]) -> dict[str, Any]:
    """An LSP diagnostic as Eglot 1.9 gives it to Flymake: "source [code]: message"."""
    source = diagnostic.get("source") or ""
    code = diagnostic.get("code")
    return {
        "start": diagnostic["range"]["start"],
        "end": diagnostic["range"]["end"],
        "type": EGLOT_TYPES[diagnostic.get("severity", 1)],
        "text": f"{source}{f' [{code}]' if code is not None else ''}: {diagnostic['message']}",
    }


def ordered(diagnostics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        diagnostics, key=lambda d: (d["start"]["line"], d["start"]["character"], d["text"])
    )


@pytest.fixture(scope="module")
def expected(project: Path, server_command: list[str]) -> ServerView:
    view = server_view(
        server_command, project, OPENED, settings=SETTINGS, client="emacs", steps=STEPS
    )
    assert view.diagnostics, "the server published no diagnostics for the fixture project"
    return view


@pytest.fixture(scope="module")
def shown(
    expected: ServerView,
    project: Path,
    editor_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    emacs = shutil.which("emacs")
    if not emacs:
        pytest.fail("emacs is not installed: apt-get install emacs-nox elpa-eglot")
    work = tmp_path_factory.mktemp("emacs")
    steps = editor_steps(
        expected,
        {"diff": {"call": "covlint-scope", "args": ["diff"]}, "off": {"call": "covlint-toggle"}},
    )
    job = {
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
        [
            emacs,
            "--batch",
            "--no-init-file",
            "-l",
            str(REPO / "editors" / "emacs" / "covlint.el"),
            "-l",
            str(DRIVER),
        ],
        env=env,
        cwd=project,
        timeout=TIMEOUT_S,
        output=work / "result.json",
    )
    assert "error" not in result, f"{result['error']}\n{result.get('log')}"
    return {step["name"]: step for step in result["steps"]} | {
        "root": result["root"],
        "class": result["class"],
        "log": result.get("log"),
    }


def test_eglot_uses_covlints_server_class_and_root(shown: dict[str, Any], project: Path) -> None:
    assert shown["class"] == "covlint-server"
    assert Path(shown["root"]).resolve() == project.resolve()


def test_flymake_diagnostics_equal_the_servers(shown: dict[str, Any], expected: ServerView) -> None:
    want = ordered([as_flymake(d) for d in expected.diagnostics])
    assert ordered(shown["all"]["diagnostics"]) == want, log_tail(shown)


@pytest.mark.parametrize("step", STEP_NAMES)
def test_commands_change_the_diagnostics_as_the_server_does(
    shown: dict[str, Any], expected: ServerView, step: str
) -> None:
    """M-x covlint-scope diff, then M-x covlint-toggle: Flymake shows the server's list."""
    want = ordered([as_flymake(d) for d in require_step(expected, step)])
    assert ordered(shown[step]["diagnostics"]) == want, log_tail(shown)
