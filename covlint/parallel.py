"""Spread independent per-file work over the CPU cores with fork, falling back to one process.

Analysing a file is coverage.py's parser at work: pure Python, ~25 ms for 300 lines, so a
20-file diff is CPU-bound. Forked children inherit everything already loaded (imports, data),
so they start in about a millisecond; each sends its results back pickled through a pipe.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS_PER_PROCESS = 4  # below this, forking costs more than it saves


def worker_count(items: int) -> int:
    """How many processes `items` pieces of work are worth, at most one per core."""
    if not hasattr(os, "fork"):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, items // MIN_ITEMS_PER_PROCESS))


def chunks(items: Sequence[T], count: int) -> list[list[T]]:
    """`items` dealt round-robin into `count` lists (file sizes vary; dealing evens them out)."""
    return [list(items[start::count]) for start in range(count)]


def balanced(weights: Sequence[float], count: int) -> list[list[int]]:
    """Indexes of `weights` in `count` shares of about equal total weight: the heaviest first,
    each to the lightest share so far (one 4,000-line file must not share a worker with more)."""
    shares: list[list[int]] = [[] for _ in range(count)]
    totals = [0.0] * count
    for index in sorted(range(len(weights)), key=lambda i: -weights[i]):
        lightest = totals.index(min(totals))
        shares[lightest].append(index)
        totals[lightest] += weights[index]
    return shares


def fork_map(
    work: Callable[[list[T]], list[R]],
    items: Sequence[T],
    *,
    in_child: Callable[[], None] = lambda: None,
    weight: Callable[[T], float] = lambda item: 1.0,
) -> list[R]:
    """`work` applied to `items` in several processes; results in the order of `items`.

    `in_child` runs first in each forked child (e.g. to open its own database connections);
    `weight` estimates an item's cost, to balance the shares. A child that fails has its share
    redone here, so the result never depends on forking.
    """
    indexes = balanced([weight(item) for item in items], worker_count(len(items)))
    shares = [[items[i] for i in share] for share in indexes]
    children = [_fork(work, share, in_child) for share in shares[1:]]
    results = [work(shares[0])]
    for (pid, reader), share in zip(children, shares[1:], strict=True):
        results.append(_collect(pid, reader) or work(share))
    ordered: dict[int, R] = {}
    for share_indexes, share_results in zip(indexes, results, strict=True):
        ordered.update(zip(share_indexes, share_results, strict=True))
    return [ordered[i] for i in range(len(items))]


def _fork(
    work: Callable[[list[T]], list[R]], share: list[T], in_child: Callable[[], None]
) -> tuple[int, int]:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's lines run in another process
        os.close(reader)
        code = 1
        try:
            in_child()
            import pickle

            payload = pickle.dumps(work(share))
            with os.fdopen(writer, "wb") as out:
                out.write(payload)
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    return pid, reader


def _collect(pid: int, reader: int) -> list[R] | None:
    """A child's results, or None when it failed."""
    with os.fdopen(reader, "rb") as source:
        payload = source.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not payload:
        log.debug("worker %d failed (status %d): redoing its share", pid, status)
        return None
    import pickle  # only when forking: a run whose analyses are kept does not

    result: list[R] = pickle.loads(payload)
    return result
