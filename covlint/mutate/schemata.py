"""All of a file's mutants in one module, each switched on by a number at run time.

Mutants inside function bodies can share one import of their module: the statement (or the
condition of an `if`/`while`, the iterable of a `for`) is replaced by a choice between its
mutated copies and the original, on `__covlint_active__` (a builtin the test process sets; 0 runs
the original). A forked test process then only sets the number, so the expensive part — starting
Python, importing, collecting tests — is paid once per worker, not once per mutant.

Mutants that run at import time (module or class level, default values, decorators) or whose
statement shares a line, holds a multi-line string or is indented with tabs cannot be switched
this way; they keep the fresh process per mutant.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

from covlint.mutate.operators import Mutation, Position

SWITCH = "__covlint_active__"
INDENT = "    "


@dataclass(frozen=True)
class Unit:
    """A piece of source that can be swapped whole: a simple statement or a header expression."""

    start: Position
    end: Position
    statement: bool  # True: whole lines of a simple statement; False: an expression


@dataclass(frozen=True)
class Schema:
    """A file's text with switchable mutants, and which mutations (by number) it holds."""

    text: str
    numbers: dict[Mutation, int]


def build_schema(text: str, mutations: list[Mutation], first: int = 1) -> Schema:
    """The text with every mutation that can be switched (numbered from `first`); the others
    are left out."""
    tree = ast.parse(text)
    lines = text.split("\n")
    strings, comments = _unsafe_lines(text)
    units = dict(_units(tree, lines, strings, comments))
    grouped: dict[Unit, list[tuple[int, Mutation]]] = {}
    numbers: dict[Mutation, int] = {}
    for number, mutation in enumerate(mutations, start=first):
        unit = _unit_of(mutation, units)
        if unit is not None:
            grouped.setdefault(unit, []).append((number, mutation))
            numbers[mutation] = number
    for unit in sorted(grouped, key=lambda u: u.start, reverse=True):
        lines = _replace(lines, unit, grouped[unit])
    return Schema("\n".join(lines), numbers)


def _unit_of(mutation: Mutation, units: dict[int, Unit]) -> Unit | None:
    unit = units.get(mutation.line)
    if unit is None or not (unit.start <= mutation.start and mutation.end <= unit.end):
        return None
    return unit


def _units(
    tree: ast.AST, lines: list[str], strings: set[int], comments: set[int]
) -> Iterator[tuple[int, Unit]]:
    """(statement line, unit) for each statement inside a function that can be swapped."""
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in _body_statements(function.body):
                unit = _unit(node, lines, strings, strings | comments)
                if unit is not None:
                    yield node.lineno, unit


def _body_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a function body at any depth, not entering nested scopes."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from _body_statements(getattr(node, name, []))
        for handler in getattr(node, "handlers", []):
            yield from _body_statements(handler.body)


def _unit(node: ast.stmt, lines: list[str], strings: set[int], unsafe: set[int]) -> Unit | None:
    if isinstance(node, (ast.If, ast.While)):
        return _expression_unit(node.test, lines, unsafe)
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return _expression_unit(node.iter, lines, unsafe)
    if hasattr(node, "body") or node.end_lineno is None:
        return None
    first, last = node.lineno, node.end_lineno
    head = lines[first - 1]
    indent = head[: len(head) - len(head.lstrip())]
    alone = _owns_lines(node, lines) and "\t" not in indent
    if not alone or any(first <= line <= last for line in strings):
        return None
    return Unit((first, len(indent)), (last, len(lines[last - 1])), statement=True)


def _owns_lines(node: ast.stmt, lines: list[str]) -> bool:
    """Whether the statement is alone on its lines (no `;`, no one-line `if x: y`)."""
    head = lines[node.lineno - 1].encode("utf-8")
    tail = lines[node.end_lineno - 1].encode("utf-8")  # type: ignore[operator]
    before = head[: node.col_offset].strip()
    after = tail[node.end_col_offset :].strip()
    return not before and (not after or after.startswith(b"#"))


def _expression_unit(node: ast.expr, lines: list[str], unsafe: set[int]) -> Unit | None:
    """A header's expression; over several lines only without comments or long strings."""
    last = node.end_lineno
    if last is None or node.end_col_offset is None:
        return None
    if last > node.lineno and any(node.lineno <= line <= last for line in unsafe):
        return None
    return Unit(
        _column(lines, node.lineno, node.col_offset),
        _column(lines, last, node.end_col_offset),
        statement=False,
    )


def _column(lines: list[str], line: int, byte_column: int) -> Position:
    return line, len(lines[line - 1].encode("utf-8")[:byte_column].decode("utf-8"))


def _unsafe_lines(text: str) -> tuple[set[int], set[int]]:
    """Lines of strings that span lines (indenting them would change the string), and lines
    with comments (a copy of a multi-line expression could end inside one)."""
    strings: set[int] = set()
    comments: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.STRING and token.end[0] > token.start[0]:
            strings.update(range(token.start[0], token.end[0] + 1))
        elif token.type == tokenize.COMMENT:
            comments.add(token.start[0])
    return strings, comments


def _replace(lines: list[str], unit: Unit, chosen: list[tuple[int, Mutation]]) -> list[str]:
    first, last = unit.start[0], unit.end[0]
    original = "\n".join(lines[first - 1 : last])
    if unit.statement:
        variants = [(n, _mutated(original, unit, m)) for n, m in chosen]
        new = _statement_switch(
            lines[first - 1][: unit.start[1]], lines[first - 1 : last], variants
        )
    else:
        new = _expression_switch(original, lines[first - 1 : last], unit, chosen).split("\n")
    return [*lines[: first - 1], *new, *lines[last:]]


def _expression_switch(
    original: str, unit_lines: list[str], unit: Unit, chosen: list[tuple[int, Mutation]]
) -> str:
    """`(mutated1) if switch == n1 else … else (original)` in place of the expression."""
    first = unit.start[0]
    begin, finish = _offset(unit_lines, first, unit.start), _offset(unit_lines, first, unit.end)
    parts = []
    for number, mutation in chosen:
        head = original[begin : _offset(unit_lines, first, mutation.start)]
        tail = original[_offset(unit_lines, first, mutation.end) : finish]
        parts.append(f"({head}{mutation.replacement}{tail}) if {SWITCH} == {number}")
    switched = f"({' else '.join(parts)} else ({original[begin:finish]}))"
    return original[:begin] + switched + original[finish:]


def _offset(unit_lines: list[str], first: int, position: Position) -> int:
    """The offset of `position` in the unit's lines joined by newlines."""
    line, column = position
    return sum(len(text) + 1 for text in unit_lines[: line - first]) + column


def _mutated(original: str, unit: Unit, mutation: Mutation) -> str:
    """`original` (the unit's whole lines) with `mutation`, positions moved to its first line."""
    shift = unit.start[0] - 1
    moved = Mutation(
        mutation.line - shift,
        (mutation.start[0] - shift, mutation.start[1]),
        (mutation.end[0] - shift, mutation.end[1]),
        mutation.operator,
        mutation.original,
        mutation.replacement,
    )
    return moved.apply(original)


def _statement_switch(
    indent: str, original: list[str], variants: list[tuple[int, str]]
) -> list[str]:
    out: list[str] = []
    for index, (number, text) in enumerate(variants):
        out.append(f"{indent}{'if' if index == 0 else 'elif'} {SWITCH} == {number}:")
        out += [INDENT + line for line in text.split("\n")]
    out.append(f"{indent}else:")
    out += [INDENT + line for line in original]
    return out
