"""The measured-text store: what ran of each file, by content, kept in the cache (real data)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from covlint.cachedir import cache_root
from covlint.coverage_set import CoverageSet
from covlint.measured import MeasuredTexts, data_key
from covlint.measured_store import MAX_SNAPSHOTS, TextStore, blob_id
from tests.covproject import CovProject
from tests.gitrepo import GitRepo

APP = "def double(x):\n    return x * 2\n"
LIB = "def half(x):\n    return x / 2\n"
EDITED = "# edited\n" + APP

pytestmark = pytest.mark.usefixtures("no_outer_coverage_module")


def recorded(root: Path, *, commit: bool = True) -> CovProject:
    """app.py (committed) and lib.py (never added to git), measured by a real coverage run."""
    repo = GitRepo.init(root)
    project = CovProject(root)
    project.write("app.py", APP, dedent=False)
    project.write("lib.py", LIB, dedent=False)
    project.write("run.py", "import app, lib\napp.double(1)\n")
    if commit:
        repo.commit_files({"app.py": APP}, "app")
    project.run("run.py")
    return project


def make_newer(project: CovProject, path: str) -> None:
    later = (project.root / ".coverage").stat().st_mtime + 10
    os.utime(project.root / path, (later, later))


@pytest.fixture
def store(tmp_path: Path) -> TextStore:
    return TextStore(tmp_path / "cache")


def test_files_not_newer_than_the_data_are_what_ran(tmp_path: Path, store: TextStore) -> None:
    project = recorded(tmp_path / "p")
    make_newer(project, "lib.py")
    measured = MeasuredTexts(CoverageSet.load(project.root), store)
    assert measured.identity("app.py") == blob_id(APP.encode())
    assert measured.identity("lib.py") is None  # changed after the run, before covlint saw it
    assert measured.text("lib.py") is None
    assert measured.identity("run.py") == blob_id(b"import app, lib\napp.double(1)\n")


def test_first_sight_wins_and_the_text_comes_back_from_git_or_the_cache(
    tmp_path: Path, store: TextStore
) -> None:
    project = recorded(tmp_path / "p")
    MeasuredTexts(CoverageSet.load(project.root), store).record_all()
    for name in ("app.py", "lib.py"):
        project.write(name, EDITED, dedent=False)
        make_newer(project, name)
    later = MeasuredTexts(CoverageSet.load(project.root), store)
    assert later.text("app.py") == APP.encode()  # from git: HEAD has it
    assert later.text("lib.py") == LIB.encode()  # from the cache: git never had it
    assert store.get_text(blob_id(APP.encode())) is None  # git's blobs are not copied
    assert store.get_text(blob_id(LIB.encode())) == LIB.encode()


def test_each_data_version_has_its_own_snapshot(tmp_path: Path, store: TextStore) -> None:
    project = recorded(tmp_path / "p")
    first = CoverageSet.load(project.root)
    MeasuredTexts(first, store).record_all()
    project.write("app.py", EDITED, dedent=False)
    project.run("run.py")
    second = CoverageSet.load(project.root)
    assert data_key(second) != data_key(first)
    assert MeasuredTexts(second, store).identity("app.py") == blob_id(EDITED.encode())
    assert MeasuredTexts(first, store).identity("app.py") == blob_id(APP.encode())


def test_the_cache_is_safe_to_delete_or_damage(tmp_path: Path) -> None:
    project = recorded(tmp_path / "p", commit=False)
    data = CoverageSet.load(project.root)
    MeasuredTexts(data).record_all()
    folder = cache_root() / "measured"
    for path in (folder / "snapshots").iterdir():
        path.write_bytes(b"not zlib")
    assert MeasuredTexts(data).identity("app.py") == blob_id(APP.encode())  # the proof again
    shutil.rmtree(folder)
    assert MeasuredTexts(data).text("lib.py") == LIB.encode()
    assert not [p for p in project.root.rglob("*") if "measured" in p.name]


def test_snapshots_and_their_texts_are_bounded(tmp_path: Path, store: TextStore) -> None:
    project = recorded(tmp_path / "p", commit=False)
    data = CoverageSet.load(project.root)
    first = MeasuredTexts(data, store)
    first.record_all()
    snapshots = store.folder / "snapshots"
    oldest = snapshots / first.key
    os.utime(oldest, (1, 1))
    for number in range(MAX_SNAPSHOTS):
        store.write_snapshot(f"other{number}", {"x.py": None})
    assert len(list(snapshots.iterdir())) == MAX_SNAPSHOTS
    assert not oldest.exists()
    assert store.get_text(blob_id(LIB.encode())) is None  # no snapshot names it any more


def test_plugin_records_are_bounded_too(store: TextStore) -> None:
    from covlint.measured_store import MAX_RECORDS, Record

    for number in range(MAX_RECORDS + 3):
        store.write_record(Record(f"/projects/p{number}/.coverage", 0.0, 1.0, {}))
        os.utime(store.record_path(f"/projects/p{number}/.coverage"), (number, number))
    assert len(list((store.folder / "runs").iterdir())) == MAX_RECORDS
    assert store.read_record("/projects/p0/.coverage") is None
    assert store.read_record(f"/projects/p{MAX_RECORDS + 2}/.coverage") is not None


def test_texts_are_swept_at_most_once_a_while(tmp_path: Path, store: TextStore) -> None:
    """Sweeping reads every snapshot (in a monorepo each names 12,000 files): a new snapshot
    past the bound deletes the oldest at once, but texts are swept only if no sweep was recent."""
    from covlint.measured_store import SWEEP_AFTER, SWEPT_MARKER

    first, second = b"orphan\n", b"orphan too\n"  # texts no snapshot names
    store.put_text(blob_id(first), first)
    for number in range(MAX_SNAPSHOTS + 1):
        store.write_snapshot(f"s{number}", {"x.py": None})
    assert store.get_text(blob_id(first)) is None  # the first sweep of all
    store.put_text(blob_id(second), second)
    store.write_snapshot("one more", {"x.py": None})
    assert len(list((store.folder / "snapshots").iterdir())) == MAX_SNAPSHOTS
    assert store.get_text(blob_id(second)) == second  # swept lately: not read again
    past = time.time() - SWEEP_AFTER - 5
    os.utime(store.folder / SWEPT_MARKER, (past, past))

    store.write_snapshot("and another", {"x.py": None})

    assert store.get_text(blob_id(second)) is None
