"""Running git: one place that shields every call from the user's git configuration."""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from covlint.errors import GitError, GitNotFound, NoCommonAncestor, NotARepository, UnknownRef

logger = logging.getLogger(__name__)

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

_ZERO_OID_CHARS = frozenset("0")


def git_command(*args: str) -> list[str]:
    """The argv that runs `git args` immune to the user's output-shaping config."""
    command = ["git", "--no-pager", "--no-optional-locks"]
    for setting in _CONFIG_OVERRIDES:
        command += ["-c", setting]
    return [*command, *args]


# `git rev-parse` arguments naming the work tree's top and HEAD's commit (`top_and_head`).
TOP_AND_HEAD = ("rev-parse", "--show-toplevel", "--verify", "--quiet", "HEAD^{commit}")

# Git processes started before the call that needs them (`start_ahead`), by their arguments.
_ahead: dict[tuple[str, ...], tuple[Path, subprocess.Popen[bytes]]] = {}


def start_ahead(folder: Path, *args: str) -> None:
    """Start `git args` in `folder` now, for a later call with the same arguments from `folder`
    or from the top of its work tree: the gate starts its first git calls before importing the
    rest of covlint, so that the two overlap. Only for commands whose output is the same from
    any folder of the work tree. One that cannot start is forgotten: the later call runs it."""
    if args in _ahead:  # one started already: a second would have no call to take it
        return
    try:
        process = subprocess.Popen(
            git_command(*args),
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_git_env(),
        )
    except OSError:
        return
    _ahead[args] = (folder, process)


def stop_ahead() -> None:
    """End the processes started ahead that no call took (a configured `base` needs others)."""
    for _, process in _ahead.values():
        process.kill()
        process.communicate()
    _ahead.clear()


atexit.register(stop_ahead)


def _taken_ahead(root: Path, args: Sequence[str]) -> subprocess.CompletedProcess[bytes] | None:
    """The result of `git args` started ahead, if it was started in `root` or below it."""
    started = _ahead.pop(tuple(args), None)
    if started is None:
        return None
    folder, process = started
    out, err = process.communicate()
    if folder != root and not folder.is_relative_to(root):  # another work tree's answer
        return None
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def run_git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git in `root` and return its stdout; raise GitError saying what went wrong."""
    result = _run(root, args, stdin)
    if result.returncode != 0:
        raise _failure(root, args, result.stderr)
    return result.stdout


def _run(
    root: Path, args: Sequence[str], stdin: bytes | None
) -> subprocess.CompletedProcess[bytes]:
    if stdin is None and (ahead := _taken_ahead(root, args)) is not None:
        return ahead
    command = git_command(*args)
    logger.debug("running %s in %s", " ".join(command), root)
    # Without input, git gets /dev/null: in the language server stdin is the client's pipe.
    given: dict[str, Any] = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
    try:
        result = subprocess.run(
            command, cwd=root, capture_output=True, env=_git_env(), check=False, **given
        )
    except FileNotFoundError:
        if not root.is_dir():
            raise NotARepository(f"not a git repository: {root}") from None
        raise GitNotFound("git not found on PATH: install git or add it to PATH") from None
    return result


def _git_env() -> dict[str, str]:
    """The environment for git: the user's, with messages in English (they reach the user), and
    no optional locks: a `git diff` would otherwise refresh the index's stat cache, rewriting
    `.git/index` (covlint never writes into `.git`)."""
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env.pop("LANGUAGE", None)
    return env


def _failure(root: Path, args: Sequence[str], stderr: bytes) -> GitError:
    text = stderr.decode("utf-8", "replace")
    if "not a git repository" in text.lower():
        return NotARepository(f"not a git repository: {root}")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else "no message"
    return GitError(f"git {' '.join(args[:2])} failed: {first}")


def diff_patch(root: Path, *revs: str, renames: bool = True, paths: Sequence[str] = ()) -> bytes:
    """`git diff -U0 [--cached] REVS -- PATHS` in the one shape covlint parses.

    `revs` are diff's own arguments before the paths (`--cached`, commits, trees).
    Paths are matched literally (no globs, no pathspec magic).
    """
    return run_git(root, *diff_arguments(*revs, renames=renames, paths=paths))


def diff_arguments(*revs: str, renames: bool = True, paths: Sequence[str] = ()) -> list[str]:
    """The arguments of `diff_patch`'s git call."""
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


def repo_root(start: Path) -> Path:
    """The top folder of the working tree containing `start`."""
    folder = start if start.is_dir() else start.parent
    try:
        out = run_git(folder, "rev-parse", "--show-toplevel")
    except NotARepository:
        raise NotARepository(f"not a git repository: {start}") from None
    return Path(os.fsdecode(out.rstrip(b"\n")))


def top_and_head(start: Path) -> tuple[Path, str | None]:
    """`repo_root(start)` and `head_commit` of it, in one git call."""
    folder = start if start.is_dir() else start.parent
    args = TOP_AND_HEAD
    result = _run(folder, args, None)
    lines = result.stdout.splitlines()
    if result.returncode not in (0, 1) or not lines:  # 1: no HEAD yet (only the top is printed)
        error = _failure(folder, args, result.stderr)
        if isinstance(error, NotARepository):
            raise NotARepository(f"not a git repository: {start}")
        raise error
    head = lines[1].decode("ascii").strip() if result.returncode == 0 and len(lines) > 1 else None
    return Path(os.fsdecode(lines[0])), head


def head_commit(root: Path) -> str | None:
    """The full id of HEAD's commit; None before the first commit."""
    try:
        return resolve(root, "HEAD")
    except UnknownRef:
        return None


def resolve(root: Path, ref: str) -> str:
    """The full commit id that `ref` names; GitError naming the ref when it names none."""
    _check_ref_syntax(ref)
    try:
        out = run_git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except NotARepository:
        raise
    except GitError:
        raise UnknownRef(f"unknown git ref {ref!r}: check the name, or fetch it first") from None
    return out.decode("ascii").strip()


def _check_ref_syntax(ref: str) -> None:
    """Refuse what git would take for an option, or nothing at all."""
    if not ref or ref.startswith("-"):
        raise UnknownRef(f"not a valid git ref: {ref!r}")


def merge_base(root: Path, ref: str, head: str = "HEAD") -> str:
    """The best common ancestor of `ref` and `head`, as a full commit id."""
    for name in (ref, head):
        _check_ref_syntax(name)
    try:
        out = run_git(root, "merge-base", ref, head)
    except NotARepository:
        raise
    except GitError:
        resolve(root, ref)  # raise naming the ref git does not know, if any
        resolve(root, head)
        raise NoCommonAncestor(f"no common ancestor between {ref!r} and {head!r}") from None
    return out.decode("ascii").strip()


def unmerged_paths(root: Path) -> list[str]:
    """Paths with unresolved merge conflicts in the index (stages 1-3)."""
    out = run_git(root, "ls-files", "--unmerged", "-z")
    paths = (entry.split(b"\t", 1)[-1] for entry in out.split(b"\0") if entry)
    return sorted({os.fsdecode(path) for path in paths})


def unmerged_in_patch(patch: bytes) -> list[str]:
    """The paths `git diff --cached` reports as unmerged ("* Unmerged path x")."""
    prefix = b"* Unmerged path "
    lines = patch.split(b"\n")
    return sorted({os.fsdecode(line[len(prefix) :]) for line in lines if line.startswith(prefix)})


def empty_tree(root: Path) -> str:
    """The id of the empty tree in this repository's hash format."""
    out = run_git(root, "hash-object", "-t", "tree", "--stdin", stdin=b"")
    return out.decode("ascii").strip()


def is_null_oid(ref: str) -> bool:
    """Whether `ref` is git's all-zero object id (pre-push's 'no such ref')."""
    return len(ref) >= 40 and set(ref) <= _ZERO_OID_CHARS


def read_index_blob(root: Path, path: str) -> bytes:
    """The staged bytes of `path` (stage 0 of the index)."""
    return run_git(root, "cat-file", "blob", f":0:{path}")


def read_commit_blob(root: Path, rev: str, path: str) -> bytes:
    """The bytes of `path` in commit `rev`."""
    return run_git(root, "cat-file", "blob", f"{rev}:{path}")


def blob_id(content: bytes, length: int = 40) -> str | None:
    """Git's object id of a blob holding `content`: SHA-1 (40 hex digits) or SHA-256 (64)."""
    header = b"blob %d\0" % len(content)
    if length == 40:
        return hashlib.sha1(header + content, usedforsecurity=False).hexdigest()
    if length == 64:
        return hashlib.sha256(header + content).hexdigest()
    return None


def read_blobs(root: Path, names: list[str]) -> list[bytes | None]:
    """The bytes of many blobs (ids or `rev:path` names without newlines) in one git call."""
    if not names:
        return []
    request = "".join(f"{name}\n" for name in names).encode("utf-8", "surrogateescape")
    out = run_git(root, "cat-file", "--batch", stdin=request)
    blobs: list[bytes | None] = []
    pos = 0
    for _ in names:
        end = out.index(b"\n", pos)
        header = out[pos:end].split(b" ")
        pos = end + 1
        if len(header) != 3 or not header[2].isdigit():
            blobs.append(None)  # "<name> missing" or "<name> ambiguous": no content follows
            continue
        size = int(header[2])
        blobs.append(out[pos : pos + size] if header[1] == b"blob" else None)
        pos += size + 1
    return blobs


def existing_blobs(root: Path, ids: list[str]) -> set[str]:
    """Which of the blob ids the repository's object database holds (one git call)."""
    if not ids:
        return set()
    out = run_git(root, "cat-file", "--batch-check", stdin="".join(f"{i}\n" for i in ids).encode())
    found = set()
    for line in out.decode("ascii", "replace").splitlines():
        fields = line.split(" ")
        if len(fields) == 3 and fields[1] == "blob":
            found.add(fields[0])
    return found
