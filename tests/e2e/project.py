"""The project every editor opens: two commits, then a real `coverage run --branch -m pytest`."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

BASE_CALC = '''\
"""A small module measured by a real coverage run."""


def classify(n):
    if n < 0:
        return "negative"
    if n == 0:
        return "zero"
    return "positive"


def total(items):
    result = 0
    for item in items:
        if item:
            result += item
    return result
'''

# Added in the second commit: what diff scope (base HEAD~1) reports on.
NEW_CALC = """

def describe(n):
    label = classify(n)
    if label == "zero":
        return "nothing"
    return label.upper()


def unused(x):
    doubled = x * 2
    return doubled
"""

TESTS = """\
from calc import classify, describe, total


def test_classify():
    assert classify(5) == "positive"
    assert classify(-1) == "negative"


def test_total():
    assert total([1, 2]) == 3


def test_describe():
    assert describe(3) == "POSITIVE"
"""

PYPROJECT = """\
[project]
name = "e2e-fixture"
version = "0"

[tool.coverage.run]
branch = true
"""

# The file the editors open, and the ref diff scope compares with.
OPENED = "calc.py"
BASE_REF = "HEAD~1"


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed in {cwd}:\n{done.stdout}{done.stderr}")


def _git(root: Path, *args: str) -> None:
    _run(["git", "-c", "user.name=e2e", "-c", "user.email=e2e@example.com", *args], root)


def _clean_env() -> dict[str, str]:
    """The environment for the inner coverage run, free of the outer run's coverage/pytest setup."""
    env = dict(os.environ)
    for name in (
        "COVERAGE_PROCESS_START",
        "COV_CORE_SOURCE",
        "COV_CORE_CONFIG",
        "COV_CORE_DATAFILE",
        "COVERAGE_FILE",
        "COVERAGE_RCFILE",
        "PYTEST_ADDOPTS",
        "PYTHONPATH",
    ):
        env.pop(name, None)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the fixture's tests need no plugins; 6x faster
    return env


def make_project(root: Path) -> Path:
    """Write, commit twice and measure the fixture project under `root`; return `root`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / ".gitignore").write_text(".coverage\n.coverage.*\n__pycache__/\n.pytest_cache/\n")
    (root / OPENED).write_text(BASE_CALC)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "--no-gpg-sign", "--no-verify", "-m", "base")
    (root / OPENED).write_text(BASE_CALC + NEW_CALC)
    (root / "test_calc.py").write_text(textwrap.dedent(TESTS))
    _git(root, "add", ".")
    _git(root, "commit", "-q", "--no-gpg-sign", "--no-verify", "-m", "describe, unused")
    pytest_args = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "test_calc.py"]
    _run(
        [sys.executable, "-m", "coverage", "run", "--branch", "-m", "pytest", *pytest_args],
        root,
        _clean_env(),
    )
    assert (root / ".coverage").is_file(), "coverage run wrote no .coverage"
    return root
