"""Running git: one place that shields every call from the user's git configuration."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from covlint.errors import GitError, GitNotFound, NoCommonAncestor, NotARepository, UnknownRef
from covlint.git_calls import TOP_AND_HEAD, diff_arguments, git_command, git_env, taken_ahead

logger = logging.getLogger(__name__)

_ZERO_OID_CHARS = frozenset("0")


def run_git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git in `root` and return its stdout; raise GitError saying what went wrong."""
    result = _run(root, args, stdin)
    if result.returncode != 0:
        raise _failure(root, args, result.stderr)
    return result.stdout


def _run(
    root: Path, args: Sequence[str], stdin: bytes | None
) -> subprocess.CompletedProcess[bytes]:
    if stdin is None and (ahead := taken_ahead(root, args)) is not None:
        return ahead
    command = git_command(*args)
    logger.debug("running %s in %s", " ".join(command), root)
    # Without input, git gets /dev/null: in the language server stdin is the client's pipe.
    given: dict[str, Any] = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
    try:
        result = subprocess.run(
            command, cwd=root, capture_output=True, env=git_env(), check=False, **given
        )
    except FileNotFoundError:
        if not root.is_dir():
            raise NotARepository(f"not a git repository: {root}") from None
        raise GitNotFound("git not found on PATH: install git or add it to PATH") from None
    return result


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
