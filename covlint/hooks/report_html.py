"""A self-contained HTML diff-coverage report: per changed file, its changed lines, highlighted.

One file, no scripts, no external resources: a CI artifact to open in any browser. Lines are the
working tree's (what the editor shows); around the changed statements a few lines of context.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from covlint.hooks.verdict import Verdict, by_urgency, file_state
from covlint.hooks.wording import file_headline, ranges_of, total_summary
from covlint.model import FileDiffCoverage, LineNo

CONTEXT = 2  # lines shown around the changed statements
STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1f2328}
h1{font-size:20px}h1.passed{color:#1a7f37}h1.failed{color:#cf222e}
.legend span{padding:0 .5em;margin-right:.5em;font-family:monospace}
.legend .covered,tr.covered td.code{background:#dafbe1}
.legend .missed,tr.missed td.code{background:#ffebe9}
.legend .partial,tr.partial td.code{background:#fff8c5}
section{margin:1.5em 0}h2{font-size:15px;font-family:monospace}
table.source{border-collapse:collapse;font:13px/1.35 monospace;width:100%}
td.num{color:#6e7781;text-align:right;padding:0 .8em;user-select:none;width:4em}
td.code{white-space:pre;padding:0 .5em}
tr.gap td{color:#6e7781;text-align:center}
ul.arcs{margin:.3em 0 0 1em;color:#9a6700}p.reason{color:#9a6700}
"""

LEGEND = (
    '<p class="legend">changed statements: <span class="covered">run</span>'
    '<span class="missed">not run</span><span class="partial">a branch not taken</span></p>'
)


def render_html(verdict: Verdict, root: Path) -> str:
    """The whole page: the verdict, then a section per file that misses something."""
    outcome = "passed" if verdict.passed else "failed"
    shown = [f for f in by_urgency(verdict) if file_state(f, verdict.threshold) != "full"]
    sections = "\n".join(_section(item, root) for item in shown)
    full = len(verdict.files) - len(shown)
    rest = f'<p id="others">{full} other changed file(s): nothing missed.</p>' if full else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>covlint: diff coverage</title>"
        f"<style>{STYLE}</style></head><body>"
        f'<h1 id="verdict" class="{outcome}">{escape(total_summary(verdict))}</h1>'
        f"{LEGEND if shown else ''}"
        f"{sections}{rest}</body></html>\n"
    )


def _section(item: FileDiffCoverage, root: Path) -> str:
    head = f'<h2 class="{item.status}">{escape(file_headline(item))}</h2>'
    if item.status == "stale":
        return f'<section class="file" data-path="{escape(item.path)}">{head}</section>'
    arcs = "".join(
        f'<li data-line="{line}">{escape(message)}</li>' for line, message in item.branch_messages
    )
    return (
        f'<section class="file" data-path="{escape(item.path)}">{head}'
        f'<table class="source">{_rows(item, root)}</table>'
        f"{f'<ul class=arcs>{arcs}</ul>' if arcs else ''}</section>"
    )


def line_classes(item: FileDiffCoverage) -> dict[LineNo, str]:
    """covered / missed / partial for every line of a changed statement the report shows."""
    classes = dict.fromkeys(item.changed_statements, "covered")
    for first, last in ranges_of(item):
        classes.update(dict.fromkeys(range(first, last + 1), "missed"))
    classes.update({line: "partial" for line, _ in item.branch_messages})
    return classes


def _rows(item: FileDiffCoverage, root: Path) -> str:
    classes = line_classes(item)
    try:
        source = (root / item.path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        source = []
    wanted = sorted(
        {n for line in classes for n in range(line - CONTEXT, line + CONTEXT + 1)}
        & set(range(1, len(source) + 1))
    )
    rows, previous = [], 0
    for number in wanted:
        if previous and number > previous + 1:
            rows.append('<tr class="gap"><td colspan="2">⋯</td></tr>')
        kind = classes.get(number, "context")
        rows.append(
            f'<tr class="{kind}" data-line="{number}"><td class="num">{number}</td>'
            f'<td class="code">{escape(source[number - 1])}</td></tr>'
        )
        previous = number
    return "".join(rows)
