"""Warm-up: in diff scope the diff is computed once the data is loaded, before any open."""

from __future__ import annotations

from tests.covproject import CovProject
from tests.lsp_fixtures import as_marks, expected_marks, marks_from, session, statements_of
from tests.test_server_scope import SOURCE, gate, repo  # noqa: F401  (the diff-scope fixture)

KNOWN = "diff known before any open"


def gate_marks(project: CovProject) -> list[tuple[str, int, int, int, int, str]]:
    """The marks of what `covlint check --base main` judges in SOURCE."""
    [judged] = [f for f in gate(project)["files"] if f["path"] == SOURCE]
    arcs = [(a["from"], a["to"], a["message"]) for a in judged["missed_arcs"]]
    coverage = project.json_report()["files"][SOURCE]  # type: ignore[index]
    text = (project.root / SOURCE).read_text()
    return marks_from(text, statements_of(coverage), set(judged["uncovered_lines"]), arcs)


async def test_in_diff_scope_the_diff_is_known_before_the_first_open(repo: CovProject) -> None:  # noqa: F811
    config = {"": {"scope": "diff", "base": "main"}}
    async with session([repo.root], configuration=config) as lsp:
        await lsp.wait_for_log(KNOWN)  # logged by the warm-up: no document is open yet
        uri = lsp.open(repo.root / SOURCE)
        diagnostics = await lsp.wait_for(uri)
    expected = gate_marks(repo)
    assert as_marks(diagnostics) == expected
    assert expected != expected_marks(repo, SOURCE)  # the diff narrowed them


async def test_in_scope_all_no_diff_is_computed(repo: CovProject) -> None:  # noqa: F811
    async with session([repo.root]) as lsp:
        uri = lsp.open(repo.root / SOURCE)
        diagnostics = await lsp.wait_for(uri)
        await lsp.wait_for_log("loaded")
    assert as_marks(diagnostics) == expected_marks(repo, SOURCE)
    assert not any(KNOWN in m.message for m in lsp.client.log_messages)
