"""The editor says what the gate and coverage.py say: branch wording, and which tests ran a line.

Real data from running coverage.py; the server's own parts (project, diagnostics, hover text).
"""

from __future__ import annotations

from pathlib import Path

from covlint.analysis import branch_line_messages
from covlint.coverage_set import CoverageSet
from covlint.server.contexts import hover_markdown
from covlint.server.diagnostics import Options, lsp_diagnostics
from covlint.server.remap import LineOrigins, split_lines
from covlint.server.settings import Severities
from covlint.server.workspace import Measured, Project
from tests.covproject import CovProject

RAISING = """\
def explode():
    raise ValueError("no")


def check():
    if explode():
        return 1
    return 2


try:
    check()
except ValueError:
    pass
"""
ALWAYS_RAISED = "line 6 didn't jump anywhere: it always raised an exception."

MODULE = """\
def helper():
    return 1


def test_helper():
    assert helper() == 1


VALUE = 3
"""
RUNNER = """\
import mod

mod.test_helper()
"""


def test_a_branch_line_that_always_raised_is_worded_as_the_gate_words_it(tmp_path: Path) -> None:
    project = CovProject(tmp_path)
    project.write("app.py", RAISING)
    project.run("app.py")
    analysis = CoverageSet.load(tmp_path).analyse("app.py", RAISING)
    assert branch_line_messages(analysis)[6] == ALWAYS_RAISED  # the gate's (and html's) line
    lines = split_lines(RAISING)
    options = Options(uri="file:///app.py", severities=Severities())
    marks = lsp_diagnostics(analysis, LineOrigins(lines, lines), options)
    (branch,) = [m for m in marks if m.code == "missed-branch"]
    assert branch.message == ALWAYS_RAISED
    assert not branch.related_information  # no per-arc claims that contradict each other
    hover = hover_markdown(analysis, None, 6, lambda text: text, root=tmp_path)
    assert hover is not None
    assert f"- {ALWAYS_RAISED}" in hover


def measured(project: Project, rel: str) -> Measured:
    assert project.reload().status == "loaded"
    state = project.file_state(project.root / rel)
    assert isinstance(state, Measured)
    return state


def test_a_static_context_alone_names_no_test(tmp_path: Path) -> None:
    project = CovProject(tmp_path)
    project.write("mod.py", MODULE)
    project.write("run.py", RUNNER)
    project.coverage("run", "--context=ci", "run.py")
    server_project = Project(tmp_path)
    state = measured(server_project, "mod.py")
    assert not server_project.has_contexts()  # "ci" is the run's name, not a test's
    hover = hover_markdown(state.analysis, None, 2, lambda text: text, root=tmp_path)
    assert hover is not None
    assert "`ci`" not in hover


def test_with_a_static_context_only_the_dynamic_part_names_tests(tmp_path: Path) -> None:
    project = CovProject(tmp_path)
    project.write("mod.py", MODULE)
    project.write("run.py", RUNNER)
    project.write(".coveragerc", "[run]\ndynamic_context = test_function\n")
    project.coverage("run", "--context=ci", "run.py")
    server_project = Project(tmp_path)
    state = measured(server_project, "mod.py")
    assert server_project.has_contexts()
    contexts = server_project.contexts("mod.py")
    assert contexts[2] == ["mod.test_helper"]  # `return 1`, run by the test
    assert contexts[9] == []  # `VALUE = 3`, run at import
    at_import = hover_markdown(state.analysis, contexts, 9, lambda text: text, root=tmp_path)
    assert at_import == "**Run at import / collection, by no test.**"
    by_test = hover_markdown(state.analysis, contexts, 2, lambda text: text, root=tmp_path)
    assert by_test is not None
    assert "`mod.py::test_helper`" in by_test
    assert "ci" not in by_test
