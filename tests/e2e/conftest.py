"""Editor end-to-end tests: skipped unless COVLINT_E2E=1 (`.ci/e2e` sets it, after installing)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.e2e.project import make_project

ENABLED = os.environ.get("COVLINT_E2E") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="drives a real editor: set COVLINT_E2E=1 or run `bash .ci/e2e`")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The measured fixture project (shared: editors only read it)."""
    return make_project(tmp_path_factory.mktemp("e2e") / "project")


@pytest.fixture(scope="session")
def server_command() -> list[str]:
    """`covlint serve` as installed beside this Python (COVLINT_E2E_SERVER: another)."""
    override = os.environ.get("COVLINT_E2E_SERVER")
    if override:
        return [override, "serve"]
    script = Path(sys.executable).parent / "covlint"
    found = str(script) if script.exists() else shutil.which("covlint")
    if not found:
        pytest.fail("`covlint` is not installed: run `pip install -e .` first")
    return [found, "serve"]


@pytest.fixture(scope="session")
def editor_env(
    server_command: list[str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Environment for editors: our `covlint` first on PATH, no user configuration."""
    home = tmp_path_factory.mktemp("editor-home")
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(server_command[0]).parent), env.get("PATH", "")])
    for name in ("CONFIG", "STATE", "DATA", "CACHE"):
        env[f"XDG_{name}_HOME"] = str(home / name.lower())
    for name in ("COVERAGE_FILE", "COVERAGE_PROCESS_START", "COV_CORE_SOURCE", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    return env
