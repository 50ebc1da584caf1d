"""`covlint mutate`'s reports: text for people, JSON (the results schema) and SARIF for CI."""

from __future__ import annotations

import json
from typing import Any

from covlint import __version__, codes
from covlint.mutate.model import MutantResult, MutationRun
from covlint.mutate.results import run_to_json

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULES = {code: codes.CODES[code] for code in (codes.SURVIVED_MUTANT, codes.NOT_COVERED_MUTANT)}


def pct(value: float) -> str:
    return f"{round(value, 1):g}"


def tests_phrase(count: int) -> str:
    return f"{count} test{'' if count == 1 else 's'} ran this line"


def survivor_message(result: MutantResult) -> str:
    """`changing `>` to `>=` here fails no test (3 tests ran this line)`: also the editor's."""
    mutation = result.mutant.mutation
    if mutation.replacement == "":
        change = f"removing `{mutation.original.strip()}`"
    else:
        change = f"changing `{_short(mutation.original)}` to `{_short(mutation.replacement)}`"
    return f"{change} here fails no test ({tests_phrase(len(result.mutant.tests))})"


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 40 else flat[:37] + "…"


def result_line(result: MutantResult) -> str:
    mutant = result.mutant
    where = f"{mutant.path}:{mutant.line}"
    if result.outcome == "survived":
        return f"{where}: survived: {survivor_message(result)}"
    change = f"`{_short(mutant.mutation.original)}` → `{_short(mutant.mutation.replacement)}`"
    if result.outcome == "not-covered":
        return f"{where}: not covered: {change}: no test runs this line"
    return f"{where}: error: {change}: {result.detail}"


def summary(run: MutationRun, threshold: float) -> str:
    counts = run.counts()
    score = run.score
    if score is None and counts["error"]:
        return f"covlint: no mutant could be judged: {counts['error']} errors"
    if score is None:
        return "covlint: nothing to mutate: no changed statements with mutants"
    verdict = "passed" if score >= threshold else "FAILED"
    parts = [
        f"{counts['killed'] + counts['timeout']} killed"
        + (f" ({counts['timeout']} by timeout)" if counts["timeout"] else ""),
        f"{counts['survived']} survived",
        f"{counts['not-covered']} not covered",
    ]
    if counts["error"]:
        parts.append(f"{counts['error']} errors (not scored)")
    return (
        f"covlint: {verdict}: mutation score {pct(score)}% of {run.scored} mutants"
        f" of the changed lines: {', '.join(parts)} (needs {pct(threshold)}%)"
    )


def render_text(run: MutationRun, threshold: float, *, quiet: bool = False) -> str:
    shown = [r for r in run.results if r.outcome in ("survived", "not-covered", "error")]
    lines = [] if quiet else [result_line(result) for result in shown]
    return "\n".join([*lines, summary(run, threshold)]) + "\n"


def render_sarif(run: MutationRun) -> str:
    results: list[dict[str, Any]] = []
    for result in run.results:
        if result.outcome not in ("survived", "not-covered"):
            continue
        mutant = result.mutant
        rule = codes.SURVIVED_MUTANT if result.survived else codes.NOT_COVERED_MUTANT
        region = {"startLine": mutant.line, "endLine": mutant.end_line}
        results.append(
            {
                "ruleId": rule,
                "level": "warning",
                "message": {"text": result_line(result).split(": ", 1)[1]},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": mutant.path},
                            "region": region,
                        }
                    }
                ],
            }
        )
    rules = [{"id": rule, "shortDescription": {"text": text}} for rule, text in RULES.items()]
    driver = {"name": codes.SOURCE, "version": __version__, "rules": rules}
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
    return json.dumps(document, indent=1) + "\n"


def render(run: MutationRun, fmt: str, threshold: float, *, quiet: bool = False) -> str:
    if fmt == "json":
        return json.dumps(run_to_json(run, threshold), indent=1) + "\n"
    if fmt == "sarif":
        return render_sarif(run)
    return render_text(run, threshold, quiet=quiet)
