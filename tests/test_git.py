from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from covlint import git, git_calls
from covlint.errors import GitError, NotARepository
from tests.gitrepo import GitRepo


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo.init(tmp_path / "repo")


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder that is surely not inside any repository."""
    folder = tmp_path / "plain"
    folder.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    return folder


def test_run_git_returns_stdout_bytes(repo: GitRepo) -> None:
    assert git.run_git(repo.root, "rev-parse", "--is-inside-work-tree") == b"true\n"


def test_git_never_reads_covlints_own_stdin(repo: GitRepo) -> None:
    """In the language server stdin is the client's pipe: a git reading it would eat messages."""
    script = (
        "import sys; from pathlib import Path; from covlint import git;"
        f" out = git.run_git(Path({str(repo.root)!r}), 'hash-object', '--stdin');"
        " sys.stdout.write(out.decode())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], input=b"a client's message", capture_output=True, check=True
    )
    empty_blob = git.run_git(repo.root, "hash-object", "--stdin", stdin=b"").decode()
    assert done.stdout.decode() == empty_blob


def test_run_git_logs_each_command_at_debug(
    repo: GitRepo, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="covlint.git"):
        git.run_git(repo.root, "status", "--porcelain")
    [record] = caplog.records
    assert record.levelno == logging.DEBUG
    assert "core.quotepath=off" in record.getMessage()
    assert "status --porcelain" in record.getMessage()


def test_git_command_forces_neutral_output_config() -> None:
    command = git_calls.git_command("diff")
    assert command[-1] == "diff"
    settings = {command[i + 1] for i, arg in enumerate(command) if arg == "-c"}
    assert {
        "core.quotepath=off",
        "diff.noprefix=false",
        "diff.mnemonicprefix=false",
        "color.ui=never",
        "diff.external=",
    } <= settings


def test_missing_git_is_a_clear_error(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(GitError, match=r"^git not found on PATH: install git or add it to PATH$"):
        git.repo_root(repo.root)


def test_not_a_repository(outside: Path) -> None:
    with pytest.raises(GitError, match=f"^not a git repository: {re.escape(str(outside))}$"):
        git.repo_root(outside)
    with pytest.raises(GitError, match=r"^not a git repository: "):
        git.run_git(outside, "rev-parse", "HEAD")


def test_missing_folder_is_not_a_repository(outside: Path) -> None:
    with pytest.raises(GitError, match=r"^not a git repository: .*gone$"):
        git.repo_root(outside / "gone")
    with pytest.raises(GitError, match=r"^not a git repository: .*gone$"):
        git.run_git(outside / "gone", "status")


def test_other_failures_carry_gits_first_stderr_line(repo: GitRepo) -> None:
    repo.commit_files({"a.py": "a = 1\n"})
    with pytest.raises(GitError, match=r"^git cat-file blob failed: fatal: .*nope"):
        git.run_git(repo.root, "cat-file", "blob", "HEAD:nope")


def test_repo_root_from_a_subfolder_and_a_file(repo: GitRepo) -> None:
    repo.write("pkg/sub/mod.py", "x = 1\n")
    assert git.repo_root(repo.path("pkg/sub")) == repo.root.resolve()
    assert git.repo_root(repo.path("pkg/sub/mod.py")) == repo.root.resolve()


def test_repo_root_with_unicode_and_spaces(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "my prøject")
    assert git.repo_root(repo.root) == repo.root.resolve()


def test_top_and_head_in_one_call(repo: GitRepo, caplog: pytest.LogCaptureFixture) -> None:
    repo.write("pkg/sub/mod.py", "x = 1\n")
    assert git.top_and_head(repo.path("pkg/sub")) == (repo.root.resolve(), None)
    first = repo.commit_files({"a.py": "a = 1\n"})
    with caplog.at_level(logging.DEBUG, logger="covlint.git"):
        found = git.top_and_head(repo.path("pkg/sub/mod.py"))
    assert found == (repo.root.resolve(), first)
    assert len([r for r in caplog.records if r.getMessage().startswith("running")]) == 1


def test_top_and_head_outside_a_repository(outside: Path) -> None:
    with pytest.raises(NotARepository, match=r"^not a git repository: "):
        git.top_and_head(outside)


def test_head_commit_is_none_before_the_first_commit(repo: GitRepo) -> None:
    assert git.head_commit(repo.root) is None
    first = repo.commit_files({"a.py": "a = 1\n"})
    assert git.head_commit(repo.root) == first


def test_resolve_gives_full_commit_ids(repo: GitRepo) -> None:
    first = repo.commit_files({"a.py": "a = 1\n"})
    repo.git("tag", "v1")
    assert git.resolve(repo.root, "HEAD") == first
    assert git.resolve(repo.root, "v1") == first
    assert git.resolve(repo.root, first[:8]) == first
    assert len(first) == 40


def test_resolve_unknown_ref_names_it(repo: GitRepo) -> None:
    repo.commit_files({"a.py": "a = 1\n"})
    with pytest.raises(GitError, match=r"^unknown git ref 'origin/nope': "):
        git.resolve(repo.root, "origin/nope")


def test_resolve_refuses_option_like_refs(repo: GitRepo) -> None:
    repo.commit_files({"a.py": "a = 1\n"})
    with pytest.raises(GitError, match=r"^not a valid git ref: '--all'$"):
        git.resolve(repo.root, "--all")


def test_merge_base_of_a_branch(repo: GitRepo) -> None:
    base = repo.commit_files({"a.py": "a = 1\n"}, "base")
    repo.switch("feature", create=True)
    repo.commit_files({"b.py": "b = 1\n"}, "feature work")
    repo.switch("main")
    repo.commit_files({"c.py": "c = 1\n"}, "main moves on")
    repo.switch("feature")
    assert git.merge_base(repo.root, "main") == base
    assert git.merge_base(repo.root, "main", "feature") == base


def test_merge_base_unknown_ref(repo: GitRepo) -> None:
    repo.commit_files({"a.py": "a = 1\n"})
    with pytest.raises(GitError, match=r"^unknown git ref 'upstream/main'"):
        git.merge_base(repo.root, "upstream/main")


def test_merge_base_of_unrelated_histories(repo: GitRepo) -> None:
    repo.commit_files({"a.py": "a = 1\n"})
    repo.git("switch", "--quiet", "--orphan", "other")
    repo.commit_files({"b.py": "b = 1\n"})
    with pytest.raises(GitError, match=r"^no common ancestor between 'main' and 'HEAD'$"):
        git.merge_base(repo.root, "main")


def test_read_blobs_from_index_and_commits(repo: GitRepo) -> None:
    first = repo.commit_files({"dir/a b.py": "one\n"})
    repo.write("dir/a b.py", "two\n")
    repo.stage("dir/a b.py")
    repo.write("dir/a b.py", "three\n")
    assert git.read_index_blob(repo.root, "dir/a b.py") == b"two\n"
    assert git.read_commit_blob(repo.root, first, "dir/a b.py") == b"one\n"


def test_read_blobs_in_one_batch(repo: GitRepo) -> None:
    first = repo.commit_files({"a.py": "a\r\nb", "b.bin": b"\x00\xff\n"})
    blob = repo.git("rev-parse", f"{first}:b.bin")
    names = [f"{first}:a.py", blob, f"{first}:missing.py", f"{first}:", "HEAD:a.py"]
    assert git.read_blobs(repo.root, names) == [b"a\r\nb", b"\x00\xff\n", None, None, b"a\r\nb"]
    assert git.read_blobs(repo.root, []) == []


def test_empty_tree_and_null_oid(repo: GitRepo) -> None:
    assert git.empty_tree(repo.root) == "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    assert git.is_null_oid("0" * 40)
    assert not git.is_null_oid("0" * 39 + "1")
    assert not git.is_null_oid("0")


def test_ref_helpers_outside_a_repository(outside: Path) -> None:
    for call in (
        lambda: git.head_commit(outside),
        lambda: git.resolve(outside, "HEAD"),
        lambda: git.merge_base(outside, "main"),
    ):
        with pytest.raises(GitError, match=r"^not a git repository: "):
            call()


@pytest.mark.parametrize("content", [b"", b"x = 1\n", "é\r\n".encode() * 1000])
def test_blob_id_is_gits_own(repo: GitRepo, content: bytes) -> None:
    expected = repo.git_bytes("hash-object", "--stdin", stdin=content).decode().strip()
    assert git.blob_id(content) == expected
    assert git.blob_id(content, 64) is not None
    assert git.blob_id(content, 12) is None
