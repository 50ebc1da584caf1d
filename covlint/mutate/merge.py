"""Combining shard results into the run they are parts of, as `coverage combine` does for data."""

from __future__ import annotations

from covlint.errors import DataError
from covlint.mutate.model import MutationRun, Shard


def merge_runs(runs: list[MutationRun], names: list[str]) -> MutationRun:
    """One run from the results of its shards; DataError when they are not parts of one change."""
    if not runs:
        raise DataError("--merge needs at least one results file")
    first = runs[0]
    for run, name in zip(runs[1:], names[1:], strict=True):
        if (run.base, run.planned) != (first.base, first.planned) or _clash(run, first):
            raise DataError(
                f"{name} is from another change than {names[0]}"
                " (different base commit, mutants or file contents): merge shards of one run"
            )
    shards = [shard for run in runs for shard in run.shards] or [Shard(1, 1)]
    _check_complete(shards, names)
    by_id = {result.mutant.id: result for run in runs for result in run.results}
    results = sorted(by_id.values(), key=lambda r: r.mutant.order)
    if len(results) != first.planned:
        raise DataError(
            f"the shards hold {len(results)} mutants, but the change has {first.planned}"
        )
    digests = {path: d for run in runs for path, d in run.digests.items()}
    return MutationRun(first.root, first.base, first.planned, tuple(results), digests, ())


def _clash(run: MutationRun, other: MutationRun) -> bool:
    """Whether two runs name a file with different contents."""
    return any(other.digests.get(path, digest) != digest for path, digest in run.digests.items())


def _check_complete(shards: list[Shard], names: list[str]) -> None:
    counts = {shard.count for shard in shards}
    if len(counts) > 1:
        raise DataError(f"shards of different splits: {', '.join(map(str, shards))}")
    count = counts.pop()
    seen = [shard.index for shard in shards]
    duplicated = sorted({i for i in seen if seen.count(i) > 1})
    if duplicated:
        raise DataError(f"shard {duplicated[0]}/{count} is given twice")
    missing = sorted(set(range(1, count + 1)) - set(seen))
    if missing:
        raise DataError(f"shard {missing[0]}/{count} is missing: merge the results of every shard")
