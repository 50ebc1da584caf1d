"""fork_map: same results as a plain loop, in order, whatever happens to a child."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from covlint import diffcov, parallel
from covlint.changes import staged_changes
from covlint.coverage_set import CoverageSet
from covlint.diffcov import measure_diff
from covlint.parallel import balanced, chunks, fork_map, worker_count
from tests.gateproject import GateProject


def squares(share: list[int]) -> list[tuple[int, int, int]]:
    return [(n, n * n, os.getpid()) for n in share]


@pytest.fixture
def two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "worker_count", lambda items: 2)


def eight_modules(root: Path, body: str, driver: str) -> GateProject:
    """A repo whose staged change adds app/m0..m7 (`body` formatted with `{index}`), recorded by
    really running `driver`."""
    project = GateProject(root)
    project.write("app/__init__.py", "")
    project.write("run_tests.py", "")
    project.commit_all("start")
    for index in range(8):
        project.write(f"app/m{index}.py", body.format(index=index))
    project.repo.stage_all()
    project.record(driver)
    return project


def forbid_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", no_fork)


@pytest.mark.usefixtures("two_workers")
def test_results_keep_the_order_of_items() -> None:
    results = fork_map(squares, list(range(11)))
    assert [(n, sq) for n, sq, _ in results] == [(n, n * n) for n in range(11)]
    assert len({pid for _, _, pid in results}) == 2  # really ran in two processes


@pytest.mark.usefixtures("two_workers")
def test_a_failing_child_has_its_share_redone_here() -> None:
    parent = os.getpid()

    def fail_in_child() -> None:
        if os.getpid() != parent:
            raise RuntimeError("child cannot open its data")

    results = fork_map(squares, list(range(6)), in_child=fail_in_child)
    assert [(n, sq) for n, sq, _ in results] == [(n, n * n) for n in range(6)]
    assert {pid for _, _, pid in results} == {parent}


def test_small_jobs_stay_in_one_process() -> None:
    assert worker_count(3) == 1
    assert worker_count(1000) == len(os.sched_getaffinity(0))
    results = fork_map(squares, [1, 2, 3])
    assert {pid for _, _, pid in results} == {os.getpid()}


def test_balanced_shares_put_the_heaviest_alone() -> None:
    assert balanced([1, 9, 1, 1, 2, 1], 2) == [[1], [4, 0, 2, 3, 5]]
    assert balanced([3, 3, 3, 3], 2) == [[0, 2], [1, 3]]
    assert balanced([], 3) == [[], [], []]


def test_weighted_work_keeps_the_order() -> None:
    items = [5, 1, 8, 2, 2, 9, 1, 1]
    results = fork_map(squares, items, weight=float)
    assert [(n, square) for n, square, _ in results] == [(n, n * n) for n in items]
    assert (
        len({pid for n, _, pid in results if n == 9} | {pid for n, _, pid in results if n == 8})
        == 2
    )


def test_chunks_deal_round_robin() -> None:
    assert chunks([1, 2, 3, 4, 5], 2) == [[1, 3, 5], [2, 4]]
    assert fork_map(squares, []) == []


def test_gate_verdict_is_the_same_in_one_or_two_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = eight_modules(
        tmp_path / "repo",
        "def f(x):\n    if x > {index}:\n        return 1\n    return 0\n",
        "".join(f"from app.m{i} import f as f{i}\nf{i}({i % 3 + 2})\n" for i in range(8)),
    )
    reports = []
    for workers in (2, 1):
        monkeypatch.setattr(parallel, "worker_count", lambda items, n=workers: n)
        reports.append(project.check_json("--fail-under", "0", capsys=capsys)[1])
    assert reports[0] == reports[1]
    assert len(reports[0]["files"]) == 8  # type: ignore[arg-type]


def test_measure_diff_forks_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The language server calls measure_diff from a threaded process: it must never fork."""
    project = eight_modules(tmp_path / "repo", "def f():\n    return {index}\n", "import app.m0\n")
    monkeypatch.setattr(parallel, "worker_count", lambda items: 2)
    forbid_fork(monkeypatch)
    data = CoverageSet.load(project.root)
    with pytest.raises(AssertionError, match="forked"):  # nothing kept yet: worth forking
        measure_diff(data, staged_changes(project.root), branch=True, parallel=True)
    coverage = measure_diff(data, staged_changes(project.root), branch=True)
    assert [f.path for f in coverage.files] == [f"app/m{i}.py" for i in range(8)]


def test_kept_analyses_are_judged_without_forking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second run on the same data and texts restores every analysis: forking (and coverage's
    import in the workers) would only cost, and the verdict is the same."""
    body = "def f(x):\n    if x:\n        return {index}\n"
    project = eight_modules(tmp_path / "repo", body, "import app.m0\napp.m0.f(1)\n")
    monkeypatch.setattr(parallel, "worker_count", lambda items: 2)
    first = measure_diff(
        CoverageSet.load(project.root), staged_changes(project.root), branch=True, parallel=True
    )
    forbid_fork(monkeypatch)
    again = measure_diff(
        CoverageSet.load(project.root), staged_changes(project.root), branch=True, parallel=True
    )
    assert again == first
    assert first.files[0].missed_arcs  # branch results, restored as they were


def test_a_gate_run_on_an_empty_cache_looks_nothing_up_before_forking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing can be kept when the cache's folder did not exist as the run began (a first run,
    a fresh CI machine): it goes straight to the workers. The next run looks its files up."""
    monkeypatch.setenv("COVLINT_CACHE_DIR", str(tmp_path / "empty-cache"))
    project = eight_modules(tmp_path / "repo", "def f():\n    return {index}\n", "import app.m0\n")
    looked_up: list[int] = []
    look_up = diffcov._judged_from_kept
    monkeypatch.setattr(diffcov, "_judged_from_kept", lambda *a: looked_up.append(1) or look_up(*a))

    cold = project.check_json("--fail-under", "0", capsys=capsys)
    assert looked_up == []
    warm = project.check_json("--fail-under", "0", capsys=capsys)

    assert looked_up == [1]
    assert warm == cold


def test_outside_a_gate_run_kept_files_are_always_looked_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a gate run noted about the cache ends with it: a later caller in the same process
    (the editor's summary, a test) looks its files up, as the cache now holds them."""
    monkeypatch.setenv("COVLINT_CACHE_DIR", str(tmp_path / "empty-cache"))
    project = eight_modules(tmp_path / "repo", "def f():\n    return {index}\n", "import app.m0\n")
    project.check_json("--fail-under", "0", capsys=capsys)  # noted the folder as missing
    forbid_fork(monkeypatch)

    again = measure_diff(
        CoverageSet.load(project.root), staged_changes(project.root), branch=True, parallel=True
    )

    assert len(again.files) == 8  # all kept: judged here, nothing forked
