"""A gate run repeated with nothing changed prints the report it printed, without judging again.

A staged run that reached a verdict keeps its output and exit code under
`cache_root()/verdicts`, named by a key of what it read that is neither a file nor git: its
arguments, folder, environment and terminal, and the Python running it. With them go git's two
answers (the work tree's top with HEAD, and the staged patch, which names every staged blob) and
the files it read, each with its status (modification and change times, size, inode, device):
the coverage data and its folder, the configuration files coverage and covlint look for, the
changed files, the measured texts' snapshot, and covlint's and coverage's own code. A later run
with the same key whose files all have the same status, and whose git says the same, gives the
same report and exit code: it started git's two calls and read one entry, nothing more. The
files are looked at first: when one changed, as for most new commits, the run goes on to judge
without waiting for git, whose calls then overlap with the imports as before.

The status of a file changed during the run, or just before it, can stay the same through a
second change (a file system's clock has ticks): a run that read such a file keeps nothing
(`MARGIN_NS`), as git treats racily clean index entries. Only verdicts are kept (exit 0 or 1),
of runs that wrote no file (no ratchet, history, report file or job summary) and that
pre-commit set nothing aside for. One entry per key, the newest `MAX_ENTRIES` keys; safe to
delete.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence

from covlint import git_calls
from covlint.cachedir import cache_root_name

TYPE_CHECKING = False  # not typing's: this path imports neither typing nor pathlib
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, TextIO

try:  # the builtin BLAKE2: hashlib's import loads OpenSSL, a cost this path is here to avoid
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python without it
    from hashlib import blake2b

FORMAT = "covlint-verdict-1"
MAX_ENTRIES = 64
MAX_OUTPUT_CHARS = 4_000_000  # a bigger report is judged again rather than kept
MARGIN_NS = 250_000_000  # a nanosecond-stamped file changed this recently may change unseen
COARSE_MARGIN_NS = 2_500_000_000  # for whole-second stamps (FAT, HFS+, some network mounts)
# Variables that differ between two runs of the same command, read by nothing covlint runs: a
# shell's, and the time `git commit` gives its hooks (the commit's date, not the repository's).
VOLATILE_VARIABLES = frozenset({"_", "OLDPWD", "SHLVL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"})

Status = tuple[int, int, int, int, int] | None  # see `status`


class _Run:
    """The run under way: its key, when it started, what it printed, what it read."""

    def __init__(self, key: str, started_ns: int) -> None:
        self.key = key
        self.started_ns = started_ns
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.read: tuple[str, ...] | None = None  # set by the gate when its verdict may be kept
        self.appended: tuple[str, ...] = ()


_current: list[_Run] = []
GIT_CALLS = (git_calls.TOP_AND_HEAD, git_calls.STAGED_PATCH)


def run_key(
    argv: Sequence[str], folder: str, environ: Mapping[str, str], terminals: tuple[bool, bool]
) -> str:
    """The key of a run: equal for two runs that read the same from all but files and git."""
    variables = sorted((k, v) for k, v in environ.items() if k not in VOLATILE_VARIABLES)
    fixed = (FORMAT, sys.executable, sys.version, list(argv), folder, variables, terminals)
    return blake2b(repr(fixed).encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def answers_key(answers: Iterable[subprocess.CompletedProcess[bytes]]) -> str:
    """What git said: the work tree's top and HEAD, and the staged patch."""
    digest = blake2b(digest_size=20)
    for answer in answers:
        digest.update(b"%d %d\0" % (answer.returncode, len(answer.stdout)))
        digest.update(answer.stdout)
    return digest.hexdigest()


def status(path: str) -> Status:
    """What a change to `path` changes: its times, size, inode and device (None: not there)."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return (found.st_mtime_ns, found.st_ctime_ns, found.st_size, found.st_ino, found.st_dev)


def attempt(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> int | None:
    """Replay the kept verdict of this run, if there is one: its exit code, its report printed.
    None: judge (`recording` keeps what that run prints). Needs git's calls started ahead."""
    _current.clear()
    try:
        return _attempt(argv, environ)
    except Exception:  # whatever goes wrong here, judging the change is right
        _current.clear()
        return None


def _attempt(argv: Sequence[str], environ: Mapping[str, str]) -> int | None:
    """The files are looked at before git is waited for: when one changed (the usual case of
    a new commit), the run goes on to import the rest of covlint while git still works."""
    if not all(map(git_calls.started_ahead, GIT_CALLS)):
        return None  # another range: never kept
    terminals = (_isatty(sys.stdout), _isatty(sys.stderr))
    key = run_key(argv, os.getcwd(), environ, terminals)
    _current.append(_Run(key, time.time_ns()))
    entry = _kept_entry(key)
    if entry is None or _set_aside_by_pre_commit(environ):
        return None
    answers = [git_calls.result_ahead(args) for args in GIT_CALLS]
    if entry["git"] != answers_key(a for a in answers if a is not None):
        return None
    _current.clear()
    sys.stdout.write(entry["stdout"])
    sys.stderr.write(entry["stderr"])
    return int(entry["code"])


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _kept_entry(key: str) -> dict[str, Any] | None:
    """The entry kept under `key`, if every file it read is as it was."""
    try:
        with open(os.path.join(entries_folder(), key), "rb") as file:
            entry = marshal.loads(file.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    try:
        if entry["format"] != FORMAT or entry["key"] != key or not isinstance(entry["git"], str):
            return None
        if any(status(path) != kept for path, kept in entry["read"]):
            return None
        if not isinstance(entry["stdout"], str) or not isinstance(entry["stderr"], str):
            return None
        int(entry["code"])
    except (KeyError, TypeError, ValueError):
        return None
    return dict(entry)


def _set_aside_by_pre_commit(environ: Mapping[str, str]) -> bool:
    """Whether the pre-commit running this hook set unstaged changes aside (a patch file named
    with its process id): the gate then judges those files differently."""
    if environ.get("PRE_COMMIT") != "1":
        return False
    home = environ.get("PRE_COMMIT_HOME") or os.path.join(
        environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pre-commit"
    )
    suffix = f"-{os.getppid()}"
    try:
        names = os.listdir(home)
    except OSError:
        return False
    return any(name.startswith("patch") and name.endswith(suffix) for name in names)


def entries_folder() -> str:
    return os.path.join(cache_root_name(), "verdicts")


class _Tee:
    """A text stream that also records what is written to it."""

    def __init__(self, stream: TextIO, into: list[str]) -> None:
        self._stream = stream
        self._into = into

    def write(self, text: str) -> int:
        self._into.append(text)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def recording() -> Iterator[None]:
    """Record what the run under way prints (nothing to do when no key was made)."""
    if not _current:
        yield
        return
    run = _current[0]
    saved = sys.stdout, sys.stderr
    sys.stdout = _Tee(saved[0], run.stdout)
    sys.stderr = _Tee(saved[1], run.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def may_keep(read: Iterable[Path | str], appended: Iterable[Path | str] = ()) -> None:
    """Called by the gate once it has a verdict it may keep: the files it read (`appended`:
    files it appended to itself, whose later appends cannot change its answers)."""
    if _current:
        _current[0].read = tuple(dict.fromkeys(map(str, read)))
        _current[0].appended = tuple(map(str, appended))


def finish(code: int) -> bool:
    """Keep the verdict of the run under way, if the gate said it may; whether it was kept."""
    run = _current.pop() if _current else None
    if run is None or run.read is None or code not in (0, 1):
        return False
    read = [(path, status(path)) for path in (*run.read, *run.appended)]
    racy = [path for path, kept in read if path not in run.appended and _racy(kept, run)]
    stdout, stderr = "".join(run.stdout), "".join(run.stderr)
    answers = [git_calls.result_ahead(args, if_taken=True) for args in GIT_CALLS]
    if racy or None in answers or len(stdout) + len(stderr) > MAX_OUTPUT_CHARS:
        return False  # racy, or the run asked git again instead of taking what was started
    entry = {"format": FORMAT, "key": run.key, "code": code, "stdout": stdout, "stderr": stderr}
    entry["git"] = answers_key(a for a in answers if a is not None)
    entry["read"] = tuple(read)
    return _write(run.key, marshal.dumps(entry))


def _racy(kept: Status, run: _Run) -> bool:
    if kept is None:
        return False
    changed = max(kept[0], kept[1])
    coarse = kept[0] % 1_000_000_000 == 0 and kept[1] % 1_000_000_000 == 0
    return changed >= run.started_ns - (COARSE_MARGIN_NS if coarse else MARGIN_NS)


def _write(key: str, raw: bytes) -> bool:
    folder = entries_folder()
    temporary = os.path.join(folder, f".{key}.{os.getpid()}")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(temporary, "wb") as file:
            file.write(raw)
        os.replace(temporary, os.path.join(folder, key))
        _prune(folder)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False
    return True


def _prune(folder: str) -> None:
    entries = [e for e in os.scandir(folder) if e.is_file() and not e.name.startswith(".")]
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns)
    for old in entries[:-MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            os.unlink(old.path)
