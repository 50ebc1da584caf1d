"""Fill the parse cache ahead of need: `python -m covlint.preparse ROOT [--base REF]... [PATH]...`.

The language server starts this in a separate process at the lowest CPU priority after each
data load, for the files of the current diff and the recently opened ones, so that their first
analysis finds coverage's parse, and the analysis against the current data, in the cache: the
work runs on an idle core, never in the server's own process, so it cannot delay a request. It
reads source files, the data and git; it runs no workspace code; it writes only the cache.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from covlint import git
from covlint.analysis import decode_source, parsed
from covlint.background import lower_priority
from covlint.changes import base_changes
from covlint.coverage_config import read_coverage_settings
from covlint.coverage_set import CoverageSet
from covlint.errors import CovlintError, DataError, NotPython
from covlint.filenames import is_python_path
from covlint.safe_io import read_source

log = logging.getLogger(__name__)

MAX_FILES = 200  # a big diff: the first ones are enough to make the editor's first opens fast


def lowest_priority() -> None:
    """Run only when the CPU would otherwise be idle (Linux), else as nicely as allowed."""
    lower_priority("idle")


def diff_paths(root: Path, bases: Sequence[str]) -> list[str]:
    """The Python files changed since the first of `bases` that names a commit."""
    for base in bases:
        try:
            git.resolve(root, base)
        except CovlintError:
            continue
        try:
            changes = base_changes(root, base)
        except CovlintError as exc:
            log.info("preparse: no diff against %s (%s)", base, exc)
            return []
        return [f.path for f in changes.files if is_python_path(f.path)]
    return []


def preparse(
    root: Path, paths: Sequence[str], *, arcs: bool = True, data_file: str | None = None
) -> int:
    """Parse each file under `root` into the cache, and analyse the measured ones against the
    current data (kept too); how many were done (or found in the cache)."""
    settings = read_coverage_settings(root, data_file=data_file)
    try:
        data: CoverageSet | None = CoverageSet.load(root, data_file=data_file)
    except DataError as exc:
        log.info("preparse: parses only (%s)", exc)
        data = None
    done = 0
    for path in list(dict.fromkeys(paths))[:MAX_FILES]:
        try:
            text = decode_source(read_source(root / path))
            if data is not None and data.is_measured(path):
                data.analyse(path, text)
            else:
                parsed(path, text, settings.exclude_regex, settings.partial_regex, arcs=arcs)
        except (OSError, NotPython, DataError):
            continue
        done += 1
    return done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m covlint.preparse", description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("paths", nargs="*", help="repo-relative files to parse")
    parser.add_argument("--base", action="append", default=[], help="also the diff since REF")
    parser.add_argument("--no-arcs", action="store_true", help="the data has no branch arcs")
    parser.add_argument("--data-file", help="the coverage data file (default: coverage's own)")
    args = parser.parse_intermixed_args(argv)
    lowest_priority()
    try:
        paths = [*args.paths, *diff_paths(args.root, args.base)]
        done = preparse(args.root, paths, arcs=not args.no_arcs, data_file=args.data_file)
    except CovlintError as exc:
        print(f"covlint preparse: {exc}", file=sys.stderr)
        return 2
    print(f"covlint preparse: {done} file(s) in the parse cache", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
