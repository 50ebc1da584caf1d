"""A ready-to-paste coverage `[paths]` block for data recorded in another place (CI, Docker, tox).

Each recorded path that maps nowhere is matched with the longest tail of it that is a file here;
the folder above that tail is where it was recorded, and the tail's first folder names the entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath


def _parts(recorded: str) -> tuple[str, ...]:
    windows = "\\" in recorded or (len(recorded) > 1 and recorded[1] == ":")
    return (PureWindowsPath if windows else PurePosixPath)(recorded).parts


def local_tail(root: Path, recorded: str) -> tuple[str, str] | None:
    """(where it was recorded, the local path) for the longest tail of `recorded` found here."""
    parts = _parts(recorded)
    for start in range(1, len(parts)):
        tail = parts[start:]
        if len(tail) > 1 and (root / Path(*tail)).is_file():
            separator = "\\" if "\\" in recorded else "/"
            prefix = separator.join(parts[:start]).replace("//", "/").replace("\\\\", "\\")
            return prefix, "/".join(tail)
    return None


def paths_block(root: Path, unmapped: Iterable[str]) -> str:
    """`[paths]` lines mapping each recorded folder onto the local one; "" when none is found."""
    entries: dict[str, list[str]] = {}
    for recorded in unmapped:
        found = local_tail(root, recorded)
        if found is None:
            continue
        prefix, local = found
        top = local.split("/")[0]
        separator = "\\" if "\\" in recorded else "/"
        sources = entries.setdefault(top, [f"{top}/"])
        remote = f"{prefix}{separator}{top}{separator}"
        if remote not in sources:
            sources.append(remote)
    lines = ["[paths]"]
    for name, sources in sorted(entries.items()):
        lines += [f"{name} ="] + [f"    {source}" for source in sources]
    return "\n".join(lines) if entries else ""
