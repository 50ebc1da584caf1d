"""covlint's hunk parser against unidiff's (an independent parser) and against real git diffs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from unidiff.patch import PatchSet

from covlint.hunks import MalformedHunk, parse_hunks
from tests.test_linemap import texts, unified_hunks

Lines = list[str]


def unidiff_view(hunk_lines: list[str]) -> tuple[list[tuple[int, int, int, int]], set[int]]:
    """unidiff's hunk headers and added lines of the same hunks."""
    patch = PatchSet(["--- a/f\n", "+++ b/f\n", *hunk_lines]) if hunk_lines else []
    hunks = list(patch[0]) if patch else []
    headers = [(h.source_start, h.source_length, h.target_start, h.target_length) for h in hunks]
    added = {line.target_line_no for h in hunks for line in h if line.is_added}
    return headers, added  # type: ignore[return-value]


@given(a=texts, b=texts, context=st.integers(0, 4))
def test_added_lines_are_unidiffs(a: Lines, b: Lines, context: int) -> None:
    lines = unified_hunks(a, b, context)
    assert parse_hunks(lines)[1] == unidiff_view(lines)[1]


@given(a=texts, b=texts)
def test_zero_context_ranges_are_the_hunk_headers(a: Lines, b: Lines) -> None:
    lines = unified_hunks(a, b, 0)
    assert parse_hunks(lines)[0] == unidiff_view(lines)[0]


def git_hunks(tmp_path: Path, old: bytes, new: bytes, context: int = 3) -> list[str]:
    (tmp_path / "old").write_bytes(old)
    (tmp_path / "new").write_bytes(new)
    done = subprocess.run(
        ["git", "diff", "--no-index", f"-U{context}", "old", "new"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    text = done.stdout.decode()
    return [line + "\n" for line in text[text.index("@@") :].split("\n") if line]


def test_a_missing_final_newline_is_no_line(tmp_path: Path) -> None:
    lines = git_hunks(tmp_path, b"a\nb\nc", b"a\nb\nc\nd\n")
    assert "\\ No newline at end of file\n" in lines

    ranges, added = parse_hunks(lines)

    assert (ranges, added) == ([(3, 1, 3, 2)], {3, 4})
    assert added == unidiff_view(lines)[1]


def test_several_hunks_of_a_real_diff(tmp_path: Path) -> None:
    old = b"".join(b"line %d\n" % n for n in range(1, 41))
    new = old.replace(b"line 5\n", b"five\n").replace(b"line 30\n", b"line 30\nextra\n")
    lines = git_hunks(tmp_path, old, new, context=2)

    assert parse_hunks(lines) == ([(5, 1, 5, 1), (30, 0, 31, 1)], {5, 31})


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["@@ -1,0 +1,2 @@\n", "+one\n"], "fewer lines than its header says"),
        (["@@ -1 +1 @@\n", "-a\n", "+b\n", "+c\n"], "not a hunk header"),
        (["@@ -1,2 +1,2 @@\n", " a\n", "*b\n"], "not a hunk line"),
        (["@@ -1,1 +1,1 @@\n", "-a\n", "-b\n"], "more lines than its header says"),
        (["garbage\n"], "not a hunk header"),
    ],
)
def test_malformed_hunks_say_what_is_wrong(lines: list[str], message: str) -> None:
    with pytest.raises(MalformedHunk, match=message):
        parse_hunks(lines)
