from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from covlint.changes import ChangeSet, base_changes, range_changes, staged_changes
from covlint.diff import ChangedFile
from covlint.errors import GitError
from tests.gitrepo import GitRepo

OLD = "import os\n\n\ndef old():\n    return 1\n"
NEW_FUNCTION = "\n\ndef new(x):\n    if x:\n        return 2\n    return 3\n"
TOP = "# one\n# two\n# three\n"
HOSTILE = {
    "diff.noprefix": "true",
    "diff.mnemonicprefix": "true",
    "diff.srcPrefix": "x/",
    "diff.dstPrefix": "y/",
    "color.ui": "always",
    "color.diff": "always",
    "diff.external": "/bin/false",
    "core.quotepath": "true",
    "diff.relative": "true",
    "diff.renames": "false",
    "diff.context": "7",
    "diff.interHunkContext": "30",
    "diff.submodule": "log",
    "diff.algorithm": "patience",
    "diff.suppressBlankEmpty": "true",
    "core.pager": "cat -A",
    "pager.diff": "true",
}


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit_files({"app.py": OLD}, "base")
    return repo


def by_path(changes: ChangeSet) -> dict[str, ChangedFile]:
    return {change.path: change for change in changes.files}


def mapped(changes: ChangeSet, path: str, lines: list[int]) -> list[int | None]:
    line_map = changes.to_worktree(path)
    return [line_map.map(line) for line in lines]


def test_staged_against_head(repo: GitRepo) -> None:
    repo.write("app.py", OLD + NEW_FUNCTION)
    repo.write("pkg/util.py", "X = 1\n")
    repo.stage("app.py", "pkg/util.py")
    repo.write("unstaged.py", "not staged\n")
    changes = staged_changes(repo.root)
    assert changes.kind == "index"
    assert changes.base == repo.rev()
    assert changes.files == [
        ChangedFile("app.py", None, "modified", frozenset(range(6, 12))),
        ChangedFile("pkg/util.py", None, "added", frozenset({1})),
    ]
    assert changes.target_text("app.py") == (OLD + NEW_FUNCTION).encode()
    assert mapped(changes, "app.py", [1, 6, 11, 12]) == [1, 6, 11, 12]


def test_staged_before_the_first_commit(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "fresh")
    repo.write("first.py", "a = 1\nb = 2\n")
    repo.stage("first.py")
    changes = staged_changes(repo.root)
    assert changes.base == repo.git("hash-object", "-t", "tree", "/dev/null")
    assert changes.files == [ChangedFile("first.py", None, "added", frozenset({1, 2}))]
    assert changes.target_text("first.py") == b"a = 1\nb = 2\n"
    repo.write("first.py", TOP + "a = 1\nb = 2\n")
    assert mapped(changes, "first.py", [1, 2]) == [4, 5]


def test_nothing_staged(repo: GitRepo) -> None:
    repo.write("app.py", OLD + "x = 1\n")
    assert staged_changes(repo.root).files == []


def test_staged_changes_from_a_subfolder(repo: GitRepo) -> None:
    repo.write("deep/er/mod.py", "m = 1\n")
    repo.stage("deep/er/mod.py")
    changes = staged_changes(repo.path("deep/er"))
    assert changes.root == repo.root.resolve()
    assert [f.path for f in changes.files] == ["deep/er/mod.py"]


def test_partially_staged_file_maps_staged_lines_to_the_worktree(repo: GitRepo) -> None:
    repo.write("app.py", OLD + NEW_FUNCTION)
    repo.stage("app.py")
    edited = (OLD + NEW_FUNCTION).replace("    return 3\n", "    return 4\n")
    repo.write("app.py", TOP + edited)
    changes = staged_changes(repo.root)
    [change] = changes.files
    assert sorted(change.added_lines) == [6, 7, 8, 9, 10, 11]
    assert mapped(changes, "app.py", [1, 5, 6, 7, 8, 9, 10, 11]) == [4, 8, 9, 10, 11, 12, 13, None]
    assert changes.target_text("app.py") == (OLD + NEW_FUNCTION).encode()


def test_staged_file_deleted_in_the_worktree_maps_to_nothing(repo: GitRepo) -> None:
    repo.write("app.py", OLD + NEW_FUNCTION)
    repo.stage("app.py")
    repo.remove("app.py")
    changes = staged_changes(repo.root)
    assert mapped(changes, "app.py", [1, 6, 11, 12, 100]) == [None] * 5
    assert changes.target_text("app.py") == (OLD + NEW_FUNCTION).encode()


def test_staged_file_turned_binary_in_the_worktree_maps_to_nothing(repo: GitRepo) -> None:
    repo.write("app.py", OLD + NEW_FUNCTION)
    repo.stage("app.py")
    repo.write("app.py", b"\x00" + (OLD + NEW_FUNCTION).encode())
    assert mapped(staged_changes(repo.root), "app.py", [1, 6]) == [None, None]


def test_every_kind_of_staged_change(repo: GitRepo) -> None:
    repo.commit_files({"old name.py": OLD, "gone.py": "g = 1\n", "run.sh": "echo\n"})
    repo.move("old name.py", "new name.py")
    repo.write("new name.py", OLD + "extra = 1\n")
    repo.remove("gone.py")
    repo.make_executable("run.sh")
    repo.write("logo.png", b"\x89PNG\x00\x00")
    repo.stage("new name.py", "gone.py", "run.sh", "logo.png")
    repo.add_submodule("vendor/lib")
    changes = staged_changes(repo.root)
    assert by_path(changes) == {
        "new name.py": ChangedFile("new name.py", "old name.py", "renamed", frozenset({6})),
        "gone.py": ChangedFile("gone.py", None, "deleted", frozenset()),
        "run.sh": ChangedFile("run.sh", None, "mode-only", frozenset()),
        "logo.png": ChangedFile("logo.png", None, "binary", frozenset()),
        "vendor/lib": ChangedFile("vendor/lib", None, "submodule", frozenset()),
    }
    assert changes.target_text("new name.py") == (OLD + "extra = 1\n").encode()
    assert changes.to_worktree("new name.py").is_identity


@pytest.mark.parametrize("name", ["ünï cödé.py", 'say "hi".py', "new\nline.py", "t\tab.py"])
def test_awkward_paths_end_to_end(repo: GitRepo, name: str) -> None:
    repo.write(name, "a = 1\n")
    repo.stage(name)
    repo.write(name, "# top\na = 1\n")
    changes = staged_changes(repo.root)
    assert changes.files == [ChangedFile(name, None, "added", frozenset({1}))]
    assert changes.target_text(name) == b"a = 1\n"
    assert mapped(changes, name, [1]) == [2]


def test_crlf_files_keep_bytes_and_line_numbers(repo: GitRepo) -> None:
    repo.commit_files({"dos.py": "a = 1\r\nb = 2\r\n"})
    repo.write("dos.py", "a = 1\r\nnew = 0\r\nb = 2\r\n")
    repo.stage("dos.py")
    repo.write("dos.py", "# top\r\na = 1\r\nnew = 0\r\nb = 2\r\n")
    changes = staged_changes(repo.root)
    assert changes.files == [ChangedFile("dos.py", None, "modified", frozenset({2}))]
    assert changes.target_text("dos.py") == b"a = 1\r\nnew = 0\r\nb = 2\r\n"
    assert mapped(changes, "dos.py", [1, 2, 3]) == [2, 3, 4]


def make_feature_branch(repo: GitRepo) -> str:
    """main: base, then a commit the feature must not see; feature: one commit on base."""
    base = repo.rev()
    repo.commit_files({"main_only.py": "m = 1\n"}, "main moves on")
    repo.switch("feature", create=True, start=base)
    repo.commit_files({"app.py": OLD + NEW_FUNCTION}, "feature work")
    return base


def test_base_ref_uses_the_merge_base_and_the_worktree(repo: GitRepo) -> None:
    base = make_feature_branch(repo)
    repo.write("staged.py", "s = 1\n")
    repo.stage("staged.py")
    repo.write("app.py", OLD + NEW_FUNCTION + "unstaged = 1\n")
    repo.write("untracked.py", "u = 1\n")
    changes = base_changes(repo.root, "main")
    assert changes.kind == "worktree"
    assert changes.base == base
    assert changes.files == [
        ChangedFile("app.py", None, "modified", frozenset(range(6, 13))),
        ChangedFile("staged.py", None, "added", frozenset({1})),
    ]
    assert changes.to_worktree("app.py").is_identity
    assert changes.target_text("app.py") == repo.read("app.py")


def test_base_ref_unknown(repo: GitRepo) -> None:
    with pytest.raises(GitError, match=r"^unknown git ref 'origin/main'"):
        base_changes(repo.root, "origin/main")


def test_base_ref_with_unreadable_worktree_file(repo: GitRepo) -> None:
    changes = base_changes(repo.root, "HEAD")
    assert changes.files == []
    with pytest.raises(GitError, match=r"^cannot read nothere\.py from the working tree: "):
        changes.target_text("nothere.py")


def test_range_of_a_push(repo: GitRepo) -> None:
    base = make_feature_branch(repo)
    pushed = repo.rev()
    repo.commit_files({"later.py": "l = 1\n"}, "not pushed")
    repo.write("app.py", TOP + OLD + NEW_FUNCTION)
    changes = range_changes(repo.root, "main", pushed)
    assert (changes.kind, changes.base, changes.rev) == ("commit", base, pushed)
    assert changes.files == [ChangedFile("app.py", None, "modified", frozenset(range(6, 12)))]
    assert changes.target_text("app.py") == (OLD + NEW_FUNCTION).encode()
    assert mapped(changes, "app.py", [1, 6, 11]) == [4, 9, 14]
    with pytest.raises(GitError, match=r"^later\.py is not in the commit "):
        changes.target_text("later.py")


def test_range_from_a_ref_the_remote_lacks(repo: GitRepo) -> None:
    changes = range_changes(repo.root, "0" * 40, "HEAD")
    assert changes.files == [ChangedFile("app.py", None, "added", frozenset(range(1, 6)))]


def test_git_index_file_is_respected(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """`git commit -a` runs pre-commit hooks with a temporary index in GIT_INDEX_FILE."""
    alternate = repo.root / ".git" / "alt-index"
    shutil.copy(repo.root / ".git" / "index", alternate)
    monkeypatch.setenv("GIT_INDEX_FILE", str(alternate))
    repo.write("app.py", OLD + "x = 1\n")
    repo.stage("app.py")
    changes = staged_changes(repo.root)
    assert changes.files == [ChangedFile("app.py", None, "modified", frozenset({6}))]
    assert changes.target_text("app.py") == (OLD + "x = 1\n").encode()
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert staged_changes(repo.root).files == []


def write_hostile_config(repo: GitRepo, home: Path) -> None:
    home.mkdir()
    lines = ["[user]", "\tname = h", "\temail = h@h.invalid"]
    for key, value in HOSTILE.items():
        section, name = key.split(".")
        lines += [f"[{section}]", f"\t{name} = {value}"]
    (home / ".gitconfig").write_text("\n".join(lines) + "\n")
    for key, value in HOSTILE.items():
        repo.config(key, value)


@pytest.fixture
def hostile(repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    home = tmp_path / "home"
    write_hostile_config(repo, home)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.delenv("GIT_CONFIG_NOSYSTEM", raising=False)
    return repo


def plain_git_diff(repo: GitRepo, *args: str) -> bytes:
    """`git diff` as the user would run it (their config applies)."""
    return subprocess.run(
        ["git", "diff", *args], cwd=repo.root, capture_output=True, check=False
    ).stdout


def test_immune_to_hostile_git_config(hostile: GitRepo) -> None:
    repo = hostile
    repo.commit_files({"ü dir/mod.py": "a = 1\nb = 2\nc = 3\nd = 4\n", "sub/x.py": "x\n"})
    repo.write("ü dir/mod.py", "a = 1\nnew = 1\nb = 2\nc = 3\nd = 5\n")
    repo.stage("ü dir/mod.py")
    repo.move("sub/x.py", "sub/y.py")
    repo.write("ü dir/mod.py", "# top\na = 1\nnew = 1\nb = 2\nc = 3\nd = 5\n")
    assert plain_git_diff(repo, "--cached") == b""  # diff.external=/bin/false: the config bites
    assert b"\x1b[" in plain_git_diff(repo, "--cached", "--no-ext-diff")
    assert b"\\303\\274" in plain_git_diff(repo, "--cached", "--no-ext-diff")
    changes = staged_changes(repo.path("sub"))
    assert changes.files == [
        ChangedFile("sub/y.py", "sub/x.py", "renamed", frozenset()),
        ChangedFile("ü dir/mod.py", None, "modified", frozenset({2, 5})),
    ]
    assert mapped(changes, "ü dir/mod.py", [1, 2, 5]) == [2, 3, 6]
    assert changes.target_text("ü dir/mod.py") == b"a = 1\nnew = 1\nb = 2\nc = 3\nd = 5\n"


def test_base_changes_immune_to_hostile_git_config(hostile: GitRepo) -> None:
    repo = hostile
    make_feature_branch(repo)
    repo.write("app.py", OLD + NEW_FUNCTION + "# end\n")
    changes = base_changes(repo.root, "main")
    assert changes.files == [ChangedFile("app.py", None, "modified", frozenset(range(6, 13)))]


def test_missing_git(repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(GitError, match=r"^git not found on PATH: install git or add it to PATH$"):
        staged_changes(repo.root)


def test_not_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for make in (staged_changes, lambda root: base_changes(root, "main")):
        with pytest.raises(GitError, match=r"^not a git repository: .*plain$"):
            make(plain)
    with pytest.raises(GitError, match=r"^not a git repository: .*plain$"):
        range_changes(plain, "main", "HEAD")


def count_git_calls(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for r in caplog.records if r.name == "covlint.git" and "running" in r.msg)


def test_twenty_files_cost_a_handful_of_git_calls(
    repo: GitRepo, caplog: pytest.LogCaptureFixture
) -> None:
    names = [f"pkg/m{n:02}.py" for n in range(20)]
    repo.commit_files(dict.fromkeys(names, OLD))
    for name in names:
        repo.write(name, OLD + NEW_FUNCTION)
    repo.stage(*names)
    for name in names:
        repo.write(name, TOP + OLD + NEW_FUNCTION)
    with caplog.at_level(logging.DEBUG, logger="covlint.git"):
        changes = staged_changes(repo.root)
        for name in names:
            assert mapped(changes, name, [6]) == [9]
            assert changes.target_text(name) == (OLD + NEW_FUNCTION).encode()
    assert count_git_calls(caplog) == 4  # top folder with HEAD, staged diff, worktree diff, blobs
    assert len(changes.files) == 20


def test_fully_staged_files_need_no_worktree_diff(
    repo: GitRepo, caplog: pytest.LogCaptureFixture
) -> None:
    names = [f"pkg/m{n:02}.py" for n in range(5)]
    repo.commit_files(dict.fromkeys(names, OLD))
    for name in names:
        repo.write(name, OLD + NEW_FUNCTION)
    repo.stage(*names)
    repo.write(names[0], TOP + OLD + NEW_FUNCTION)  # only this one differs from what is staged
    with caplog.at_level(logging.DEBUG, logger="covlint.git"):
        changes = staged_changes(repo.root)
        assert [mapped(changes, name, [6]) for name in names] == [[9], [6], [6], [6], [6]]
    diffs = [r.getMessage() for r in caplog.records if " diff " in r.getMessage()]
    assert len(diffs) == 2  # the staged diff, and the worktree diff of names[0] alone
    assert names[0] in diffs[1]
    assert names[1] not in diffs[1]


def test_unlisted_paths_are_fetched_on_demand(repo: GitRepo) -> None:
    repo.commit_files({"other.py": "o = 1\n"})
    repo.write("other.py", TOP + "o = 1\n")
    repo.write("app.py", OLD + "y = 1\n")
    repo.stage("app.py")
    changes = staged_changes(repo.root)
    assert mapped(changes, "app.py", [6]) == [6]
    assert mapped(changes, "other.py", [1]) == [4]
    assert changes.target_text("other.py") == b"o = 1\n"


def test_repr_names_the_target(repo: GitRepo) -> None:
    assert repr(staged_changes(repo.root)).startswith("ChangeSet(index vs ")


def test_os_environment_is_left_alone(repo: GitRepo) -> None:
    before = dict(os.environ)
    staged_changes(repo.root)
    assert dict(os.environ) == before


def test_unlisted_path_with_a_newline_is_read_on_its_own(repo: GitRepo) -> None:
    odd = "odd\nname.py"
    repo.commit_files({odd: "o = 1\n"})
    repo.write("app.py", OLD + "y = 1\n")
    repo.stage("app.py")
    assert staged_changes(repo.root).target_text(odd) == b"o = 1\n"
    repo.commit()
    pushed = range_changes(repo.root, "HEAD~1", "HEAD")
    assert [f.path for f in pushed.files] == ["app.py"]
    assert pushed.target_text(odd) == b"o = 1\n"


def test_many_files_diff_the_whole_tree(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("covlint.changes._MAX_PATHSPECS", 1)
    repo.commit_files({"b.py": "b = 1\n", "c.py": "c = 1\n"})
    repo.write("app.py", OLD + "y = 1\n")
    repo.write("b.py", "b = 1\nb2 = 2\n")
    repo.stage("app.py", "b.py")
    repo.write("b.py", TOP + "b = 1\nb2 = 2\n")
    repo.write("c.py", TOP + "c = 1\n")
    changes = staged_changes(repo.root)
    assert mapped(changes, "app.py", [6]) == [6]
    assert mapped(changes, "b.py", [2]) == [5]
