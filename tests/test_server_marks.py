"""covlint/marks, covlint/publishMarks, covlint/files, the `problems` setting and trimmed ranges:
what editors colour equals what coverage.py measured, on the buffer's lines."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import attrs
import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from tests.covproject import CovProject
from tests.lsp_fixtures import as_marks, expected_marks, make_project, session, statement_ends
from tests.test_server_scope import SOURCE, gate, repo  # noqa: F401  (the diff-scope fixture)

MARKS_CLIENT = attrs.evolve(
    client_capabilities("visual-studio-code"), experimental={"covlint": {"marks": True}}
)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> CovProject:
    return make_project(tmp_path_factory.mktemp("marks") / "proj")


def statement_rows(text: str, statements: list[int]) -> set[int]:
    """0-based rows of every line of the given statements (first lines, 1-based)."""
    ends = statement_ends(text)
    return {row - 1 for first in statements for row in range(first, ends.get(first, first) + 1)}


def rows(spans: list[list[int]]) -> set[int]:
    return {row for first, last in spans for row in range(first, last + 1)}


def expected_lines(project: CovProject, rel: str = SOURCE) -> dict[str, Any]:
    """What covlint/marks must say, from `coverage json`."""
    report: Any = project.json_report()["files"][rel]
    text = (project.root / rel).read_text()
    missing = set(report["missing_lines"])
    partial = sorted({start for start, _ in report["missing_branches"] if start not in missing})
    covered = [line for line in report["executed_lines"] if line not in partial]
    return {
        "missed": statement_rows(text, sorted(missing)),
        "covered": statement_rows(text, covered),
        "partial": [line - 1 for line in partial],
        "summary": report["summary"],
    }


def check_figures(figures: Any, summary: dict[str, Any]) -> None:
    assert figures["statements"] == summary["num_statements"]
    assert figures["missing"] == summary["missing_lines"]
    assert figures["branches"] == summary["num_branches"]
    assert figures["missedBranches"] == summary["missing_branches"]
    assert figures["percent"] == pytest.approx(summary["percent_covered"])


def plain_json(value: Any) -> Any:
    """A response as plain JSON data (pygls gives unknown results as namedtuples)."""
    if hasattr(value, "_asdict"):
        return {key: plain_json(item) for key, item in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(item) for item in value]
    return value


async def request(lsp: Any, method: str, uri: str) -> Any:
    return plain_json(await lsp.client.protocol.send_request_async(method, {"uri": uri}))


def check_marks(marks: dict[str, Any], want: dict[str, Any]) -> None:
    assert rows(marks["missed"]) == want["missed"]
    assert rows(marks["covered"]) == want["covered"]
    assert [p["line"] for p in marks["partial"]] == want["partial"]
    check_figures(marks["figures"], want["summary"])


async def test_marks_are_coverage_json_lines_open_or_not(plain: CovProject) -> None:
    want = expected_lines(plain)
    async with session([plain.root], client="visual-studio-code") as lsp:
        uri = (plain.root / SOURCE).as_uri()
        on_disk = await request(lsp, "covlint/marks", uri)
        lsp.open(plain.root / SOURCE)
        await lsp.wait_for(uri)
        opened = await request(lsp, "covlint/marks", uri)
    check_marks(on_disk, want)
    check_marks(opened, want)
    assert (on_disk["version"], opened["version"]) == (None, 1)
    partial = opened["partial"][0]
    assert partial["exits"] == 2
    assert partial["arcs"][0]["message"].startswith(f"line {partial['line'] + 1} didn't jump")


async def test_marks_are_pushed_and_follow_an_edit(plain: CovProject) -> None:
    want = expected_lines(plain)
    pushed: list[dict[str, Any]] = []
    async with session([plain.root], client=MARKS_CLIENT) as lsp:
        lsp.client.feature("covlint/publishMarks")(lambda params: pushed.append(plain_json(params)))
        uri = lsp.open(plain.root / SOURCE)
        await lsp.wait_for(uri)
        count = len(lsp.history(uri))
        lsp.edit(uri, (0, 0), (0, 0), "import os\nimport re\n")
        await lsp.wait_for(uri, after=count)
        for _ in range(100):
            if pushed and pushed[-1]["version"] == 2:
                break
            await asyncio.sleep(0.05)
    first, moved = pushed[0], pushed[-1]
    check_marks(first, want)
    assert rows(moved["missed"]) == {row + 2 for row in want["missed"]}
    assert [p["line"] for p in moved["partial"]] == [row + 2 for row in want["partial"]]


async def test_no_uncovered_range_spans_a_line_outside_its_statements(plain: CovProject) -> None:
    text = (plain.root / SOURCE).read_text()
    report: Any = plain.json_report()["files"][SOURCE]
    missed_rows = statement_rows(text, report["missing_lines"])
    async with session([plain.root]) as lsp:
        uri = lsp.open(plain.root / SOURCE)
        diagnostics = await lsp.wait_for(uri)
    uncovered = [d for d in diagnostics if d.code == "uncovered"]
    lines = text.split("\n")
    for d in uncovered:
        start, end = d.range.start, d.range.end
        assert set(range(start.line, end.line + 1)) <= missed_rows, d
        assert lines[start.line][: start.character].strip() == ""
        assert lines[start.line][start.character] != " "
        assert lines[end.line][end.character :].strip() == ""
    assert as_marks(diagnostics) == expected_marks(plain, SOURCE)


@pytest.mark.parametrize(
    ("client", "settings"),
    [
        ("visual-studio-code", {"problems": "diff", "base": "main"}),
        (MARKS_CLIENT, {"base": "main"}),  # a client that colours lines: diff by default
    ],
    ids=["problems-diff", "colouring-client-default"],
)
async def test_problems_diff_publishes_what_the_gate_blocks_and_marks_keep_all(
    repo: CovProject,  # noqa: F811
    client: Any,
    settings: dict[str, str],
) -> None:
    judged = next(f for f in gate(repo)["files"] if f["path"] == SOURCE)
    want = expected_lines(repo)
    async with session(
        [repo.root], configuration={"": {"problems": "diff", "base": "main"}}
    ) as lsp:
        uri = lsp.open(repo.root / SOURCE)
        diagnostics = await lsp.wait_for(uri, bool)
        marks = await request(lsp, "covlint/marks", uri)
        summary = await request(lsp, "covlint/summary", uri)
    uncovered = {
        row + 1
        for d in diagnostics
        if d.code == "uncovered"
        for row in range(d.range.start.line, d.range.end.line + 1)
    }
    text = (repo.root / SOURCE).read_text()
    assert uncovered == {r + 1 for r in statement_rows(text, judged["uncovered_lines"])}
    assert uncovered < {row + 1 for row in want["missed"]}
    check_marks(marks, want)
    assert summary["scope"] == "all"


async def test_problems_none_publishes_nothing_and_the_hover_says_it_all(
    plain: CovProject,
) -> None:
    report: Any = plain.json_report()["files"][SOURCE]
    branch_line = next(s for s, _ in report["missing_branches"] if s not in report["missing_lines"])
    async with session([plain.root], configuration={"": {"problems": "none"}}) as lsp:
        uri = lsp.open(plain.root / SOURCE)
        marks = await request(lsp, "covlint/marks", uri)  # once analysed, nothing is published
        hover = await lsp.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=branch_line - 1, character=6),
            )
        )
        published = lsp.history(uri)
    assert marks["missed"]
    assert all(diagnostics == [] for diagnostics in published)
    value = hover.contents.value  # type: ignore[union-attr]
    sentences = [line for line in value.split("\n") if line.startswith("- ")]
    assert sentences
    assert len(sentences) == len(set(sentences))
    assert value.index("Partly run branch") < value.index("Run by")


async def test_a_branch_hover_does_not_repeat_its_diagnostic(plain: CovProject) -> None:
    report: Any = plain.json_report()["files"][SOURCE]
    branch_line = next(s for s, _ in report["missing_branches"] if s not in report["missing_lines"])
    async with session([plain.root], client="visual-studio-code") as lsp:
        uri = lsp.open(plain.root / SOURCE)
        diagnostics = await lsp.wait_for(uri)
        hover = await lsp.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=branch_line - 1, character=6),
            )
        )
    [branch] = [d for d in diagnostics if d.range.start.line == branch_line - 1]
    value = hover.contents.value  # type: ignore[union-attr]
    assert branch.message not in value
    for related in branch.related_information or []:
        assert related.message != branch.message
        assert "didn't jump" not in related.message


async def test_files_lists_every_measured_file_with_coverage_json_figures(
    plain: CovProject,
) -> None:
    report: Any = plain.json_report()["files"]
    async with session([plain.root]) as lsp:
        table = await request(lsp, "covlint/files", plain.root.as_uri())
    assert table["data"] == "loaded"
    assert sorted(row["path"] for row in table["files"]) == sorted(report)
    for row in table["files"]:
        check_figures(row["figures"], report[row["path"]]["summary"])
    missing = [row["figures"]["missing"] for row in table["files"]]
    assert missing == sorted(missing, reverse=True)


async def test_without_data_summary_and_files_say_missing(tmp_path: Path) -> None:
    root = tmp_path / "nodata"
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "pkg" / "a.py").write_text("x = 1\n")
    async with session([root]) as lsp:
        uri = lsp.open(root / "pkg" / "a.py")
        summary = await request(lsp, "covlint/summary", uri)
        table = await request(lsp, "covlint/files", root.as_uri())
        marks = await request(lsp, "covlint/marks", uri)
    assert (summary["data"], summary["file"], summary["total"]) == ("missing", None, None)
    assert (table["data"], table["files"]) == ("missing", [])
    assert (marks["missed"], marks["figures"]) == ([], None)


async def test_toggling_covlint_off_clears_the_colours_too(plain: CovProject) -> None:
    pushed: list[dict[str, Any]] = []
    async with session([plain.root], client=MARKS_CLIENT) as lsp:
        lsp.client.feature("covlint/publishMarks")(lambda params: pushed.append(plain_json(params)))
        uri = lsp.open(plain.root / SOURCE)
        before = await request(lsp, "covlint/marks", uri)
        await lsp.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="covlint.toggle", arguments=[])
        )
        after = await request(lsp, "covlint/marks", uri)
        await lsp.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="covlint.toggle", arguments=[])
        )
        back = await request(lsp, "covlint/marks", uri)
        unopened = await request(lsp, "covlint/marks", (plain.root / "pkg/__init__.py").as_uri())
    assert before["missed"]
    assert (after["missed"], after["partial"], after["covered"]) == ([], [], [])
    assert back == before
    assert any(p["missed"] == [] for p in pushed)  # the client was told to clear them
    assert pushed[-1]["missed"] == before["missed"]
    assert unopened["version"] is None


async def test_marks_in_diff_scope_are_the_changed_statements_only(
    repo: CovProject,  # noqa: F811
) -> None:
    judged = next(f for f in gate(repo)["files"] if f["path"] == SOURCE)
    text = (repo.root / SOURCE).read_text()
    async with session([repo.root], init_options={"scope": "diff", "base": "main"}) as lsp:
        uri = (repo.root / SOURCE).as_uri()
        on_disk = await request(lsp, "covlint/marks", uri)
        lsp.open(repo.root / SOURCE)
        opened = await request(lsp, "covlint/marks", uri)
    for marks in (on_disk, opened):
        assert marks["scope"] == "diff"
        assert rows(marks["missed"]) == statement_rows(text, judged["uncovered_lines"])
        assert marks["figures"]["statements"] == len(judged["changed_statements"])


async def test_marks_and_files_of_what_is_not_measured_are_empty(plain: CovProject) -> None:
    loaded: list[Any] = []
    async with session([plain.root], client=MARKS_CLIENT) as lsp:
        lsp.client.feature("covlint/didLoad")(lambda params: loaded.append(params))  # noqa: PLW0108  (pygls wants a function)
        unmeasured = await request(
            lsp, "covlint/marks", (plain.root / "tests/test_app.py").as_uri()
        )
        not_python = await request(lsp, "covlint/marks", "untitled:Untitled-1")
        no_folder = await request(lsp, "covlint/files", "untitled:Untitled-1")
        await lsp.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="covlint.refresh", arguments=[])
        )
        for _ in range(100):
            if loaded:
                break
            await asyncio.sleep(0.05)
    assert (unmeasured["missed"], unmeasured["figures"]) == ([], None)
    assert (not_python["missed"], not_python["figures"]) == ([], None)
    assert no_folder == {"root": None, "files": [], "data": "missing"}
    assert plain_json(loaded[0])["root"] == plain.root.as_uri()
