"""The shape of covlint's git calls, and the calls started ahead of the code that needs them.

Kept apart from `git.py` (and as light to import as it can be): `covlint check` starts its
first git calls before importing anything else, and a replayed run (`replay.py`) needs nothing
more of git than their results.
"""

from __future__ import annotations

import atexit
import os
import subprocess
from collections.abc import Sequence

TYPE_CHECKING = False  # not typing's: a replayed gate run imports neither typing nor pathlib
if TYPE_CHECKING:
    from pathlib import Path

# Settings that would change the shape of git's output; forced on every call.
_CONFIG_OVERRIDES = (
    "core.quotepath=off",
    "diff.noprefix=false",
    "diff.mnemonicprefix=false",
    "diff.relative=false",
    "color.ui=never",
    "diff.external=",
)

# The options every `git diff` we parse is given, whatever the user's config says.
DIFF_OPTIONS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--submodule=short",
    "--ignore-submodules=dirty",
    "--inter-hunk-context=0",
    "--full-index",
    "-U0",
)

# `git rev-parse` arguments naming the work tree's top and HEAD's commit (`git.top_and_head`).
TOP_AND_HEAD = ("rev-parse", "--show-toplevel", "--verify", "--quiet", "HEAD^{commit}")


def git_command(*args: str) -> list[str]:
    """The argv that runs `git args` immune to the user's output-shaping config."""
    command = ["git", "--no-pager", "--no-optional-locks"]
    for setting in _CONFIG_OVERRIDES:
        command += ["-c", setting]
    return [*command, *args]


def git_env() -> dict[str, str]:
    """The environment for git: the user's, with messages in English (they reach the user), and
    no optional locks: a `git diff` would otherwise refresh the index's stat cache, rewriting
    `.git/index` (covlint never writes into `.git`)."""
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env.pop("LANGUAGE", None)
    return env


def diff_arguments(*revs: str, renames: bool = True, paths: Sequence[str] = ()) -> list[str]:
    """The arguments of `git.diff_patch`'s git call."""
    rename_flag = "-M" if renames else "--no-renames"
    literal = [f":(literal){path}" for path in paths]
    return [*plumbing_diff(revs), *DIFF_OPTIONS, rename_flag, "--", *literal]


def plumbing_diff(revs: Sequence[str]) -> list[str]:
    """The plumbing command for `git diff REVS`: unlike `git diff` (git 2.39 ignores optional
    locks there), it never refreshes the index's stat cache, so `.git/index` is never rewritten."""
    if "--cached" in revs:
        return ["diff-index", "-p", "--cached", *[rev for rev in revs if rev != "--cached"]]
    if not revs:
        return ["diff-files", "-p"]
    if len(revs) == 1:
        return ["diff-index", "-p", revs[0]]
    return ["diff-tree", "-r", "-p", *revs]


# The staged run's patch: its arguments, started ahead and asked for by `changes.staged_changes`.
STAGED_PATCH = tuple(diff_arguments("--cached", "HEAD"))


class _Started:
    """A git process started ahead, and its result once someone waited for it."""

    def __init__(self, folder: str | Path, process: subprocess.Popen[bytes]) -> None:
        self.folder = folder
        self.process = process
        self.result: subprocess.CompletedProcess[bytes] | None = None
        self.taken = False

    def wait(self) -> subprocess.CompletedProcess[bytes]:
        if self.result is None:
            out, err = self.process.communicate()
            self.result = subprocess.CompletedProcess(
                self.process.args, self.process.returncode, out, err
            )
        return self.result


# Git processes started before the call that needs them (`start_ahead`), by their arguments.
_ahead: dict[tuple[str, ...], _Started] = {}


def start_ahead(folder: str | Path, *args: str) -> None:
    """Start `git args` in `folder` now, for a later call with the same arguments from `folder`
    or from the top of its work tree: the gate starts its first git calls before importing the
    rest of covlint, so that the two overlap. Only for commands whose output is the same from
    any folder of the work tree. One that cannot start is forgotten: the later call runs it."""
    if args in _ahead and not _ahead[args].taken:  # a second would have no call to take it
        return
    try:
        process = subprocess.Popen(
            git_command(*args),
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=git_env(),
        )
    except OSError:
        return
    _ahead[args] = _Started(folder, process)


def started_ahead(args: Sequence[str]) -> bool:
    return tuple(args) in _ahead


def result_ahead(
    args: Sequence[str], *, if_taken: bool = False
) -> subprocess.CompletedProcess[bytes] | None:
    """The result of `git args` started ahead, waited for but left for the call that takes it
    (`taken_ahead`); None when none was started (`if_taken`: or when no call took it)."""
    started = _ahead.get(tuple(args))
    if started is None or (if_taken and not started.taken):
        return None
    return started.wait()


def taken_ahead(root: Path, args: Sequence[str]) -> subprocess.CompletedProcess[bytes] | None:
    """The result of `git args` started ahead, if it was started in `root` or below it; once."""
    started = _ahead.get(tuple(args))
    if started is None or started.taken:
        return None
    from pathlib import Path

    result = started.wait()
    folder = Path(started.folder)
    if folder != root and not folder.is_relative_to(root):
        return None  # another work tree's answer
    started.taken = True
    return result


def stop_ahead() -> None:
    """End the processes started ahead that no call took (a configured `base` needs others)."""
    for started in _ahead.values():
        if started.result is None:
            started.process.kill()
            started.process.communicate()
    _ahead.clear()


atexit.register(stop_ahead)
