"""A pytest plugin for the bench: BENCH_OUT=FILE gets {"ran": [...], "failed": [...]} as JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

_ran: list[str] = []
_failed: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _ran.append(report.nodeid)
        if report.failed:
            _failed.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = os.environ.get("BENCH_OUT")
    if out:
        Path(out).write_text(json.dumps({"ran": sorted(set(_ran)), "failed": sorted(set(_failed))}))
