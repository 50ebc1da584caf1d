"""What the server's data costs in memory and queries: old loads let go at once, open files read
ahead in one batch per shard — with the same answers (real shards from real coverage runs)."""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

import pytest

from covlint.analysis import decode_source
from covlint.coverage_set import CoverageSet
from covlint.datafile import DataReader
from tests.covproject import CovProject

MODULES = {
    "alpha.py": "def f(x):\n    if x:\n        return 1\n    return 2\n",
    "beta.py": (
        "def g(x):\n    for i in range(x):\n        if i % 2:\n            continue\n    return x\n"
    ),
}

pytestmark = pytest.mark.usefixtures("no_outer_coverage")


def sharded(root: Path) -> CovProject:
    """Two modules, run by three parallel runs (three shards, no combined file)."""
    project = CovProject(root)
    for name, text in MODULES.items():
        project.write(name, text, dedent=False)
    for index, call in enumerate(("alpha.f(0)", "alpha.f(1); beta.g(3)", "beta.g(0)")):
        project.write(f"run_{index}.py", f"import alpha, beta\n{call}\n")
        project.coverage("run", "--branch", "-p", f"run_{index}.py")
    assert len(list(root.glob(".coverage.*"))) == 3
    return project


def test_a_dropped_reader_closes_its_connection_without_waiting_for_the_gc(
    tmp_path: Path,
) -> None:
    project = sharded(tmp_path)
    reader = DataReader(next(project.root.glob(".coverage.*")))
    connection = reader._connect()
    gc.disable()  # SQLite connections sit in a reference cycle: only the cyclic GC frees them
    try:
        del reader
        with pytest.raises(sqlite3.ProgrammingError):
            connection.execute("select 1")
    finally:
        gc.enable()


def test_reading_ahead_gives_the_same_analysis(tmp_path: Path) -> None:
    project = sharded(tmp_path)
    plain = CoverageSet.load(project.root)
    ahead = CoverageSet.load(project.root)

    for branch in (True, False):
        ahead.read_ahead(["alpha.py", "beta.py", "gone.py"])
        for name, text in MODULES.items():
            source = decode_source(text.encode())
            expected = plain.analyse(name, source, branch=branch)
            assert ahead.analyse(name, source, branch=branch) == expected
        assert not ahead._ahead  # each read-ahead is used once, then let go
