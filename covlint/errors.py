"""The errors covlint reports to its users; each front door decides how to show them."""

from __future__ import annotations


class CovlintError(Exception):
    """A problem the user can act on; its message is one line saying what to do."""


class UsageError(CovlintError):
    """A bad flag, setting or configuration value."""


class GitError(CovlintError):
    """Git is missing, the folder is not a repository, or a git command failed."""


class GitNotFound(GitError):
    """No `git` program on PATH."""


class NotARepository(GitError):
    """The folder is not inside a git working tree."""


class UnknownRef(GitError):
    """A ref that names no commit here (or is not a valid ref at all)."""


class NoCommonAncestor(GitError):
    """Two commits without a merge-base."""


class UnmergedPaths(GitError):
    """The index holds unresolved merge conflicts: there is no one version to judge."""


class DataError(CovlintError):
    """The coverage data is missing, unreadable or foreign."""


class DataNotReady(DataError):
    """The coverage data exists but is still being written (empty or half-written)."""


class DataChanged(DataNotReady):
    """The coverage data changed while it was being read; reading it again gives a whole one."""


class NotPython(Exception):
    """A text that does not parse as Python: coverage's `NotPython`, raised again as covlint's
    own so that code catching it need not import coverage (the warm gate never does)."""
