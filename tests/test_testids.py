"""Context names to node ids: both formats, static contexts, module names resolved to files."""

from __future__ import annotations

from pathlib import Path

import pytest

from covlint.testids import (
    ModuleIndex,
    dotted_test_name,
    is_test_context,
    node_id_file,
    node_ids,
    pytest_cov_node_id,
)


@pytest.mark.parametrize(
    ("context", "node_id"),
    [
        ("tests/test_x.py::TestA::test_b[1-2]|run", "tests/test_x.py::TestA::test_b[1-2]"),
        ("tests/test_x.py::test_b|setup", "tests/test_x.py::test_b"),
        ("tests/test_x.py::test_b|teardown", "tests/test_x.py::test_b"),
        ("tests/test_x.py::test_b[a|b]|run", "tests/test_x.py::test_b[a|b]"),
        ("ci|tests/test_x.py::test_b|run", "tests/test_x.py::test_b"),
        ("tests/test_x.py::test_b", "tests/test_x.py::test_b"),
        ("", None),
        ("ci", None),
        ("test_x.test_b", None),
    ],
)
def test_pytest_cov_contexts(context: str, node_id: str | None) -> None:
    assert pytest_cov_node_id(context) == node_id


def test_static_contexts_are_never_tests() -> None:
    assert not is_test_context("")
    assert not is_test_context("ci-py311")
    assert dotted_test_name("ci|test_x.TestA.test_b") == "test_x.TestA.test_b"
    assert dotted_test_name("py 3.11") is None


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    files = {
        "tests/test_top.py": "class TestA:\n    def test_b(self):\n        pass\n",
        "tests/unit/deep/test_deep.py": "def test_c():\n    pass\n",
        "pkgtests/__init__.py": "",
        "pkgtests/test_pkg.py": "def test_d():\n    def helper():\n        pass\n",
        ".venv/lib/test_top.py": "def test_b():\n    pass\n",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    return tmp_path


def test_test_function_names_resolve_to_files(tree: Path) -> None:
    contexts = [
        "test_top.TestA.test_b",
        "test_deep.test_c",  # a nested folder, imported by its basename
        "pkgtests.test_pkg.test_d.<locals>.helper",  # inside a test: the test
        "tests.test_top.TestA.test_b",  # the same test, imported from the root
        "nowhere.test_e",
    ]
    assert node_ids(contexts, tree) == [
        "pkgtests/test_pkg.py::test_d",
        "tests/test_top.py::TestA::test_b",
        "tests/unit/deep/test_deep.py::test_c",
    ]


def test_a_name_the_file_does_not_define_selects_the_file(tree: Path) -> None:
    assert ModuleIndex(tree).node_ids("test_top.test_gone") == ["tests/test_top.py"]


def test_both_formats_together(tree: Path) -> None:
    contexts = ["test_deep.test_c", "tests/test_top.py::TestA::test_b|run", ""]
    assert node_ids(contexts, tree) == [
        "tests/test_top.py::TestA::test_b",
        "tests/unit/deep/test_deep.py::test_c",
    ]
    assert node_id_file("tests/test_top.py::TestA::test_b") == "tests/test_top.py"
