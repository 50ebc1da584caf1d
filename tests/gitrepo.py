"""Real git repositories in temporary folders, for tests (never mock git).

    from tests.gitrepo import GitRepo

    def test_something(tmp_path):
        repo = GitRepo.init(tmp_path / "repo")
        repo.write("src/app.py", "x = 1\\n")
        repo.stage("src/app.py")
        first = repo.commit("add app")

The helper's own git calls ignore the developer's global and system git configuration (so a
`commit.gpgsign`, `core.autocrlf` or hook set there cannot change a test's repository), and
commit with `--no-gpg-sign --no-verify`. The code under test still runs git normally: a test
that wants hostile configuration writes it itself (see `GitRepo.config`).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def helper_env() -> dict[str, str]:
    """The environment of the helper's git calls: no global or system config, fixed dates."""
    env = dict(os.environ)
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_DATE="2024-01-01T00:00:00+0000",
        GIT_COMMITTER_DATE="2024-01-01T00:00:00+0000",
        LC_ALL="C",
    )
    return env


class GitRepo:
    """A git repository in a folder, with short verbs for the steps tests need."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def init(cls, root: Path, *, branch: str = "main") -> GitRepo:
        """Create `root` (and parents) and a repository in it, with a local user name/email."""
        root.mkdir(parents=True, exist_ok=True)
        repo = cls(root)
        repo.git("init", "--quiet", f"--initial-branch={branch}")
        repo.config("user.name", "Covlint Tests")
        repo.config("user.email", "tests@covlint.invalid")
        return repo

    def git_bytes(self, *args: str, stdin: bytes | None = None) -> bytes:
        """Run git in the repository; return stdout as bytes; raise if git fails."""
        result = subprocess.run(
            ["git", *args],
            cwd=self.root,
            input=stdin,
            capture_output=True,
            env=helper_env(),
            check=False,
        )
        if result.returncode != 0:
            message = result.stderr.decode(errors="replace")
            raise AssertionError(f"git {' '.join(args)} failed: {message}")
        return result.stdout

    def git(self, *args: str) -> str:
        """Run git in the repository; return stdout as text without the final newline."""
        return self.git_bytes(*args).decode("utf-8", "surrogateescape").rstrip("\n")

    def config(self, key: str, value: str) -> None:
        """Set `key` in the repository's own config (.git/config)."""
        self.git("config", "--local", key, value)

    def path(self, rel: str) -> Path:
        """The absolute path of repo-relative `rel` (forward slashes)."""
        return self.root / rel

    def write(self, rel: str, content: str | bytes) -> Path:
        """Write a file (parents created); text is written as UTF-8 byte for byte."""
        target = self.path(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        target.write_bytes(data)
        return target

    def read(self, rel: str) -> bytes:
        """The working-tree bytes of a file."""
        return self.path(rel).read_bytes()

    def remove(self, rel: str) -> None:
        """Delete a working-tree file (not staged: call `stage` for that)."""
        self.path(rel).unlink()

    def make_executable(self, rel: str) -> None:
        """Set the file's executable bits (a mode-only change once staged)."""
        target = self.path(rel)
        target.chmod(target.stat().st_mode | 0o111)

    def stage(self, *paths: str) -> None:
        """`git add` the given paths (deletions included)."""
        self.git("add", "--all", "--", *paths)

    def stage_all(self) -> None:
        """`git add --all`: every change in the working tree, untracked files included."""
        self.git("add", "--all")

    def move(self, old: str, new: str) -> None:
        """`git mv`: rename a tracked file and stage the rename."""
        self.path(new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", "--", old, new)

    def commit(self, message: str = "commit", *, allow_empty: bool = False) -> str:
        """Commit what is staged (no signing, no hooks); return the new commit's id."""
        extra = ["--allow-empty"] if allow_empty else []
        self.git("commit", "--quiet", "--no-gpg-sign", "--no-verify", "-m", message, *extra)
        return self.rev("HEAD")

    def commit_files(self, files: dict[str, str | bytes], message: str = "commit") -> str:
        """Write, stage and commit `files` in one step; return the commit id."""
        for rel, content in files.items():
            self.write(rel, content)
        self.stage(*files)
        return self.commit(message)

    def rev(self, ref: str = "HEAD") -> str:
        """The full commit id of `ref`."""
        return self.git("rev-parse", "--verify", f"{ref}^{{commit}}")

    def switch(self, branch: str, *, create: bool = False, start: str | None = None) -> None:
        """Switch to `branch` (`create=True`: make it, from `start` or HEAD)."""
        args = ["switch", "--quiet"] + (["--create"] if create else []) + [branch]
        self.git(*args, *([start] if start else []))

    def add_submodule(self, rel: str, files: dict[str, str] | None = None) -> GitRepo:
        """Make a nested repository at `rel` with one commit, and stage it as a gitlink."""
        sub = GitRepo.init(self.path(rel))
        sub.commit_files(files or {"README": "submodule\n"}, "submodule start")
        self.git("-c", "advice.addEmbeddedRepo=false", "add", "--", rel)
        return sub
