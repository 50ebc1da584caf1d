"""Emacs (batch) + Eglot with the shipped covlint.el: Flymake's diagnostics equal the server's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.editor import log_tail, run_editor
from tests.e2e.oracle import ServerView, server_view
from tests.e2e.project import BASE_REF, OPENED, make_project
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


def run_emacs(
    expected: ServerView,
    project: Path,
    editor_env: dict[str, str],
    work: Path,
    *,
    beside: list[str] | None = None,
    only: str | None = None,
) -> dict[str, Any]:
    """One batch Emacs run; `beside`: the user's own server, run beside covlint through rass;
    `only`: count only the diagnostics whose text starts so while waiting."""
    emacs = shutil.which("emacs")
    if not emacs:
        pytest.fail("emacs is not installed: apt-get install emacs-nox elpa-eglot")
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
        "settle_ms": 1000 if beside else 300,  # rass may send a merged list late
        "beside": beside,
        "only": only,
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


@pytest.fixture(scope="module")
def shown(
    expected: ServerView,
    project: Path,
    editor_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    return run_emacs(expected, project, editor_env, tmp_path_factory.mktemp("emacs"))


@pytest.fixture(scope="module")
def linted_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project with a ruff configuration that flags every public function."""
    root = make_project(tmp_path_factory.mktemp("beside") / "project")
    (root / "ruff.toml").write_text('[lint]\nselect = ["D103"]\n')
    return root


@pytest.fixture(scope="module")
def beside_expected(linted_project: Path, server_command: list[str]) -> ServerView:
    return server_view(
        server_command, linted_project, OPENED, settings=SETTINGS, client="emacs", steps=STEPS
    )


@pytest.fixture(scope="module")
def beside(
    beside_expected: ServerView,
    linted_project: Path,
    editor_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """covlint beside `ruff server` (the user's Python server), both behind rass in one Eglot."""
    for program in ("rass", "ruff"):
        if not shutil.which(program, path=editor_env["PATH"]):
            pytest.fail(f"{program} is not installed: pip install rassumfrassum ruff")
    work = tmp_path_factory.mktemp("emacs-beside")
    return run_emacs(
        beside_expected,
        linted_project,
        editor_env,
        work,
        beside=["ruff", "server"],
        only="covlint",
    )


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


def own(diagnostics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in diagnostics if d["text"].startswith("covlint")]


@pytest.mark.parametrize("step", ["all", *STEP_NAMES])
def test_beside_your_python_server_covlint_shows_the_same(
    beside: dict[str, Any], beside_expected: ServerView, step: str
) -> None:
    """With `covlint-beside` = ruff server: covlint's diagnostics as alone, after each command."""
    server = beside_expected.diagnostics if step == "all" else require_step(beside_expected, step)
    want = ordered([as_flymake(d) for d in server])
    assert ordered(own(beside[step]["diagnostics"])) == want, log_tail(beside)


def test_beside_your_python_server_its_diagnostics_stay(beside: dict[str, Any]) -> None:
    others = [d for d in beside["all"]["diagnostics"] if not d["text"].startswith("covlint")]
    assert others, log_tail(beside)
    assert all("D103" in d["text"] for d in others), others
    assert beside["class"] == "covlint-server"
