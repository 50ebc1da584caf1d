"""The parse cache: the same text is parsed once, also across processes; an edited text, other
settings or a corrupt entry never reuse a parse; the folder stays bounded."""

from __future__ import annotations

import logging
import marshal
import os
import threading
import time
from pathlib import Path

import pytest
from coverage import CoverageData

from covlint import coverage_internals as internals
from covlint.analysis import forget_parses, parse_store, parsed
from covlint.analysis_cache import analysis_key
from covlint.coverage_set import CoverageSet
from covlint.parse_cache import PRUNE_AFTER, PRUNED_MARKER, ParseCache, cache_key
from tests.covproject import CovProject

TEXT = "def f(x):\n    if x:\n        return 1\n    return 2\n"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("COVLINT_CACHE_DIR", str(folder))
    forget_parses()
    return folder / "parse"


def parse_events(caplog: pytest.LogCaptureFixture) -> list[str]:
    events = [
        r.getMessage().split(": ", 1)[1] for r in caplog.records if r.name == "covlint.analysis"
    ]
    caplog.clear()
    return events


def test_a_reload_reuses_the_parse_and_an_edit_does_not(
    tmp_path: Path, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "covlint.analysis")
    project = CovProject(tmp_path)
    project.write("m.py", TEXT)
    project.write("run_tests.py", "import m\nm.f(1)\n")
    project.run()
    first = CoverageSet.load(tmp_path).analyse("m.py", TEXT)
    assert parse_events(caplog) == ["parsed"]
    forget_parses()  # as a new process would start

    again = CoverageSet.load(tmp_path).analyse("m.py", TEXT)

    assert parse_events(caplog) == ["analysis restored from the cache"]
    assert again == first
    project.write("run_tests.py", "import m\nm.f(0)\n")
    project.run()  # new data, same text: the parse is kept, the analysis is new
    forget_parses()
    other = CoverageSet.load(tmp_path).analyse("m.py", TEXT)
    assert parse_events(caplog) == ["parse restored from the cache"]
    assert other.missing == {3}
    edited = TEXT.replace("return 2", "pass\n    return 2")
    changed = CoverageSet.load(tmp_path).analyse("m.py", edited)
    assert parse_events(caplog) == ["parsed"]
    assert changed.statements == first.statements | {5}


def test_the_key_covers_text_and_settings() -> None:
    keys = {
        cache_key(TEXT, "", ""),
        cache_key(TEXT + "\n", "", ""),
        cache_key(TEXT, "return 2", ""),
        cache_key(TEXT, "", "if x"),
        cache_key(TEXT, "return 2", ""),
    }
    assert len(keys) == 4
    assert cache_key(TEXT, "a", "b") != cache_key(TEXT, "ab", "")


def test_line_data_parses_skip_arcs_and_branch_data_completes_them(cache_dir: Path) -> None:
    lines_only = parsed("m.py", TEXT, "", "", arcs=False)
    assert not lines_only.has_arc_products
    forget_parses()

    with_arcs = parsed("m.py", TEXT, "", "", arcs=True)

    assert with_arcs.has_arc_products
    assert with_arcs.arcs() == internals.TextReporter("m.py", TEXT, "", "").arcs()
    forget_parses()
    assert parsed("m.py", TEXT, "", "", arcs=True).has_arc_products  # now from the disk


@pytest.mark.parametrize(
    "spoil",
    [
        b"",
        b"not marshal",
        b"x\x01\x03\x00\x00\x00\x00\x01",
        marshal.dumps({"statements": [1, 2]})[:-4],
        marshal.dumps([1, 2]),
    ],
)
def test_a_corrupt_entry_is_ignored_and_replaced(
    cache_dir: Path, spoil: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    fresh = parsed("m.py", TEXT, "", "")
    [entry] = cache_dir.glob("*.m")
    entry.write_bytes(spoil)
    forget_parses()
    caplog.set_level(logging.DEBUG, "covlint.analysis")

    again = parsed("m.py", TEXT, "", "")

    assert parse_events(caplog) == ["parsed"]
    assert again.arcs() == fresh.arcs()
    assert entry.read_bytes() != spoil


def test_products_that_do_not_restore_are_parsed_again(
    cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    parsed("m.py", TEXT, "", "")
    store = parse_store()
    key = cache_key(TEXT, "", "")
    store.save(key, {"statements": "nonsense", "arcs": []})
    forget_parses()
    caplog.set_level(logging.DEBUG, "covlint.analysis")

    assert parsed("m.py", TEXT, "", "").lines() == {1, 2, 3, 4}
    events = parse_events(caplog)
    assert events[-1] == "parsed"
    assert events[0].startswith("kept parse does not restore")


def test_the_folder_is_bounded_least_recently_used_first(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "parse", max_bytes=4000)
    keys = [cache_key(f"x = {i}\n" * 50, "", "") for i in range(40)]
    for number, key in enumerate(keys):
        cache.save(key, {"filler": list(range(number, number + 300))})
        entry = tmp_path / "parse" / f"{key}.m"
        os.utime(entry, ns=(number * 10**9, number * 10**9))
    cache.prune()

    kept = [key for key in keys if cache.load(key) is not None]
    total = sum(p.stat().st_size for p in (tmp_path / "parse").glob("*.m"))
    assert total <= 3000
    assert kept == keys[-len(kept) :]
    assert kept


def test_entries_of_earlier_versions_go_at_the_first_check(tmp_path: Path) -> None:
    folder = tmp_path / "parse"
    old = folder / "ab" / "0123ab.json.z"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"compressed")
    (folder / "cd").mkdir()  # emptied by an earlier version's own pruning
    cache = ParseCache(folder)

    key = cache_key(TEXT, "", "")

    cache.save(key, {"a": 1})

    assert sorted(p.name for p in folder.iterdir()) == [f"{key}.m", PRUNED_MARKER]
    assert cache.load(key) == {"a": 1}


def test_checking_a_folder_not_made_yet_makes_nothing(tmp_path: Path) -> None:
    ParseCache(tmp_path / "parse").prune()

    assert not (tmp_path / "parse").exists()


def test_an_unwritable_cache_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = ParseCache(blocker / "parse")

    cache.save(cache_key(TEXT, "", ""), {"a": 1})

    assert cache.load(cache_key(TEXT, "", "")) is None


def test_the_analysis_key_covers_what_was_recorded() -> None:
    data = CoverageData(no_disk=True)
    data.add_arcs({"m.py": [(-1, 1), (1, 2), (2, 3)]})
    other = CoverageData(no_disk=True)
    other.add_arcs({"m.py": [(-1, 1), (1, 2), (2, 4)]})
    lines = CoverageData(no_disk=True)
    lines.add_lines({"m.py": [1, 2, 3]})
    parse = cache_key(TEXT, "", "")

    keys = {analysis_key(parse, d, "m.py") for d in (data, other, lines)}

    assert len(keys) == 3
    assert analysis_key(parse, data, "m.py") == analysis_key(parse, data, "m.py")
    assert analysis_key(cache_key(TEXT, "x", ""), data, "m.py") not in keys


def test_a_corrupt_analysis_entry_is_analysed_again(
    tmp_path: Path, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    project = CovProject(tmp_path)
    project.write("m.py", TEXT)
    project.write("run_tests.py", "import m\nm.f(1)\n")
    project.run()
    first = CoverageSet.load(tmp_path).analyse("m.py", TEXT)
    for entry in cache_dir.glob("a-*.m"):
        entry.write_bytes(marshal.dumps({"statements": "nonsense"}))
    forget_parses()
    caplog.set_level(logging.DEBUG, "covlint.analysis")

    again = CoverageSet.load(tmp_path).analyse("m.py", TEXT)

    assert again == first
    events = parse_events(caplog)
    assert events[0].startswith("kept analysis does not restore (KeyError(")
    assert events[1:] == ["parse restored from the cache"]


def test_a_first_write_checks_the_bound_only_when_no_check_was_recent(tmp_path: Path) -> None:
    """A short run's first write must not read a big folder every time; a while after the
    last check, the next process's first write checks again, so the bound still holds."""
    folder = tmp_path / "parse"
    ParseCache(folder, max_bytes=1).save(cache_key("a = 1\n", "", ""), {"a": list(range(99))})
    marker = folder / PRUNED_MARKER
    assert marker.exists()  # the first write of all checked
    second = cache_key("b = 2\n", "", "")
    ParseCache(folder, max_bytes=1).save(second, {"b": list(range(99))})
    assert ParseCache(folder).load(second) is not None  # a recent check: no new one
    past = time.time() - PRUNE_AFTER - 5
    os.utime(marker, (past, past))

    ParseCache(folder, max_bytes=1).save(cache_key("c = 3\n", "", ""), {"c": list(range(99))})

    assert ParseCache(folder).load(second) is None  # checked, and pruned to the bound
    assert marker.stat().st_mtime > past


def test_threads_writing_one_entry_never_leave_it_torn(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "covlint.parse_cache")
    cache = ParseCache(tmp_path / "parse")
    key = cache_key(TEXT, "", "")
    products = {"statements": list(range(200_000))}
    cache.save(key, products)
    seen: list[bool] = []
    writing = threading.Event()

    def write() -> None:
        for _ in range(20):
            cache.save(key, products)

    def read() -> None:
        while not writing.is_set():
            seen.append(cache.load(key) == products)

    writers = [threading.Thread(target=write) for _ in range(4)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    writing.set()
    reader.join()

    assert seen
    assert all(seen)
    assert not [r for r in caplog.records if "corrupt" in r.getMessage()]
    assert not list((tmp_path / "parse").glob("*.tmp"))
