"""Real LSP sessions with the covlint server over stdio, and fixture projects measured for real.

Expected diagnostics are derived from `coverage json` (lines, arcs) and the engine (the wording
of missed arcs), never written down by hand.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import itertools
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from covlint.coverage_set import CoverageSet
from tests.covproject import CovProject

SERVER = [sys.executable, "-m", "covlint.server", "-v", "--debounce", "0.05"]
TIMEOUT = 20.0

APP = '''\
"""A module with covered, uncovered and partly covered code."""


def classify(n):
    if n < 0:
        return "negative"
    if n == 0:
        return "zero"
    return "positive"


def total(items):
    result = 0
    for item in items:
        if item is None:
            continue
        result += item
    return result


def unused(a, b):
    first = a + b
    # a comment between two uncovered statements
    second = (first *
              2)
    return second


class Shape:
    def area(self):
        return 0

    def name(self):
        return "shape"
'''

TESTS = """\
from pkg import app


def test_classify():
    assert app.classify(5) == "positive"
    assert app.classify(0) == "zero"


def test_total():
    assert app.total([1, 2]) == 3


def test_area():
    assert app.Shape().area() == 0
"""

MORE_TESTS = """\
import pathlib
import time

from pkg import app


def test_wait_for_go():
    # Holds the run (while .coverage is deleted) until the outer test creates `go`.
    deadline = time.monotonic() + 60
    while not pathlib.Path("go").exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_unused():
    assert app.unused(1, 2) == 6


def test_negative():
    assert app.classify(-1) == "negative"
"""

COVERAGERC = """\
[run]
branch = true
source = pkg
relative_files = true
"""

Mark = tuple[str, int, int, int, int, str]  # code, start line/char, end line/char, message


def make_project(
    root: Path, app: str = APP, tests: str = TESTS, pytest_args: Sequence[str] = ()
) -> CovProject:
    """A package `pkg/app.py`, its tests, and `.coverage` from really running them."""
    project = CovProject(root)
    project.write(".coveragerc", COVERAGERC)
    project.write("pkg/__init__.py", "")
    project.write("pkg/app.py", app, dedent=False)
    project.write("tests/test_app.py", tests)
    run_pytest(project, *pytest_args)
    return project


def run_pytest(project: CovProject, *args: str) -> subprocess.Popen[str]:
    """Run the project's tests under pytest-cov (the real delete/recreate cycle); wait for it."""
    process = start_pytest(project, *args)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out
    return process


def start_pytest(project: CovProject, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE_", "COVERAGE_"))}
    env.pop("PYTEST_ADDOPTS", None)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only pytest-cov: a fast, quiet inner run
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "pytest_cov"]
    command += ["--cov=pkg", "--cov-branch", "--cov-report=", "--rootdir", str(project.root)]
    return subprocess.Popen(
        [*command, *args, "tests"],
        cwd=project.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def expected_marks(project: CovProject, rel: str) -> list[Mark]:
    """The diagnostics covlint must publish for `rel`, from `coverage json` and the engine."""
    report: Any = project.json_report()["files"][rel]
    text = (project.root / rel).read_text(encoding="utf-8")
    wording = _arc_wording(project, rel, text)
    arcs = [(start, end, wording[(start, end)]) for start, end in report["missing_branches"]]
    return marks_from(text, statements_of(report), set(report["missing_lines"]), arcs)


def statements_of(report: Any) -> list[int]:
    """Every statement line of a `coverage json` file entry (run, missing or excluded)."""
    lines = report["executed_lines"] + report["missing_lines"] + report["excluded_lines"]
    return sorted(set(lines))


def marks_from(
    text: str, statements: list[int], missing: set[int], arcs: list[tuple[int, int, str]]
) -> list[Mark]:
    """Marks for the `missing` statements and the missed `arcs` (start, end, wording)."""
    lines = text.split("\n")
    ends = statement_ends(text)
    marks: list[Mark] = []
    for run in _pieces(_runs(statements, missing), ends):
        first, last = run[0], ends.get(run[-1], run[-1])
        where = f"line {first}" if first == last else f"lines {first}\u2013{last}"
        marks.append(_mark("uncovered", lines, first, last, f"{where} not run by any test"))
    by_start: dict[int, list[str]] = {}
    for start, _, message in arcs:
        if start not in missing:
            by_start.setdefault(start, []).append(message)
    for start, messages in by_start.items():
        marks.append(_mark("missed-branch", lines, start, start, "; ".join(messages)))
    return sorted(marks, key=lambda m: (m[1], m[2]))


def _runs(statements: list[int], missing: set[int]) -> list[list[int]]:
    runs: list[list[int]] = [[]]
    for line in statements:
        if line in missing:
            runs[-1].append(line)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _pieces(runs: list[list[int]], ends: dict[int, int]) -> list[list[int]]:
    """Runs split wherever a line between two statements is not part of either (no range
    spans a blank or comment line)."""
    pieces: list[list[int]] = []
    for run in runs:
        pieces.append([run[0]])
        for previous, line in itertools.pairwise(run):
            if line == ends.get(previous, previous) + 1:
                pieces[-1].append(line)
            else:
                pieces.append([line])
    return pieces


def _mark(code: str, lines: list[str], first: int, last: int, message: str) -> Mark:
    head, tail = lines[first - 1], lines[last - 1].rstrip()
    return (code, first - 1, len(head) - len(head.lstrip()), last - 1, len(tail), message)


def statement_ends(text: str) -> dict[int, int]:
    """Last line of each simple statement spanning several lines (compound headers: one line)."""
    return {
        node.lineno: node.end_lineno
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.stmt) and not hasattr(node, "body") and node.end_lineno
    }


def _arc_wording(project: CovProject, rel: str, text: str) -> dict[tuple[int, int], str]:
    analysis = CoverageSet.load(project.root).analyse(rel, text)
    return {(arc.start, arc.end): arc.message for arc in analysis.missed_arcs}


def as_marks(diagnostics: Sequence[types.Diagnostic]) -> list[Mark]:
    """Diagnostics in the shape `expected_marks` returns."""
    return [
        (
            str(d.code),
            d.range.start.line,
            d.range.start.character,
            d.range.end.line,
            d.range.end.character,
            d.message,
        )
        for d in diagnostics
    ]


@dataclass
class Session:
    """A running server and the test client driving it."""

    client: LanguageClient
    published: list[types.PublishDiagnosticsParams] = field(default_factory=list)
    registrations: list[types.Registration] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    versions: dict[str, int] = field(default_factory=dict)

    def on_publish(self, params: types.PublishDiagnosticsParams) -> None:
        self.published.append(params)
        self.changed.set()

    def history(self, uri: str) -> list[list[types.Diagnostic]]:
        return [list(p.diagnostics) for p in self.published if p.uri == uri]

    def current(self, uri: str) -> list[types.Diagnostic]:
        history = self.history(uri)
        return history[-1] if history else []

    async def wait_for(
        self,
        uri: str,
        accept: Callable[[list[types.Diagnostic]], bool] = lambda _: True,
        after: int = 0,
        timeout: float = TIMEOUT,
    ) -> list[types.Diagnostic]:
        """The first diagnostics published for `uri` (from the `after`-th on) that `accept`s."""
        deadline = time.monotonic() + timeout
        while True:
            for diagnostics in self.history(uri)[after:]:
                if accept(diagnostics):
                    return diagnostics
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no accepted diagnostics for {uri}: {self.history(uri)}")
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                continue

    async def wait_for_message(self, timeout: float = TIMEOUT) -> types.ShowMessageParams:
        """The first `window/showMessage` of the session."""
        await self._wait_until(
            lambda: bool(self.client.messages), types.WINDOW_SHOW_MESSAGE, timeout
        )
        return self.client.messages[0]

    async def wait_for_log(self, text: str, count: int = 1, timeout: float = TIMEOUT) -> None:
        """Wait until the server logged (`window/logMessage`) `count` lines containing `text`."""

        def logged() -> bool:
            return sum(text in m.message for m in self.client.log_messages) >= count

        await self._wait_until(logged, types.WINDOW_LOG_MESSAGE, timeout)

    async def _wait_until(self, done: Callable[[], bool], method: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {method}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.client.wait_for_notification(method), remaining)

    def open(self, path: Path, text: str | None = None) -> str:
        uri = path.as_uri()
        body = path.read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=body)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return uri

    def edit(self, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        self.versions[uri] += 1
        change = types.TextDocumentContentChangePartial(
            range=types.Range(
                start=types.Position(line=start[0], character=start[1]),
                end=types.Position(line=end[0], character=end[1]),
            ),
            text=text,
        )
        document = types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri])
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(text_document=document, content_changes=[change])
        )

    def save(self, uri: str) -> None:
        document = types.TextDocumentIdentifier(uri=uri)
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=document))

    def files_changed(self, *paths: Path) -> None:
        changes = [
            types.FileEvent(uri=p.as_uri(), type=types.FileChangeType.Changed) for p in paths
        ]
        self.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(changes=changes)
        )


def server_env() -> dict[str, str]:
    """The server's environment: no data file or config forced on it by the outer test run
    (its own measurement through COVERAGE_PROCESS_CONFIG stays)."""
    return {k: v for k, v in os.environ.items() if k not in ("COVERAGE_FILE", "COVERAGE_RCFILE")}


@asynccontextmanager
async def session(
    folders: Sequence[Path],
    client: str | types.ClientCapabilities = "neovim",
    init_options: Any = None,
    configuration: dict[str, Any] | None = None,
    args: Sequence[str] = ("--poll-interval", "0.05"),
) -> AsyncIterator[Session]:
    """Start `covlint serve`, initialize it as `client` would, yield, then shut it down."""
    lsp = LanguageClient(converter_factory=default_converter)
    state = Session(lsp)
    features = dict(DEFAULT_CLIENT_FEATURES)

    def publish(ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        state.on_publish(params)

    def register(ls: LanguageClient, params: types.RegistrationParams) -> None:
        state.registrations.extend(params.registrations)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register
    register_lsp_features(lsp, features)
    for scope, value in (configuration or {}).items():
        lsp.set_configuration(value, section="covlint", scope_uri=scope or None)
    await lsp.start_io(*SERVER, *args, env=server_env())
    try:
        await lsp.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities(client) if isinstance(client, str) else client,
                workspace_folders=[
                    types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders
                ],
                root_uri=folders[0].as_uri() if folders else None,
                initialization_options=init_options,
            )
        )
        yield state
    finally:
        await lsp.shutdown_session()
        await lsp.stop()


def shifted(marks: list[Mark], by: int) -> list[Mark]:
    """`marks` after `by` lines were inserted above all of them (messages renumbered)."""
    return [
        (code, sl + by, sc, el + by, ec, re.sub(r"\b\d+\b", lambda m: str(int(m[0]) + by), msg))
        for code, sl, sc, el, ec, msg in marks
    ]


@asynccontextmanager
async def file_events(lsp: Session, folder: Path, prefix: str = ".coverage") -> AsyncIterator[None]:
    """Act as an editor's file watcher: report changes to `folder/prefix*` as they happen."""

    def snapshot() -> dict[str, tuple[int, int]]:
        found = {}
        for entry in os.scandir(folder):
            if entry.name.startswith(prefix):
                with contextlib.suppress(OSError):
                    stat = entry.stat()
                    found[entry.name] = (stat.st_mtime_ns, stat.st_size)
        return found

    async def pump() -> None:
        before = snapshot()
        while True:
            await asyncio.sleep(0.01)
            now = snapshot()
            changed = [
                folder / name
                for name in set(before) | set(now)
                if before.get(name) != now.get(name)
            ]
            if changed:
                lsp.files_changed(*changed)
            before = now

    task = asyncio.ensure_future(pump())
    try:
        yield
    finally:
        task.cancel()
