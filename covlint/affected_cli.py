"""`covlint affected`: the pytest node ids of the tests to run for the change, one per line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from covlint import git
from covlint.affected import Selection
from covlint.errors import CovlintError
from covlint.impact import affected_tests, covlint_table, load_data
from covlint.sole import line_runs, sole_tests

EXIT_OK = 0
EXIT_ERROR = 2  # no data, bad settings, git failed: one line on stderr saying what to do


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(
        prog="covlint affected",
        description="Print the pytest node ids of the tests whose recorded contexts ran the"
        " changed code (nothing when every test must run: `pytest $(covlint affected)`).",
    )
    found.add_argument(
        "--base", metavar="REF", help="select for the change since the merge-base with REF"
    )
    found.add_argument("--staged", action="store_true", help="select for the staged change only")
    found.add_argument("--format", choices=("nodeids", "json"), default="nodeids")
    found.add_argument(
        "--sole", action="store_true", help="list the tests that alone ran some lines"
    )
    found.add_argument("-v", "--verbose", action="store_true", help="say why each test is selected")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="covlint affected: %(message)s")
    try:
        root = git.repo_root(Path.cwd())
        if args.sole:
            return _sole(root, args.format)
        selection = affected_tests(root, base=args.base, staged=args.staged)
    except CovlintError as error:
        print(f"covlint affected: {error}", file=sys.stderr)
        return EXIT_ERROR
    if args.format == "json":
        print(json.dumps(as_json(selection), indent=2))
    else:
        _print_node_ids(selection, verbose=args.verbose)
    return EXIT_OK


def as_json(selection: Selection) -> dict[str, Any]:
    return {
        "everything": selection.runs_everything,
        "reasons": selection.everything,
        "changed_statements": selection.changed_statements,
        "baseline": selection.baseline,
        "tests": [{"node_id": n, "why": why} for n, why in sorted(selection.tests.items())],
    }


def _print_node_ids(selection: Selection, *, verbose: bool) -> None:
    if selection.runs_everything:
        print(
            f"covlint affected: run every test: {'; '.join(selection.everything)}", file=sys.stderr
        )
        return
    for node_id, why in sorted(selection.tests.items()):
        print(node_id)
        if verbose:
            print(f"  {node_id}: {'; '.join(why)}", file=sys.stderr)
    if not selection.tests:
        print("covlint affected: no test ran the changed code", file=sys.stderr)


def _sole(root: Path, output: str) -> int:
    data = load_data(root, covlint_table(root))
    found = sole_tests(root, data)
    if output == "json":
        print(json.dumps(found, indent=2))
        return EXIT_OK
    for node_id, files in found.items():
        where = "; ".join(f"{path} {line_runs(lines)}" for path, lines in files.items())
        print(f"{node_id}: {where}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
