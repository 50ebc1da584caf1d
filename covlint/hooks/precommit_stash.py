"""Which files the running pre-commit set aside unstaged changes of.

Before hooks run, pre-commit saves unstaged changes as a patch in its store folder
(`patch<time>-<pid>`, pid = pre-commit's own) and checks out the staged content. Such a file is
then newer than the coverage data, and its recorded lines belong to a version that is no longer
on disk; knowing this, the gate can say exactly why instead of just "stale".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from covlint.diff import parse_diff


def store_folder(environ: Mapping[str, str]) -> Path:
    """pre-commit's store folder, as pre-commit itself finds it."""
    home = environ.get("PRE_COMMIT_HOME")
    if home:
        return Path(home)
    cache = environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(cache) / "pre-commit"


def stashed_paths(
    environ: Mapping[str, str] = os.environ, parent_pid: int | None = None
) -> frozenset[str]:
    """Files with unstaged changes that our parent pre-commit process set aside, if any."""
    if environ.get("PRE_COMMIT") != "1":
        return frozenset()
    pid = os.getppid() if parent_pid is None else parent_pid
    try:
        patches = sorted(store_folder(environ).glob(f"patch*-{pid}"))
        patch = patches[-1].read_bytes() if patches else b""
    except OSError:
        return frozenset()
    return frozenset(change.path for change in parse_diff(patch))


def set_aside_files(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """What the running pre-commit set aside, each path with the reason the gate reports."""
    return {path: stash_reason(path) for path in stashed_paths(environ)}


def stash_reason(path: str) -> str:
    return (
        f"{path} has unstaged changes that pre-commit set aside, so the recorded lines belong to"
        " a version no longer on disk: stage the whole file, or test with only the staged"
        " changes (`git stash --keep-index`) and commit again"
    )
