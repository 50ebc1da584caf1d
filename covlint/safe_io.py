"""Reading the user's files without hanging or exhausting memory: regular files only, bounded.

A data file, a shard, a configuration or a source file can be a FIFO (an open would wait for a
writer forever), a device such as `/dev/zero` (endless), a folder, or absurdly large. Every reader
of such a file goes through `read_regular`, which checks the type before opening, opens without
blocking, checks again what it opened, and never reads more than its limit.

The errors are `OSError`s with a `strerror`, so a caller's existing "cannot read" path words them.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MIB = 1 << 20
CONFIG_LIMIT = 8 * MIB  # pyproject.toml, .coveragerc, setup.cfg, tox.ini
SOURCE_LIMIT = 32 * MIB  # a Python source file
DATA_LIMIT = 4096 * MIB  # one coverage data file or shard (read in place, a query at a time)

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnsafeFile(OSError):
    """A file covlint will not read: not a regular file, or larger than the limit."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(errno.EINVAL, reason, str(path))


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words ("a FIFO (named pipe)")."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_regular(path: Path, limit: int) -> os.stat_result:
    """The file's status; UnsafeFile unless it is a regular file of at most `limit` bytes."""
    status = os.stat(path)
    _check_status(path, status, limit)
    return status


def _check_status(path: Path, status: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise UnsafeFile(path, f"{kind_of(status.st_mode)}, not a regular file")
    if status.st_size > limit:
        raise UnsafeFile(path, f"too large ({_mib(status.st_size)}; the limit is {_mib(limit)})")


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file `path`; never blocks, never reads more than `limit` bytes."""
    fd = open_regular(path, limit)
    try:
        chunks, size = [], 0
        while chunk := os.read(fd, min(MIB, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise UnsafeFile(path, f"too large (more than {_mib(limit)})")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_head(path: Path, size: int) -> bytes:
    """The first `size` bytes of the regular file `path` (any length), without blocking."""
    fd = open_regular(path, 1 << 62)
    try:
        return os.read(fd, size)
    finally:
        os.close(fd)


def open_regular(path: Path, limit: int) -> int:
    """A read-only descriptor of the regular file `path` (at most `limit` bytes), opened without
    blocking; the caller closes it."""
    check_regular(path, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    try:
        _check_status(path, os.fstat(fd), limit)  # it may have been swapped since the check
    except OSError:
        os.close(fd)
        raise
    return fd


def read_source(path: Path) -> bytes:
    """A source file's bytes (`read_regular` with the source limit)."""
    return read_regular(path, SOURCE_LIMIT)


def read_text(path: Path, limit: int = CONFIG_LIMIT, encoding: str = "utf-8") -> str:
    """`read_regular` decoded; UnicodeDecodeError when the bytes are not `encoding`."""
    return read_regular(path, limit).decode(encoding)


def _mib(size: int) -> str:
    return f"{size / MIB:.1f} MiB" if size >= MIB else f"{size} bytes"
