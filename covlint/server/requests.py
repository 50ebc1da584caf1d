"""Requests and commands beyond diagnostics: summary, hover, code actions, code lenses.

Commands (`workspace/executeCommand`):

- ``covlint.refresh``: read the data (and the diff) again;
- ``covlint.toggle``: hide/show all diagnostics; returns ``{"enable": bool}``;
- ``covlint.setScope`` ``"all" | "diff"``: returns ``{"scope": ...}``;
- ``covlint.coveringTests`` ``uri, line`` (0-based): the pytest node ids of the tests that ran the
  line (on a ``def`` line: any line of the function), for an editor to copy or run; both context
  formats (pytest-cov's and coverage's ``test_function``) give runnable node ids.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types

from covlint import codes
from covlint.server.actions import NO_BRANCH, NO_COVER, exclusion_target, exclusion_title
from covlint.server.contexts import covering_tests, hover_markdown
from covlint.server.diagnostics import (
    buffer_index,
    lsp_line_range,
    measured_line,
    renumberer,
)
from covlint.server.documents import Document
from covlint.server.files import METHOD as FILES
from covlint.server.lens import function_figures, lens_title
from covlint.server.marks import METHOD as MARKS
from covlint.server.server import CovlintServer
from covlint.server.summary import METHOD as SUMMARY
from covlint.server.workspace import Measured, Project

log = logging.getLogger(__name__)

COVERING_TESTS = "covlint.coveringTests"


def register_requests(server: CovlintServer) -> None:
    """Wire summary, hover, code actions, code lenses and the commands to `server`."""
    register_commands(server)

    @server.feature(SUMMARY)
    async def summary(ls: CovlintServer, params: Any) -> dict[str, Any]:
        return await ls.summaries.summarize(str(getattr(params, "uri", "")))

    @server.feature(MARKS)
    async def marks(ls: CovlintServer, params: Any) -> dict[str, Any]:
        return await ls.marks.request(str(getattr(params, "uri", "")))

    @server.feature(FILES)
    async def files(ls: CovlintServer, params: Any) -> dict[str, Any]:
        return await ls.files.table(str(getattr(params, "uri", "")))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: CovlintServer, params: types.HoverParams) -> types.Hover | None:
        found = measured(ls, params.text_document.uri)
        return hover_at(ls, *found, params.position.line) if found else None

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: CovlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        found = measured(ls, params.text_document.uri)
        return actions_for(ls, *found, params) if found else []

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def code_lens(ls: CovlintServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        found = measured(ls, params.text_document.uri)
        return lenses_for(ls, *found) if found else []


def register_commands(server: CovlintServer) -> None:
    @server.command("covlint.refresh")
    def refresh(ls: CovlintServer, *args: Any) -> None:
        ls.refresh()

    @server.command("covlint.toggle")
    def toggle(ls: CovlintServer, *args: Any) -> dict[str, bool]:
        return {"enable": ls.toggle()}

    @server.command("covlint.setScope")
    def set_scope(ls: CovlintServer, scope: str) -> dict[str, str]:
        ls.set_scope(scope)
        return {"scope": scope}

    @server.command(COVERING_TESTS)
    def tests(ls: CovlintServer, uri: str, line: int) -> list[str]:
        found = measured(ls, uri)
        if not found:
            return []
        document, project, state = found
        at = measured_line(document.origins, line)
        rel = project.relative(document.path)
        if at is None or rel is None:
            return []
        text = "\n".join(state.lines)
        return covering_tests(state.analysis, text, project.contexts(rel), at, project.root)


def measured(ls: CovlintServer, uri: str) -> tuple[Document, Project, Measured] | None:
    """The open document, its project and its analysis, when all are at hand."""
    document = ls.documents.get(uri)
    if document is None:
        return None
    project = ls.project_for(document.path)
    state = project.quick_state(document.path)
    if not isinstance(state, Measured):
        return None
    document.measure_against(state.lines, state.identity)
    return document, project, state


def hover_at(
    ls: CovlintServer, document: Document, project: Project, state: Measured, index: int
) -> types.Hover | None:
    line = measured_line(document.origins, index)
    rel = project.relative(document.path)
    if line is None or rel is None or project.data is None:
        return None
    contexts = project.contexts(rel) if project.has_contexts() else None
    shown = frozenset(
        str(d.code)
        for d in document.published or ()
        if d.source == codes.SOURCE and d.range.start.line <= index <= d.range.end.line
    )
    renumber = renumberer(document.origins)
    text = hover_markdown(state.analysis, contexts, line, renumber, root=project.root, shown=shown)
    if text is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=lsp_line_range(document.lines, index, ls.encoding),
    )


def actions_for(
    ls: CovlintServer,
    document: Document,
    project: Project,
    state: Measured,
    params: types.CodeActionParams,
) -> list[types.CodeAction]:
    actions = []
    for diagnostic in params.context.diagnostics:
        if diagnostic.source == codes.SOURCE and diagnostic.code in (
            codes.UNCOVERED,
            codes.MISSED_BRANCH,
        ):
            action = _pragma_action(ls, document, state, diagnostic)
            if action is not None:
                actions.append(action)
    tests = _tests_action(ls, document, project, state, params.range.start.line)
    return [*actions, tests] if tests else actions


def _pragma_action(
    ls: CovlintServer, document: Document, state: Measured, diagnostic: types.Diagnostic
) -> types.CodeAction | None:
    line = measured_line(document.origins, diagnostic.range.start.line)
    if line is None:
        return None
    statement = state.analysis.multiline.get(line, line)
    if diagnostic.code == codes.MISSED_BRANCH:
        target, pragma, title = statement, NO_BRANCH, f"Ignore this partial branch ({NO_BRANCH})"
    else:
        target, block = exclusion_target(state.analysis, "\n".join(state.lines), statement)
        pragma, title = NO_COVER, ""
    index = buffer_index(document.origins, target)
    if index is None or pragma in document.lines[index]:
        return None
    title = title or exclusion_title(block, index + 1)
    end = len(document.lines[index].rstrip())
    edit = types.TextEdit(
        range=lsp_line_range(document.lines, index, ls.encoding, start=end), new_text="  " + pragma
    )
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=types.WorkspaceEdit(changes={document.uri: [edit]}),
    )


def _tests_action(
    ls: CovlintServer, document: Document, project: Project, state: Measured, index: int
) -> types.CodeAction | None:
    line = measured_line(document.origins, index)
    rel = project.relative(document.path)
    if line is None or rel is None or not project.has_contexts():
        return None
    text = "\n".join(state.lines)
    tests = covering_tests(state.analysis, text, project.contexts(rel), line, project.root)
    if not tests:
        return None
    title = f"Copy covering tests ({len(tests)})"
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.Empty,
        command=types.Command(title=title, command=COVERING_TESTS, arguments=[document.uri, index]),
    )


def lenses_for(
    ls: CovlintServer, document: Document, project: Project, state: Measured
) -> list[types.CodeLens]:
    if not ls.settings_for(project).codeLens:
        return []
    lenses = []
    for function, figures in function_figures(state.analysis, "\n".join(state.lines)):
        index = buffer_index(document.origins, function.first)
        if index is not None:
            command = types.Command(title=lens_title(figures), command="")
            lenses.append(
                types.CodeLens(
                    range=lsp_line_range(document.lines, index, ls.encoding), command=command
                )
            )
    return lenses
