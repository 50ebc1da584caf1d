"""The block statements of a Python text: functions, classes, ifs and loops, with their lines."""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, replace

from covlint.model import LineNo


@dataclass(frozen=True)
class Block:
    """A function, class or block statement of a text."""

    kind: str  # "def", "class", "if", "for", "while", "with"
    name: str
    first: LineNo  # the heading's line (the `def`, not its decorators)
    body_first: LineNo
    last: LineNo
    has_else: bool
    qualname: str = ""  # functions and classes: dotted names of the enclosing defs and classes
    top: LineNo = 0  # the first decorator's line, else `first`


@functools.lru_cache(maxsize=16)
def blocks(text: str) -> tuple[Block, ...]:
    """The block statements of `text`, outermost first ((): when it does not parse)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ()
    found: list[Block] = []
    _walk(tree, "", found)
    return tuple(sorted(found, key=lambda b: (b.first, -b.last)))


def _walk(node: ast.AST, prefix: str, found: list[Block]) -> None:
    for child in ast.iter_child_nodes(node):
        block = _block(child, prefix)
        if block is not None:
            found.append(block)
        named = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        _walk(child, block.qualname + "." if block and named else prefix, found)


def _block(node: ast.AST, prefix: str) -> Block | None:
    kinds: dict[type, str] = {
        ast.FunctionDef: "def",
        ast.AsyncFunctionDef: "def",
        ast.ClassDef: "class",
        ast.If: "if",
        ast.For: "for",
        ast.While: "while",
        ast.With: "with",
    }
    kind = kinds.get(type(node))
    body = getattr(node, "body", None)
    if kind is None or not body or not isinstance(node, ast.stmt) or node.end_lineno is None:
        return None
    name = getattr(node, "name", kind)
    has_else = bool(getattr(node, "orelse", None))
    qualname = prefix + name if kind in ("def", "class") else ""
    decorators = getattr(node, "decorator_list", None)
    top = min(d.lineno for d in decorators) if decorators else node.lineno
    block = Block(kind, name, node.lineno, body[0].lineno, node.end_lineno, has_else, qualname)
    return replace(block, top=top)


def function_at(text: str, line: LineNo) -> Block | None:
    """The innermost function whose `def` line is `line`, if any."""
    found = [b for b in blocks(text) if b.kind == "def" and b.first == line]
    return found[-1] if found else None


def heading_at(text: str, line: LineNo) -> Block | None:
    """The def or class whose heading (decorators and signature included) holds `line`."""
    found = [b for b in blocks(text) if b.kind in ("def", "class") and b.top <= line < b.body_first]
    return found[-1] if found else None


def enclosing_function(text: str, line: LineNo) -> Block | None:
    """The innermost function whose body holds `line` (None: module-level code or class body)."""
    found = [b for b in blocks(text) if b.kind == "def" and b.body_first <= line <= b.last]
    return found[-1] if found else None
