"""Coverage's settings for a project, kept between runs under a key of everything they depend on.

Reading them means importing coverage (~50 ms, a third of a warm gate run) and parsing its
configuration files. They are a pure function of the files coverage would read, the arguments,
the environment coverage consults (`COVERAGE_*`, the home folder for `~`, and every variable when
a file uses `$` substitution) and the installed coverage, so they are kept in the parse cache's
folder under a hash of all of those: a key that never matches two different answers.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from covlint.coverage_identity import coverage_identity
from covlint.parse_cache import ParseCache
from covlint.safe_io import CONFIG_LIMIT, read_regular

FORMAT = 1  # bumped when the stored form changes
SETTINGS_PREFIX = "s-"  # its entries' names, beside the parses' and the analyses'
HOME_VARIABLES = ("HOME", "USERPROFILE")  # what `~` expands to


def settings_key(
    files: Sequence[Path], arguments: Sequence[str | None], environ: Mapping[str, str] = os.environ
) -> str | None:
    """The key of the settings read from `files` (each absent or a regular file) with
    `arguments`; None when a file cannot be read plainly (the full read reports why)."""
    digest = hashlib.sha256(f"settings {FORMAT} {coverage_identity()}".encode())
    substitutes = False
    for part in arguments:
        _add(digest, "-" if part is None else f"+{part}")
    for path in files:
        try:
            content = _content(path)
        except OSError:  # odd (a FIFO, huge, denied): the full read reports it
            return None
        _add(digest, str(path))
        _add(digest, "absent" if content is None else "present")
        digest.update(content or b"")
        substitutes = substitutes or b"$" in (content or b"")
    consulted = sorted(
        (name, value)
        for name, value in environ.items()
        if substitutes or name.startswith("COVERAGE_") or name in HOME_VARIABLES
    )
    for name, value in consulted:
        _add(digest, f"{name}={value}")
    return SETTINGS_PREFIX + digest.hexdigest()


def _add(digest: Any, part: str) -> None:
    encoded = part.encode("utf-8", "surrogatepass")
    digest.update(len(encoded).to_bytes(8, "little") + encoded)


def _content(path: Path) -> bytes | None:
    """The file's bytes, None when absent; OSError when it is anything else than a regular file."""
    try:
        return read_regular(path, CONFIG_LIMIT)
    except FileNotFoundError:
        return None


def kept_settings(key: str, store: ParseCache | None = None) -> dict[str, Any] | None:
    """The settings stored under `key`, or None."""
    return (store or ParseCache()).load(key)


def keep_settings(key: str, settings: dict[str, Any], store: ParseCache | None = None) -> None:
    """Store `settings` under `key`; a cache that cannot be written is no error."""
    (store or ParseCache()).save(key, settings)
