"""Shared fixtures: keep the outer test run's coverage settings away from the code under test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from covlint.cachedir import CACHE_DIR_VARIABLE
from tests.covproject import OUTER_COVERAGE_VARIABLES

# Read by the engine in this process. (The subprocess-measurement variables stay: the language
# server started by the LSP tests is measured through them; fixture runs drop them.)
ENGINE_VARIABLES = ("COVERAGE_FILE", "COVERAGE_RCFILE")


@pytest.fixture(autouse=True)
def no_outer_coverage(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outer run's COVERAGE_FILE/COVERAGE_RCFILE must not reach the code under test."""
    for name in ENGINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True, scope="session")
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """covlint's cache (and every server or gate the tests start) stays in this run's tmp dir."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_VARIABLE, str(tmp_path_factory.mktemp("covlint-cache")))
        yield


@pytest.fixture(scope="module")
def no_outer_coverage_module() -> Iterator[None]:
    """`no_outer_coverage` for module-scoped fixtures (projects recorded once per module)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in OUTER_COVERAGE_VARIABLES:
            patch.delenv(name, raising=False)
        yield
