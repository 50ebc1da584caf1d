"""The server's covering tests are runnable node ids whichever context format recorded them."""

from __future__ import annotations

import ast
from typing import Any

import pytest
from lsprotocol import types

from tests.covproject import CovProject
from tests.lsp_fixtures import APP, COVERAGERC, TESTS, run_pytest, session

SOURCE = "pkg/app.py"
NESTED_TESTS = """\
from pkg import app


class TestShape:
    def test_area(self):
        assert app.Shape().area() == 0

    @staticmethod
    def test_name():
        assert app.Shape().name() == "shape"
"""


@pytest.fixture(scope="module")
def test_function_project(tmp_path_factory: pytest.TempPathFactory) -> CovProject:
    """Contexts from coverage's `dynamic_context = test_function`, tests in a nested folder."""
    project = CovProject(tmp_path_factory.mktemp("test-function") / "proj")
    project.write(".coveragerc", COVERAGERC + "dynamic_context = test_function\n")
    project.write("pkg/__init__.py", "")
    project.write("pkg/app.py", APP, dedent=False)
    project.write("tests/test_app.py", TESTS)
    project.write("tests/shapes/test_shapes.py", NESTED_TESTS)
    run_pytest(project)
    return project


def def_line(name: str) -> int:
    tree = ast.parse(APP)
    return next(
        n.lineno for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name
    )


async def covering(project: CovProject, line: int) -> Any:
    async with session([project.root]) as lsp:
        uri = lsp.open(project.root / SOURCE)
        await lsp.wait_for(uri)
        params = types.ExecuteCommandParams(command="covlint.coveringTests", arguments=[uri, line])
        return await lsp.client.workspace_execute_command_async(params)


async def test_test_function_contexts_become_node_ids(test_function_project: CovProject) -> None:
    contexts = test_function_project.json_report()["files"][SOURCE]["contexts"]
    assert "test_app.test_total" in contexts[str(def_line("total") + 1)]  # the raw format
    tests = await covering(test_function_project, def_line("total") - 1)
    assert tests == ["tests/test_app.py::test_total"]


async def test_classes_in_nested_folders(test_function_project: CovProject) -> None:
    assert await covering(test_function_project, def_line("area") - 1) == [
        "tests/shapes/test_shapes.py::TestShape::test_area",
        "tests/test_app.py::test_area",
    ]


async def test_a_static_method_test(test_function_project: CovProject) -> None:
    tests = await covering(test_function_project, def_line("name") - 1)
    assert tests == ["tests/shapes/test_shapes.py::TestShape::test_name"]
