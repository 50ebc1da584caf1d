"""A small project in a real git repository, its tests recorded with test contexts for real.

Two recordings: pytest-cov's `--cov-context=test` and coverage's `dynamic_context =
test_function` (run as `coverage run -m pytest`). Each test works on a copy (mtimes and the
reflog kept), so edits after the recording are what `covlint affected` selects for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.gitrepo import GitRepo

CALC = """\
RATE = 2


def double(x):
    return x * RATE


def sign(x):
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0


def unused(x):
    return x + 1


class Box:
    '''A box: its size is fixed.'''

    size = 3

    def area(self):
        return self.size * self.size
"""
OTHER = """\
def greet(name):
    return "hi " + name
"""
TEST_CALC = """\
import pytest

from pkg.calc import Box, double, sign


def test_double():
    assert double(2) == 4


@pytest.mark.parametrize(("x", "s"), [(1, 1), (-1, -1)])
def test_sign(x, s):
    assert sign(x) == s


class TestBox:
    def test_area(self):
        assert Box().area() == 9
"""
TEST_OTHER = """\
from pkg.other import greet


def test_greet():
    assert greet("a") == "hi a"


def test_lazy():
    from pkg.lazy import limit  # imported inside a test only

    assert limit() == 10
"""
LAZY = """\
LIMIT = 10


def limit():
    return LIMIT
"""
IMPORTED = """\
FLAG = True


def never():
    return 1
"""
FILES = {
    "pkg/__init__.py": "from pkg import imported as imported\n",
    "pkg/imported.py": IMPORTED,
    "pkg/unrun.py": "VALUE = 1\n",
    "pkg/lazy.py": LAZY,
    "pkg/calc.py": CALC,
    "pkg/other.py": OTHER,
    "tests/test_calc.py": TEST_CALC,
    "tests/unit/test_other.py": TEST_OTHER,
    ".gitignore": ".coverage\n",
}
ALL_TESTS = 6
RCFILE = "[run]\nrelative_files = true\nbranch = true\nsource = pkg\n"
TEST_FUNCTION = "dynamic_context = test_function\n"


def pytest_env() -> dict[str, str]:
    """Only the plugins a test names, and none of the outer run's coverage settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE_", "COVERAGE_"))}
    env.pop("PYTEST_ADDOPTS", None)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return env


def run(
    root: Path, *command: str, env: dict[str, str] | None = None, codes: tuple[int, ...] = (0, 1)
) -> str:
    """Run `python COMMAND` in `root`; its output (the exit code must be one of `codes`)."""
    done = subprocess.run(
        [sys.executable, *command],
        cwd=root,
        env=env or pytest_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode in codes, f"exit {done.returncode}: {done.stdout}{done.stderr}"
    return done.stdout + done.stderr


def make_project(root: Path, *, context_format: str = "pytest-cov") -> GitRepo:
    """The project committed, then its tests recorded in the format asked for.

    "none": no contexts; "absolute": pytest-cov contexts, paths recorded absolute.
    """
    repo = GitRepo.init(root)
    rcfile = RCFILE + (TEST_FUNCTION if context_format == "test_function" else "")
    if context_format == "absolute":
        rcfile = rcfile.replace("relative_files = true", "relative_files = false")
    repo.commit_files({**FILES, ".coveragerc": rcfile}, "start")
    record(repo, context_format)
    return repo


def record(repo: GitRepo, context_format: str = "pytest-cov") -> None:
    quiet = ("-q", "-p", "no:cacheprovider")
    if context_format in ("pytest-cov", "absolute"):
        args = ("-m", "pytest", *quiet, "-p", "pytest_cov", "--cov", "--cov-report=")
        run(repo.root, *args, "--cov-context=test")
    elif context_format == "test_function":
        run(repo.root, "-m", "coverage", "run", "-m", "pytest", *quiet)
    else:
        run(repo.root, "-m", "pytest", *quiet, "-p", "pytest_cov", "--cov", "--cov-report=")


def copy_of(repo: GitRepo, where: Path) -> GitRepo:
    """The recorded project at `where`, file times kept (unchanged files are what ran)."""
    shutil.copytree(repo.root, where, symlinks=True)
    return GitRepo(where)


def edit(repo: GitRepo, path: str, old: str, new: str) -> None:
    text = repo.read(path).decode()
    assert old in text, f"{old!r} not in {path}"
    repo.write(path, text.replace(old, new, 1))
