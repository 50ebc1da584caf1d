"""The report formats of `--format`, in one table, and picking one."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from covlint.hooks.report_github import render_github
from covlint.hooks.report_json import render_json
from covlint.hooks.report_markdown import render_markdown
from covlint.hooks.report_text import render_text
from covlint.hooks.verdict import Verdict


def use_colour() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _text(verdict: Verdict, verbose: bool, quiet: bool) -> str:
    return render_text(verdict, colour=use_colour(), verbose=verbose, quiet=quiet)


Renderer = Callable[[Verdict, bool, bool], str]  # verdict, verbose, quiet -> report

FORMATS: dict[str, Renderer] = {
    "text": _text,
    "json": lambda verdict, verbose, quiet: render_json(verdict),
    "markdown": lambda verdict, verbose, quiet: render_markdown(verdict),
    "github": lambda verdict, verbose, quiet: render_github(verdict),
}


def render(verdict: Verdict, fmt: str, *, verbose: bool, quiet: bool) -> str:
    return FORMATS[fmt](verdict, verbose, quiet)
