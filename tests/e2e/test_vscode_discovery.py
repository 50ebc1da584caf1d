"""How the VS Code extension finds covlint, step by step, on real interpreters and venvs.

Runs the extension's own compiled `out/common/discovery.js` under node (no VS Code needed): the
configured command, the configured interpreter, the Python extension's interpreter (the one
value handed in, as the extension gets it from that extension's API), the workspace's `.venv` /
`venv`, `covlint` on PATH, and the message with the install command when nothing has covlint.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

DISCOVERY = Path(__file__).resolve().parents[2] / "editors" / "vscode" / "out" / "common"
RUNNER = """
const { findServer } = require(process.argv[1]);
const input = JSON.parse(process.argv[2]);
const selected = input.pythonExtension;
input.pythonExtension = async () => selected ?? undefined;
findServer(input).then((result) => console.log(JSON.stringify(result)));
"""


@pytest.fixture(scope="module")
def pythons(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A venv that has covlint (this Python's packages) and one that has not."""
    root = tmp_path_factory.mktemp("pythons")
    made = {}
    for name, shared in (("with", True), ("without", False)):
        args = [sys.executable, "-m", "venv", "--without-pip", str(root / name)]
        subprocess.run(args + (["--system-site-packages"] if shared else []), check=True)
        made[name] = root / name / "bin" / "python"
    return made


@pytest.fixture(scope="module")
def bin_with_covlint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PATH folder holding only a `covlint` script (as pipx installs it)."""
    folder = tmp_path_factory.mktemp("pipx-bin")
    script = folder / "covlint"
    script.write_text(f'#!/bin/sh\nexec {sys.executable} -m covlint "$@"\n')
    script.chmod(0o755)
    return folder


def find(tmp_path: Path, **given: Any) -> dict[str, Any]:
    """findServer() with the given input (defaults: nothing configured, an empty folder)."""
    if not (DISCOVERY / "discovery.js").exists():
        pytest.fail(f"{DISCOVERY}/discovery.js is missing: npm run compile in editors/vscode")
    folder = tmp_path / "workspace"
    folder.mkdir(exist_ok=True)
    search = {
        "path": [],
        "interpreter": [],
        "pythonExtension": None,
        "folders": [str(folder)],
        "trusted": True,
        "envPath": "/nonexistent",
        "cwd": str(tmp_path),
        **given,
    }
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # as a user's editor
    done = subprocess.run(
        ["node", "-e", RUNNER, str(DISCOVERY / "discovery.js"), json.dumps(search)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_configured_command_wins(tmp_path: Path, bin_with_covlint: Path) -> None:
    script = str(bin_with_covlint / "covlint")
    found = find(tmp_path, path=[script, "serve"], pythonExtension=sys.executable)
    assert found["server"] == {"command": script, "args": ["serve"], "source": "path"}


def test_a_configured_command_that_is_missing_is_reported(tmp_path: Path) -> None:
    found = find(tmp_path, path=["/no/such/covlint", "serve"], pythonExtension=sys.executable)
    assert "server" not in found
    assert "covlint.path setting was not found: /no/such/covlint" in found["problem"]


def test_a_configured_interpreter_without_covlint_says_how_to_install(
    tmp_path: Path, pythons: dict[str, Path]
) -> None:
    python = str(pythons["without"])
    found = find(tmp_path, interpreter=[python], pythonExtension=str(pythons["with"]))
    assert found["problem"] == (
        f"covlint is not installed for {python}. Install it with: {python} -m pip install covlint"
    )


def test_the_python_extensions_interpreter_comes_next(
    tmp_path: Path, pythons: dict[str, Path]
) -> None:
    python = str(pythons["with"])
    found = find(tmp_path, pythonExtension=python)
    assert found["server"]["source"] == "python-extension"
    assert [found["server"]["command"], *found["server"]["args"]] == [
        python,
        "-m",
        "covlint",
        "serve",
    ]


@pytest.mark.parametrize("name", [".venv", "venv"])
def test_then_the_workspaces_venv(tmp_path: Path, pythons: dict[str, Path], name: str) -> None:
    venv = tmp_path / "workspace" / name
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
        check=True,
    )
    found = find(tmp_path, pythonExtension=str(pythons["without"]))
    assert found["server"]["source"] == "venv"
    assert found["server"]["command"] == str(venv / "bin" / "python")


def test_an_untrusted_workspaces_venv_is_never_run(tmp_path: Path, bin_with_covlint: Path) -> None:
    venv = tmp_path / "workspace" / ".venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
        check=True,
    )
    found = find(tmp_path, trusted=False, envPath=str(bin_with_covlint))
    assert found["server"]["source"] == "PATH"
    assert ".venv / venv: not searched in an untrusted workspace" in found["tried"]


def test_then_covlint_on_path(
    tmp_path: Path, pythons: dict[str, Path], bin_with_covlint: Path
) -> None:
    found = find(tmp_path, pythonExtension=str(pythons["without"]), envPath=str(bin_with_covlint))
    assert found["server"] == {
        "command": str(bin_with_covlint / "covlint"),
        "args": ["serve"],
        "source": "PATH",
    }


def test_else_one_message_with_the_install_command_for_the_interpreter_found(
    tmp_path: Path, pythons: dict[str, Path]
) -> None:
    python = str(pythons["without"])
    found = find(tmp_path, pythonExtension=python)
    assert "server" not in found
    assert found["problem"] == (
        f"covlint is not installed for {python}. Install it with: {python} -m pip install covlint"
    )
