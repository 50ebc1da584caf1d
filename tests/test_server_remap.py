"""Line remapping through edits: property tests against a plain string model."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from covlint.server.diagnostics import lsp_character, python_column
from covlint.server.remap import LineOrigins, match_lines, split_lines

LINES = st.lists(st.sampled_from(["a", "b", "c", "", "x = 1", "  if y:"]), min_size=1, max_size=12)
TEXT = st.text(alphabet="ab\n", max_size=8)


def offset(lines: list[str], line: int, column: int) -> int:
    return sum(len(text) + 1 for text in lines[:line]) + column


@st.composite
def edits(draw: st.DrawFn, lines: list[str]) -> tuple[tuple[int, int], tuple[int, int], str]:
    start_line = draw(st.integers(0, len(lines) - 1))
    end_line = draw(st.integers(start_line, len(lines) - 1))
    start = (start_line, draw(st.integers(0, len(lines[start_line]))))
    end_min = start[1] if end_line == start_line else 0
    end = (end_line, draw(st.integers(end_min, len(lines[end_line]))))
    return start, end, draw(TEXT)


def assert_consistent(origins: LineOrigins) -> None:
    known = [(i, o) for i, o in enumerate(origins.origins) if o is not None]
    assert all(origins.text[i] == origins.measured[o] for i, o in known)
    assert [o for _, o in known] == sorted({o for _, o in known})
    for index, origin in known:
        assert origins.current_index(origin) == index


@given(LINES, st.data())
def test_edits_keep_the_text_and_never_map_a_changed_line(
    measured: list[str], data: st.DataObject
) -> None:
    origins = LineOrigins(measured, measured)
    model = "\n".join(measured)
    for _ in range(data.draw(st.integers(1, 6))):
        start, end, text = data.draw(edits(origins.text))
        lines = origins.text
        model = model[: offset(lines, *start)] + text + model[offset(lines, *end) :]
        origins.edit(start, end, text)
        assert origins.text == split_lines(model)
        assert_consistent(origins)


@given(
    LINES, st.integers(0, 12), st.lists(st.sampled_from(["new", "", "a"]), min_size=1, max_size=4)
)
def test_inserting_whole_lines_moves_every_other_line(
    measured: list[str], where: int, inserted: list[str]
) -> None:
    where = min(where, len(measured) - 1)
    origins = LineOrigins(measured, measured)
    origins.edit((where, 0), (where, 0), "".join(line + "\n" for line in inserted))
    for index in range(len(measured)):
        moved = index if index < where else index + len(inserted)
        assert origins.current_index(index) == moved


@given(LINES, st.data())
def test_undoing_an_edit_inside_a_line_restores_its_origin(
    measured: list[str], data: st.DataObject
) -> None:
    origins = LineOrigins(measured, measured)
    line = data.draw(st.integers(0, len(measured) - 1))
    column = data.draw(st.integers(0, len(measured[line])))
    origins.edit((line, column), (line, column), "zz")
    assert origins.current_index(line) is None
    origins.edit((line, column), (line, column + 2), "")
    assert origins.origins == list(range(len(measured)))


@given(LINES, LINES)
def test_matching_a_whole_buffer_is_consistent(measured: list[str], buffer: list[str]) -> None:
    origins = LineOrigins(measured, buffer)
    assert origins.origins == match_lines(measured, buffer)
    assert_consistent(origins)


def test_split_lines_counts_every_kind_of_line_break_like_a_client() -> None:
    assert split_lines("a\r\nb\rc\nd\x0ce\n") == ["a", "b", "c", "d e", ""]


def test_edit_past_the_end_appends() -> None:
    origins = LineOrigins(["a", ""], ["a", ""])
    origins.edit((5, 0), (5, 0), "tail")
    assert origins.text == ["a", "tail"]
    assert origins.current_index(0) == 0


def test_whole_document_change_rematches() -> None:
    origins = LineOrigins(["a", "b", "c"], ["a", "b", "c"])
    origins.replace_all(["b", "x", "c"])
    assert origins.origins == [1, None, 2]


def test_columns_in_each_position_encoding() -> None:
    line = "s = '\U0001f600é' + x"
    x = line.index("x")
    assert [lsp_character(line, x, e) for e in ("utf-8", "utf-16", "utf-32")] == [x + 4, x + 1, x]
    for encoding in ("utf-8", "utf-16", "utf-32"):
        assert python_column(line, lsp_character(line, x, encoding), encoding) == x
    assert python_column(line, 999, "utf-16") == len(line)


def test_a_reversed_range_is_applied_as_the_same_range() -> None:
    origins = LineOrigins(["abc", "def"], ["abc", "def"])
    origins.edit((1, 1), (0, 1), "")
    assert origins.text == ["aef"]
