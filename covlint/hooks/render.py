"""The report formats of `--format`, in one table; several outputs in one run.

`--format FMT` goes to stdout (at most one); `--format FMT:PATH` is written to PATH (for html,
PATH is a folder that gets `index.html`, or a file ending in `.html`). With no unnamed format,
stdout gets the text report.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from covlint.errors import UsageError
from covlint.hooks.files import refuse_user_file, write_atomically
from covlint.hooks.report_text import render_text
from covlint.hooks.verdict import Verdict


@dataclass(frozen=True)
class RenderOptions:
    root: Path  # the repository: reports that show source read it from here
    verbose: bool = False
    quiet: bool = False
    colour: bool = False


@dataclass(frozen=True)
class Output:
    """One `--format` value: a format, and the file it goes to (None: stdout)."""

    fmt: str
    path: str | None = None


Renderer = Callable[[Verdict, RenderOptions], str]


# The other formats' modules are imported when asked for: a commit's run needs one of them.
def _json(verdict: Verdict, options: RenderOptions) -> str:
    from covlint.hooks.report_json import render_json

    return render_json(verdict)


def _markdown(verdict: Verdict, options: RenderOptions) -> str:
    from covlint.hooks.report_markdown import render_markdown

    return render_markdown(verdict)


def _github(verdict: Verdict, options: RenderOptions) -> str:
    from covlint.hooks.report_github import render_github

    return render_github(verdict)


def _sarif(verdict: Verdict, options: RenderOptions) -> str:
    from covlint.hooks.report_sarif import render_sarif

    return render_sarif(verdict, options.root)


def _html(verdict: Verdict, options: RenderOptions) -> str:
    from covlint.hooks.report_html import render_html

    return render_html(verdict, options.root)


FORMATS: dict[str, Renderer] = {
    "text": lambda v, o: render_text(v, colour=o.colour, verbose=o.verbose, quiet=o.quiet),
    "json": _json,
    "markdown": _markdown,
    "github": _github,
    "sarif": _sarif,
    "html": _html,
}


def use_colour(environ: Mapping[str, str] = os.environ, tty: bool | None = None) -> bool:
    """Colour on a terminal; `NO_COLOR` (any value) never, else `FORCE_COLOR` always."""
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return sys.stdout.isatty() if tty is None else tty


def parse_output(spec: str) -> Output:
    """`json` or `json:covlint.json`; a bad value is a UsageError naming the known formats."""
    fmt, _, path = spec.partition(":")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} in {spec!r} (known: {', '.join(FORMATS)})")
    if fmt == "html" and not path:
        raise UsageError("the html report is a file: use --format html:DIR (or html:FILE.html)")
    return Output(fmt, path or None)


def plan_outputs(specs: Sequence[str]) -> list[Output]:
    """The outputs of a run: the named ones, and exactly one for stdout."""
    outputs = [parse_output(spec) for spec in specs]
    to_stdout = [o for o in outputs if o.path is None]
    if len(to_stdout) > 1:
        names = ", ".join(o.fmt for o in to_stdout)
        raise UsageError(f"only one format can go to stdout ({names}): name a file, FMT:PATH")
    return outputs if to_stdout else [Output("text"), *outputs]


def refuse_user_files(outputs: Sequence[Output], root: Path, data_file: Path) -> None:
    """A report may not overwrite the coverage data, a shard, a source file or `.git`."""
    for output in outputs:
        if output.path is not None:
            refuse_user_file(_target(output), f"{output.fmt} report", root, data_file, False)


def render(verdict: Verdict, fmt: str, options: RenderOptions) -> str:
    return FORMATS[fmt](verdict, options)


def write_outputs(verdict: Verdict, outputs: Sequence[Output], options: RenderOptions) -> None:
    """Print the stdout report, write every named one, and GitHub's job summary when set."""
    for output in outputs:
        if output.path is None:
            sys.stdout.write(render(verdict, output.fmt, options))
        else:
            plain = RenderOptions(options.root, options.verbose, options.quiet, colour=False)
            target = _target(output)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"{target}: cannot make its folder: {exc.strerror}") from None
            write_atomically(target, render(verdict, output.fmt, plain), f"{output.fmt} report")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and any(o.fmt == "github" for o in outputs):
        _append(Path(summary), _markdown(verdict, options))


def _target(output: Output) -> Path:
    path = Path(output.path or ".")
    if output.fmt == "html" and path.suffix.lower() not in (".html", ".htm"):
        return path / "index.html"
    return path


def _append(path: Path, text: str) -> None:
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"GITHUB_STEP_SUMMARY {path}: cannot append: {exc.strerror}") from None
