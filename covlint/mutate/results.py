"""The results file: JSON with a documented schema, written by `covlint mutate`, read by the
language server and by `covlint mutate --merge`.

By default it lives in covlint's cache, one file per project:
`<cache root>/mutate/<first 16 hex digits of sha256(project root)>/results.json`.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from covlint.cachedir import cache_root
from covlint.errors import DataError
from covlint.mutate.model import OUTCOMES, Mutant, MutantResult, MutationRun, Outcome, Shard
from covlint.mutate.operators import Mutation

SCHEMA = 1


def default_results_path(root: Path) -> Path:
    key = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()[:16]
    return cache_root() / "mutate" / key / "results.json"


def run_to_json(run: MutationRun, threshold: float | None = None) -> dict[str, Any]:
    counts = run.counts()
    score = run.score
    return {
        "schema": SCHEMA,
        "root": run.root,
        "base": run.base,
        "shards": [str(shard) for shard in run.shards],
        "planned": run.planned,
        "score": None if score is None else round(score, 2),
        "threshold": threshold,
        "passed": None if threshold is None else score is None or score >= threshold,
        "counts": {outcome: counts[outcome] for outcome in OUTCOMES},
        "files": {path: {"sha256": digest} for path, digest in sorted(run.digests.items())},
        "mutants": [_result_to_json(result) for result in run.results],
    }


def _result_to_json(result: MutantResult) -> dict[str, Any]:
    mutant, mutation = result.mutant, result.mutant.mutation
    return {
        "id": mutant.id,
        "path": mutant.path,
        "line": mutation.line,
        "end_line": mutant.end_line,
        "start": list(mutation.start),
        "end": list(mutation.end),
        "operator": mutation.operator,
        "original": mutation.original,
        "mutated": mutation.replacement,
        "outcome": result.outcome,
        "tests": list(mutant.tests),
        "killed_by": result.killed_by,
        "seconds": round(result.seconds, 3),
        "detail": result.detail,
    }


def write_results(path: Path, run: MutationRun, threshold: float | None) -> None:
    """Write atomically: a reader (the language server) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(run_to_json(run, threshold), indent=1) + "\n", encoding="utf-8")
    os.replace(partial, path)


def read_results(path: Path) -> MutationRun:
    """A results file; DataError naming the file when it is missing or not ours."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("schema") != SCHEMA:
            raise ValueError(f"schema {document.get('schema')!r}, expected {SCHEMA}")
        return _run_from_json(document)
    except OSError as exc:
        raise DataError(f"cannot read mutation results {path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(f"{path} is not a covlint mutation results file ({exc})") from None


def _run_from_json(document: dict[str, Any]) -> MutationRun:
    shards = []
    for text in document["shards"]:
        index, count = str(text).split("/")
        shards.append(Shard(int(index), int(count)))
    return MutationRun(
        root=str(document["root"]),
        base=str(document["base"]),
        planned=int(document["planned"]),
        results=tuple(_result_from_json(item) for item in document["mutants"]),
        digests={p: str(v["sha256"]) for p, v in document["files"].items()},
        shards=tuple(shards),
    )


def _result_from_json(item: dict[str, Any]) -> MutantResult:
    start, end = item["start"], item["end"]
    mutation = Mutation(
        line=int(item["line"]),
        start=(int(start[0]), int(start[1])),
        end=(int(end[0]), int(end[1])),
        operator=str(item["operator"]),
        original=str(item["original"]),
        replacement=str(item["mutated"]),
    )
    mutant = Mutant(str(item["path"]), mutation, tuple(item["tests"]), int(item["end_line"]))
    killed_by = item.get("killed_by")
    return MutantResult(
        mutant,
        _outcome(str(item["outcome"])),
        seconds=float(item.get("seconds", 0.0)),
        killed_by=None if killed_by is None else str(killed_by),
        detail=str(item.get("detail", "")),
    )


def _outcome(value: str) -> Outcome:
    for outcome in OUTCOMES:
        if outcome == value:
            return outcome
    raise ValueError(f"unknown outcome {value!r}")
