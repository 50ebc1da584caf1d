from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covlint import git, git_calls
from covlint.diff import ChangedFile, parse_diff, parse_patch, unquote_path
from covlint.errors import GitError
from covlint.linemap import LineMap
from tests.gitrepo import GitRepo

TEN = "".join(f"line{n}\n" for n in range(1, 11))


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit_files({"keep.py": TEN}, "base")
    return repo


def staged(repo: GitRepo) -> list[ChangedFile]:
    return parse_diff(git.diff_patch(repo.root, "--cached", "HEAD"))


def only(repo: GitRepo) -> ChangedFile:
    [change] = staged(repo)
    return change


def test_modified_file_added_lines(repo: GitRepo) -> None:
    text = TEN.replace("line2\n", "two\n").replace("line6\n", "line6\nnew a\nnew b\n")
    repo.write("keep.py", text.replace("line9\n", ""))
    repo.stage("keep.py")
    assert only(repo) == ChangedFile("keep.py", None, "modified", frozenset({2, 7, 8}))


def test_added_file(repo: GitRepo) -> None:
    repo.write("pkg/new.py", "a = 1\nb = 2\n")
    repo.stage("pkg/new.py")
    assert only(repo) == ChangedFile("pkg/new.py", None, "added", frozenset({1, 2}))


def test_empty_new_file(repo: GitRepo) -> None:
    repo.write("empty.py", "")
    repo.stage("empty.py")
    assert only(repo) == ChangedFile("empty.py", None, "added", frozenset())


def test_deleted_file(repo: GitRepo) -> None:
    repo.remove("keep.py")
    repo.stage("keep.py")
    assert only(repo) == ChangedFile("keep.py", None, "deleted", frozenset())


def test_pure_rename(repo: GitRepo) -> None:
    repo.move("keep.py", "moved/kept.py")
    assert only(repo) == ChangedFile("moved/kept.py", "keep.py", "renamed", frozenset())


def test_rename_with_edits_judges_only_added_lines(repo: GitRepo) -> None:
    repo.move("keep.py", "renamed.py")
    repo.write("renamed.py", TEN.replace("line4\n", "line4\nadded\n"))
    repo.stage("renamed.py")
    assert only(repo) == ChangedFile("renamed.py", "keep.py", "renamed", frozenset({5}))


def test_binary_files(repo: GitRepo) -> None:
    repo.commit_files({"data.bin": b"\x00\x01\x02"})
    repo.write("data.bin", b"\x00\x01\x03")
    repo.write("new.bin", b"\x00new")
    repo.stage("data.bin", "new.bin")
    assert staged(repo) == [
        ChangedFile("data.bin", None, "binary", frozenset()),
        ChangedFile("new.bin", None, "binary", frozenset()),
    ]


def test_mode_only_change(repo: GitRepo) -> None:
    repo.make_executable("keep.py")
    repo.stage("keep.py")
    assert only(repo) == ChangedFile("keep.py", None, "mode-only", frozenset())


def test_mode_and_content_change_is_a_modification(repo: GitRepo) -> None:
    repo.write("keep.py", TEN + "line11\n")
    repo.make_executable("keep.py")
    repo.stage("keep.py")
    assert only(repo) == ChangedFile("keep.py", None, "modified", frozenset({11}))


def test_submodule_added_and_moved(repo: GitRepo) -> None:
    sub = repo.add_submodule("vendor/lib")
    assert only(repo) == ChangedFile("vendor/lib", None, "submodule", frozenset())
    repo.commit("add submodule")
    sub.commit_files({"README": "moved on\n"})
    repo.stage("vendor/lib")
    assert only(repo) == ChangedFile("vendor/lib", None, "submodule", frozenset())


@pytest.mark.parametrize(
    "name",
    [
        "ünïcödé/ファイル.py",
        "with space.py",
        "a b/c b/d.py",
        'quote"d.py',
        'quote" and space.py',
        "back\\slash.py",
        "tab\there.py",
        "new\nline.py",
        "trailing space .py",
        "-dash.py",
        "*star?.py",
    ],
)
def test_awkward_paths(repo: GitRepo, name: str) -> None:
    repo.write(name, "x = 1\n")
    repo.stage(name)
    assert only(repo) == ChangedFile(name, None, "added", frozenset({1}))
    repo.commit()
    repo.write(name, "x = 1\ny = 2\n")
    repo.stage(name)
    assert only(repo) == ChangedFile(name, None, "modified", frozenset({2}))


@pytest.mark.parametrize("name", ["a b/c b/d.bin", 'q"uote b.bin', "ü x.bin", "t\tb b.bin"])
def test_awkward_paths_in_sections_without_hunks(repo: GitRepo, name: str) -> None:
    repo.write(name, b"\x00binary")
    repo.stage(name)
    assert only(repo) == ChangedFile(name, None, "binary", frozenset())
    repo.commit()
    repo.make_executable(name)
    repo.stage(name)
    assert only(repo) == ChangedFile(name, None, "mode-only", frozenset())
    repo.commit()
    repo.remove(name)
    repo.stage(name)
    assert only(repo) == ChangedFile(name, None, "deleted", frozenset())


def test_awkward_renames(repo: GitRepo) -> None:
    repo.commit_files({'a "b".py': TEN, "plain.py": TEN.upper()})
    repo.move('a "b".py', "dir with space/ü b/x.py")
    repo.move("plain.py", "tab\tto.py")
    assert sorted(staged(repo), key=lambda c: c.path) == [
        ChangedFile("dir with space/ü b/x.py", 'a "b".py', "renamed", frozenset()),
        ChangedFile("tab\tto.py", "plain.py", "renamed", frozenset()),
    ]


def test_crlf_lines_keep_their_numbers(repo: GitRepo) -> None:
    repo.commit_files({"dos.py": "a = 1\r\nb = 2\r\nc = 3\r\n"})
    repo.write("dos.py", "a = 1\r\nnew = 0\r\nb = 2\r\nc = 4\r\n")
    repo.stage("dos.py")
    assert only(repo) == ChangedFile("dos.py", None, "modified", frozenset({2, 4}))


def test_no_trailing_newline(repo: GitRepo) -> None:
    repo.commit_files({"end.py": "a = 1\nb = 2"})
    repo.write("end.py", "a = 1\nb = 3\nc = 4")
    repo.stage("end.py")
    assert only(repo) == ChangedFile("end.py", None, "modified", frozenset({2, 3}))
    repo.commit()
    repo.write("end.py", "a = 1\nb = 3\nc = 4\n")
    repo.stage("end.py")
    assert only(repo) == ChangedFile("end.py", None, "modified", frozenset({3}))


def test_non_utf8_content(repo: GitRepo) -> None:
    repo.commit_files({"latin.py": b"# -*- coding: latin-1 -*-\nx = 1\n"})
    repo.write("latin.py", b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nx = 1\n\xff\xfe\n")
    repo.stage("latin.py")
    assert only(repo) == ChangedFile("latin.py", None, "modified", frozenset({2, 4}))


def test_content_that_looks_like_diff_headers(repo: GitRepo) -> None:
    tricky = "-- a\n++ b\ndiff --git a/x b/x\n@@ -1 +1 @@\n\\ No newline\n"
    repo.commit_files({"tricky.txt": tricky})
    repo.write("tricky.txt", tricky.replace("++ b\n", "++ c\n") + "--- x\n+++ y\n")
    repo.stage("tricky.txt")
    assert only(repo) == ChangedFile("tricky.txt", None, "modified", frozenset({2, 6, 7}))


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks_have_no_judgeable_lines(repo: GitRepo) -> None:
    os.symlink("keep.py", repo.path("link.py"))
    repo.stage("link.py")
    assert only(repo) == ChangedFile("link.py", None, "added", frozenset())


def test_many_files_in_patch_order(repo: GitRepo) -> None:
    repo.write("b.py", "b\n")
    repo.write("a.py", "a\n")
    repo.write("keep.py", TEN + "end\n")
    repo.stage("a.py", "b.py", "keep.py")
    assert [(c.path, c.status, sorted(c.added_lines)) for c in staged(repo)] == [
        ("a.py", "added", [1]),
        ("b.py", "added", [1]),
        ("keep.py", "modified", [11]),
    ]


def test_parse_patch_gives_ranges_and_new_blob_ids(repo: GitRepo) -> None:
    repo.write("keep.py", TEN.replace("line3\n", "").replace("line8\n", "eight\n"))
    repo.stage("keep.py")
    [section] = parse_patch(git.diff_patch(repo.root, "--cached", "HEAD"))
    assert section.ranges == ((3, 1, 2, 0), (8, 1, 7, 1))
    assert section.new_blob == repo.git("rev-parse", ":0:keep.py")


def test_worktree_side_blob_id_is_a_hash_git_did_not_store(repo: GitRepo) -> None:
    repo.write("keep.py", TEN + "x\n")
    [section] = parse_patch(git.diff_patch(repo.root))
    assert section.change.added_lines == frozenset({11})
    assert section.new_blob == repo.git("hash-object", "keep.py")
    assert git.read_blobs(repo.root, [section.new_blob]) == [None]


def test_empty_patch() -> None:
    assert parse_diff(b"") == []


def test_malformed_hunk_is_a_clear_error() -> None:
    patch = b"diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,0 +1,2 @@\n+only one\n"
    with pytest.raises(GitError, match=r"^cannot parse git's diff of x\.py: "):
        parse_diff(patch)


@pytest.mark.parametrize(
    ("token", "path"),
    [
        ("plain.py", "plain.py"),
        ('"tab\\there.py"', "tab\there.py"),
        ('"q\\"uote\\\\back"', 'q"uote\\back'),
        ('"\\303\\274ni.py"', "üni.py"),
        ('"bad\\377.py"', "bad\udcff.py"),
        ('"\\a\\b\\f\\n\\r\\v"', "\a\b\f\n\r\v"),
    ],
)
def test_unquote_path(token: str, path: str) -> None:
    assert unquote_path(token) == path


def test_text_before_the_first_section_and_a_missing_final_newline(repo: GitRepo) -> None:
    repo.commit_files({"keep.py": TEN + "line11\n"}, "add line 11\n\n    diff --git a/x b/x")
    shown = repo.git_bytes("show", "--format=medium", "-U0", "--src-prefix=a/", "--dst-prefix=b/")
    assert shown.startswith(b"commit ")
    assert shown.endswith(b"+line11\n")
    expected = [ChangedFile("keep.py", None, "modified", frozenset({11}))]
    assert parse_diff(shown) == expected
    assert parse_diff(shown[:-1]) == expected


line_bytes = st.sampled_from(
    # latin-1, invalid UTF-8, and characters str.splitlines() would wrongly split at
    [b"x", b"", b"caf\xe9", b"\xff\xfe", b"+a", b"-b", b"@@", b"a\rb", b"\x0c\x1c", b"\xe2\x80\xa8"]
)
endings = st.sampled_from([b"\n", b"\r\n"])
texts = st.lists(st.tuples(line_bytes, endings), max_size=12).map(
    lambda lines: [body + end for body, end in lines]
)


def split_lines(data: bytes) -> list[bytes]:
    """Lines as git counts them: each ends after a newline; the last may lack one."""
    lines = data.split(b"\n")
    return lines[:-1] if lines[-1] == b"" else lines


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(a=texts, b=texts, final_newline=st.booleans())
def test_parse_agrees_with_gits_own_diff(
    tmp_path: Path, a: list[bytes], b: list[bytes], final_newline: bool
) -> None:
    assert_parse_agrees(tmp_path, a, b, final_newline)


def assert_parse_agrees(
    tmp_path: Path, a: list[bytes], b: list[bytes], final_newline: bool
) -> None:
    """Added lines and line map parsed from git's own diff of `a` to `b` are exactly right."""
    old_bytes = b"".join(a)
    new_bytes = b"".join(b) if final_newline else b"".join(b).rstrip(b"\r\n")
    (tmp_path / "old.txt").write_bytes(old_bytes)
    (tmp_path / "new.txt").write_bytes(new_bytes)
    result = subprocess.run(
        ["git", "diff", "--no-index", *git_calls.DIFF_OPTIONS, "old.txt", "new.txt"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert result.returncode == (0 if old_bytes == new_bytes else 1), result.stderr
    sections = parse_patch(result.stdout)
    added = sections[0].change.added_lines if sections else frozenset()
    line_map = LineMap(sections[0].ranges) if sections else LineMap.identity()
    a_lines, b_lines = split_lines(old_bytes), split_lines(new_bytes)
    kept = {line_map.map(n) for n in range(1, len(a_lines) + 1)} - {None}
    assert added.isdisjoint(kept)
    assert added | kept == set(range(1, len(b_lines) + 1))
    for n in range(1, len(a_lines) + 1):
        target = line_map.map(n)
        assert target is None or b_lines[target - 1] == a_lines[n - 1]
