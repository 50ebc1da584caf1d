"""Map the file paths recorded in coverage data onto files of this checkout.

Follows coverage's `[paths]` rules: the first entry of each alias list is where the files live
here; the other entries are glob prefixes (`*` within one directory, `**` across directories)
matched case-insensitively. A mapped path is used only if the file exists here, as coverage does.
Relative recorded paths (`relative_files = true`) are relative to the project root.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath


@dataclass(frozen=True)
class Alias:
    """One `[paths]` rule: a recorded-path prefix and the local prefix that replaces it."""

    prefix: re.Pattern[str]
    result: str


# Glob tokens and the regex each becomes, in coverage's order (`coverage.files.globs_to_regex`).
_GLOB_TOKENS = [
    (re.compile(r"^\*+/"), r"(?:.*[/\\])?"),  # a leading "*/": any directories, or none
    (re.compile(r"\*\*/"), r"(?:.*[/\\])?"),  # "**/": any directories, or none
    (re.compile(r"\*\*+"), r".*"),
    (re.compile(r"/"), r"[/\\]"),  # either slash
    (re.compile(r"\*"), r"[^/\\]*"),  # within one directory
    (re.compile(r"\?"), r"[^/\\]"),
    (re.compile(r"\[[^\]]+\]"), None),  # a character class, kept as it is
    (re.compile(r"[a-zA-Z0-9_-]+"), None),
]


def glob_prefix_regex(pattern: str) -> re.Pattern[str]:
    """A regex matching `pattern` as a leading run of whole path components."""
    pattern = pattern.replace("\\", "/").rstrip("/") + "/"
    parts, pos = [], 0
    while pos < len(pattern):
        for token, regex in _GLOB_TOKENS:
            found = token.match(pattern, pos)
            if found:
                parts.append(regex if regex is not None else found[0])
                pos = found.end()
                break
        else:
            parts.append(re.escape(pattern[pos]))
            pos += 1
    return re.compile("".join(parts), re.IGNORECASE)


class PathMapper:
    """Turns recorded paths into repo-relative POSIX paths, or None when they map nowhere."""

    def __init__(
        self,
        root: Path,
        paths: dict[str, list[str]],
        exists: Callable[[Path], bool] = Path.exists,
    ) -> None:
        self.root = root.resolve()
        self._root_prefix = self.root.as_posix().rstrip("/") + "/"
        self._exists = exists
        self._aliases = [alias for entries in paths.values() for alias in self._rules(entries)]

    def _rules(self, entries: list[str]) -> list[Alias]:
        if not entries:
            return []
        result = entries[0]
        return [Alias(self._anchor(pattern), result) for pattern in entries[1:]]

    def _anchor(self, pattern: str) -> re.Pattern[str]:
        if pattern.startswith("*") or _is_absolute(pattern):
            return glob_prefix_regex(pattern)
        return glob_prefix_regex(str(self.root / pattern))

    @property
    def has_aliases(self) -> bool:
        return bool(self._aliases)

    def recorded_names(self, local: str) -> list[str]:
        """The names coverage records for the repo-relative `local` without `[paths]` rules:
        relative (`relative_files`, either slash), or absolute under this root."""
        return [local, local.replace("/", "\\"), "./" + local, self._root_prefix + local]

    def map(self, recorded: str) -> str | None:
        """The repo-relative path of a recorded file, or None if it is not in this checkout."""
        for alias in self._aliases:
            match = alias.prefix.match(recorded)
            if match:
                local = self._relative(_join(alias.result, recorded[match.end() :]))
                if local is not None and self._exists(self.root / local):
                    return local
        return self._relative(recorded)

    def _relative(self, path: str) -> str | None:
        plain = _plain_relative(path.removeprefix(self._root_prefix))
        if plain is not None:  # the common case, thousands of times per load: no pathlib
            return plain
        if PureWindowsPath(path).drive:
            return None
        posix = path.replace("\\", "/")
        candidate = PurePosixPath(posix)
        if not candidate.is_absolute():
            return _normal(candidate)
        try:
            return _normal(candidate.relative_to(self.root))
        except ValueError:
            return None


def _plain_relative(path: str) -> str | None:
    """`path` itself when it is already a clean relative POSIX path, else None."""
    if not path or path[0] == "/" or "\\" in path or ":" in path or "//" in path:
        return None
    parts = path.split("/")
    return None if "." in parts or ".." in parts else path


def _normal(path: PurePosixPath) -> str | None:
    parts = [p for p in path.parts if p not in ("", ".")]
    if ".." in parts or not parts:
        return None
    return "/".join(parts)


def _join(prefix: str, rest: str) -> str:
    return prefix.rstrip("/\\") + "/" + rest


def _is_absolute(pattern: str) -> bool:
    return PurePosixPath(pattern).is_absolute() or PureWindowsPath(pattern).is_absolute()
