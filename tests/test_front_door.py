"""The front doors' error contract: one line, exit 2, and a bug's traceback kept for the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from covlint.cachedir import cache_root
from covlint.errors import DataError
from covlint.front_door import KEEP_TRACEBACKS, OneLineParser, guarded


def crash() -> int:
    return {"key": 1}["missing"]


def test_a_bug_is_one_line_with_the_traceback_kept(capsys: pytest.CaptureFixture[str]) -> None:
    assert guarded(crash) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("covlint: error: internal error (KeyError: 'missing'): please report it")
    kept = err.rstrip("\n").rsplit("full traceback in ", 1)[1]
    assert kept.startswith(str(cache_root() / "logs"))
    text = Path(kept).read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert 'return {"key": 1}["missing"]' in text


def test_verbose_also_prints_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert guarded(crash, verbose=True) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last)")
    assert err.splitlines()[-1].startswith("covlint: error: internal error (KeyError")


def test_kept_tracebacks_are_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(KEEP_TRACEBACKS + 5):
        guarded(crash)
    capsys.readouterr()
    assert len(list((cache_root() / "logs").glob("crash-*.txt"))) <= KEEP_TRACEBACKS


def test_a_covlint_error_is_its_message_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    def fail() -> int:
        raise DataError("no coverage data at x:\nrun tests")

    assert guarded(fail) == 2
    assert capsys.readouterr().err == "covlint: error: no coverage data at x: run tests\n"


def test_usage_errors_name_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = OneLineParser(prog="covlint check")
    parser.add_argument("--fail-under")
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["--nope"])
    assert stop.value.code == 2
    assert capsys.readouterr().err == (
        "covlint: error: unrecognized arguments: --nope; see covlint check --help\n"
    )
