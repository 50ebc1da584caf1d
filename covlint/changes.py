"""Which lines changed, in terms coverage can judge.

Coverage measured the working tree; the gate judges a *target* version: the index (a commit
about to be made), a commit (a push), or the working tree itself (a branch against its base).
A ChangeSet names the changed files of the target and translates target line numbers to the
working tree's, reading git lazily and in batches: a few git calls however many files changed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from covlint import git
from covlint.diff import ChangedFile, FilePatch, parse_patch
from covlint.errors import GitError, UnmergedPaths
from covlint.linemap import LineMap
from covlint.safe_io import SOURCE_LIMIT, read_regular, read_source

log = logging.getLogger(__name__)

TargetKind = Literal["index", "worktree", "commit"]

# Statuses whose target version has lines worth reading and mapping.
_TEXT_STATUSES = ("added", "modified", "renamed")
# Above this many files, diff the whole tree instead of listing paths on the command line.
_MAX_PATHSPECS = 200
# A map for a file whose target lines all differ in the working tree (gone, binary, …).
_ALL_LINES = (1, 1 << 62, 0, 0)


class ChangeSet:
    """The changed files between a base and a target version, and their way to the worktree."""

    def __init__(
        self, root: Path, base: str, kind: TargetKind, rev: str | None, patches: list[FilePatch]
    ) -> None:
        self.root = root  # the repository's top folder
        self.base = base  # the commit (or empty tree) the changes are measured from
        self.kind = kind  # which version is judged
        self.rev = rev  # the judged commit when kind == "commit"
        self.files: list[ChangedFile] = [patch.change for patch in patches]
        self._blobs = {p.change.path: p.new_blob for p in patches if p.new_blob}
        self._maps: dict[str, LineMap] = {}
        self._texts: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return f"ChangeSet({self.kind} vs {self.base[:12]}, {len(self.files)} files)"

    def to_worktree(self, path: str) -> LineMap:
        """Map target line numbers of `path` to the working tree's; None where they differ."""
        if self.kind == "worktree":
            return LineMap.identity()
        if path not in self._maps:
            first = not self._maps
            self._maps.update(self._worktree_maps([path, *self._text_paths()] if first else [path]))
        return self._maps[path]

    def stored_blobs(self) -> frozenset[str]:
        """The blob ids of the judged version that git's object database holds: the index's
        and a commit's (a working tree's ids are hashes git computed without storing them)."""
        return frozenset() if self.kind == "worktree" else frozenset(self._blobs.values())

    def target_text(self, path: str) -> bytes:
        """The bytes of `path` in the judged version."""
        if self.kind == "worktree":
            return _read_worktree(self.root, path)
        if path not in self._texts:
            first = not self._texts
            self._texts.update(self._read_targets([path, *self._text_paths()] if first else [path]))
        return self._texts[path]

    def _text_paths(self) -> list[str]:
        return [f.path for f in self.files if f.status in _TEXT_STATUSES]

    def _worktree_maps(self, paths: list[str]) -> dict[str, LineMap]:
        """One `git diff` from the target to the working tree for all `paths` whose working-tree
        bytes are not the target's blob (those map line for line, and need no git call)."""
        paths = list(dict.fromkeys(paths))
        same = {p for p in paths if self._worktree_is_blob(p)}
        paths = [p for p in paths if p not in same]
        maps = dict.fromkeys(same, LineMap.identity())
        if paths:
            maps.update(self._diffed_maps(paths))
        return maps

    def _worktree_is_blob(self, path: str) -> bool:
        """Whether the working-tree file hashes to the target's blob id (the common case of a
        fully staged file; filters such as autocrlf make the hashes differ, never wrongly agree)."""
        blob = self._blobs.get(path)
        if blob is None:
            return False
        try:
            raw = read_source(self.root / path)
        except OSError:
            return False
        return git.blob_id(raw, len(blob)) == blob

    def _diffed_maps(self, paths: list[str]) -> dict[str, LineMap]:
        revs = [self.rev] if self.kind == "commit" and self.rev else []
        listed = paths if len(paths) <= _MAX_PATHSPECS else []
        patch = git.diff_patch(self.root, *revs, renames=False, paths=listed)
        maps = {path: LineMap.identity() for path in paths}
        seen: set[str] = set()
        for section in parse_patch(patch):
            path = section.change.path
            if path in seen or section.change.status in ("binary", "submodule", "deleted"):
                maps[path] = LineMap([_ALL_LINES])
            else:
                maps[path] = LineMap(section.ranges)
            seen.add(path)
        return maps

    def _read_targets(self, paths: list[str]) -> dict[str, bytes]:
        """The target bytes of `paths` (the first is required) in one `git cat-file --batch`."""
        wanted = paths[0]
        paths = [p for p in dict.fromkeys(paths) if p in self._blobs or "\n" not in p]
        names = [self._blobs.get(path) or self._blob_name(path) for path in paths]
        blobs = git.read_blobs(self.root, names)
        texts = {path: blob for path, blob in zip(paths, blobs, strict=True) if blob is not None}
        if wanted not in texts and wanted in paths:
            raise GitError(f"{wanted} is not in the {self._target_name()}")
        if wanted not in texts:  # a path with a newline cannot go through --batch
            texts[wanted] = self._read_one(wanted)
        return texts

    def _blob_name(self, path: str) -> str:
        return f":0:{path}" if self.kind == "index" else f"{self.rev}:{path}"

    def _read_one(self, path: str) -> bytes:
        if self.kind == "index":
            return git.read_index_blob(self.root, path)
        return git.read_commit_blob(self.root, self.rev or "HEAD", path)

    def _target_name(self) -> str:
        return "index" if self.kind == "index" else f"commit {self.rev}"


def _read_worktree(root: Path, path: str) -> bytes:
    try:
        return read_regular(root / path, SOURCE_LIMIT)
    except OSError as error:
        raise GitError(f"cannot read {path} from the working tree: {error.strerror}") from None


def staged_changes(root: Path, head: str | None = None) -> ChangeSet:
    """What `git commit` would commit: the index against HEAD (or nothing, before any commit).

    `head`: HEAD's commit when the caller knows it and that `root` is the repository's top.
    """
    if head is None:
        root, head = git.top_and_head(root)
    base = head or git.empty_tree(root)
    # Against "HEAD", the commit `head` names: the very call the gate starts ahead (`start`).
    patch = git.diff_patch(root, "--cached", "HEAD" if head else base)
    _refuse_unmerged(git.unmerged_in_patch(patch))
    return _change_set(root, base, "index", None, patch)


def base_changes(root: Path, ref: str) -> ChangeSet:
    """Everything since the merge-base of `ref` and HEAD: commits, staged and unstaged edits.

    Untracked files are not included; the judged version is the working tree.
    """
    root = git.repo_root(root)
    _refuse_unmerged(git.unmerged_paths(root))
    base = git.merge_base(root, ref)
    patch = git.diff_patch(root, base)
    return _change_set(root, base, "worktree", None, patch)


def range_changes(root: Path, from_ref: str, to_ref: str) -> ChangeSet:
    """What a push of `to_ref` adds since its merge-base with `from_ref` (pre-push's refs).

    An all-zero `from_ref` (a ref the remote does not have yet) means: since the empty tree.
    """
    root = git.repo_root(root)
    target = git.resolve(root, to_ref)
    if git.is_null_oid(from_ref):
        base = git.empty_tree(root)
    else:
        base = git.merge_base(root, from_ref, target)
    patch = git.diff_patch(root, base, target)
    return _change_set(root, base, "commit", target, patch)


def _refuse_unmerged(unmerged: list[str]) -> None:
    """A merge in progress with conflicts has no staged version to judge."""
    if unmerged:
        more = f" (and {len(unmerged) - 1} more)" if len(unmerged) > 1 else ""
        raise UnmergedPaths(
            f"{unmerged[0]}{more} has unresolved merge conflicts: resolve the merge first"
            " (edit, then `git add` the files)"
        )


def _change_set(
    root: Path, base: str, kind: TargetKind, rev: str | None, patch: bytes
) -> ChangeSet:
    patches = parse_patch(patch)
    log.debug("%d changed file(s) in %s against %s", len(patches), kind, base)
    return ChangeSet(root, base, kind, rev, patches)
