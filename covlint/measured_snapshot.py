"""Learn what ran of every measured file: `python -m covlint.measured_snapshot ROOT [--key KEY]`.

The language server starts this in its own low-priority process after each data load, so that
the snapshot of a monorepo's 12,000 files (seconds of reading and hashing) never runs in the
server's process: the server learns only the documents it shows, and finds the rest in the
snapshot. `--key` is the data version the server loaded (`covlint.measured.data_key`); data
that changed since makes the run moot. Progress goes to the snapshot batch by batch (the server
reads it as it comes); stderr gets one JSON line per event: `{"measured": N, "unmapped": "..."}`
once the recorded names are mapped, `{"learnt": N}` at the end. It reads source files, the data
and git; it runs no workspace code; it writes only the cache.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from covlint.background import lower_priority
from covlint.coverage_set import CoverageSet
from covlint.errors import CovlintError
from covlint.measured import MeasuredTexts


def low_priority() -> None:
    """Yield the CPU to the editor and the server; unlike the pre-parse's idle class, still
    run on a busy machine: a file saved before its turn would be unknown for this data."""
    lower_priority("low")


def report(**event: Any) -> None:
    print(json.dumps(event), file=sys.stderr, flush=True)


def learn(root: Path, data_file: str | None, key: str | None) -> int:
    """Learn every measured file of the data at `root`; how many this run learnt (-1: the
    data is not the version `key` names)."""
    data = CoverageSet.load(root, data_file=data_file)
    texts = MeasuredTexts(data)
    if key is not None and texts.key != key:
        return -1
    report(measured=len(data.measured_paths), unmapped=data.describe_unmapped())
    return texts.record_all()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m covlint.measured_snapshot", description=__doc__
    )
    parser.add_argument("root", type=Path)
    parser.add_argument("--data-file", help="the coverage data file (default: coverage's own)")
    parser.add_argument("--key", help="the data version to learn (else whatever is there)")
    args = parser.parse_args(argv)
    low_priority()
    try:
        learnt = learn(args.root, args.data_file, args.key)
    except CovlintError as exc:
        report(error=" ".join(str(exc).split()))
        return 2
    if learnt < 0:
        report(moot="the data changed since the server loaded it")
    else:
        report(learnt=learnt)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
