"""`pytest --covlint-affected`: real pytest runs deselect what the change cannot reach."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import covlint
from tests.affectedproject import (
    ALL_TESTS,
    RCFILE,
    TEST_FUNCTION,
    copy_of,
    edit,
    make_project,
    record,
    run,
)
from tests.gitrepo import GitRepo

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PLUGIN = ("-p", "covlint.plugin_affected")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    return make_project(tmp_path_factory.mktemp("plugin") / "proj")


@pytest.fixture
def repo(recorded: GitRepo, tmp_path: Path) -> GitRepo:
    return copy_of(recorded, tmp_path / "proj")


def measured_env() -> dict[str, str]:
    """The inner run loads only this plugin; it stays measured by the outer run, if any."""
    env = {k: v for k, v in os.environ.items() if k not in ("COVERAGE_FILE", "COVERAGE_RCFILE")}
    env.pop("PYTEST_ADDOPTS", None)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    here = str(Path(covlint.__file__).parents[1])  # the covlint under test, wherever it is
    env["PYTHONPATH"] = os.pathsep.join([here, *filter(None, [env.get("PYTHONPATH")])])
    return env


def pytest_run(repo: GitRepo, *args: str, codes: tuple[int, ...] = (0, 1)) -> str:
    command = ("-m", "pytest", "-p", "no:cacheprovider", *PLUGIN, *args)
    return run(repo.root, *command, env=measured_env(), codes=codes)


def test_a_fault_fails_a_test_the_plugin_selected(repo: GitRepo) -> None:
    edit(repo, "pkg/calc.py", "return 1\n", "return 2\n")
    out = pytest_run(repo, "--covlint-affected")
    assert "covlint: 1 of 6 tests selected by covlint (1 changed statement)" in out
    assert "FAILED tests/test_calc.py::test_sign[1-1]" in out
    assert "1 failed, 5 deselected" in out


def test_nothing_changed_deselects_every_test(repo: GitRepo) -> None:
    out = pytest_run(repo, "--covlint-affected", codes=(0,))  # not 5 (no tests ran)
    assert "covlint: 0 of 6 tests selected by covlint (0 changed statements)" in out
    assert "6 deselected" in out


def test_inactive_unless_asked(repo: GitRepo) -> None:
    edit(repo, "pkg/calc.py", "return 1\n", "return 2\n")
    out = pytest_run(repo)
    assert "covlint:" not in out
    assert "1 failed, 5 passed" in out


def test_missing_data_runs_everything_and_says_why(repo: GitRepo) -> None:
    repo.remove(".coverage")
    out = pytest_run(repo, "--covlint-affected")
    assert f"covlint: running all {ALL_TESTS} tests: no coverage data" in out
    assert f"{ALL_TESTS} passed" in out


def test_data_without_contexts_runs_everything(tmp_path: Path) -> None:
    repo = make_project(tmp_path / "plain", context_format="none")
    out = pytest_run(repo, "--covlint-affected")
    assert f"covlint: running all {ALL_TESTS} tests: the coverage data has no test contexts" in out


def test_a_settings_change_runs_everything(repo: GitRepo) -> None:
    repo.write("tests/conftest.py", "")
    out = pytest_run(repo, "--covlint-affected")
    assert "covlint: running all 6 tests: tests/conftest.py changed (always-run)" in out


def test_base_option(repo: GitRepo) -> None:
    repo.switch("feature", create=True)
    repo.commit_files({"pkg/other.py": 'def greet(name):\n    return "yo " + name\n'}, "yo")
    out = pytest_run(repo, "--covlint-affected", "--covlint-base", "main")
    assert "covlint: 1 of 6 tests selected" in out
    assert "FAILED tests/unit/test_other.py::test_greet" in out


def test_test_function_contexts_select_classes_and_parametrisations(tmp_path: Path) -> None:
    repo = make_project(tmp_path / "tf", context_format="test_function")
    edit(repo, "pkg/calc.py", "return self.size", "return 1 + self.size")
    edit(repo, "pkg/calc.py", "if x > 0:", "if x >= 0:")
    out = pytest_run(repo, "--covlint-affected", "-v")
    assert "covlint: 3 of 6 tests selected by covlint (2 changed statements)" in out
    assert "tests/test_calc.py::TestBox::test_area FAILED" in out
    assert "tests/test_calc.py::test_sign[1-1] PASSED" in out


def test_test_function_contexts_of_an_inherited_test(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "inherit")
    base = "from pkg.other import greet\n\n\nclass Shared:\n    def test_greet(self):\n"
    base += "        assert greet('a') == 'hi a'\n"
    child = "from shared import Shared\n\n\nclass TestChild(Shared):\n    pass\n"
    repo.commit_files(
        {
            "pkg/__init__.py": "",
            "pkg/other.py": "def greet(name):\n    return 'hi ' + name\n",
            "tests/shared.py": base,
            "tests/test_child.py": child,
            "pkg/plain.py": "def one():\n    return 1\n",
            "tests/test_plain.py": "from pkg.plain import one\n\n\ndef test_plain():\n    one()\n",
            ".coveragerc": RCFILE + TEST_FUNCTION,
        }
    )
    run(repo.root, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    edit(repo, "pkg/other.py", "'hi '", "''")  # the context names shared.Shared.test_greet
    out = pytest_run(repo, "--covlint-affected", "-v")
    assert "covlint: 1 of 2 tests selected" in out
    assert "tests/test_child.py::TestChild::test_greet FAILED" in out


def test_the_entry_point_is_declared() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    plugins = pyproject["project"]["entry-points"]["pytest11"]
    assert plugins["covlint_affected"] == "covlint.plugin_affected"


SUBPROCESS_TEST = """\
import subprocess
import sys


def test_calc_in_a_child():
    done = subprocess.run([sys.executable, "-c", "import pkg.calc; assert pkg.calc.double(2) == 4"])
    assert done.returncode == 0
"""


def test_a_test_that_ran_no_measured_line_is_never_deselected(tmp_path: Path) -> None:
    """Its code ran in a child coverage did not measure: no context can rule it out."""
    repo = make_project(tmp_path / "proj")
    repo.commit_files({"tests/test_child.py": SUBPROCESS_TEST}, "a test that runs a child")
    record(repo)
    edit(repo, "pkg/calc.py", "return x * RATE\n", "return x * RATE + 1\n")
    out = pytest_run(repo, "--covlint-affected")
    assert "FAILED tests/test_child.py::test_calc_in_a_child" in out
    assert "tests/test_calc.py::test_double" in out or "FAILED tests/test_calc.py" in out
