"""SARIF 2.1.0 for code scanning: a rule per diagnostic code, a result per range or branch line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from covlint import __version__, codes
from covlint.hooks.verdict import Verdict, file_state
from covlint.hooks.wording import ranges_of
from covlint.model import FileDiffCoverage, LineNo
from covlint.wording import not_run

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/covlint/covlint"
RULE_ORDER = (codes.UNCOVERED, codes.MISSED_BRANCH, codes.STALE)
FINGERPRINT = "covlintFinding/v1"

Result = dict[str, Any]


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "id": code,
            "name": "".join(part.title() for part in code.split("-")),
            "shortDescription": {"text": codes.CODES[code]},
            "helpUri": f"{INFORMATION_URI}#covlint-check--the-gate",
            "defaultConfiguration": {"level": "warning"},
        }
        for code in RULE_ORDER
    ]


def _fingerprint(path: str, code: str, text: str) -> str:
    """Stable while the lines' content stays: a moved range keeps its fingerprint."""
    digest = hashlib.sha256(f"{code}\0{path}\0{text}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:32]


def _result(
    item: FileDiffCoverage,
    code: str,
    span: tuple[LineNo, LineNo],
    message: str,
    *,
    level: str,
    source: list[str],
) -> Result:
    first, last = span
    content = "\n".join(line.strip() for line in source[first - 1 : last])
    return {
        "ruleId": code,
        "ruleIndex": RULE_ORDER.index(code),
        "level": level,
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": item.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": first, "endLine": last},
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT: _fingerprint(item.path, code, content or message)},
    }


def _file_results(item: FileDiffCoverage, level: str, root: Path) -> list[Result]:
    source = _source_lines(root / item.path)
    if item.status == "stale":
        return [_result(item, codes.STALE, (1, 1), item.reason, level=level, source=source)]
    results = [
        _result(item, codes.UNCOVERED, span, not_run(*span), level=level, source=source)
        for span in ranges_of(item)
    ]
    results += [
        _result(item, codes.MISSED_BRANCH, (line, line), message, level=level, source=source)
        for line, message in item.branch_messages
    ]
    return sorted(results, key=_start_line)


def _start_line(result: Result) -> int:
    return int(result["locations"][0]["physicalLocation"]["region"]["startLine"])


def _source_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def render_sarif(verdict: Verdict, root: Path) -> str:
    """One run of covlint: every finding of every file that misses something."""
    results = []
    for item in verdict.files:
        state = file_state(item, verdict.threshold)
        if state != "full":
            results += _file_results(item, "warning" if state == "passing" else "error", root)
    run = {
        "tool": {
            "driver": {
                "name": codes.SOURCE,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": _rules(),
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
