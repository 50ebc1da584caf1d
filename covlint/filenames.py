"""The naming rules covlint relies on: which files are Python, which are coverage data.

One home for them, so the gate, the watcher and the data reader agree. Coverage names parallel
data files `<main>.<host>.<pid>.<random>` (`coverage run -p`, pytest-xdist), and SQLite may leave
`<name>-journal`, `-wal` or `-shm` beside any database.
"""

from __future__ import annotations

PYTHON_SUFFIXES = (".py", ".pyw")
SQLITE_SIDE_SUFFIXES = ("-journal", "-wal", "-shm")


def is_python_path(path: str) -> bool:
    """Whether a file name says it holds Python source."""
    return path.endswith(PYTHON_SUFFIXES)


def is_side_file(name: str) -> bool:
    """Whether `name` is an SQLite journal or shared-memory file (a writer is at work)."""
    return name.endswith(SQLITE_SIDE_SUFFIXES)


def is_shard_name(name: str, main_name: str) -> bool:
    """Whether `name` may be a parallel data file of the data file called `main_name`.

    Only a name: neighbours such as `.coverage.json` pass too, and the reader checks that the
    file really is coverage's SQLite data.
    """
    return name.startswith(main_name + ".") and not is_side_file(name)


def is_data_family(name: str, main_name: str) -> bool:
    """Whether `name` is the main data file, one of its shards, or a journal beside either."""
    return name == main_name or name.startswith((main_name + ".", main_name + "-"))


def data_family_glob(main_name: str) -> str:
    """A file-watching glob that matches every name `is_data_family` accepts (and a few more)."""
    return main_name + "*"
