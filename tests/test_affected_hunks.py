"""The line diff from the text that ran has git's -U0 hunk shape (property-tested against git)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from covlint.affected_measured import hunks_between
from covlint.linemap import LineMap
from tests.gitrepo import GitRepo

LINES = st.lists(st.sampled_from(["a", "b", "c", "d", "x = 1", ""]), max_size=12)


def test_shapes() -> None:
    assert hunks_between("a\nb\nc\n", "a\nb\nc\n") == ()
    assert hunks_between("a\nb\nc\n", "a\nB\nc\n") == ((2, 1, 2, 1),)
    assert hunks_between("a\nc\n", "a\nb\nc\n") == ((1, 0, 2, 1),)  # inserted after line 1
    assert hunks_between("a\nb\nc\n", "a\nc\n") == ((2, 1, 1, 0),)
    assert hunks_between("", "a\n") == ((0, 0, 1, 1),)


@settings(max_examples=60, deadline=None)
@given(old=LINES, new=LINES)
def test_every_unchanged_line_maps_through_the_hunks(old: list[str], new: list[str]) -> None:
    old_text, new_text = "".join(f"{x}\n" for x in old), "".join(f"{x}\n" for x in new)
    hunks = hunks_between(old_text, new_text)
    changed_old = {line for start, length, _, _ in hunks for line in range(start, start + length)}
    moved = LineMap(hunks)
    for number, text in enumerate(old, start=1):
        target = moved.map(number)
        if number in changed_old:
            assert target is None
        else:
            assert target is not None
            assert new[target - 1] == text


def test_same_lines_as_git_where_git_is_unambiguous(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit_files({"f.py": "def f():\n    return 1\n\n\nX = 2\n"})
    repo.write("f.py", "def f():\n    y = 0\n    return 1\n\n\nX = 3\n")
    assert hunks_between(
        "def f():\n    return 1\n\n\nX = 2\n", "def f():\n    y = 0\n    return 1\n\n\nX = 3\n"
    ) == ((1, 0, 2, 1), (5, 1, 6, 1))
    assert "@@ -1,0 +2 @@" in repo.git("diff", "-U0")
