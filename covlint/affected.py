"""Test selection: the tests whose recorded contexts ran the changed code, never fewer.

Rules, safest first (each is in the README):
- a file matching `always-run` (conftest.py, pytest/coverage/packaging settings, ...), a
  non-Python file, or a Python file that was never measured: run everything;
- a changed test file: all of its tests (plus what its measured lines select);
- a changed or deleted statement: the tests whose contexts ran it; one that no test ran (never
  run, or new code): the tests that ran any line of its function, else of its file;
- a `def` or `class` heading (decorators, signature): the tests of its body and of its file;
- other module-level code (imports, constants, class bodies) and code that ran at import set
  what every importer sees: every test when the module was imported outside any test (at
  collection), else the tests that ran any line of the file;
- a change to Python code other than tests: the tests that start a child process (its lines
  have no test context; affected_spawn finds them by reading the test files).
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from covlint import coverage_internals as internals
from covlint.affected_changes import FileChange
from covlint.affected_spawn import child_process_tests
from covlint.blocks import blocks, enclosing_function, heading_at
from covlint.coverage_set import CoverageSet
from covlint.errors import UsageError
from covlint.model import FileAnalysis, LineNo
from covlint.testids import ModuleIndex, context_node_ids, node_id_file

log = logging.getLogger(__name__)

ALWAYS_RUN = (
    "conftest.py",
    "pytest.ini",
    "tox.ini",
    "setup.cfg",
    "setup.py",
    "pyproject.toml",
    ".coveragerc",
    "requirements*.txt",
)
TEST_FILES = ("test_*.py", "*_test.py")
CHILD_PROCESS = "starts a Python child process (no test context sees it): runs for any code change"


@dataclass(frozen=True)
class AffectedSettings:
    """`[tool.covlint.affected]`: globs of repo-relative paths (without a `/`: in any folder)."""

    always_run: tuple[str, ...] = ALWAYS_RUN
    """A change to a matching file runs every test (added to the defaults)."""
    ignore: tuple[str, ...] = ()
    """A change to a matching file selects nothing (e.g. `docs/**`, `*.md`)."""
    always_select: tuple[str, ...] = ()
    """Node ids (or test files) run for any change: tests whose code runs where coverage does
    not record their context, e.g. in a child process that is not measured."""


def read_settings(table: dict[str, object]) -> AffectedSettings:
    """Validate `[tool.covlint.affected]`."""
    values: dict[str, tuple[str, ...]] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in ("always_run", "ignore", "always_select"):
            known = "always-run, ignore, always-select"
            raise UsageError(f"[tool.covlint.affected]: unknown key {key!r} (known: {known})")
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise UsageError(f"[tool.covlint.affected] {key} must be a list of globs")
        values[name] = tuple(value)
    always = (*ALWAYS_RUN, *values.get("always_run", ()))
    return AffectedSettings(
        always_run=always,
        ignore=values.get("ignore", ()),
        always_select=values.get("always_select", ()),
    )


def matches(path: str, globs: Iterable[str]) -> bool:
    name = path.rpartition("/")[2]
    return any(
        fnmatch.fnmatchcase(path, g) or ("/" not in g and fnmatch.fnmatchcase(name, g))
        for g in globs
    )


@dataclass
class Selection:
    """The tests to run, each with why; or everything, with why."""

    tests: dict[str, list[str]] = field(default_factory=dict)  # node id -> reasons
    everything: list[str] = field(default_factory=list)  # reasons to run every test
    changed_statements: int = 0
    baseline: str = ""
    recorded: frozenset[str] = frozenset()  # every test the data saw run a measured line

    @property
    def runs_everything(self) -> bool:
        return bool(self.everything)

    def add(self, node_ids: Iterable[str], why: str) -> None:
        for node_id in node_ids:
            reasons = self.tests.setdefault(node_id, [])
            if why not in reasons and len(reasons) < 5:
                reasons.append(why)

    def run_everything(self, why: str) -> None:
        log.info("running every test: %s", why)
        self.everything.append(why)


class Selector:
    """Applies the rules to changed files, against one data set."""

    def __init__(self, root: Path, data: CoverageSet, settings: AffectedSettings) -> None:
        self.root = root
        self.data = data
        self.settings = settings
        self.modules = ModuleIndex(root)
        self.selection = Selection()
        self._recorded: set[str] | None = None
        self.code_changed = False  # a Python file other than a test file

    def select(self, changes: Iterable[FileChange]) -> Selection:
        changed = False
        for change in changes:
            self.file(change)
            changed = changed or not matches(change.path, self.settings.ignore)
        if changed:
            self.selection.add(self.settings.always_select, "always-select")
        if self.code_changed and not self.selection.runs_everything:
            self.selection.add(self.child_process_tests(), CHILD_PROCESS)
        self.selection.tests = {
            n: why
            for n, why in self.selection.tests.items()
            if (self.root / node_id_file(n)).is_file()
        }
        return self.selection

    def recorded(self) -> set[str]:
        """The node ids of the data's test contexts."""
        if self._recorded is None:
            self._recorded = self.node_ids(self.data.measured_contexts())
        return self._recorded

    def test_files(self) -> set[str]:
        """Files holding the tests named by the data's contexts."""
        return {node_id_file(n) for n in self.recorded()}

    def child_process_tests(self) -> set[str]:
        """The recorded tests that start a child process (whatever it runs has no context)."""
        found = child_process_tests(self.root, self.test_files())
        return {n for n in self.recorded() if any(_within(n, t) for t in found)}

    def is_static(self, context: str) -> bool:
        return not context_node_ids(context, self.modules)

    def node_ids(self, contexts: Iterable[str]) -> set[str]:
        return {n for context in contexts for n in context_node_ids(context, self.modules)}

    def file(self, change: FileChange) -> None:
        path, settings = change.path, self.settings
        if matches(path, settings.ignore):
            return
        if matches(path, settings.always_run):
            self.selection.run_everything(f"{path} changed (always-run)")
        elif not path.endswith(".py"):
            self.selection.run_everything(f"{path} changed: not Python, may be read by any test")
        else:
            self.python_file(change)

    def python_file(self, change: FileChange) -> None:
        path = change.path
        is_test_file = path in self.test_files() or matches(path, TEST_FILES)
        if is_test_file and change.current is not None:
            self.selection.add([path], f"{path} changed: all its tests")
        self.code_changed = self.code_changed or not is_test_file
        if self.data.is_measured(path):
            FileRules(self, change).apply()
        elif change.kind == "added" or is_test_file:
            log.debug("%s: new or test file, not measured: selects nothing more", path)
        else:
            self.selection.run_everything(f"{path} changed but was never measured")


class FileRules:
    """The statement rules for one changed, measured Python file."""

    def __init__(self, selector: Selector, change: FileChange) -> None:
        self.selector = selector
        self.selection = selector.selection
        self.change = change
        self.contexts = selector.data.contexts_by_line(change.path, static=True)
        self._file_tests: set[str] | None = None

    def apply(self) -> None:
        change = self.change
        analysis = self.measured_analysis()
        if change.kind != "modified" or analysis is None:
            self.selection.changed_statements += 1
            self.whole_file(f"{change.path} {change.kind}")
            return
        if analysis.stale_reason:  # the baseline's text is not the one that ran
            self.selection.changed_statements += 1
            self.whole_file(f"{change.path}: {analysis.stale_reason} (edited before the run?)")
            return
        old_lines = (change.measured or "").splitlines()
        for hunk in change.hunks:
            self.hunk(analysis, old_lines, hunk)

    def measured_analysis(self) -> FileAnalysis | None:
        if self.change.measured is None:
            return None
        try:
            return self.selector.data.analyse(self.change.path, self.change.measured, branch=False)
        except internals.NotPython:
            return None

    def hunk(
        self, analysis: FileAnalysis, old_lines: list[str], hunk: tuple[int, int, int, int]
    ) -> None:
        old_start, old_len, new_start, new_len = hunk
        touched = range(old_start, old_start + old_len)
        statements = sorted({analysis.multiline.get(n, n) for n in touched} & analysis.statements)
        for statement in statements:
            self.statement(analysis, statement)
        prose = [n for n in touched if n not in analysis.multiline and n not in analysis.statements]
        if any(_is_code(old_lines, n) for n in prose):
            self.whole_file(f"{self.change.path} line {old_start}: not a statement (docstring?)")
        elif new_len and not statements:  # only new code: where it goes decides
            self.new_code(range(new_start, new_start + new_len))

    def statement(self, analysis: FileAnalysis, statement: LineNo) -> None:
        """Select for one changed (or replaced, or deleted) statement of the measured text."""
        self.selection.changed_statements += 1
        path, text = self.change.path, self.change.measured or ""
        lines = [statement, *(n for n, first in analysis.multiline.items() if first == statement)]
        contexts = {c for n in lines for c in self.contexts.get(n, ())}
        tests = self.selector.node_ids(contexts)
        function = enclosing_function(text, statement)
        where = f"{path} line {statement}"
        if function is None:
            self.module_level(text, statement, where)
            return
        self.selection.add(tests, f"{where} ran it")
        if any(self.selector.is_static(c) for c in contexts):
            self.import_time(f"{where}: ran outside any test (at import)")
        elif not tests:
            self.function_or_file(function.body_first, function.last, f"{where}: no test ran it")

    def module_level(self, text: str, statement: LineNo, where: str) -> None:
        """A `def`/`class` heading builds an object its users reach through its body or the
        file; any other module-level statement sets what every importer sees."""
        heading = heading_at(text, statement)
        if heading is None:
            self.import_time(f"{where}: module-level code")
            return
        self.function_or_file(
            heading.body_first, heading.last, f"{where}: `{heading.name}` heading"
        )
        self.whole_file(f"{where}: `{heading.name}` heading")

    def import_time(self, why: str) -> None:
        """Code that runs at import: every test if the module is imported outside any test."""
        if any(self.selector.is_static(c) for found in self.contexts.values() for c in found):
            self.selection.run_everything(f"{why}, and the module is imported outside any test")
        else:
            self.whole_file(why)

    def new_code(self, lines: Iterable[LineNo]) -> None:
        """New lines no test could have run: their function's tests, else the file's."""
        current = self.change.current or ""
        code = [n for n in lines if _is_code(current.splitlines(), n)]
        self.selection.changed_statements += len(code)
        old = {b.qualname: b for b in blocks(self.change.measured or "") if b.kind == "def"}
        for line in code:
            function = enclosing_function(current, line) or heading_at(current, line)
            known = old.get(function.qualname) if function else None
            where = f"{self.change.path} new line {line}"
            if function is None:
                self.import_time(f"{where}: module-level code")
            elif known is None:
                self.whole_file(f"{where}: a new function or class")
            else:
                self.function_or_file(known.body_first, known.last, f"{where}: in {known.qualname}")
                if line < function.body_first:  # a decorator or a parameter: runs at import
                    self.whole_file(f"{where}: `{known.name}` heading")

    def function_or_file(self, first: LineNo, last: LineNo, why: str) -> None:
        contexts = {c for n in range(first, last + 1) for c in self.contexts.get(n, ())}
        tests = self.selector.node_ids(contexts)
        if tests:
            self.selection.add(tests, why + ": the tests of its function")
        else:
            self.whole_file(why)

    def whole_file(self, why: str) -> None:
        if not self.contexts:
            log.debug("%s: no line of the file ever ran; no test can depend on it", why)
            return
        if self._file_tests is None:
            contexts = {c for found in self.contexts.values() for c in found}
            self._file_tests = self.selector.node_ids(contexts)
        if self._file_tests:
            self.selection.add(self._file_tests, why + ": the tests of its file")
        else:
            self.selection.run_everything(f"{why}, and no test ran any line of the file")


def _within(node_id: str, test: str) -> bool:
    """Whether `node_id` is `test` or one of its parametrisations or methods."""
    return node_id == test or node_id.startswith((test + "[", test + "::"))


def _is_code(lines: list[str], line: LineNo) -> bool:
    """Whether 1-based `line` holds more than blanks and a comment."""
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return bool(text) and not text.startswith("#")
