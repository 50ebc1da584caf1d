"""A git repository with an `app/` package, its pytest tests and real `--cov-context=test` data."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from covlint.mutate_cli import main
from tests.covproject import clean_env
from tests.gitrepo import GitRepo

PYPROJECT = """\
[tool.covlint.mutate]
timeout = 1
timeout-factor = 2
"""


class MutateProject:
    """Sources and tests in a real repo; `record()` runs pytest-cov on them for real."""

    def __init__(self, root: Path, pyproject: str = PYPROJECT) -> None:
        self.root = root
        self.repo = GitRepo.init(root)
        self.write(".gitignore", ".coverage\n")
        self.write("pyproject.toml", pyproject)
        self.write("app/__init__.py", "")

    def write(self, path: str, text: str) -> None:
        self.repo.write(path, textwrap.dedent(text))

    def commit_all(self, message: str = "commit") -> str:
        self.repo.stage_all()
        return self.repo.commit(message)

    def record(self, *, contexts: bool = True) -> None:
        """`pytest --cov=app --cov-context=test` on the working tree, writing `.coverage`."""
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--cov=app"]
        context = ["--cov-context=test"] if contexts else []
        done = subprocess.run(
            [*command, *context, "--cov-report="],
            cwd=self.root,
            env=clean_env({"PYTHONDONTWRITEBYTECODE": "1"}),
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def mutate(self, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        """`covlint mutate ARGV` in the repo: exit code, stdout, stderr."""
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(self.root)
            code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    def mutate_json(self, *argv: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
        code, out, err = self.mutate("--format", "json", *argv, capsys=capsys)
        assert out, f"no JSON on stdout (exit {code}); stderr: {err}"
        result: dict[str, Any] = json.loads(out)
        result["exit"] = code
        return result

    def snapshot(self) -> dict[str, tuple[int, bytes]]:
        """Every file's mtime and bytes, `.git` included: proof that nothing was written."""
        return {
            str(p.relative_to(self.root)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(self.root.rglob("*"))
            if p.is_file()
        }


def outcomes(results: dict[str, Any]) -> dict[tuple[int, str, str], str]:
    """(line, original, mutated) -> outcome, for every mutant in a results document."""
    return {(m["line"], m["original"], m["mutated"]): m["outcome"] for m in results["mutants"]}
