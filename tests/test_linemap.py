from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covlint.diff import parse_patch
from covlint.hunks import parse_hunks
from covlint.linemap import HunkRange, LineMap

Lines = list[str]


def opcode_ranges(a: Lines, b: Lines) -> list[HunkRange]:
    """The changes difflib finds, written as `git diff -U0` hunk headers would write them."""
    ranges: list[HunkRange] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            old_start = i1 + 1 if i2 > i1 else i1
            new_start = j1 + 1 if j2 > j1 else j1
            ranges.append((old_start, i2 - i1, new_start, j2 - j1))
    return ranges


def unified_hunks(a: Lines, b: Lines, context: int) -> list[str]:
    """The hunk lines of difflib's unified diff of `a` and `b` (without the file headers)."""
    return list(difflib.unified_diff(a, b, "a/f", "b/f", n=context))[2:]


def hunk_ranges(lines: list[str]) -> list[HunkRange]:
    return parse_hunks(lines)[0]


def assert_content_kept(a: Lines, b: Lines, line_map: LineMap) -> None:
    for line in range(1, len(a) + 1):
        mapped = line_map.map(line)
        if mapped is not None:
            assert 1 <= mapped <= len(b)
            assert b[mapped - 1] == a[line - 1]


texts = st.lists(st.sampled_from(["x\n", "y\n", "z\n", "\n", "pass\n"]), max_size=25)


@given(a=texts, b=texts)
def test_mapped_lines_have_the_same_content(a: Lines, b: Lines) -> None:
    assert_content_kept(a, b, LineMap(opcode_ranges(a, b)))


@given(a=texts, b=texts, context=st.integers(0, 4))
def test_hunks_with_context_map_like_bare_changes(a: Lines, b: Lines, context: int) -> None:
    from_hunks = LineMap(hunk_ranges(unified_hunks(a, b, context)))
    bare = LineMap(opcode_ranges(a, b))
    assert [from_hunks.map(n) for n in range(1, len(a) + 2)] == [
        bare.map(n) for n in range(1, len(a) + 2)
    ]


# An edit script: ("keep" | "delete" | "insert" | "replace", how many lines).
scripts = st.lists(
    st.tuples(st.sampled_from(["keep", "delete", "insert", "replace"]), st.integers(1, 3)),
    max_size=12,
)


def apply_script(script: list[tuple[str, int]]) -> tuple[Lines, Lines, dict[int, int | None]]:
    """Texts A and B made by the script, and the exact fate of every line of A."""
    a: Lines = []
    b: Lines = []
    fate: dict[int, int | None] = {}
    for op, count in script:
        for _ in range(count):
            if op in ("keep", "delete", "replace"):
                a.append(f"a{len(a)}\n")
                fate[len(a)] = None
            if op == "keep":
                b.append(a[-1])
                fate[len(a)] = len(b)
            elif op in ("insert", "replace"):
                b.append(f"b{len(b)}\n")
    return a, b, fate


def script_ranges(script: list[tuple[str, int]]) -> list[HunkRange]:
    """The script's changes as -U0 hunks: each run of non-keep steps is one hunk."""
    ranges: list[HunkRange] = []
    old_line = new_line = 0  # lines of A and B written so far
    old_len = new_len = 0  # size of the hunk being built
    for op, count in [*script, ("keep", 1)]:
        if op == "keep":
            if old_len or new_len:
                start_a = old_line - old_len + (1 if old_len else 0)
                start_b = new_line - new_len + (1 if new_len else 0)
                ranges.append((start_a, old_len, start_b, new_len))
            old_len = new_len = 0
            old_line, new_line = old_line + count, new_line + count
            continue
        grows_a, grows_b = op != "insert", op != "delete"
        old_line, old_len = old_line + count * grows_a, old_len + count * grows_a
        new_line, new_len = new_line + count * grows_b, new_len + count * grows_b
    return ranges


@given(script=scripts)
def test_unchanged_lines_are_never_dropped(script: list[tuple[str, int]]) -> None:
    _, _, fate = apply_script(script)
    line_map = LineMap(script_ranges(script))
    assert {line: line_map.map(line) for line in fate} == fate


@given(script=scripts)
def test_lookups_past_the_end_shift_by_the_total_delta(script: list[tuple[str, int]]) -> None:
    a, b, _ = apply_script(script)
    line_map = LineMap(script_ranges(script))
    assert line_map.map(len(a) + 1) == len(b) + 1
    assert line_map.map(len(a) + 7) == len(b) + 7


def common_subsequence_length(a: Lines, b: Lines) -> int:
    """Length of a longest common subsequence (dynamic programming)."""
    row = [0] * (len(b) + 1)
    for item in a:
        previous_diagonal = 0
        for j, other in enumerate(b, 1):
            above = row[j]
            row[j] = previous_diagonal + 1 if item == other else max(row[j], row[j - 1])
            previous_diagonal = above
    return row[-1]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(a=texts, b=texts)
def test_maps_through_gits_own_diff(tmp_path: Path, a: Lines, b: Lines) -> None:
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text("".join(a))
    new.write_text("".join(b))
    result = subprocess.run(
        ["git", "diff", "--no-index", "--no-color", "--no-ext-diff", "-U0", str(old), str(new)],
        capture_output=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    sections = parse_patch(result.stdout)
    line_map = LineMap(sections[0].ranges) if sections else LineMap.identity()
    assert_content_kept(a, b, line_map)
    kept = [m for m in map(line_map.map, range(1, len(a) + 1)) if m is not None]
    assert kept == sorted(set(kept))
    # git's diff is minimal: it keeps as many lines as the longest common subsequence
    assert len(kept) == common_subsequence_length(a, b)


def test_identity() -> None:
    line_map = LineMap.identity()
    assert line_map.is_identity
    assert [line_map.map(n) for n in (1, 2, 1000)] == [1, 2, 1000]


def test_insertion_at_the_top() -> None:
    line_map = LineMap([(0, 0, 1, 3)])
    assert not line_map.is_identity
    assert [line_map.map(n) for n in (1, 2, 5)] == [4, 5, 8]


def test_insertion_after_a_line() -> None:
    line_map = LineMap([(5, 0, 6, 2)])  # @@ -5,0 +6,2 @@
    assert [line_map.map(n) for n in (4, 5, 6, 7)] == [4, 5, 8, 9]


def test_deletion_and_replacement() -> None:
    # @@ -3,2 +2,0 @@ deletes lines 3-4; @@ -8 +6,3 @@ replaces line 8 by three lines
    line_map = LineMap([(8, 1, 6, 3), (3, 2, 2, 0)])
    assert [line_map.map(n) for n in range(1, 11)] == [1, 2, None, None, 3, 4, 5, None, 9, 10]


def test_hunk_ranges_split_a_hunk_at_its_context_lines() -> None:
    a = ["1\n", "2\n", "3\n", "4\n", "5\n", "6\n"]
    b = ["1\n", "two\n", "3\n", "4\n", "5\n", "extra\n", "6\n"]
    assert hunk_ranges(unified_hunks(a, b, context=3)) == [(2, 1, 2, 1), (5, 0, 6, 1)]


def test_hunk_ranges_of_a_new_file() -> None:
    assert hunk_ranges(unified_hunks([], ["a\n", "b\n"], context=3)) == [(0, 0, 1, 2)]


@pytest.mark.parametrize(
    ("ranges", "line", "expected"),
    [
        ([(2, 1, 2, 1), (4, 1, 4, 1)], 3, 3),
        ([(2, 1, 2, 1), (4, 1, 4, 1)], 4, None),
        ([(1, 2, 0, 0)], 3, 1),
        ([(10, 0, 11, 5)], 10, 10),
        ([(10, 0, 11, 5)], 11, 16),
    ],
)
def test_examples(ranges: list[HunkRange], line: int, expected: int | None) -> None:
    assert LineMap(ranges).map(line) == expected


def test_hunk_ranges_of_zero_context_hunks_keep_gits_numbers() -> None:
    a = ["1\n", "2\n", "3\n", "4\n", "5\n", "6\n"]
    b = ["1\n", "2\n", "5\n", "new\n", "6\n"]
    hunks = unified_hunks(a, b, context=0)
    assert [h for h in hunks if h.startswith("@@")] == ["@@ -3,2 +2,0 @@\n", "@@ -5,0 +4 @@\n"]
    assert hunk_ranges(hunks) == [(3, 2, 2, 0), (5, 0, 4, 1)]


def test_repr_counts_changes() -> None:
    assert repr(LineMap([(1, 1, 1, 1), (5, 0, 6, 1)])) == "LineMap(2 changes)"
