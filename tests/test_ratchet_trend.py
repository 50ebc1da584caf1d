"""The ratchet and its history: validated, atomic, safe under concurrent runs; trend and badge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from covlint.hooks.badge import GREEN, RED, YELLOW, badge_svg, colour_for
from covlint.hooks.badge import main as badge_main
from covlint.hooks.trend import main as trend_main
from tests.covproject import clean_env
from tests.gateproject import GateProject

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = "def used(x):\n    return x\n\n\ndef unused(x):\n    return x\n"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def project(tmp_path: Path) -> GateProject:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("run_tests.py", "")
    project.commit_all("start")
    project.write("app/core.py", APP)
    project.repo.stage("app/core.py")
    project.record("from app.core import used\nused(1)\n")
    return project


@pytest.mark.parametrize("stored", ["nan", "inf", "-1", "100.5", "ten"])
def test_stored_figure_must_be_a_percentage(
    project: GateProject, capsys: pytest.CaptureFixture[str], stored: str
) -> None:
    (project.root / "total.txt").write_text(f"{stored}\n")
    code, _, err = project.check("--fail-under", "0", "--ratchet", "total.txt", capsys=capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"covlint: error: {project.root / 'total.txt'}: the ratchet file must")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        (".coverage", "may not be the coverage data file or a shard of it"),
        (".coverage.host.1.abc", "may not be the coverage data file or a shard of it"),
        ("app/core.py", "may not be a source file of the project"),
        ("tools/total.py", "may not be a source file of the project"),
        (".git/total", "may not be inside .git"),
    ],
)
def test_ratchet_may_not_be_a_user_file(
    project: GateProject, capsys: pytest.CaptureFixture[str], name: str, why: str
) -> None:
    before = project.snapshot()
    code, _, err = project.check("--fail-under", "0", "--ratchet", name, capsys=capsys)
    assert (code, err) == (2, f"covlint: error: {project.root / name}: the ratchet file {why}\n")
    assert project.snapshot() == before


def test_ratchet_that_is_a_folder_or_a_fifo(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    (project.root / "folder").mkdir()
    os.mkfifo(project.root / "fifo")
    code, _, err = project.check("--ratchet", "folder", "--fail-under", "0", capsys=capsys)
    assert (code, err) == (
        2,
        f"covlint: error: {project.root / 'folder'}: the ratchet file is a folder: name a file\n",
    )
    code, _, err = project.check("--ratchet", "fifo", "--fail-under", "0", capsys=capsys)
    assert (code, err) == (
        2,
        f"covlint: error: {project.root / 'fifo'}: the ratchet file is not a regular file\n",
    )


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("/dev/zero", "the ratchet file is not a regular file"),
        ("app/core.py/total", "cannot read the ratchet file: Not a directory"),
    ],
)
def test_ratchet_that_is_a_device_or_cannot_be_read(
    project: GateProject, capsys: pytest.CaptureFixture[str], name: str, why: str
) -> None:
    code, _, err = project.check("--ratchet", name, "--fail-under", "0", capsys=capsys)
    assert (code, err) == (2, f"covlint: error: {project.root / name}: {why}\n")


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ('{"commit": null, "date": "d", "total": NaN, "diff": null}\n', "must be numbers"),
        ("not json\n", "not a history entry"),
    ],
)
def test_history_follows_the_same_rules(
    project: GateProject, capsys: pytest.CaptureFixture[str], content: str, why: str
) -> None:
    (project.root / "trend.jsonl").write_text(content)
    args = ("--fail-under", "0", "--history", "trend.jsonl", "--record")
    code, _, err = project.check(*args, capsys=capsys)
    assert (code, err.count("\n")) == (2, 1)
    assert err.startswith(f"covlint: error: {project.root / 'trend.jsonl'}:1: ")
    assert why in err
    (project.root / "folder").mkdir()
    code, _, err = project.check("--history", "folder", "--record", capsys=capsys)
    assert (code, err) == (
        2,
        f"covlint: error: {project.root / 'folder'}: the history file is a folder: name a file\n",
    )
    code, _, err = project.check("--history", ".coverage", "--record", capsys=capsys)
    assert (code, err) == (
        2,
        f"covlint: error: {project.root / '.coverage'}: the history file may not be the coverage"
        " data file or a shard of it\n",
    )


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("total.txt", b"\xff\xfe50\n", "the ratchet file is not UTF-8 text"),
        ("total.txt", b"5" * 5000, "the ratchet file has 5000 bytes (at most 4096): wrong file?"),
        ("missing/total.txt", None, "cannot write the ratchet file: No such file or directory"),
    ],
)
def test_ratchet_bytes_and_places_that_cannot_work(
    project: GateProject,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | None,
    why: str,
) -> None:
    if content is not None:
        (project.root / name).write_bytes(content)
    code, _, err = project.check("--ratchet", name, "--fail-under", "0", capsys=capsys)
    assert (code, err) == (2, f"covlint: error: {project.root / name}: {why}\n")


def test_report_folder_that_cannot_be_made(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = project.check("--format", "json:app/core.py/r.json", capsys=capsys)
    assert (code, err) == (
        2,
        "covlint: error: app/core.py/r.json: cannot make its folder: File exists\n",
    )


def test_record_needs_a_history(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = project.check("--record", capsys=capsys)
    assert (code, err) == (
        2,
        "covlint: error: --record needs a history file: --history FILE or --ratchet FILE\n",
    )


def test_raise_records_history_and_trend_shows_it(
    project: GateProject, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = project.check("--fail-under", "0", "--ratchet", "total.txt", capsys=capsys)
    assert (code, err) == (0, f"covlint: ratchet {project.root / 'total.txt'} raised to 75.00%\n")
    project.check("--fail-under", "0", "--ratchet", "total.txt", capsys=capsys)  # holds: no entry
    project.check("--fail-under", "0", "--ratchet", "total.txt", "--record", capsys=capsys)
    lines = (project.root / "total.txt.history.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    head = project.repo.rev("HEAD")
    assert [(e["commit"], e["total"], e["diff"]) for e in entries] == [(head, 75.0, 75.0)] * 2
    monkeypatch.chdir(project.root)
    (project.root / "pyproject.toml").write_text('[tool.covlint]\nratchet = "total.txt"\n')
    assert trend_main(["-o", "trend.svg"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[1:] == [head[:7], "75%", "75%"]
    assert out[-1] == "total 75% → 75% over 2 run(s)"
    assert trend_main(["-o", "app/core.py"]) == 2
    assert capsys.readouterr().err == (
        "covlint: error: app/core.py: the chart may not be a source file of the project\n"
    )
    chart = ET.parse(project.root / "trend.svg").getroot()
    circles = chart.findall(f".//{SVG}g[@class='total']/{SVG}circle")
    assert len(circles) == 2


def test_trend_without_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = GateProject(tmp_path / "bare")
    monkeypatch.chdir(project.root)
    assert trend_main([]) == 2
    assert capsys.readouterr().err == (
        "covlint: error: no history to show: pass --history FILE, or set `ratchet` (or `history`)\n"
    )
    (project.root / "h.jsonl").write_text('{"commit": null}\n')
    assert trend_main(["--history", "h.jsonl"]) == 2
    assert "h.jsonl:1: not a history entry" in capsys.readouterr().err


RATCHET_WRITER = """
import sys
from pathlib import Path
from covlint.hooks.history import Entry, append_entry
from covlint.hooks.ratchet import apply_ratchet
path, worker = Path(sys.argv[1]), int(sys.argv[2])
for round in range(6):
    total = 50 + round * 4 + worker
    apply_ratchet(path, total)
    append_entry(path.with_suffix(".jsonl"), Entry(f"w{worker}r{round}", "2026-01-01", total, None))
"""


def test_four_concurrent_runs_never_tear_a_file(tmp_path: Path) -> None:
    """4 processes, 6 rounds each, raise the ratchet and append history while a reader watches."""
    ratchet = tmp_path / "total.txt"
    ratchet.write_text("40\n")
    history = ratchet.with_suffix(".jsonl")
    seen: list[str] = []
    stop = threading.Event()

    counts: list[int] = []

    def watch() -> None:
        while not stop.is_set():
            seen.append(ratchet.read_text())
            if history.exists():
                text = history.read_text()
                try:
                    counts.append(len([json.loads(line) for line in text.splitlines()]))
                except ValueError:
                    counts.append(-1)  # a torn line

    reader = threading.Thread(target=watch)
    reader.start()
    env = clean_env({"PYTHONPATH": str(REPO_ROOT)})
    workers = [
        subprocess.Popen([sys.executable, "-c", RATCHET_WRITER, str(ratchet), str(n)], env=env)
        for n in range(4)
    ]
    codes = [worker.wait(timeout=120) for worker in workers]
    stop.set()
    reader.join()
    assert codes == [0, 0, 0, 0]
    assert seen
    assert all(text.strip() and 40 <= float(text) <= 73 for text in seen)
    assert counts == sorted(counts)  # never an empty, torn or shorter history
    assert counts[0] > 0
    assert ratchet.read_text() == "73.00\n"  # the highest total: no raise was lost
    commits = sorted(json.loads(line)["commit"] for line in history.read_text().splitlines())
    assert commits == sorted(f"w{w}r{r}" for w in range(4) for r in range(6))
    assert {p.name for p in tmp_path.iterdir()} == {"total.txt", "total.jsonl"}  # no temp left


def test_concurrent_gate_runs_record_every_entry(project: GateProject) -> None:
    env = clean_env({"PYTHONPATH": str(REPO_ROOT)})
    command = [sys.executable, "-m", "covlint", "check", "--fail-under", "0", "--record",
               "--history", "trend.jsonl"]  # fmt: skip
    for _ in range(2):
        runs = [subprocess.Popen(command, cwd=project.root, env=env) for _ in range(4)]
        assert [run.wait(timeout=120) for run in runs] == [0] * 4
    entries = (project.root / "trend.jsonl").read_text().splitlines()
    assert len(entries) == 8
    assert {json.loads(e)["total"] for e in entries} == {75.0}


def test_badge_is_svg_with_the_total(
    project: GateProject, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project.root)
    assert badge_main(["-o", "badge.svg"]) == 0
    tree = ET.parse(project.root / "badge.svg").getroot()
    assert tree.find(f"{SVG}title").text == "coverage: 75%"  # type: ignore[union-attr]
    assert tree.find(f".//{SVG}text[@id='value']").text == "75%"  # type: ignore[union-attr]
    fills = [rect.get("fill") for rect in tree.findall(f"{SVG}rect")]
    assert fills[1] == YELLOW  # 75% against the default 80: within ten points
    assert badge_main([]) == 0
    assert capsys.readouterr().out == (project.root / "badge.svg").read_text()
    assert badge_main(["-o", ".coverage"]) == 2
    assert "may not be the coverage data file" in capsys.readouterr().err


def test_badge_colours_and_determinism() -> None:
    assert (colour_for(90, 80), colour_for(75, 80), colour_for(60, 80)) == (GREEN, YELLOW, RED)
    assert badge_svg(99.97, 80) == badge_svg(99.97, 80)
    assert ">99.9%<" in badge_svg(99.97, 80)
