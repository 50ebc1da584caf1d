"""Parsing git's patches: which files changed, how, and which lines were added.

Paths come from git's extended header lines, parsed here (C-quoted paths decoded), because a
`diff --git a/x b/y` line is ambiguous when paths hold spaces; the hunks by `hunks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from covlint.errors import GitError
from covlint.hunks import MalformedHunk, parse_hunks
from covlint.linemap import HunkRange
from covlint.model import LineNo

ChangeStatus = Literal[
    "added", "modified", "renamed", "deleted", "binary", "mode-only", "submodule"
]

_SUBMODULE_MODE = "160000"
_SYMLINK_MODE = "120000"
_HEADER_FIELDS = (
    "old mode ",
    "new mode ",
    "deleted file mode ",
    "new file mode ",
    "index ",
    "rename from ",
    "rename to ",
    "copy from ",
    "copy to ",
    "--- ",
    "+++ ",
    "Binary files ",
    "GIT binary patch",
)
# Where each side's path is found: (rename line, copy line, file line, prefix on the file line).
_OLD_SIDE = ("rename from", "copy from", "---", "a/")
_NEW_SIDE = ("rename to", "copy to", "+++", "b/")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


@dataclass(frozen=True)
class ChangedFile:
    """One file of a diff, seen from its new version."""

    path: str  # repo-relative, forward slashes; the old path for a deleted file
    old_path: str | None  # the path before a rename (or copy); None when the path is unchanged
    status: ChangeStatus
    added_lines: frozenset[LineNo]  # 1-based lines of the new version that the diff added


@dataclass(frozen=True)
class FilePatch:
    """One file's section of a git patch: the change, how lines moved, the new blob's id."""

    change: ChangedFile
    ranges: tuple[HunkRange, ...]  # the changes as (old_start, old_len, new_start, new_len)
    # The new version's blob id from the `index` line; None when deleted or not shown. For the
    # working tree side git hashes the file without storing it: read the file instead.
    new_blob: str | None


def parse_diff(patch: bytes) -> list[ChangedFile]:
    """The changed files of a `git diff` patch, in the patch's order."""
    return [section.change for section in parse_patch(patch)]


def parse_patch(patch: bytes) -> list[FilePatch]:
    """Every file section of a `git diff` patch (made with --src-prefix=a/ --dst-prefix=b/)."""
    text = patch.decode("utf-8", "surrogateescape")
    return [_parse_section(header, body) for header, body in _sections(text)]


def _sections(text: str) -> list[tuple[list[str], list[str]]]:
    """Split a patch into (extended header lines, hunk lines) per `diff --git` section."""
    sections: list[tuple[list[str], list[str]]] = []
    for line in _lines(text):
        if line.startswith("diff --git "):
            sections.append(([line], []))
        elif sections and (sections[-1][1] or line.startswith("@@ ")):
            sections[-1][1].append(line)
        elif sections:
            sections[-1][0].append(line)
    return sections


def _lines(text: str) -> list[str]:
    """Lines ending in "\\n" (only "\\n": a "\\r" or "\\f" inside a line is content)."""
    lines = [line + "\n" for line in text.split("\n")]
    if lines[-1] == "\n":
        lines.pop()
    else:
        lines[-1] = lines[-1][:-1]
    return lines


def _parse_section(header: list[str], body: list[str]) -> FilePatch:
    fields = _header_fields(header[1:])
    old_path, new_path = _paths(header[0].rstrip("\n")[len("diff --git ") :], fields)
    path = new_path or old_path or ""
    status = _status(fields, old_path, new_path, has_hunks=bool(body))
    ranges, added = _hunks(path, body) if status not in ("submodule", "binary") else ([], set())
    if _SYMLINK_MODE in (fields.get("new file mode"), _new_mode(fields)):
        added = set()  # a link's target is no code
    renamed = old_path if old_path != new_path and new_path is not None else None
    change = ChangedFile(path, renamed, status, frozenset(added))
    return FilePatch(change, tuple(ranges), _new_blob(fields))


def _header_fields(lines: list[str]) -> dict[str, str]:
    """The extended header lines by name ("rename from", "+++", …) with their values."""
    fields: dict[str, str] = {}
    for raw in lines:
        line = raw.rstrip("\n")
        for name in _HEADER_FIELDS:
            if line.startswith(name):
                fields[name.strip()] = line[len(name) :]
                break
    return fields


def _paths(git_line: str, fields: dict[str, str]) -> tuple[str | None, str | None]:
    """(old path, new path); None for the side that does not exist."""
    header_old, header_new = _header_paths(git_line)
    old = _side(fields, _OLD_SIDE, header_old)
    new = _side(fields, _NEW_SIDE, header_new)
    if "new file mode" in fields:
        old = None
    if "deleted file mode" in fields:
        new = None
    return old, new


def _side(fields: dict[str, str], side: tuple[str, str, str, str], fallback: str) -> str | None:
    """One side's path: from rename/copy lines, else the ---/+++ line, else `diff --git`."""
    rename, copy, marker, prefix = side
    for name in (rename, copy):
        if name in fields:
            return unquote_path(fields[name])
    if marker not in fields:
        return fallback
    value = fields[marker]
    if value == "/dev/null" or value.startswith("/dev/null\t"):
        return None
    # git ends the name with a tab when it holds a space, quoted or not
    path = unquote_path(_take_quoted(value)[0]) if value.startswith('"') else value.split("\t")[0]
    return path.removeprefix(prefix)


def _header_paths(rest: str) -> tuple[str, str]:
    """Both paths of `a/<old> b/<new>`; only trusted when they are equal (no rename)."""
    if rest.startswith('"'):
        first, after = _take_quoted(rest)
        second = after[1:]
        second = unquote_path(second) if second.startswith('"') else second
        return unquote_path(first)[2:], second[2:]
    half = (len(rest) - 1) // 2
    if rest[half : half + 3] == " b/" and rest[2:half] == rest[half + 3 :]:
        return rest[2:half], rest[2:half]
    cut = rest.find(' "b/') if rest.endswith('"') else rest.find(" b/")
    second = rest[cut + 1 :]
    second = unquote_path(second) if second.startswith('"') else second
    return rest[2:cut], second[2:]


def _take_quoted(text: str) -> tuple[str, str]:
    """Split a leading C-quoted token ("...") from the rest of `text`."""
    index = 1
    while index < len(text) and text[index] != '"':
        index += 2 if text[index] == "\\" else 1
    return text[: index + 1], text[index + 1 :]


def unquote_path(token: str) -> str:
    """Decode a path git C-quoted (`"a\\tb\\303\\274.py"`); other tokens are returned as is."""
    if len(token) < 2 or not (token.startswith('"') and token.endswith('"')):
        return token
    body, out, index = token[1:-1], bytearray(), 0
    while index < len(body):
        char = body[index]
        if char != "\\" or index + 1 == len(body):
            out += char.encode("utf-8", "surrogateescape")
            index += 1
        elif body[index + 1] in "01234567":
            out.append(int(body[index + 1 : index + 4], 8) & 0xFF)
            index += 4
        else:
            out.append(_ESCAPES.get(body[index + 1], ord(body[index + 1])))
            index += 2
    return out.decode("utf-8", "surrogateescape")


def _status(
    fields: dict[str, str], old: str | None, new: str | None, *, has_hunks: bool
) -> ChangeStatus:
    modes = {fields.get("new file mode"), fields.get("deleted file mode"), _new_mode(fields)}
    modes.add(fields.get("old mode"))
    checks: tuple[tuple[bool, ChangeStatus], ...] = (
        (_SUBMODULE_MODE in modes, "submodule"),
        (new is None, "deleted"),
        ("Binary files" in fields or "GIT binary patch" in fields, "binary"),
        (old is None, "added"),
        (old != new, "renamed"),
        ("old mode" in fields and not has_hunks, "mode-only"),
    )
    return next((status for hit, status in checks if hit), "modified")


def _new_mode(fields: dict[str, str]) -> str | None:
    """The mode of the new version, from `new mode` or the `index` line's trailing mode."""
    if "new mode" in fields:
        return fields["new mode"]
    parts = fields.get("index", "").split(" ")
    return parts[1] if len(parts) == 2 else None


def _new_blob(fields: dict[str, str]) -> str | None:
    ids = fields.get("index", "").split(" ")[0].split("..")
    if len(ids) != 2 or not ids[1].strip("0"):
        return None
    return ids[1]


def _hunks(path: str, body: list[str]) -> tuple[list[HunkRange], set[LineNo]]:
    """The changes and added lines of one file section."""
    try:
        return parse_hunks(body)
    except MalformedHunk as error:
        raise GitError(f"cannot parse git's diff of {path}: {error}") from None
