"""The JSON report, schema version 1 (documented in the README)."""

from __future__ import annotations

import json
from typing import Any

from covlint.counts import Counts
from covlint.hooks.verdict import Verdict
from covlint.hooks.wording import ranges_of
from covlint.model import FileDiffCoverage

SCHEMA_VERSION = 1


def totals_json(totals: Counts) -> dict[str, Any]:
    return {
        "percent": round(totals.percent, 2),
        "statements": totals.statements,
        "covered_statements": totals.covered_statements,
        "branches": totals.branches,
        "covered_branches": totals.covered_branches,
    }


def file_json(item: FileDiffCoverage) -> dict[str, Any]:
    counted = item.status in ("ok", "below", "not-measured")
    return {
        "path": item.path,
        "status": item.status,
        **(totals_json(item.counts) if counted else {"percent": None}),
        "threshold": item.threshold,
        "changed_statements": list(item.changed_statements),
        "uncovered_lines": list(item.uncovered_lines),
        "uncovered_ranges": [list(span) for span in ranges_of(item)],
        "missed_arcs": [
            {"from": a.start, "to": a.end, "message": a.message} for a in item.missed_arcs
        ],
        "reason": item.reason or None,
    }


def render_json(verdict: Verdict) -> str:
    document = {
        "schema": SCHEMA_VERSION,
        "passed": verdict.passed,
        "threshold": verdict.threshold,
        "branch": verdict.branch,
        "totals": totals_json(verdict.totals),
        "files": [file_json(f) for f in verdict.files],
        "skipped": [{"path": s.path, "why": s.why} for s in verdict.skipped],
    }
    return json.dumps(document, indent=2) + "\n"
