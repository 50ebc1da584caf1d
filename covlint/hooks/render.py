"""Pick the report renderer for `--format`."""

from __future__ import annotations

import os
import sys

from covlint.hooks.report_github import render_github
from covlint.hooks.report_json import render_json
from covlint.hooks.report_markdown import render_markdown
from covlint.hooks.report_text import render_text
from covlint.hooks.verdict import Verdict


def use_colour() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def render(verdict: Verdict, fmt: str, *, verbose: bool, quiet: bool) -> str:
    if fmt == "json":
        return render_json(verdict)
    if fmt == "markdown":
        return render_markdown(verdict)
    if fmt == "github":
        return render_github(verdict)
    return render_text(verdict, colour=use_colour(), verbose=verbose, quiet=quiet)
