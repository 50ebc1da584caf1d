"""Untracked Python files as changes: every line added (diff-cover's `--include-untracked`)."""

from __future__ import annotations

import os
from pathlib import Path

from covlint import git
from covlint.diff import ChangedFile
from covlint.filenames import PYTHON_SUFFIXES
from covlint.git import run_git

PATTERNS = tuple(f"*{suffix}" for suffix in PYTHON_SUFFIXES)


def untracked_python_files(root: Path) -> list[str]:
    """Untracked, not ignored Python files (repo-relative, forward slashes), sorted."""
    out = run_git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", *PATTERNS)
    names = [os.fsdecode(name) for name in out.split(b"\0") if name]
    return sorted(names)


def line_count(data: bytes) -> int:
    """How many lines a file has, a last line without a newline included."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def untracked_changes(root: Path) -> list[ChangedFile]:
    """Each untracked Python file as an added file whose every line is new."""
    root = git.repo_root(root)
    changes = []
    for path in untracked_python_files(root):
        try:
            count = line_count((root / path).read_bytes())
        except OSError:
            continue  # gone or unreadable since git listed it: nothing to judge
        changes.append(ChangedFile(path, None, "added", frozenset(range(1, count + 1))))
    return changes
