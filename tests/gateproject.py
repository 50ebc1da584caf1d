"""A git repository whose coverage data comes from really running coverage.py: the gate's world."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from covlint.hooks.check import main
from tests.covproject import CovProject, clean_env
from tests.gitrepo import GitRepo

RCFILE = """\
[run]
branch = true
relative_files = true
source = app
"""


class GateProject:
    """A repo with `app/` sources, a `run_tests.py` driver and real `.coverage` data."""

    def __init__(self, root: Path) -> None:
        self.repo = GitRepo.init(root)
        self.cov = CovProject(root)
        self.root = root
        self.repo.write(".coveragerc", RCFILE)
        self.repo.write(".gitignore", ".coverage\n.coverage.*\nrun_tests.py\ntest_run.py\n")

    def write(self, path: str, text: str) -> None:
        self.repo.write(path, textwrap.dedent(text))

    def commit_all(self, message: str = "commit") -> str:
        self.repo.stage_all()
        return self.repo.commit(message)

    def record(self, driver: str, *, branch: bool = True) -> None:
        """Run `driver` (the tests) under coverage, on the working tree as it is now."""
        self.write("run_tests.py", driver)
        self.cov.run("run_tests.py", branch=branch)

    def record_with_pytest(self, test_source: str) -> None:
        """Run `test_run.py` under pytest-cov with covlint's measured-text plugin, for real."""
        self.write("test_run.py", test_source)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        command += ["-p", "pytest_cov", "-p", "covlint.plugin_measured", "--cov", "--cov-report="]
        env = clean_env({"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
        env.pop("PYTEST_ADDOPTS", None)
        done = subprocess.run(
            [*command, "test_run.py"],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def check(self, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        """Run `covlint check ARGV` in the repo; return exit code, stdout, stderr."""
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(self.root)
            code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    def check_json(
        self, *argv: str, capsys: pytest.CaptureFixture[str]
    ) -> tuple[int, dict[str, object]]:
        code, out, err = self.check("--format", "json", *argv, capsys=capsys)
        assert out, f"no JSON on stdout; stderr: {err}"
        return code, json.loads(out)

    def snapshot(self) -> dict[str, tuple[int, bytes]]:
        """Every file's mtime and bytes (outside .git), to prove nothing was written."""
        return {
            str(p.relative_to(self.root)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(self.root).parts
        }


def staged_project(root: Path) -> GateProject:
    """A recorded project with one new module staged: one branch taken, one missed."""
    project = GateProject(root)
    project.write("app/__init__.py", "")
    project.write("run_tests.py", "")
    project.commit_all("start")
    project.write("app/m.py", "def f(x):\n    if x:\n        return 1\n    return 2\n")
    project.repo.stage_all()
    project.record("import app.m\napp.m.f(1)\n")
    return project
