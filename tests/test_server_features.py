"""End to end: commands, covlint/summary, hover with contexts, code actions and code lenses."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.covproject import CovProject
from tests.lsp_fixtures import (
    APP,
    as_marks,
    expected_marks,
    make_project,
    run_pytest,
    session,
)

SOURCE = "pkg/app.py"


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> CovProject:
    return make_project(tmp_path_factory.mktemp("plain") / "proj")


@pytest.fixture(scope="module")
def with_contexts(tmp_path_factory: pytest.TempPathFactory) -> CovProject:
    root = tmp_path_factory.mktemp("contexts") / "proj"
    return make_project(root, pytest_args=["--cov-context=test"])


def report(project: CovProject) -> Any:
    return project.json_report()["files"][SOURCE]


def node_ids(contexts: list[str]) -> list[str]:
    return sorted({c.split("|")[0] for c in contexts if c})


def def_line(name: str) -> int:
    """1-based line of `def name` in the fixture module."""
    tree = ast.parse(APP)
    return next(
        n.lineno for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name
    )


def line_of(text: str, fragment: str) -> int:
    """0-based index of the first line containing `fragment`."""
    return next(i for i, line in enumerate(text.split("\n")) if fragment in line)


async def command(lsp: Any, name: str, *arguments: Any) -> Any:
    params = types.ExecuteCommandParams(command=name, arguments=list(arguments))
    return await lsp.client.workspace_execute_command_async(params)


async def test_toggle_hides_and_shows_all_diagnostics(plain: CovProject) -> None:
    expected = expected_marks(plain, SOURCE)
    async with session([plain.root], client="visual-studio-code") as lsp:
        uri = lsp.open(plain.root / SOURCE)
        await lsp.wait_for(uri)
        hidden = await command(lsp, "covlint.toggle")
        cleared = await lsp.wait_for(uri, after=1)
        shown = await command(lsp, "covlint.toggle")
        back = await lsp.wait_for(uri, after=2)
    assert (hidden, cleared) == ({"enable": False}, [])
    assert shown == {"enable": True}
    assert as_marks(back) == expected


async def test_set_scope_rejects_an_unknown_scope(plain: CovProject) -> None:
    async with session([plain.root]) as lsp:
        with pytest.raises(Exception, match="scope must be one of all, diff"):
            await command(lsp, "covlint.setScope", "some")


async def test_refresh_reads_data_the_client_did_not_report(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    before = expected_marks(project, SOURCE)
    async with session([project.root], client="visual-studio-code") as lsp:
        uri = lsp.open(project.root / SOURCE)
        await lsp.wait_for(uri)
        project.write(
            "tests/test_more.py", "from pkg import app\n\ndef test_n():\n    app.classify(-3)\n"
        )
        run_pytest(project)  # a client watching files would report this; this one does not
        await command(lsp, "covlint.refresh")
        after = await lsp.wait_for(uri, lambda ds: as_marks(ds) != before)
    assert as_marks(after) == expected_marks(project, SOURCE)


async def test_summary_has_the_figures_of_coverage_json(plain: CovProject) -> None:
    data = plain.json_report()
    async with session([plain.root], client="visual-studio-code") as lsp:
        uri = (plain.root / SOURCE).as_uri()
        result = await lsp.client.protocol.send_request_async("covlint/summary", {"uri": uri})
    expected_file = data["files"][SOURCE]["summary"]  # type: ignore[index]
    for figures, summary in ((result.file, expected_file), (result.total, data["totals"])):
        assert figures.statements == summary["num_statements"]
        assert figures.missing == summary["missing_lines"]
        assert figures.branches == summary["num_branches"]
        assert figures.missedBranches == summary["missing_branches"]
        assert figures.percent == pytest.approx(summary["percent_covered"])
    assert (result.stale, result.scope) == (False, "all")
    assert result.dataAge >= 0


async def test_hover_names_the_tests_that_ran_a_line(with_contexts: CovProject) -> None:
    contexts = report(with_contexts)["contexts"]
    text = (with_contexts.root / SOURCE).read_text()
    covered = line_of(text, 'return "positive"')
    async with session([with_contexts.root]) as lsp:
        uri = lsp.open(with_contexts.root / SOURCE)
        await lsp.wait_for(uri)
        hover = await lsp.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=covered, character=8),
            )
        )
    tests = node_ids(contexts[str(covered + 1)])
    assert tests
    value = hover.contents.value  # type: ignore[union-attr]
    assert f"Run by {len(tests)} test" in value
    for test in tests:
        assert f"`{test}`" in value


async def test_hover_on_an_uncovered_line_says_why(plain: CovProject) -> None:
    text = (plain.root / SOURCE).read_text()
    missing = line_of(text, 'return "negative"')
    branch = next(m for m in expected_marks(plain, SOURCE) if m[0] == "missed-branch")
    async with session([plain.root]) as lsp:
        uri = lsp.open(plain.root / SOURCE)
        await lsp.wait_for(uri)
        position = types.Position(line=missing, character=10)
        document = types.TextDocumentIdentifier(uri=uri)
        hover = await lsp.client.text_document_hover_async(
            types.HoverParams(text_document=document, position=position)
        )
        covered = await lsp.client.text_document_hover_async(
            types.HoverParams(
                text_document=document, position=types.Position(line=missing + 2, character=6)
            )
        )
    # The `uncovered` diagnostic on the line already says it never ran: the hover says why.
    value = hover.contents.value  # type: ignore[union-attr]
    assert value.startswith("**Never reached:**")
    assert branch[5] in value
    assert "not run" not in value.lower()
    assert "--cov-context=test" in covered.contents.value  # type: ignore[union-attr]


async def test_covering_tests_of_a_function(with_contexts: CovProject) -> None:
    contexts = report(with_contexts)["contexts"]
    first, body = def_line("total"), range(def_line("total") + 1, def_line("unused"))
    expected = node_ids([c for line in body for c in contexts.get(str(line), [])])
    async with session([with_contexts.root]) as lsp:
        uri = lsp.open(with_contexts.root / SOURCE)
        await lsp.wait_for(uri)
        tests = await command(lsp, "covlint.coveringTests", uri, first - 1)
    assert tests == expected
    assert tests


async def apply_actions(project: CovProject, line: int, code: str) -> tuple[list[str], str]:
    """Titles of the quick fixes for the `code` diagnostic on `line`; the text after the first."""
    path = project.root / SOURCE
    async with session([project.root]) as lsp:
        uri = lsp.open(path)
        diagnostics = await lsp.wait_for(uri)
        diagnostic = next(d for d in diagnostics if d.code == code and d.range.start.line == line)
        actions = await lsp.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic]),
            )
        )
    fixes = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.edit]
    [edit] = fixes[0].edit.changes[uri]  # type: ignore[index, union-attr]
    lines = path.read_text().split("\n")
    at = edit.range.start
    lines[at.line] = lines[at.line][: at.character] + edit.new_text + lines[at.line][at.character :]
    return [a.title for a in fixes], "\n".join(lines)


async def test_excluding_an_uncovered_function_puts_the_pragma_on_its_def(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    body = def_line("unused") + 1
    titles, text = await apply_actions(project, body - 1, "uncovered")
    assert titles == ["Exclude `def unused` from coverage (# pragma: no cover)"]
    assert text.split("\n")[body - 2].endswith("def unused(a, b):  # pragma: no cover")
    project.write(SOURCE, text, dedent=False)
    run_pytest(project)
    after = report(project)
    assert set(range(body - 1, body + 5)) <= set(after["excluded_lines"])
    assert not [m for m in expected_marks(project, SOURCE) if body - 1 <= m[1] + 1 <= body + 5]


async def test_ignoring_a_partial_branch_adds_no_branch(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    branch = next(m for m in expected_marks(project, SOURCE) if m[0] == "missed-branch")
    titles, text = await apply_actions(project, branch[1], "missed-branch")
    assert titles == ["Ignore this partial branch (# pragma: no branch)"]
    project.write(SOURCE, text, dedent=False)
    run_pytest(project)
    assert branch[1] + 1 not in {start for start, _ in report(project)["missing_branches"]}


async def test_code_lenses_carry_each_functions_figures(plain: CovProject) -> None:
    functions = report(plain)["functions"]
    expected = []
    for name, entry in functions.items():
        summary = entry["summary"]
        if name and (summary["missing_lines"] or summary["missing_branches"]):
            expected.append((def_line(name.split(".")[-1]) - 1, summary))
    async with session([plain.root], init_options={"codeLens": True}) as lsp:
        uri = lsp.open(plain.root / SOURCE)
        await lsp.wait_for(uri)
        lenses = await lsp.client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    assert [lens.range.start.line for lens in lenses or []] == sorted(line for line, _ in expected)
    for lens, (_, summary) in zip(lenses or [], sorted(expected, key=lambda e: e[0]), strict=True):
        title = lens.command.title  # type: ignore[union-attr]
        assert title.startswith(f"{round(summary['percent_covered'])}% · ")
        if summary["missing_lines"]:
            assert f"{summary['missing_lines']} line" in title
        if summary["missing_branches"]:
            assert f"{summary['missing_branches']} branch" in title
