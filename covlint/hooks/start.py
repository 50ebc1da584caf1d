"""The gate's first git calls, started before the rest of covlint is imported, so they overlap.

A commit's gate run is mostly Python's start-up, covlint's imports and two git calls (the
work tree's top and HEAD, the staged patch); started here, git works on one core while Python
imports on the other. A run that judges another range (`--base`, pre-push's refs) starts
nothing; one whose configuration names a base leaves its started calls unused (`stop_ahead`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from covlint import git_calls

OTHER_RANGES = ("--base", "-h", "--help")  # options after which the staged patch is not asked


def start_git_ahead(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> None:
    """Start the staged run's git calls in the current folder (nothing for another range)."""
    if any(arg.split("=")[0] in OTHER_RANGES for arg in argv):
        return
    if environ.get("PRE_COMMIT_FROM_REF") and environ.get("PRE_COMMIT_TO_REF"):
        return
    try:
        folder = os.getcwd()
    except OSError:  # the folder is gone: the run reports it
        return
    git_calls.start_ahead(folder, *git_calls.TOP_AND_HEAD)
    git_calls.start_ahead(folder, *git_calls.STAGED_PATCH)
