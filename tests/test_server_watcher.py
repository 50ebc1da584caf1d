"""The data watcher: settles before reloading, waits for shards to be combined, retries."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from covlint.server import watcher as watcher_module
from covlint.server.watcher import DataWatcher, is_data_file, signature
from covlint.server.workspace import LoadOutcome, Project
from tests.lsp_fixtures import make_project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.delenv("COVERAGE_FILE", raising=False)
    make_project(tmp_path / "proj")
    project = Project(tmp_path / "proj")
    assert project.reload().status == "loaded"
    return project


class Reloads:
    """A reloader that records its calls and answers from a script."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[bool, bool]] = []  # (final, main file present)

    def __call__(self, project: Project, final: bool) -> LoadOutcome:
        self.calls.append((final, project.data_path.exists()))
        status = self.answers.pop(0) if self.answers else "loaded"
        return LoadOutcome(status)  # type: ignore[arg-type]


def test_signature_and_data_file_names(project: Project) -> None:
    main = project.data_path
    shard = main.with_name(main.name + ".host.1.abc")
    shard.write_bytes(b"x")
    (main.parent / (main.name + "-journal")).write_bytes(b"")
    (main.parent / "other").write_bytes(b"")
    sig = signature(main)
    assert [name for name, _, _ in sig.files] == [main.name, main.name + "-journal", shard.name]
    assert (sig.has_main, sig.has_shards, sig.writing) == (True, True, True)
    assert is_data_file(shard, main)
    assert not is_data_file(main.parent / "other", main)
    assert signature(main.parent / "absent" / ".coverage").files == ()


async def test_a_change_reloads_once_after_it_settles(project: Project) -> None:
    reloads = Reloads()
    watcher = DataWatcher(reloads, debounce=0.01)
    watcher.touch(project)
    watcher.touch(project)
    await watcher.settled()
    assert reloads.calls == [(False, True)]


async def test_shards_without_the_main_file_wait_for_the_combine(project: Project) -> None:
    main = project.data_path
    good = main.read_bytes()
    main.unlink()
    main.with_name(main.name + ".host.1.abc").write_bytes(good)
    reloads = Reloads()
    watcher = DataWatcher(reloads, debounce=0.01)
    watcher.touch(project)
    while watcher.looks < 5:  # it looked five times and is still waiting for the combined file
        await asyncio.sleep(0.01)
    assert reloads.calls == []
    main.write_bytes(good)
    await watcher.settled()
    assert reloads.calls == [(False, True)]


async def test_not_ready_data_is_retried_and_the_last_attempt_is_final(project: Project) -> None:
    reloads = Reloads(*["not-ready"] * 5)
    watcher = DataWatcher(reloads, debounce=0.01)
    watcher.retries = 3
    watcher.touch(project)
    await watcher.settled()
    assert [final for final, _ in reloads.calls] == [False, False, False, True]


async def test_polling_notices_new_data_looking_off_the_event_loop(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the baseline of a project's start is taken on the event loop; every later look (a
    folder listing and stats, each second forever) runs in a thread."""
    on_loop: list[bool] = []
    real = watcher_module.signature

    def recording(main: Path) -> watcher_module.DataSignature:
        on_loop.append(threading.current_thread() is threading.main_thread())
        return real(main)

    monkeypatch.setattr(watcher_module, "signature", recording)
    reloads = Reloads()
    watcher = DataWatcher(reloads, debounce=0.01, poll_interval=0.01)
    watcher.poll(project)
    project.data_path.with_name(project.data_path.name + ".host.2.def").write_bytes(b"x")
    while not reloads.calls:
        await asyncio.sleep(0.01)
    watcher.stop_polling(project)

    assert reloads.calls == [(False, True)]
    assert on_loop[0] is True  # the baseline
    assert len(on_loop) > 3
    assert not any(on_loop[1:])
