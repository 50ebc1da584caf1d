"""The whole project's coverage total, over every measured file in this checkout."""

from __future__ import annotations

from dataclasses import dataclass

from covlint.analysis import decode_source
from covlint.coverage_internals import NotPython
from covlint.coverage_set import CoverageSet


@dataclass(frozen=True)
class ProjectTotal:
    """Statements and branches of all measured files, as `coverage report` totals them."""

    statements: int
    missing: int
    branches: int
    missed_branches: int

    @property
    def percent(self) -> float:
        total = self.statements + self.branches
        if not total:
            return 100.0
        covered = self.statements - self.missing + self.branches - self.missed_branches
        return 100.0 * covered / total


def project_total(data: CoverageSet) -> ProjectTotal:
    """Analyse every measured file's current text; vanished or unparsable files are left out."""
    statements = missing = branches = missed = 0
    for path in data.measured_paths:
        try:
            analysis = data.analyse(path, decode_source((data.root / path).read_bytes()))
        except (OSError, NotPython):
            continue
        statements += len(analysis.statements)
        missing += len(analysis.missing)
        branches += analysis.num_branches
        missed += analysis.num_missed_branches
    return ProjectTotal(statements, missing, branches, missed)
