"""Seed small faults into real statements of a project's source, one at a time.

Kinds: a flipped comparison (`==`/`!=`, `<`/`>=`, `>`/`<=`, `is`/`is not`, `in`/`not in`), a
changed constant (ints +1, True/False swapped), a removed call (an expression statement calling
something becomes `pass`). Only single-line edits on lines the recorded data shows executed (a
fault on a line no test runs tells nothing about selection).
"""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass
from pathlib import Path

FLIPS = {
    ast.Eq: "!=",
    ast.NotEq: "==",
    ast.Lt: ">=",
    ast.GtE: "<",
    ast.Gt: "<=",
    ast.LtE: ">",
    ast.Is: "is not",
    ast.IsNot: "is",
    ast.In: "not in",
    ast.NotIn: "in",
}


@dataclass(frozen=True)
class Fault:
    path: str  # repo-relative
    line: int
    kind: str  # "comparison", "constant", "removed-call"
    old: str  # the whole line before
    new: str  # the whole line after

    def describe(self) -> str:
        return f"{self.path}:{self.line} {self.kind}: {self.new.strip()}"


def candidates(root: Path, path: str, executed: set[int]) -> list[Fault]:
    """Every single-line fault of the kinds above on an executed line of `path`."""
    text = (root / path).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    found: list[Fault] = []
    for node in ast.walk(ast.parse(text)):
        lineno = getattr(node, "lineno", None)
        if lineno is None or lineno not in executed or getattr(node, "end_lineno", 0) != lineno:
            continue
        line = lines[lineno - 1]
        for kind, new in _mutations(node, line):
            if new != line:
                found.append(Fault(path, lineno, kind, line, new))
    return found


def _mutations(node: ast.AST, line: str) -> list[tuple[str, str]]:
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        start, end = node.left.end_col_offset, node.comparators[0].col_offset
        if start is not None and type(node.ops[0]) in FLIPS:
            new_op = f" {FLIPS[type(node.ops[0])]} "
            return [("comparison", _bytes_replace(line, start, end, new_op))]
    if isinstance(node, ast.Constant) and node.end_col_offset is not None:
        value = node.value
        if isinstance(value, bool):
            replacement = str(not value)
        elif isinstance(value, int):
            replacement = str(value + 1)
        else:
            return []
        return [
            ("constant", _bytes_replace(line, node.col_offset, node.end_col_offset, replacement))
        ]
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        indent = line[: len(line) - len(line.lstrip())]
        return [("removed-call", f"{indent}pass\n")]
    return []


def _bytes_replace(line: str, start: int, end: int, text: str) -> str:
    """Replace UTF-8 byte columns `start:end` of `line` (ast's offsets are in bytes)."""
    raw = line.encode("utf-8")
    return (raw[:start] + text.encode("utf-8") + raw[end:]).decode("utf-8")


def sample(faults: list[Fault], count: int, seed: int) -> list[Fault]:
    """`count` faults, spread over files and kinds, the same ones for the same seed."""
    rng = random.Random(seed)
    by_kind: dict[str, list[Fault]] = {}
    for fault in faults:
        by_kind.setdefault(fault.kind, []).append(fault)
    for group in by_kind.values():
        rng.shuffle(group)
    chosen: list[Fault] = []
    while len(chosen) < count and any(by_kind.values()):
        for group in by_kind.values():
            if group and len(chosen) < count:
                chosen.append(group.pop())
    return chosen


def apply(root: Path, fault: Fault) -> bytes:
    """Write the fault into the file; return the file's original bytes."""
    target = root / fault.path
    original = target.read_bytes()
    lines = original.decode("utf-8").splitlines(keepends=True)
    assert lines[fault.line - 1] == fault.old, fault
    lines[fault.line - 1] = fault.new
    target.write_text("".join(lines), encoding="utf-8")
    return original
