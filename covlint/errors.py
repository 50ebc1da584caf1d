"""The errors covlint reports to its users, each with the exit code it maps to."""

from __future__ import annotations

EXIT_OK = 0
EXIT_BELOW_THRESHOLD = 1
EXIT_ERROR = 2


class CovlintError(Exception):
    """A problem the user can act on; its message is one line saying what to do."""

    exit_code = EXIT_ERROR


class UsageError(CovlintError):
    """A bad flag, setting or configuration value."""


class GitError(CovlintError):
    """Git is missing, the folder is not a repository, or a git command failed."""


class DataError(CovlintError):
    """The coverage data is missing, unreadable or foreign."""


class DataNotReady(DataError):
    """The coverage data exists but is still being written (empty or half-written)."""


class DataChanged(DataNotReady):
    """The coverage data changed while it was being read; reading it again gives a whole one."""
