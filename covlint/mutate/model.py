"""The results of mutation testing: mutants, their outcomes and the score of the change."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from covlint.model import LineNo
from covlint.mutate.operators import Mutation

Outcome = Literal["killed", "timeout", "survived", "not-covered", "error"]
OUTCOMES: tuple[Outcome, ...] = ("killed", "timeout", "survived", "not-covered", "error")
KILLED: frozenset[Outcome] = frozenset({"killed", "timeout"})


@dataclass(frozen=True)
class Mutant:
    """A mutation of a changed statement and the tests that ran its line."""

    path: str  # repo-relative, forward slashes
    mutation: Mutation
    tests: tuple[str, ...]  # pytest node ids; () when no test ran the line
    end_line: LineNo  # the statement's last line
    wider_tests: tuple[str, ...] = ()  # when `tests` is a narrower guess: confirm survivors here

    @property
    def id(self) -> str:
        """Stable across runs and machines for the same change: used to merge shards."""
        line, column = self.mutation.start
        return f"{self.path}:{line}:{column}:{self.mutation.operator}:{self.mutation.replacement}"

    @property
    def line(self) -> LineNo:
        return self.mutation.line

    @property
    def order(self) -> tuple[str, tuple[int, int], tuple[int, int], str, str]:
        """The canonical order of mutants: by file, then place in it."""
        m = self.mutation
        return self.path, m.start, m.end, m.operator, m.replacement


@dataclass(frozen=True)
class MutantResult:
    """What running a mutant's tests did."""

    mutant: Mutant
    outcome: Outcome
    seconds: float = 0.0
    killed_by: str | None = None  # the first failing test
    detail: str = ""  # for errors: what went wrong

    @property
    def survived(self) -> bool:
        return self.outcome == "survived"


@dataclass(frozen=True)
class Shard:
    """Part `index` (1-based) of `count` equal parts of a change's mutants."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class MutationRun:
    """The mutants of one change (or of one shard of it) and their outcomes."""

    root: str
    base: str  # the commit the change is measured from
    planned: int  # mutants of the whole change (all shards)
    results: tuple[MutantResult, ...]
    digests: dict[str, str] = field(default_factory=dict)  # path -> sha256 of the text mutated
    shards: tuple[Shard, ...] = ()  # the shards these results cover; () for a whole run

    def counts(self) -> Counter[Outcome]:
        return Counter(result.outcome for result in self.results)

    @property
    def scored(self) -> int:
        """The mutants the score counts: all but errors."""
        return len(self.results) - self.counts()["error"]

    @property
    def score(self) -> float | None:
        """Killed (timeouts included) / (all - errors), in percent; None with nothing to score."""
        counts = self.counts()
        if not self.scored:
            return None
        return 100.0 * (counts["killed"] + counts["timeout"]) / self.scored

    def survivors(self) -> list[MutantResult]:
        return [result for result in self.results if result.survived]
