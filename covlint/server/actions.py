"""Code actions: exclude uncovered code from coverage, ignore a missed branch, copy tests.

An uncovered run that is the whole body of a `def`, `class` or `if` (without `else`) whose
heading ran is excluded at the heading; otherwise at the run's first statement. Coverage.py's
default exclusion (`# pragma: no cover`) and partial-branch (`# pragma: no branch`) comments are
used, so the project's own configuration keeps working.
"""

from __future__ import annotations

from covlint.blocks import Block, blocks
from covlint.model import FileAnalysis, LineNo
from covlint.server.diagnostics import uncovered_runs

NO_COVER = "# pragma: no cover"
NO_BRANCH = "# pragma: no branch"
EXCLUDABLE = ("def", "class", "if")


def exclusion_target(
    analysis: FileAnalysis, text: str, statement: LineNo
) -> tuple[LineNo, Block | None]:
    """Where `# pragma: no cover` excludes the uncovered run holding `statement`, and the block."""
    run = next((set(r) for r in uncovered_runs(analysis) if statement in r), {statement})
    holders = [
        block
        for block in blocks(text)
        if block.kind in EXCLUDABLE
        and block.body_first <= statement <= block.last
        and not block.has_else
        and block.first not in analysis.missing
    ]
    for block in sorted(holders, key=lambda b: b.last - b.first):
        body = {s for s in analysis.statements if block.body_first <= s <= block.last}
        if body == run:
            return block.first, block
    return min(run), None


def exclusion_title(block: Block | None, line: int) -> str:
    """The action's title; `line` is the buffer's 1-based line number."""
    if block is None:
        return f"Exclude line {line} from coverage ({NO_COVER})"
    what = f"`{block.kind} {block.name}`" if block.kind in ("def", "class") else "this `if` block"
    return f"Exclude {what} from coverage ({NO_COVER})"
