"""Finding, combining and refusing coverage data — never writing to the user's files."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from coverage.numbits import numbits_to_nums, nums_to_numbits
from hypothesis import given
from hypothesis import strategies as st

from covlint.cachedir import CACHE_DIR_VARIABLE, cache_root
from covlint.coverage_set import CoverageSet
from covlint.data_sources import DataSource
from covlint.datafile import numbits_union_lines
from covlint.errors import DataChanged, DataError, DataNotReady
from tests.covproject import OUTER_COVERAGE_VARIABLES as COVERAGE_ENV
from tests.covproject import CovProject

MOD = """\
def a():
    return "a"


def b():
    return "b"


def c():
    return "c"
"""
RAN_A = [1, 2, 5, 9]
RAN_B = [1, 5, 6, 9]
RAN_C = [1, 5, 9, 10]


def make_project(root: Path, config: tuple[str, str] = (".coveragerc", "")) -> CovProject:
    project = CovProject(root)
    project.write("mod.py", MOD)
    for name in "abc":
        project.write(f"run_{name}.py", f"import mod\n\nmod.{name}()\n")
    project.write(*config)
    return project


@dataclass(frozen=True)
class Recorded:
    """Data files recorded once (with relative paths, so copies work anywhere)."""

    a: bytes
    b: bytes
    c: bytes


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    with pytest.MonkeyPatch.context() as mp:
        for name in COVERAGE_ENV:
            mp.delenv(name, raising=False)
        project = make_project(
            tmp_path_factory.mktemp("recorded"), (".coveragerc", "[run]\nrelative_files = true\n")
        )
        datas = {}
        for name in "abc":
            project.run(f"run_{name}.py")
            datas[name] = (project.root / ".coverage").read_bytes()
    return Recorded(**datas)


def relative_project(root: Path) -> CovProject:
    return make_project(root, (".coveragerc", "[run]\nrelative_files = true\n"))


def executed(cset: CoverageSet) -> list[int]:
    return sorted(cset.analyse("mod.py", MOD).executed)


def place(path: Path, data: bytes, mtime: float) -> Path:
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


# --- where the data is -----------------------------------------------------------------------


def test_default_data_file(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.run("run_a.py")

    cset = CoverageSet.load(tmp_path)

    assert cset.is_measured("mod.py")  # absolute names, looked up one by one
    assert not cset.is_measured("run_b.py")
    assert [s.path for s in cset.sources] == [tmp_path / ".coverage"]
    assert cset.measured_paths == ["mod.py", "run_a.py"]
    assert executed(cset) == RAN_A
    assert cset.has_arcs is True
    assert cset.has_contexts() is False
    assert cset.contexts_by_line("mod.py") == {1: [], 2: [], 5: [], 9: []}


def test_coverage_file_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path)
    (tmp_path / "out").mkdir()
    project.run("run_b.py", COVERAGE_FILE="out/data.cov")
    monkeypatch.setenv("COVERAGE_FILE", "out/data.cov")

    cset = CoverageSet.load(tmp_path)

    assert [s.path for s in cset.sources] == [tmp_path / "out" / "data.cov"]
    assert not (tmp_path / ".coverage").exists()
    assert executed(cset) == RAN_B


DATA_FILE_CONFIGS = {
    ".coveragerc": "[run]\ndata_file = cov/data\n",
    "setup.cfg": "[coverage:run]\ndata_file = cov/data\n",
    "tox.ini": "[tox]\nenvlist = py\n\n[coverage:run]\ndata_file = cov/data\n",
    "pyproject.toml": '[tool.coverage.run]\ndata_file = "cov/data"\n',
}


@pytest.mark.parametrize("name", sorted(DATA_FILE_CONFIGS))
def test_data_file_from_each_config_file(tmp_path: Path, name: str) -> None:
    project = make_project(tmp_path, (name, DATA_FILE_CONFIGS[name]))
    (tmp_path / "cov").mkdir()
    project.run("run_c.py")  # coverage itself writes where the config says

    cset = CoverageSet.load(tmp_path)

    assert [s.path for s in cset.sources] == [tmp_path / "cov" / "data"]
    assert executed(cset) == RAN_C


def test_data_file_and_rcfile_arguments(tmp_path: Path, recorded: Recorded) -> None:
    relative_project(tmp_path)
    (tmp_path / "ci.rc").write_text("[run]\ndata_file = from-rcfile\nrelative_files = true\n")
    place(tmp_path / "from-rcfile", recorded.a, 1000)
    place(tmp_path / "explicit", recorded.b, 1000)
    place(tmp_path / ".coverage", recorded.c, 1000)

    assert executed(CoverageSet.load(tmp_path, rcfile="ci.rc")) == RAN_A
    assert executed(CoverageSet.load(tmp_path, data_file="explicit")) == RAN_B
    assert executed(CoverageSet.load(tmp_path, data_file=str(tmp_path / "explicit"))) == RAN_B
    assert executed(CoverageSet.load(tmp_path)) == RAN_C


# --- parallel shards ---------------------------------------------------------------------------


def test_real_parallel_shards_newer_than_the_main_file_are_combined(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.run("run_a.py")
    project.coverage("run", "--branch", "-p", "run_b.py")
    project.coverage("run", "--branch", "-p", "run_c.py")
    shards = sorted(tmp_path.glob(".coverage.*"))
    os.utime(tmp_path / ".coverage", (1000, 1000))
    for shard in shards:
        os.utime(shard, (2000, 2000))

    cset = CoverageSet.load(tmp_path)

    assert cset.sources == [DataSource(tmp_path / ".coverage", 1000)] + [
        DataSource(shard, 2000) for shard in shards
    ]
    assert executed(cset) == sorted(set(RAN_A + RAN_B + RAN_C))
    assert cset.measured_paths == ["mod.py", "run_a.py", "run_b.py", "run_c.py"]
    assert cset.mtime == 2000


def test_shards_older_than_the_main_file_are_ignored(tmp_path: Path, recorded: Recorded) -> None:
    relative_project(tmp_path)
    place(tmp_path / ".coverage", recorded.a, 2000)
    place(tmp_path / ".coverage.host.1.old", recorded.b, 1000)
    place(tmp_path / ".coverage.host.2.same", recorded.b, 2000)
    place(tmp_path / ".coverage.host.3.new", recorded.c, 3000)

    cset = CoverageSet.load(tmp_path)

    assert [s.path.name for s in cset.sources] == [".coverage", ".coverage.host.3.new"]
    assert executed(cset) == sorted(set(RAN_A + RAN_C))
    assert cset.mtime == 3000


def test_only_shards_means_all_shards(tmp_path: Path, recorded: Recorded) -> None:
    relative_project(tmp_path)
    place(tmp_path / ".coverage.host.1.x", recorded.a, 1000)
    place(tmp_path / ".coverage.host.2.y", recorded.b, 3000)

    cset = CoverageSet.load(tmp_path)

    assert [s.path.name for s in cset.sources] == [".coverage.host.1.x", ".coverage.host.2.y"]
    assert executed(cset) == sorted(set(RAN_A + RAN_B))


def test_non_sqlite_neighbours_are_not_shards(tmp_path: Path, recorded: Recorded) -> None:
    relative_project(tmp_path)
    place(tmp_path / ".coverage", recorded.a, 1000)
    place(tmp_path / ".coverage.json", b'{"meta": {}}', 2000)
    place(tmp_path / ".coverage.txt", b"notes\n", 2000)
    place(tmp_path / ".coverage.host.9.empty", b"", 2000)
    place(tmp_path / ".coverage-journal", b"journal", 2000)
    place(tmp_path / ".coverage.host.1.x", recorded.b, 2000)
    place(tmp_path / ".coverage.host.1.x-journal", b"", 2000)
    (tmp_path / ".coverage.d").mkdir()

    cset = CoverageSet.load(tmp_path)

    assert [s.path.name for s in cset.sources] == [".coverage", ".coverage.host.1.x"]
    assert executed(cset) == sorted(set(RAN_A + RAN_B))


def test_non_sqlite_neighbours_alone_are_no_data(tmp_path: Path) -> None:
    relative_project(tmp_path)
    place(tmp_path / ".coverage.json", b"{}", 2000)

    with pytest.raises(DataError) as caught:
        CoverageSet.load(tmp_path)

    assert type(caught.value) is DataError
    assert str(caught.value) == (
        f"no coverage data at {tmp_path / '.coverage'}:"
        " run `pytest --cov` (or `coverage run`) first"
    )


# --- bad data: an error with a one-line message, and nothing written ---------------------------


def snapshot(folder: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every entry under `folder`: file bytes and mtime, or None for a folder."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        if p.is_file()
        else None
        for p in sorted(folder.rglob("*"))
    }


def not_coverage_db(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("create table other (x)")
    db.execute("insert into other values (1)")
    db.commit()
    db.close()


def tableless_db(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("pragma user_version = 7")
    db.commit()
    db.close()


def garbage_in_the_middle(data: bytes) -> bytes:
    quarter = len(data) // 4
    noise = (bytes(range(256)) * (2 * quarter // 256 + 1))[: 2 * quarter]
    return data[:quarter] + noise + data[3 * quarter :]


BAD_DATA = {
    "empty": (DataNotReady, lambda p, good: p.write_bytes(b""), "is empty"),
    "truncated": (DataNotReady, lambda p, good: p.write_bytes(good[: len(good) // 2]), "corrupt"),
    "garbage": (
        DataNotReady,
        lambda p, good: p.write_bytes(garbage_in_the_middle(good)),
        "corrupt",
    ),
    "header-only": (DataNotReady, lambda p, good: p.write_bytes(good[:100]), "corrupt"),
    "no-tables": (DataNotReady, lambda p, good: tableless_db(p), "has no tables yet"),
    "other-sqlite": (DataError, lambda p, good: not_coverage_db(p), "not coverage.py data"),
    "text": (DataError, lambda p, good: p.write_text("not data\n"), "not SQLite"),
}


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_bad_main_file_is_an_error_and_nothing_is_written(
    tmp_path: Path, recorded: Recorded, case: str
) -> None:
    error, spoil, words = BAD_DATA[case]
    relative_project(tmp_path)
    spoil(tmp_path / ".coverage", recorded.a)
    os.utime(tmp_path / ".coverage", (1000, 1000))
    before = snapshot(tmp_path)

    with pytest.raises(DataError) as caught:
        CoverageSet.load(tmp_path).analyse("mod.py", MOD)

    assert type(caught.value) is error
    message = str(caught.value)
    assert "\n" not in message
    assert words in message
    assert "covlint-" not in message  # names the user's file, not covlint's private copy
    assert str(tmp_path / ".coverage") in message
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", ["truncated", "garbage", "other-sqlite", "no-tables"])
def test_bad_shard_is_an_error_and_nothing_is_written(
    tmp_path: Path, recorded: Recorded, case: str
) -> None:
    error, spoil, _ = BAD_DATA[case]
    relative_project(tmp_path)
    place(tmp_path / ".coverage", recorded.a, 1000)
    shard = tmp_path / ".coverage.host.1.x"
    spoil(shard, recorded.b)
    os.utime(shard, (2000, 2000))
    before = snapshot(tmp_path)

    with pytest.raises(DataError) as caught:
        CoverageSet.load(tmp_path).analyse("mod.py", MOD)

    assert type(caught.value) is error
    assert "\n" not in str(caught.value)
    assert str(shard) in str(caught.value)
    assert snapshot(tmp_path) == before


def test_missing_data_is_a_data_error_and_nothing_is_written(tmp_path: Path) -> None:
    relative_project(tmp_path)
    before = snapshot(tmp_path)

    with pytest.raises(DataError) as caught:
        CoverageSet.load(tmp_path)

    assert type(caught.value) is DataError
    assert str(caught.value) == (
        f"no coverage data at {tmp_path / '.coverage'}:"
        " run `pytest --cov` (or `coverage run`) first"
    )
    assert snapshot(tmp_path) == before


def test_reading_good_data_writes_nothing(tmp_path: Path, recorded: Recorded) -> None:
    relative_project(tmp_path)
    place(tmp_path / ".coverage", recorded.a, 1000)
    place(tmp_path / ".coverage.host.1.x", recorded.b, 2000)
    before = snapshot(tmp_path)

    cset = CoverageSet.load(tmp_path)
    cset.analyse("mod.py", MOD)
    cset.contexts_by_line("mod.py")
    cset.has_contexts()

    assert snapshot(tmp_path) == before


# --- read in place ------------------------------------------------------------------------------


def test_the_data_is_read_in_place_without_any_copy(
    tmp_path: Path, recorded: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    relative_project(tmp_path / "project")
    place(tmp_path / "project" / ".coverage", recorded.a, 1000)
    place(tmp_path / "project" / ".coverage.host.1.x", recorded.b, 2000)
    private = tmp_path / "private"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    before = snapshot(tmp_path / "project")

    cset = CoverageSet.load(tmp_path / "project")

    assert executed(cset) == sorted(set(RAN_A + RAN_B))
    assert list(private.iterdir()) == []
    assert snapshot(tmp_path / "project") == before


def test_a_writer_holding_a_lock_neither_blocks_nor_is_blocked(
    tmp_path: Path, recorded: Recorded
) -> None:
    relative_project(tmp_path)
    data_file = place(tmp_path / ".coverage", recorded.a, 1000)
    writer = sqlite3.connect(data_file, timeout=0)
    writer.execute("begin exclusive")  # what coverage holds while it writes
    try:
        cset = CoverageSet.load(tmp_path)  # no lock needed: immutable, read-only
        assert executed(cset) == RAN_A
    finally:
        writer.rollback()
    writer.execute("begin exclusive")  # and covlint, connected, holds no lock the writer waits on
    writer.execute("insert into meta values ('covlint-test', 'x')")
    writer.commit()
    writer.close()


def test_a_change_during_the_read_is_noticed_never_read_torn(
    tmp_path: Path, recorded: Recorded
) -> None:
    relative_project(tmp_path)
    place(tmp_path / ".coverage", recorded.a, 1000)
    cset = CoverageSet.load(tmp_path)
    place(tmp_path / ".coverage", recorded.b, 1000)  # rewritten in place, same mtime second

    with pytest.raises(DataChanged) as caught:
        cset.analyse("mod.py", MOD)

    assert "changed while it was read" in str(caught.value)
    assert executed(CoverageSet.load(tmp_path)) == RAN_B


def flip_lines_in_place(data_file: Path, versions: list[bytes], rounds: int) -> None:
    """A writer as coverage writes (journal off, in place): each round one whole version."""
    db = sqlite3.connect(data_file, timeout=5)
    db.execute("pragma journal_mode=off")
    for round_ in range(rounds):
        db.execute("update line_bits set numbits = ?", (versions[round_ % 2],))
        db.commit()
    db.close()


def test_a_concurrent_writer_never_gives_torn_data(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.run("run_a.py", branch=False)
    data_file = tmp_path / ".coverage"
    versions = [nums_to_numbits([1, 2, 5, 9]), nums_to_numbits([1, 5, 6, 9])]
    writer = threading.Thread(target=flip_lines_in_place, args=(data_file, versions, 400))
    outcomes: list[tuple[int, ...] | str] = []
    writer.start()
    while writer.is_alive() or not outcomes:
        try:
            outcomes.append(tuple(executed(CoverageSet.load(tmp_path))))
        except DataNotReady as exc:  # DataChanged included: re-read, as the server does
            outcomes.append(type(exc).__name__)
    writer.join()

    read = {o for o in outcomes if isinstance(o, tuple)}
    assert read <= {tuple(RAN_A), tuple(RAN_B)}
    assert executed(CoverageSet.load(tmp_path)) in (RAN_A, RAN_B)


def test_a_replaced_file_keeps_answering_from_the_version_it_opened(
    tmp_path: Path, recorded: Recorded
) -> None:
    relative_project(tmp_path)
    place(tmp_path / ".coverage", recorded.a, 1000)
    cset = CoverageSet.load(tmp_path)
    (tmp_path / ".coverage").unlink()  # coverage erases, then writes a new file
    place(tmp_path / ".coverage", recorded.b, 2000)

    assert executed(cset) == RAN_A
    assert executed(CoverageSet.load(tmp_path)) == RAN_B


def test_only_the_asked_files_are_looked_up(tmp_path: Path, recorded: Recorded) -> None:
    relative_project(tmp_path)
    place(tmp_path / ".coverage", recorded.a, 1000)
    cset = CoverageSet.load(tmp_path)

    assert cset.is_measured("mod.py")
    assert not cset.is_measured("run_b.py")
    assert cset._names is None
    assert cset.measured_paths == ["mod.py", "run_a.py"]


def spoil_pages_from(path: Path, table: str) -> None:
    """Overwrite every page from `table`'s root page on: SQLite notices only when it reads them."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    [(root_page,)] = db.execute("select rootpage from sqlite_master where name = ?", (table,))
    [(page_size,)] = db.execute("pragma page_size")
    db.close()
    data = path.read_bytes()
    start = (root_page - 1) * page_size
    path.write_bytes(data[:start] + b"\xab" * (len(data) - start))


def test_corruption_found_while_analysing_names_the_users_file(
    tmp_path: Path, recorded: Recorded
) -> None:
    relative_project(tmp_path)
    data_file = place(tmp_path / ".coverage", recorded.a, 1000)
    spoil_pages_from(data_file, "line_bits")
    before = snapshot(tmp_path)
    cset = CoverageSet.load(tmp_path)  # only coverage's file table is read up front

    with pytest.raises(DataNotReady) as caught:
        cset.analyse("mod.py", MOD)

    message = str(caught.value)
    assert message.startswith(f"{data_file}: coverage data is unreadable (")
    assert message.endswith("): still being written, or corrupt; re-run tests")
    assert "covlint-" not in message
    assert "\n" not in message
    assert snapshot(tmp_path) == before


def test_branch_data_and_line_data_do_not_combine(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.run("run_a.py", branch=False)
    project.coverage("run", "--branch", "-p", "run_b.py")
    [shard] = tmp_path.glob(".coverage.*")
    os.utime(tmp_path / ".coverage", (1000, 1000))
    os.utime(shard, (2000, 2000))
    before = snapshot(tmp_path)

    with pytest.raises(DataError) as caught:
        CoverageSet.load(tmp_path)

    assert str(caught.value) == (
        f"{shard} has branch data but {tmp_path / '.coverage'} has only lines:"
        " coverage can't combine them; re-run tests with the same --branch setting"
    )
    assert snapshot(tmp_path) == before


def test_empty_data_combines_with_either_kind(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.run("run_a.py")
    project.coverage("run", "-p", "--include=nothing", "run_b.py")  # line data, no files
    [shard] = tmp_path.glob(".coverage.*")
    os.utime(tmp_path / ".coverage", (1000, 1000))
    os.utime(shard, (2000, 2000))

    cset = CoverageSet.load(tmp_path)

    assert len(cset.sources) == 2
    assert cset.has_arcs is True
    assert executed(cset) == RAN_A


def test_contexts_merge_across_shards(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.coverage("run", "--branch", "--context=first", "run_a.py")
    project.coverage("run", "--branch", "-p", "--context=second", "run_b.py")
    [shard] = tmp_path.glob(".coverage.*")
    os.utime(tmp_path / ".coverage", (1000, 1000))
    os.utime(shard, (2000, 2000))

    cset = CoverageSet.load(tmp_path)

    assert cset.has_contexts() is True
    assert cset.contexts_by_line("mod.py") == {
        1: ["first", "second"],
        2: ["first"],
        5: ["first", "second"],
        6: ["second"],
        9: ["first", "second"],
    }
    assert cset.contexts_by_line("not/measured.py") == {}


@given(st.lists(st.sets(st.integers(min_value=1, max_value=3000)), max_size=12))
def test_numbits_union_lines_is_coverages_union(line_sets: list[set[int]]) -> None:
    blobs = [nums_to_numbits(lines) for lines in line_sets]
    decoded_by_coverage = {n for blob in blobs for n in numbits_to_nums(blob)}
    assert numbits_union_lines(blobs) == decoded_by_coverage == set().union(*line_sets)


@pytest.mark.parametrize("branch", [True, False], ids=["arcs", "lines"])
def test_measurements_kept_from_context_data_answer_as_fresh_reads(
    tmp_path: Path, branch: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With test contexts, what a run read is kept for the next run on the same data; a new
    recording is read afresh, and a spoilt entry is read around."""
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    project = relative_project(tmp_path / "project")
    mode = ["--branch"] if branch else []
    project.coverage("run", *mode, "--context=test_a", "run_a.py")
    project.coverage("run", *mode, "--append", "--context=test_b", "run_b.py")
    union = sorted(set(RAN_A) | set(RAN_B))
    assert executed(CoverageSet.load(project.root)) == union
    kept = sorted(cache_root().glob("parse/m-*.m"))
    assert len(kept) == 1
    assert executed(CoverageSet.load(project.root)) == union

    project.coverage("run", *mode, "--append", "--context=test_c", "run_c.py")
    assert executed(CoverageSet.load(project.root)) == sorted([*union, 10])
    for entry in cache_root().glob("parse/m-*.m"):
        entry.write_bytes(b"spoilt")
    assert executed(CoverageSet.load(project.root)) == sorted([*union, 10])
