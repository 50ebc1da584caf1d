"""Which mutants a change gets: mutations of its changed statements, each with its tests.

The changed statements are the gate's (`measure_diff`): working-tree numbering, the staged
version translated onto the text that ran, stale data refused. A statement's tests are the
contexts recorded on its lines; a `def` line (its default values, decorators) gets the tests
that ran the function's body, and a survivor there is confirmed with the tests of the whole file
(a test may use an object made at collection time); another statement that ran only outside any
test (at import or collection) gets the tests of its whole file; a statement that never ran is
not covered.
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from covlint.analysis import decode_source
from covlint.changes import ChangeSet
from covlint.coverage_set import CoverageSet
from covlint.diffcov import measure_diff
from covlint.errors import DataError
from covlint.model import FileAnalysis, FileDiffCoverage, LineNo
from covlint.mutate.model import Mutant, Shard
from covlint.mutate.operators import OPERATORS, find_mutations
from covlint.source_filter import SourceFilter
from covlint.testids import ModuleIndex, context_node_ids

NO_CONTEXTS = (
    "the coverage data does not say which test ran each line:"
    " record it with `pytest --cov --cov-context=test`"
)


@dataclass(frozen=True)
class PlanOptions:
    """What to mutate."""

    operators: tuple[str, ...] = OPERATORS
    exclude: tuple[str, ...] = ()  # globs of paths (or file names) never mutated


@dataclass(frozen=True)
class Plan:
    """Every mutant of a change, in a stable order, and the texts they were made from."""

    mutants: tuple[Mutant, ...]
    digests: dict[str, str] = field(default_factory=dict)  # path -> sha256 of the text

    def shard(self, shard: Shard | None) -> tuple[Mutant, ...]:
        """The mutants of one shard: dealt round-robin, so shards are even and deterministic."""
        if shard is None:
            return self.mutants
        return self.mutants[shard.index - 1 :: shard.count]


def text_digest(text: str) -> str:
    """The identity of a (normalised) source text, as the results record it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def excluded(path: str, globs: Iterable[str]) -> bool:
    name = PurePosixPath(path).name
    return any(fnmatch.fnmatch(path, g) or fnmatch.fnmatch(name, g) for g in globs)


def plan_mutants(data: CoverageSet, changes: ChangeSet, options: PlanOptions) -> Plan:
    """The mutants of every changed statement of the change's Python files."""
    if not data.measured_paths and data.unmapped:
        raise DataError(data.describe_unmapped())
    diff = measure_diff(data, changes, branch=False, source=SourceFilter(data.root, data.settings))
    stale = [f for f in diff.files if f.status == "stale"]
    if stale:
        raise DataError(stale[0].reason)
    judged = [
        f for f in diff.files if f.changed_statements and not excluded(f.path, options.exclude)
    ]
    if any(f.status != "not-measured" for f in judged) and not data.has_contexts():
        raise DataError(NO_CONTEXTS)
    mutants: list[Mutant] = []
    digests: dict[str, str] = {}
    for item in judged:
        text = decode_source((data.root / item.path).read_bytes())
        digests[item.path] = text_digest(text)
        mutants += _file_mutants(data, item, text, options)
    return Plan(tuple(sorted(mutants, key=lambda m: m.order)), digests)


def _file_mutants(
    data: CoverageSet, item: FileDiffCoverage, text: str, options: PlanOptions
) -> list[Mutant]:
    analysis = data.analyse(item.path, text, branch=False)
    groups = _statement_lines(analysis, item.changed_statements)
    contexts = data.contexts_by_line(item.path) if item.status != "not-measured" else {}
    modules = ModuleIndex(data.root)  # one index of test modules for the whole file

    def node_ids(contexts: Iterable[str]) -> list[str]:
        return sorted({n for c in set(contexts) for n in context_node_ids(c, modules)})

    whole_file = node_ids(c for found in contexts.values() for c in found)
    uncovered = set(item.uncovered_lines)
    bodies = function_bodies(text)
    mutants = []
    for mutation in find_mutations(text, groups, options.operators):
        lines = groups[mutation.line]
        tests: list[str] = []
        if mutation.line not in uncovered:
            ran = bodies.get(mutation.line, lines)
            found = [c for line in ran for c in contexts.get(line, ())]
            tests = node_ids(found) or whole_file
        wider = whole_file if mutation.line in bodies and tests != whole_file else []
        mutants.append(Mutant(item.path, mutation, tuple(tests), max(lines), tuple(wider)))
    return mutants


def _statement_lines(
    analysis: FileAnalysis, statements: Iterable[LineNo]
) -> dict[LineNo, frozenset[LineNo]]:
    """Each statement's first line -> all of its lines."""
    groups: dict[LineNo, set[LineNo]] = {s: {s} for s in statements}
    for line, first in analysis.multiline.items():
        if first in groups:
            groups[first].add(line)
    return {first: frozenset(lines) for first, lines in groups.items()}


def function_bodies(text: str) -> dict[LineNo, range]:
    """Each line of a function's heading (decorators, `def`, parameters) -> its body's lines."""
    bodies: dict[LineNo, range] = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            body = range(node.body[0].lineno, node.end_lineno + 1)
            bodies.update(dict.fromkeys(range(first, node.body[0].lineno), body))
    return bodies
