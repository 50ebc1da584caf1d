"""Fixture projects with real coverage data: write files, run coverage.py on them for real."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

OUTER_COVERAGE_VARIABLES = (
    "COVERAGE_PROCESS_START",
    "COVERAGE_PROCESS_CONFIG",
    "COV_CORE_SOURCE",
    "COVERAGE_FILE",
    "COVERAGE_RCFILE",
)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the outer test run's coverage measurement."""
    env = {k: v for k, v in os.environ.items() if k not in OUTER_COVERAGE_VARIABLES}
    env.update(extra or {})
    return env


class CovProject:
    """A project folder whose `.coverage` comes from really running coverage.py."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def write(self, path: str, text: str, *, dedent: bool = True) -> Path:
        """Write `text` (dedented) to `path` under the root, creating folders."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text) if dedent else text, encoding="utf-8")
        return target

    def coverage(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run `python -m coverage ARGS` in the project; return stdout, raise on failure."""
        run_env = clean_env(env)  # the outer run's coverage stays out of fixtures
        done = subprocess.run(
            [sys.executable, "-m", "coverage", *args],
            cwd=self.root,
            env=run_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"coverage {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def run(self, script: str = "run_tests.py", *, branch: bool = True, **kw: str) -> None:
        """Measure `script` with coverage (branch on by default), writing `.coverage`."""
        args = ["run", "--branch"] if branch else ["run"]
        self.coverage(*args, script, env=dict(kw))

    def json_report(self) -> dict[str, object]:
        """What `coverage json` reports for the same data."""
        import json

        self.coverage("json", "-o", "coverage.json", "--show-contexts")
        data = json.loads((self.root / "coverage.json").read_text())
        (self.root / "coverage.json").unlink()
        assert isinstance(data, dict)
        return data
