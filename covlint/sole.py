"""The tests that are the only exerciser of some lines: delete one, and coverage drops there."""

from __future__ import annotations

from pathlib import Path

from covlint.coverage_set import CoverageSet
from covlint.model import LineNo
from covlint.testids import ModuleIndex, context_node_ids

SoleLines = dict[str, dict[str, list[LineNo]]]  # node id -> file -> lines only it ran


def sole_tests(root: Path, data: CoverageSet) -> SoleLines:
    """Each test that alone ran some measured lines, with those lines."""
    modules = ModuleIndex(root)
    names: dict[str, frozenset[str]] = {}
    found: SoleLines = {}
    for path in data.measured_paths:
        for line, contexts in sorted(data.contexts_by_line(path).items()):
            tests: set[str] = set()
            for context in contexts:
                if context not in names:
                    names[context] = frozenset(context_node_ids(context, modules))
                tests |= names[context]
            if len(tests) == 1:
                found.setdefault(tests.pop(), {}).setdefault(path, []).append(line)
    return dict(sorted(found.items()))


def line_runs(lines: list[LineNo]) -> str:
    """`[3, 4, 5, 9]` -> `lines 3-5, 9`; `[4]` -> `line 4`."""
    runs: list[list[LineNo]] = []
    for line in sorted(lines):
        if runs and line == runs[-1][1] + 1:
            runs[-1][1] = line
        else:
            runs.append([line, line])
    text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
    return f"line {text}" if len(lines) == 1 else f"lines {text}"
