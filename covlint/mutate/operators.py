"""The mutation operators: small, behaviour-changing edits of one statement's source.

Each operator looks at the AST nodes of a changed statement and proposes replacements of exact
source spans (an operator token, a constant, a returned value, a whole call statement), so the
mutated text differs from the original in one place and keeps its line numbers. Operators:

- `comparison`: `<` ↔ `<=`, `>` ↔ `>=`, `==` ↔ `!=`, `is` ↔ `is not`, `in` ↔ `not in`
- `boolean`: `and` ↔ `or`, `not x` → `x`
- `arithmetic`: `+` ↔ `-`, `*` ↔ `/`, `//` → `/`, `%` → `/`, `**` → `*`, and the augmented forms
- `constant`: `True` ↔ `False`, a number n → n + 1, a string s → "XX" s "XX"
- `return`: `return x` → `return None`
- `call`: a call statement `f(x)` → `None` (the call removed)
- `loop`: `break` ↔ `continue`
"""

from __future__ import annotations

import ast
import bisect
import io
import tokenize
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from covlint.model import LineNo

Position = tuple[int, int]  # (1-based line, 0-based column in code points)

OPERATORS = ("comparison", "boolean", "arithmetic", "constant", "return", "call", "loop")

COMPARISON_SWAPS = {
    "<": "<=",
    "<=": "<",
    ">": ">=",
    ">=": ">",
    "==": "!=",
    "!=": "==",
    "is": "is not",
    "is not": "is",
    "in": "not in",
    "not in": "in",
}
ARITHMETIC_SWAPS = {"+": "-", "-": "+", "*": "/", "/": "*", "//": "/", "%": "/", "**": "*"}
AUGMENTED_SWAPS = {f"{op}=": f"{new}=" for op, new in ARITHMETIC_SWAPS.items()}
BOOLEAN_SWAPS = {"and": "or", "or": "and"}
LOOP_SWAPS = {"break": "continue", "continue": "break"}
_BRACKETS = frozenset("()")


@dataclass(frozen=True)
class Mutation:
    """One replacement of the source between `start` and `end` by `replacement`."""

    line: LineNo  # the statement's first line (as coverage numbers statements)
    start: Position
    end: Position
    operator: str
    original: str
    replacement: str

    def apply(self, text: str) -> str:
        """`text` with this mutation made; the lines after it keep their numbers."""
        lines = text.split("\n")
        start = _offset(lines, self.start)
        end = _offset(lines, self.end)
        keep_lines = "\n" * (self.end[0] - self.start[0] - self.replacement.count("\n"))
        return text[:start] + self.replacement + keep_lines + text[end:]


def _offset(lines: list[str], position: Position) -> int:
    line, column = position
    return sum(len(text) + 1 for text in lines[: line - 1]) + column


class SourceIndex:
    """Positions in one text: AST byte columns to code points, and its operator-like tokens."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.tokens = [
            (token.start, token.end, token.string)
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type in (tokenize.OP, tokenize.NAME) and token.string not in _BRACKETS
        ]
        self.starts = [token[0] for token in self.tokens]

    def position(self, line: int, byte_column: int) -> Position:
        raw = self.lines[line - 1].encode("utf-8")[:byte_column]
        return line, len(raw.decode("utf-8", "replace"))

    def start(self, node: ast.AST) -> Position:
        return self.position(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> Position:
        return self.position(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def tokens_between(self, after: Position, before: Position) -> list[tuple[Position, Position]]:
        """The spans of the operator tokens between two positions (brackets skipped)."""
        first = bisect.bisect_left(self.starts, after)
        found = []
        for start, end, _ in self.tokens[first:]:
            if end > before:
                break
            found.append((start, end))
        return found

    def text(self, start: Position, end: Position) -> str:
        if start[0] == end[0]:
            return self.lines[start[0] - 1][start[1] : end[1]]
        middle = self.lines[start[0] : end[0] - 1]
        parts = [self.lines[start[0] - 1][start[1] :], *middle, self.lines[end[0] - 1][: end[1]]]
        return "\n".join(parts)


def find_mutations(
    text: str,
    statements: dict[LineNo, frozenset[LineNo]],
    operators: Iterable[str] = OPERATORS,
) -> list[Mutation]:
    """Mutations of the statements (first line -> all its lines) of `text`, in source order.

    Raises SyntaxError when `text` does not parse.
    """
    tree = ast.parse(text)
    index = SourceIndex(text)
    owner = {line: first for first, lines in statements.items() for line in lines}
    wanted = frozenset(operators)
    skipped = _ignored_nodes(tree)
    found: list[Mutation] = []
    for node in ast.walk(tree):
        first = _statement_of(node, owner)
        if first is None or id(node) in skipped:
            continue
        for mutation in _mutations(node, first, index):
            if mutation.operator in wanted and mutation.original != mutation.replacement:
                found.append(mutation)
    return sorted(set(found), key=lambda m: (m.start, m.end, m.operator, m.replacement))


def _statement_of(node: ast.AST, owner: dict[LineNo, LineNo]) -> LineNo | None:
    """The changed statement all of `node` lies on, if any."""
    first, last = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    if first is None or last is None or first not in owner:
        return None
    if isinstance(node, ast.stmt) and not isinstance(node, _SIMPLE_TARGETS):
        return None
    statement = owner[first]
    return statement if all(owner.get(n) == statement for n in range(first, last + 1)) else None


def _ignored_nodes(tree: ast.AST) -> set[int]:
    """Nodes no operator touches: inside f-strings (positions differ between Python versions),
    annotations (no behaviour) and string statements (docstrings)."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            roots.append(node)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            roots.append(node.value)
        elif isinstance(node, (ast.arg, ast.AnnAssign)) and node.annotation is not None:
            roots.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            roots.append(node.returns)
    return {id(inner) for root in roots for inner in ast.walk(root)}


def _mutations(node: ast.AST, line: LineNo, index: SourceIndex) -> Iterator[Mutation]:
    maker = _MAKERS.get(type(node))
    if maker is not None:
        yield from maker(node, line, index)


def _swap(
    line: LineNo,
    index: SourceIndex,
    span: list[tuple[Position, Position]],
    swaps: dict[str, str],
    operator: str,
) -> Iterator[Mutation]:
    """A mutation replacing the operator in `span` (one or two tokens) by its swap."""
    if not span:
        return
    start, end = span[0][0], span[-1][1]
    original = " ".join(index.text(s, e) for s, e in span)
    if original in swaps:
        yield Mutation(line, start, end, operator, index.text(start, end), swaps[original])


def _compare(node: ast.Compare, line: LineNo, index: SourceIndex) -> Iterator[Mutation]:
    left = node.left
    for right in node.comparators:
        span = index.tokens_between(index.end(left), index.start(right))
        yield from _swap(line, index, span, COMPARISON_SWAPS, "comparison")
        left = right


def _binop(node: ast.BinOp, line: LineNo, index: SourceIndex) -> Iterator[Mutation]:
    span = index.tokens_between(index.end(node.left), index.start(node.right))
    yield from _swap(line, index, span, ARITHMETIC_SWAPS, "arithmetic")


def _augassign(node: ast.AugAssign, line: LineNo, index: SourceIndex) -> Iterator[Mutation]:
    span = index.tokens_between(index.end(node.target), index.start(node.value))
    yield from _swap(line, index, span, AUGMENTED_SWAPS, "arithmetic")


def _boolop(node: ast.BoolOp, line: LineNo, index: SourceIndex) -> Iterator[Mutation]:
    for left, right in zip(node.values, node.values[1:], strict=False):
        span = index.tokens_between(index.end(left), index.start(right))
        yield from _swap(line, index, span, BOOLEAN_SWAPS, "boolean")


def _unary_not(node: ast.UnaryOp, line: LineNo, index: SourceIndex) -> Iterator[Mutation]:
    if isinstance(node.op, ast.Not):  # only the keyword: a bracket after it stays
        start = index.start(node)
        end = (start[0], start[1] + len("not"))
        yield Mutation(line, start, end, "boolean", "not", "")


def _constant(node: ast.Constant, line: LineNo, index: SourceIndex) -> Iterator[Mutation]:
    value = node.value
    if isinstance(value, bool):
        new: object = not value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        new = value + 1
    elif isinstance(value, (str, bytes)) and not getattr(node, "kind", None):
        new = "XX" + value + "XX" if isinstance(value, str) else b"XX" + value + b"XX"
    else:
        return
    start, end = index.start(node), index.end(node)
    yield Mutation(line, start, end, "constant", index.text(start, end), repr(new))


def _return(node: ast.Return, line: LineNo, index: SourceIndex) -> Iterator[Mutation]:
    value = node.value
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        return
    start, end = index.start(value), index.end(value)
    yield Mutation(line, start, end, "return", index.text(start, end), "None")


def _call_statement(node: ast.Expr, line: LineNo, index: SourceIndex) -> Iterator[Mutation]:
    if isinstance(node.value, ast.Call):
        start, end = index.start(node), index.end(node)
        yield Mutation(line, start, end, "call", index.text(start, end), "None")


def _loop(node: ast.Break | ast.Continue, line: LineNo, index: SourceIndex) -> Iterator[Mutation]:
    start, end = index.start(node), index.end(node)
    original = index.text(start, end)
    yield Mutation(line, start, end, "loop", original, LOOP_SWAPS[original])


_SIMPLE_TARGETS = (ast.Return, ast.Expr, ast.Break, ast.Continue, ast.AugAssign)
_MAKERS: dict[type, Callable[[Any, LineNo, SourceIndex], Iterator[Mutation]]] = {
    ast.Compare: _compare,
    ast.BinOp: _binop,
    ast.AugAssign: _augassign,
    ast.BoolOp: _boolop,
    ast.UnaryOp: _unary_not,
    ast.Constant: _constant,
    ast.Return: _return,
    ast.Expr: _call_statement,
    ast.Break: _loop,
    ast.Continue: _loop,
}
