"""The finding codes covlint reports: one home for the editor's diagnostics and the gate's."""

from __future__ import annotations

SOURCE = "covlint"  # the `source` of every diagnostic, the tool name in SARIF

UNCOVERED = "uncovered"  # statements no test ran
MISSED_BRANCH = "missed-branch"  # a branch line with an arc no test took
STALE = "stale"  # data that cannot belong to the text at hand
SURVIVED_MUTANT = "survived-mutant"  # a mutant of a changed line that no test noticed
NOT_COVERED_MUTANT = "not-covered-mutant"  # a mutant of a changed line that no test runs

CODES: dict[str, str] = {
    UNCOVERED: "Statements that no test ran",
    MISSED_BRANCH: "A branch that no test took",
    STALE: "Coverage data that does not belong to this version of the file",
    SURVIVED_MUTANT: "A mutant of a changed line that no test noticed",
    NOT_COVERED_MUTANT: "A mutant of a changed line that no test runs",
}
