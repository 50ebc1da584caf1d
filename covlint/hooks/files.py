"""The few files the gate keeps when asked (ratchet, history, reports): read safely, written whole.

Reads check the file type and size before opening, so a directory, a FIFO or a device is a
one-line error instead of a hang. Writes go to a temporary file in the same folder, are synced,
then renamed over the target: a reader sees the old text or the new, never a torn or empty file.
Read-modify-write cycles hold a lock kept in covlint's cache, never beside the user's files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from covlint.cachedir import cache_root
from covlint.errors import UsageError
from covlint.filenames import is_data_family, is_python_path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: renames stay atomic, cycles are not serialised
    fcntl = None  # type: ignore[assignment]


def is_source_name(path: Path) -> bool:
    """Python source or a stub: never a file covlint may write."""
    return is_python_path(path.name) or path.suffix == ".pyi"


def read_text(path: Path, what: str, limit: int) -> str | None:
    """The UTF-8 text of regular file `path` (None if it doesn't exist), or one-line UsageError."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{path}: the {what} is a folder: name a file")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{path}: the {what} is not a regular file")
    if info.st_size > limit:
        raise UsageError(
            f"{path}: the {what} has {info.st_size} bytes (at most {limit}): wrong file?"
        )
    try:
        return path.read_bytes()[:limit].decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: the {what} is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the {what}: {exc.strerror}") from None


def write_atomically(path: Path, text: str, what: str) -> None:
    """Replace `path` by `text` in one rename; the folder must exist (a report's is made)."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the {what}: {exc.strerror}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise UsageError(f"{path}: cannot write the {what}: {exc.strerror}") from None
    _sync_folder(path.parent)


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new one gets the usual 0644."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o644


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Serialise read-modify-write cycles on `path` between concurrent covlint runs."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    name = hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    folder = cache_root() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name[:24]}.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def refuse_user_file(path: Path, what: str, root: Path, data_file: Path, measured: bool) -> None:
    """A file covlint keeps may never be the data, a shard, a source file, or inside `.git`."""
    target = path.resolve()
    main = data_file.resolve()
    with contextlib.suppress(ValueError):
        if ".git" in target.relative_to(root.resolve()).parts:
            raise UsageError(f"{path}: the {what} may not be inside .git")
    if target.parent == main.parent and is_data_family(target.name, main.name):
        raise UsageError(f"{path}: the {what} may not be the coverage data file or a shard of it")
    if measured or is_source_name(target):
        raise UsageError(f"{path}: the {what} may not be a source file of the project")
