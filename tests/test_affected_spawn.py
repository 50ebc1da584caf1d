"""Tests that start a Python child process run for any code change: the child's lines have no
test context. On a real project whose tests really start children, recorded for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from covlint.affected_cli import main
from tests.affectedproject import copy_of, edit, make_project, record, run
from tests.gitrepo import GitRepo
from tests.test_affected_plugin import pytest_run

CHILD = "[sys.executable, '-c', 'import pkg.calc; assert pkg.calc.double(2) == 4']"
TEST_CHILD = f"""\
import subprocess
import sys
from unittest import mock

from pkg.other import greet


def run_python(code):
    return subprocess.run(["python3", "-c", code], check=False)


def test_direct():
    assert greet("a") == "hi a"  # some lines in-process: the data has seen this test
    assert subprocess.run({CHILD}).returncode == 0


def test_through_a_helper():
    greet("a")
    run_python("import pkg.calc")


def test_through_a_conftest_fixture(child):
    greet("a")
    child("import pkg.calc")


class TestInAClass:
    def _spawn(self):
        import multiprocessing

        return multiprocessing.get_context("spawn")

    def test_method(self):
        greet("a")
        self._spawn()


def test_another_program():
    greet("a")
    subprocess.run(["git", "--version"], capture_output=True, check=False)


def test_a_mock():
    greet("a")
    with mock.patch("subprocess.Popen"):
        pass
"""
CONFTEST = """\
import subprocess
import sys

import pytest


@pytest.fixture
def child():
    return lambda code: subprocess.run([sys.executable, "-c", code], check=False)
"""
HELPERS = """\
import subprocess
import sys


def run_child(code):
    return subprocess.run([sys.executable, "-c", code], check=False)
"""
TEST_HELPED = """\
import helpers
from helpers import run_child

from pkg.other import greet


def test_through_an_imported_helper():
    greet("a")
    run_child("import pkg.calc")


def test_through_a_helper_module():
    greet("a")
    helpers.run_child("import pkg.calc")


def test_without_a_child():
    greet("a")
"""
STARTS_PYTHON = [
    "tests/test_child.py::TestInAClass::test_method",
    "tests/test_child.py::test_direct",
    "tests/test_child.py::test_through_a_conftest_fixture",
    "tests/test_child.py::test_through_a_helper",
    "tests/test_helped.py::test_through_a_helper_module",
    "tests/test_helped.py::test_through_an_imported_helper",
]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = make_project(tmp_path_factory.mktemp("spawn") / "proj")
    files = {"tests/test_child.py": TEST_CHILD, "tests/conftest.py": CONFTEST}
    files |= {"tests/helpers.py": HELPERS, "tests/test_helped.py": TEST_HELPED}
    repo.commit_files(files, "tests that start Python")
    record(repo)
    return repo


@pytest.fixture
def repo(recorded: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    copy = copy_of(recorded, tmp_path / "proj")
    monkeypatch.chdir(copy.root)
    return copy


def selected(capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main([]) == 0
    return capsys.readouterr().out.splitlines()


def test_a_code_change_selects_the_tests_that_start_python(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/calc.py", "return x * RATE\n", "return x * RATE + 1\n")
    assert selected(capsys) == sorted([*STARTS_PYTHON, "tests/test_calc.py::test_double"])


def test_a_change_of_tests_only_does_not(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, "tests/test_calc.py", "double(2) == 4", "double(3) == 6")
    assert selected(capsys) == ["tests/test_calc.py"]


def test_the_plugin_runs_them_and_the_fault_fails_one(repo: GitRepo) -> None:
    edit(repo, "pkg/calc.py", "return x * RATE\n", "return x * RATE + 1\n")
    out = pytest_run(repo, "--covlint-affected")
    assert "covlint: 7 of 15 tests selected by covlint (1 changed statement)" in out
    assert "FAILED tests/test_child.py::test_direct" in out


def test_the_project_runs_as_recorded(recorded: GitRepo) -> None:
    out = run(recorded.root, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert "15 passed" in out
