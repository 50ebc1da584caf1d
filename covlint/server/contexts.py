"""Which tests ran a line: the hover text, and the node ids for "copy covering tests".

Needs dynamic contexts in the data (`pytest --cov-context=test`, or `[run] dynamic_context =
test_function`). Tests are named by runnable pytest node ids whichever the context format (see
`covlint.testids`), each once. Lines are measured lines (1-based, as the data numbers them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from covlint import codes
from covlint.blocks import function_at
from covlint.model import FileAnalysis, LineNo
from covlint.server.diagnostics import partial_branches
from covlint.testids import node_ids

SHOWN_TESTS = 8
HOW_TO_RECORD = (
    "To see which tests ran it, record contexts: `pytest --cov-context=test`, or"
    " `[run] dynamic_context = test_function` in the coverage configuration."
)


def statement_lines(analysis: FileAnalysis, statement: LineNo) -> list[LineNo]:
    """Every line of the statement starting at `statement`."""
    lines = [line for line, first in analysis.multiline.items() if first == statement]
    return sorted({statement, *lines})


def tests_of_lines(
    contexts: dict[LineNo, list[str]], lines: Iterable[LineNo], root: Path
) -> list[str]:
    return node_ids((c for line in lines for c in contexts.get(line, ())), root)


def covering_tests(
    analysis: FileAnalysis, text: str, contexts: dict[LineNo, list[str]], line: LineNo, root: Path
) -> list[str]:
    """Tests that ran `line`; on a `def` line, the tests that ran any line of the function."""
    function = function_at(text, line)
    if function is not None:
        return tests_of_lines(contexts, range(function.body_first, function.last + 1), root)
    statement = analysis.multiline.get(line, line)
    return tests_of_lines(contexts, statement_lines(analysis, statement), root)


def hover_markdown(
    analysis: FileAnalysis,
    contexts: dict[LineNo, list[str]] | None,
    line: LineNo,
    renumber: Callable[[str], str],
    *,
    root: Path,
    shown: frozenset[str] = frozenset(),
) -> str | None:
    """What covlint knows of measured line `line` (None for a line that is not code).

    `shown`: the codes of the diagnostics the editor shows on the line (their sentences are not
    repeated). A partly run branch line: its missed arcs once, then which tests ran it.
    """
    statement = analysis.multiline.get(line, line)
    if statement in analysis.excluded:
        return "**Excluded from coverage** (by the project's exclusion rules)."
    if statement not in analysis.statements:
        return None
    if statement in analysis.missing:
        why = _why_not_run(analysis, statement, renumber)
        said = codes.UNCOVERED in shown
        heading = "**Never reached:**" if said else "**Not run by any test.**"
        parts = [heading, *why] if why or not said else []
    else:
        parts = _missed_here(analysis, statement, renumber, shown)
        if contexts is None:
            parts += ["**Run by the tests.**", HOW_TO_RECORD]
        else:
            lines = statement_lines(analysis, statement)
            parts.append(_run_by(tests_of_lines(contexts, lines, root)))
    return "\n\n".join(parts) or None


def _missed_here(
    analysis: FileAnalysis, statement: LineNo, renumber: Callable[[str], str], shown: frozenset[str]
) -> list[str]:
    """The missed arcs of a partly run branch line, unless its diagnostic already says them."""
    missed = partial_branches(analysis).get(statement)
    if not missed or codes.MISSED_BRANCH in shown:
        return []
    return ["**Partly run branch:**", "\n".join(f"- {renumber(a.message)}" for a in missed)]


def _why_not_run(
    analysis: FileAnalysis, statement: LineNo, renumber: Callable[[str], str]
) -> list[str]:
    """The missed branches that lead to `statement` from lines that did run."""
    arcs = [
        arc
        for arc in analysis.missed_arcs
        if arc.end == statement and arc.start not in analysis.missing
    ]
    return [f"- {renumber(arc.message)}" for arc in arcs]


def _run_by(tests: list[str]) -> str:
    if not tests:
        return "**Run**, but by no test (at import or collection time)."
    count = f"{len(tests)} test" + ("" if len(tests) == 1 else "s")
    shown = [f"- `{name}`" for name in tests[:SHOWN_TESTS]]
    if len(tests) > SHOWN_TESTS:
        shown.append(f"- … and {len(tests) - SHOWN_TESTS} more")
    return f"**Run by {count}:**\n\n" + "\n".join(shown)
