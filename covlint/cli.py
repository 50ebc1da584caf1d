"""The `covlint` command: `covlint check` (the gate) and `covlint serve` (the language server)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from covlint import __version__
from covlint.errors import UsageError

USAGE = f"""\
usage: covlint {{check,mutate,serve,affected,badge,trend}} [options]

covlint {__version__}: coverage as a linter.

commands:
  check     fail when the diff's coverage is below the threshold (the pre-commit hook)
  mutate    fail when the tests miss mutants of the changed lines (mutation testing)
  serve     run the language server over stdio (for editors)
  affected  print the node ids of the tests that ran the changed code (test selection)
  badge     write an SVG badge of the project's total coverage
  trend     show the recorded total and diff coverage over commits (and an SVG chart)

`covlint COMMAND --help` describes each command's options.
"""


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the gate runs: a short run makes little garbage, and
    the collector's passes over everything imported and parsed cost more than they free."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run() -> int:
    """The `covlint` console script and `python -m covlint`: `main`, then every object left to
    the process's end. Python's exit would otherwise walk all that the run imported and parsed
    in its last collections (~25 ms of a 250 ms cold gate run) to free memory the exit frees
    anyway; the exit handlers (flushing, a measuring coverage's save) still run. A gate run
    keeps the collector off to the end (see `collector_paused`): turned on again, it would make
    one more pass (~4 ms) just before the exit."""
    if sys.argv[1:2] == ["check"]:
        gc.disable()
    code = main()
    gc.freeze()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Bare `covlint` prints the help (exit 0); a bad command is one line on stderr (exit 2)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0
    if args[0] == "--version":
        print(f"covlint {__version__}")
        return 0
    if args[0] == "check":  # before the rest is imported: a replayed run needs none of it
        return gate(args[1:])
    from covlint.front_door import guarded

    return guarded(lambda: dispatch(args[0], args[1:]), verbose="-v" in args)


def dispatch(command: str, rest: list[str]) -> int:
    if command == "check":
        return gate(rest)
    if command == "serve":
        from covlint.server import main as serve_main

        return serve_main(rest)
    if command in ("mutate", "affected", "badge", "trend"):
        return _tool(command, rest)
    raise UsageError(
        f"unknown command {command!r}: use `check`, `mutate`, `serve`, `affected`, `badge`"
        " or `trend`; see covlint --help"
    )


def gate(rest: list[str]) -> int:
    """`covlint check`: its git calls started first, then the verdict kept for this very run if
    there is one (`replay`), else the run judged (and its verdict kept)."""
    with collector_paused():
        from covlint import replay
        from covlint.git_calls import stop_ahead
        from covlint.hooks.start import start_git_ahead

        start_git_ahead(rest)
        try:
            replayed = replay.attempt(rest)
            if replayed is not None:
                return replayed
            from covlint.front_door import guarded
            from covlint.hooks.check import main as check_main

            with replay.recording():
                code = guarded(lambda: check_main(rest), verbose="-v" in rest)
            replay.finish(code)
            return code
        finally:
            stop_ahead()


def _tool(command: str, rest: list[str]) -> int:
    """The commands beside the two front doors: mutation, test selection, badge, trend."""
    if command == "mutate":
        from covlint.mutate_cli import main as mutate_main

        return mutate_main(rest)
    if command == "affected":
        from covlint.affected_cli import main as affected_main

        return affected_main(rest)
    if command == "badge":
        from covlint.hooks.badge import main as badge_main

        return badge_main(rest)
    from covlint.hooks.trend import main as trend_main

    return trend_main(rest)


if __name__ == "__main__":
    raise SystemExit(main())
