"""The naming rules: Python files, coverage data files, their shards and journals."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from covlint.filenames import (
    data_family_glob,
    is_data_family,
    is_python_path,
    is_shard_name,
    is_side_file,
)

NAMES = {
    ".coverage": (False, True),
    ".coverage.host.123.XyZ": (True, True),
    ".coverage.json": (True, True),  # a shard by name only: the reader checks the content
    ".coverage-journal": (False, True),
    ".coverage.host.1.x-journal": (False, True),
    ".coverage.host.1.x-wal": (False, True),
    ".coveragerc": (False, False),
    "other.coverage.host.1.x": (False, False),
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_shards_and_the_data_family(name: str) -> None:
    shard, family = NAMES[name]
    assert is_shard_name(name, ".coverage") is shard
    assert is_data_family(name, ".coverage") is family
    if family:
        assert fnmatchcase(name, data_family_glob(".coverage"))


def test_side_files_are_sqlite_journals() -> None:
    assert [is_side_file(n) for n in ("a-journal", "a-wal", "a-shm", "a.journal")] == [
        True,
        True,
        True,
        False,
    ]


def test_python_paths() -> None:
    assert [is_python_path(p) for p in ("pkg/m.py", "gui.pyw", "m.pyc", "m.py.txt")] == [
        True,
        True,
        False,
        False,
    ]
