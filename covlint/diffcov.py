"""Diff coverage: how well the changed statements and their branches are covered.

Coverage measured the working tree; the diff names lines of the judged version (the index, a
commit, or the working tree itself). Each changed line is translated to the working tree; a line
whose judged content differs from what ran has no data and makes the file stale, never a guess.
Line numbers in results are the working tree's: what the editor shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from covlint.analysis import AnalysisNotKept, branch_line_messages, decode_source, parse_store
from covlint.changes import ChangeSet
from covlint.coverage_set import CoverageSet
from covlint.diff import ChangedFile
from covlint.diffcov_remap import Carried, judge_carried
from covlint.errors import NotPython
from covlint.filenames import is_python_path
from covlint.measured import MeasuredTexts
from covlint.measured_store import blob_id
from covlint.model import DiffCoverage, FileAnalysis, FileDiffCoverage, LineNo, SkippedChange
from covlint.parallel import fork_map
from covlint.safe_io import read_source
from covlint.source_filter import SourceFilter, unmeasured_root_reason
from covlint.wording import change_ranges

log = logging.getLogger(__name__)

JUDGED_STATUSES = ("added", "modified", "renamed")


def diff_coverage(
    data: CoverageSet,
    changes: ChangeSet,
    *,
    branch: bool,
    parallel: bool = False,
    set_aside: Mapping[str, str] | None = None,
) -> DiffCoverage:
    """The diff coverage of a change, as the gate judges it and the editor's diff scope shows it.

    Changed files outside coverage's configured source are skipped. `set_aside` names files
    whose unstaged changes a hook framework put away before running us, with why that matters.
    """
    source = SourceFilter(data.root, data.settings)
    return measure_diff(
        data, changes, branch=branch, source=source, parallel=parallel, set_aside=set_aside
    )


def measure_diff(
    data: CoverageSet,
    changes: ChangeSet,
    *,
    branch: bool,
    source: SourceFilter | None = None,
    parallel: bool = False,
    set_aside: Mapping[str, str] | None = None,
) -> DiffCoverage:
    """Diff coverage of every changed Python file; everything else is listed as skipped.

    `parallel` forks workers: only for a single-threaded process such as the gate (forking the
    language server, with its threads, could deadlock the children).
    """
    to_judge: list[ChangedFile] = []
    skipped: list[SkippedChange] = []
    roots = MeasuredRoots(data)
    for change in changes.files:
        why = _skip_reason(change, data, source, roots)
        if why:
            skipped.append(SkippedChange(change.path, why))
        else:
            to_judge.append(change)
    measured = MeasuredTexts(data)
    if to_judge:
        changes.to_worktree(to_judge[0].path)  # one batched git call for all, before forking
        # First sight of these files, before forking; git is not asked about staged texts.
        measured.record((c.path for c in to_judge), in_git=changes.stored_blobs())
    stashed = dict(set_aside or {})

    def judge(share: list[ChangedFile]) -> list[FileDiffCoverage]:
        return [
            measure_file(data, changes, c, branch=branch, stashed=stashed, measured=measured)
            for c in share
        ]

    if not parallel:
        return DiffCoverage(tuple(judge(to_judge)), tuple(skipped))
    # On an empty cache (a first run, a fresh CI machine) nothing is kept: straight to the forks.
    kept = parse_store().held_before_run()
    judged = _judged_from_kept(data, to_judge, judge) if kept else {}
    rest = [c for c in to_judge if c.path not in judged]
    if rest:
        from covlint import coverage_internals  # noqa: F401 - loaded once, shared by the forks

        done = fork_map(
            judge, rest, in_child=data.reopen, weight=lambda c: _file_size(data.root / c.path)
        )
        judged.update((c.path, result) for c, result in zip(rest, done, strict=True))
    return DiffCoverage(tuple(judged[c.path] for c in to_judge), tuple(skipped))


def _judged_from_kept(
    data: CoverageSet,
    to_judge: list[ChangedFile],
    judge: Callable[[list[ChangedFile]], list[FileDiffCoverage]],
) -> dict[str, FileDiffCoverage]:
    """The files whose analyses are all kept, judged here: forking is only worth it (and
    coverage only needed) for the others."""
    judged: dict[str, FileDiffCoverage] = {}
    with data.kept_analyses_only():
        for change in to_judge:
            try:
                judged[change.path] = judge([change])[0]
            except AnalysisNotKept:
                continue
    return judged


def _file_size(path: Path) -> float:
    try:
        return float(path.stat().st_size)
    except OSError:
        return 0.0


class MeasuredRoots:
    """Whether anything under a folder was measured (maps every recorded name: asked only for a
    changed file that was never measured, so a normal run never pays it)."""

    def __init__(self, data: CoverageSet) -> None:
        self.data = data
        self.answers: dict[str, bool] = {}

    def any_under(self, root: str) -> bool:
        if root not in self.answers:
            prefix = root + "/"
            self.answers[root] = any(
                p == root or p.startswith(prefix) for p in self.data.measured_paths
            )
        return self.answers[root]


def _skip_reason(
    change: ChangedFile, data: CoverageSet, source: SourceFilter | None, roots: MeasuredRoots
) -> str | None:
    if change.status not in JUDGED_STATUSES:
        return change.status
    if not is_python_path(change.path):
        return "not Python"
    if not change.added_lines:
        return "no added lines"
    if source is None or data.is_measured(change.path):
        return None
    return _outside_source(change.path, source, roots)


def _outside_source(path: str, source: SourceFilter, roots: MeasuredRoots) -> str | None:
    """Why a never measured file is not judged: coverage's settings leave it out, or the run
    measured nothing under its source root at all."""
    if not source.wants(path):
        return "outside the measured source ([run] source/include/omit)"
    root = source.root_of(path)
    if root is not None and not roots.any_under(root):
        return unmeasured_root_reason(root)
    return None


def measure_file(
    data: CoverageSet,
    changes: ChangeSet,
    change: ChangedFile,
    *,
    branch: bool,
    stashed: Mapping[str, str] | None = None,
    measured: MeasuredTexts | None = None,
) -> FileDiffCoverage:
    """Diff coverage of one changed file, judged by the data of the text that ran."""
    measured = measured or MeasuredTexts(data)
    ran = _measured_text(data, measured, change.path, stashed or {})
    if isinstance(ran, str):
        return _stale(change.path, ran)
    raw, text = ran
    analysis = _analysis(data, change.path, text, branch=branch)
    if isinstance(analysis, str):
        return _stale(change.path, analysis)
    if _worktree_is(data, change.path, raw):
        lines, lost = _worktree_lines(changes, change)
        if lost and _any_statement(data, changes, change.path, lost):
            return _stale(change.path, _lost_reason(change.path, lost))
        return _judge(data, analysis, lines, branch=branch)
    return _judge_changed_since_run(data, changes, change, analysis, text, branch=branch)


def _measured_text(
    data: CoverageSet, measured: MeasuredTexts, path: str, stashed: Mapping[str, str]
) -> tuple[bytes, str] | str:
    """The bytes and text that ran, or why they cannot be known."""
    if not data.is_measured(path):  # no data: the current text is as good as any
        try:
            raw = read_source(data.root / path)
        except OSError as exc:
            return f"cannot read {path} from the working tree: {exc.strerror}"
        return raw, decode_source(raw)
    raw_or_none = measured.text(path)
    if raw_or_none is None:
        return stashed.get(path) or f"coverage data is older than {path}: re-run tests"
    return raw_or_none, decode_source(raw_or_none)


def _analysis(data: CoverageSet, path: str, text: str, *, branch: bool) -> FileAnalysis | str:
    try:
        analysis = data.analyse(path, text, branch=branch)
    except NotPython as exc:
        return f"{path} does not parse, so it cannot have run: {exc}"
    if analysis.stale_reason:
        return f"{path}: {analysis.stale_reason}: re-run tests"
    return analysis


def _worktree_is(data: CoverageSet, path: str, raw: bytes) -> bool:
    """Whether the working-tree file still is the text that ran."""
    try:
        return blob_id(read_source(data.root / path)) == blob_id(raw)
    except OSError:
        return False


def _judge_changed_since_run(
    data: CoverageSet,
    changes: ChangeSet,
    change: ChangedFile,
    analysis: FileAnalysis,
    text: str,
    *,
    branch: bool,
) -> FileDiffCoverage:
    """The judged text differs from what ran: carry the data over its unchanged lines."""
    judged_text = decode_source(changes.target_text(change.path))
    try:
        judged = data.analyse(change.path, judged_text, branch=False)
    except NotPython as exc:
        return _stale(change.path, f"{change.path} does not parse: {exc}")
    carried = Carried(text, judged_text)
    return judge_carried(analysis, judged, carried, set(change.added_lines), branch=branch)


def _worktree_lines(changes: ChangeSet, change: ChangedFile) -> tuple[set[LineNo], list[LineNo]]:
    """Changed lines in working-tree numbering, and judged lines that differ from what ran."""
    linemap = changes.to_worktree(change.path)
    lines: set[LineNo] = set()
    lost: list[LineNo] = []
    for line in sorted(change.added_lines):
        mapped = linemap.map(line)
        if mapped is None:
            lost.append(line)
        else:
            lines.add(mapped)
    return lines, lost


def _any_statement(data: CoverageSet, changes: ChangeSet, path: str, lost: list[LineNo]) -> bool:
    """Whether any lost line is code in the judged version (comments and blanks don't matter)."""
    try:
        judged = data.analyse(path, decode_source(changes.target_text(path)))
    except NotPython:
        return True
    return any(judged.multiline.get(line, line) in judged.statements for line in lost)


def _lost_reason(path: str, lost: list[LineNo]) -> str:
    shown = ", ".join(map(str, lost[:5])) + (" …" if len(lost) > 5 else "")
    return (
        f"{path}: staged line(s) {shown} differ from the working tree that was tested:"
        " stage the whole file or re-run tests on the staged version"
    )


def _judge(
    data: CoverageSet, analysis: FileAnalysis, lines: Iterable[LineNo], *, branch: bool
) -> FileDiffCoverage:
    statements = sorted(
        {analysis.multiline.get(line, line) for line in lines} & analysis.statements
    )
    if not data.is_measured(analysis.path):
        return FileDiffCoverage(
            analysis.path,
            "not-measured",
            changed_statements=tuple(statements),
            uncovered_lines=tuple(statements),
            uncovered_ranges=_ranges(analysis, statements, set(statements)),
            reason=f"{analysis.path} changed but was never measured: does a test import it?",
        )
    chosen = set(statements)
    arcs = tuple(a for a in analysis.missed_arcs if a.start in chosen) if branch else ()
    notes = branch_line_messages(analysis) if branch else {}
    branches = sum(analysis.exit_counts.get(s, 0) for s in statements) if branch else 0
    return FileDiffCoverage(
        analysis.path,
        "ok" if statements else "no-statements",
        changed_statements=tuple(statements),
        uncovered_lines=tuple(s for s in statements if s in analysis.missing),
        uncovered_ranges=_ranges(analysis, statements, analysis.missing),
        branches=branches,
        missed_arcs=arcs,
        branch_messages=tuple((line, notes[line]) for line in statements if line in notes),
    )


def _ranges(
    analysis: FileAnalysis, changed: list[LineNo], missing: frozenset[LineNo] | set[LineNo]
) -> tuple[tuple[LineNo, LineNo], ...]:
    """The editor's diff-scope ranges: any statement other than a changed missing one splits."""
    everything = analysis.statements | analysis.excluded
    return change_ranges(everything, missing, set(changed), analysis.multiline)


def _stale(path: str, reason: str) -> FileDiffCoverage:
    log.debug("stale: %s", reason)
    return FileDiffCoverage(path, "stale", reason=reason)
