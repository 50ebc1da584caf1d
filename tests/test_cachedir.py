"""The cache root: the variable first, then the platform's user cache folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from covlint.cachedir import cache_root


def test_variable_wins(tmp_path: Path) -> None:
    assert cache_root({"COVLINT_CACHE_DIR": str(tmp_path)}) == tmp_path


@pytest.mark.skipif(sys.platform != "linux", reason="XDG is the Linux convention")
def test_xdg_cache_home(tmp_path: Path) -> None:
    assert cache_root({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "covlint"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG is the Linux convention")
def test_relative_xdg_is_ignored_as_the_spec_says() -> None:
    assert cache_root({"XDG_CACHE_HOME": "relative"}) == Path.home() / ".cache" / "covlint"
