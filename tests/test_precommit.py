"""The hook under the real `pre-commit`: the manifest, a passing and a blocked commit, stashing."""

from __future__ import annotations

import marshal
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.covproject import clean_env
from tests.gateproject import GateProject

PROJECT_ROOT = Path(__file__).resolve().parents[1]
APP = "def double(x):\n    return x * 2\n"
TRIPLE = APP + "\n\ndef triple(x):\n    return x * 3\n"
LOCAL_CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: covlint
        name: covlint
        entry: {entry} check
        language: system
        pass_filenames: false
        always_run: true
"""


def covlint_entry() -> str:
    """The covlint console script installed next to this interpreter."""
    script = Path(sys.executable).with_name("covlint")
    return str(script) if script.exists() else str(shutil.which("covlint"))


def pre_commit(project: GateProject, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env({"PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"})
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> GateProject:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("app/core.py", APP)
    project.write(".pre-commit-config.yaml", LOCAL_CONFIG.format(entry=covlint_entry()))
    project.write("run_tests.py", "from app.core import double\ndouble(2)\n")
    project.commit_all("start")
    return project


def manifest() -> dict[str, dict[str, object]]:
    hooks = yaml.safe_load((PROJECT_ROOT / ".pre-commit-hooks.yaml").read_text())
    return {hook["id"]: hook for hook in hooks}


def test_every_hook_is_documented() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert set(manifest()) == {"covlint", "covlint-mutate"}
    for hook_id in manifest():
        assert f"id: {hook_id}\n" in readme


def test_mutate_hook_runs_on_push_or_by_hand() -> None:
    hook = manifest()["covlint-mutate"]
    assert hook["entry"] == "covlint mutate"
    assert hook["stages"] == ["manual", "pre-push"]
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is True


def test_manifest_matches_the_console_script() -> None:
    hook = manifest()["covlint"]
    assert hook["id"] == "covlint"
    assert hook["entry"] == "covlint check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is True
    assert hook["stages"] == ["pre-commit", "pre-push"]
    assert "minimum_pre_commit_version" in hook
    assert f"id: {hook['id']}" in (PROJECT_ROOT / "README.md").read_text()


def test_try_repo_blocks_then_passes(project: GateProject, tmp_path: Path) -> None:
    """pre-commit installs covlint from this repository's manifest and runs it on staged code."""
    project.write("app/core.py", TRIPLE)
    project.repo.stage("app/core.py")
    project.record("from app.core import double\ndouble(1)\n")
    home = tmp_path / "pre-commit-home"
    blocked = pre_commit(project, "try-repo", str(PROJECT_ROOT), "covlint", "--verbose", home=home)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "app/core.py: 50% of 2 changed lines covered\n  not run: line 6\n" in blocked.stdout
    project.record("from app.core import triple\ntriple(1)\n")
    passed = pre_commit(project, "try-repo", str(PROJECT_ROOT), "covlint", home=home)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_git_commit_runs_the_hook(project: GateProject, tmp_path: Path) -> None:
    home = tmp_path / "pre-commit-home"
    assert pre_commit(project, "install", home=home).returncode == 0
    project.write("app/core.py", TRIPLE)
    project.repo.stage("app/core.py")
    project.record("from app.core import double\ndouble(1)\n")
    env = clean_env({"PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"})
    commit = subprocess.run(
        ["git", "commit", "-m", "triple", "--no-gpg-sign"],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert commit.returncode == 1
    assert "  not run: line 6\n" in commit.stdout + commit.stderr
    project.record("from app.core import triple\ntriple(1)\n")
    commit = subprocess.run(
        ["git", "commit", "-m", "triple", "--no-gpg-sign"],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert commit.returncode == 0, commit.stdout + commit.stderr


def test_partially_staged_file_under_pre_commit_stash(project: GateProject, tmp_path: Path) -> None:
    """pre-commit sets unstaged changes aside (rewriting the file): never a wrong line."""
    project.write("app/core.py", TRIPLE)
    project.repo.stage("app/core.py")
    project.write("app/core.py", "A = 1\nB = 2\nC = 3\n" + TRIPLE)
    project.record("from app.core import double\ndouble(1)\n")
    home = tmp_path / "pre-commit-home"
    result = pre_commit(project, "run", "covlint", "--verbose", home=home)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "app/core.py has unstaged changes that pre-commit set aside" in output
    assert "line 9" not in output  # the working tree's numbers must not leak into a verdict
    assert (project.root / "app/core.py").read_text().startswith("A = 1\n")  # restored


def test_pre_commit_stash_is_judged_when_the_run_was_recorded(
    project: GateProject, tmp_path: Path
) -> None:
    """With the text that ran known (the pytest plugin's record), the stashed file is judged on
    its staged content, numbered as staged: the working tree's numbers never leak."""
    project.write("app/core.py", TRIPLE)
    project.repo.stage("app/core.py")
    project.write("app/core.py", "A = 1\nB = 2\nC = 3\n" + TRIPLE)
    project.record_with_pytest("from app.core import double\n\ndef test_it():\n    double(1)\n")
    home = tmp_path / "pre-commit-home"
    result = pre_commit(project, "run", "covlint", "--verbose", home=home)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "app/core.py: 50% of 2 changed lines covered\n  not run: line 6\n" in output
    assert "line 9" not in output
    assert (project.root / "app/core.py").read_text().startswith("A = 1\n")  # restored


def test_a_retried_commit_replays_the_gates_kept_verdict(
    project: GateProject, tmp_path: Path
) -> None:
    """`git commit` again with nothing changed: the hook prints the verdict it kept, judging
    nothing (seen here by a kept report edited in between)."""
    home, cache = tmp_path / "pre-commit-home", tmp_path / "covlint-cache"
    assert pre_commit(project, "install", home=home).returncode == 0
    project.write("app/core.py", TRIPLE)
    project.repo.stage("app/core.py")
    project.record("from app.core import double\ndouble(1)\n")
    time.sleep(0.6)  # past the replay's margin: files changed just before a run keep nothing
    env = clean_env(
        {"PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "COVLINT_CACHE_DIR": str(cache)}
    )

    def commit() -> subprocess.CompletedProcess[str]:
        command = ["git", "commit", "-m", "triple", "--no-gpg-sign"]
        return subprocess.run(
            command, cwd=project.root, env=env, capture_output=True, text=True, check=False
        )

    first = commit()
    [kept] = (cache / "verdicts").iterdir()
    entry = marshal.loads(kept.read_bytes())
    entry["stdout"] = entry["stdout"].replace("not run: line 6", "not run: line 6 (replayed)")
    kept.write_bytes(marshal.dumps(entry))

    again = commit()

    assert first.returncode == again.returncode == 1
    assert "  not run: line 6\n" in first.stdout + first.stderr
    assert "  not run: line 6 (replayed)\n" in again.stdout + again.stderr
