"""Data recorded for one version of a file is recognised as stale against another version."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from covlint.coverage_internals import NotPython
from covlint.coverage_set import CoverageSet
from tests.covproject import CovProject

APP = '''\
"""An app."""

import os


def greet(name):
    if name:
        return f"hello {name}"
    return "nobody"


def shout(name):
    return greet(name).upper()


def unused():
    return os.sep
'''


pytestmark = pytest.mark.usefixtures("no_outer_coverage_module")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> CoverageSet:
    project = CovProject(tmp_path_factory.mktemp("stale") / "project")
    project.write("app.py", APP, dedent=False)
    project.write("run_tests.py", "import app\n\napp.shout('x')\n")
    project.run()
    return CoverageSet.load(project.root)


def lines_of(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def test_the_measured_text_is_fresh(recorded: CoverageSet) -> None:
    analysis = recorded.analyse("app.py", APP)

    assert analysis.stale_reason is None
    assert sorted(analysis.executed) == [3, 6, 7, 8, 12, 13, 16]
    assert sorted(analysis.missing) == [9, 17]


def test_lines_inserted_at_the_top_make_the_data_stale(recorded: CoverageSet) -> None:
    text = "# -*- coding: utf-8 -*-\n# A header comment.\n\n" + APP

    analysis = recorded.analyse("app.py", text)

    assert analysis.stale_reason == (
        "data records line 1 as run, but it is not code in this version"
    )


def test_one_blank_line_inserted_at_the_top_makes_the_data_stale(recorded: CoverageSet) -> None:
    analysis = recorded.analyse("app.py", "\n" + APP)

    assert analysis.stale_reason == (
        "data records line 1 as run, but it is not code in this version"
    )


def test_lines_deleted_in_the_middle_make_the_data_stale(recorded: CoverageSet) -> None:
    lines = lines_of(APP)
    del lines[1]  # the blank line after the docstring: the import moves up to line 2

    analysis = recorded.analyse("app.py", "".join(lines))

    assert analysis.stale_reason == (
        "data records line 3 as run, but it is not code in this version"
    )


def test_deleting_the_tail_leaves_recorded_lines_beyond_the_end(recorded: CoverageSet) -> None:
    lines = lines_of(APP)
    del lines[13:]  # the blank lines and `unused`

    analysis = recorded.analyse("app.py", "".join(lines))

    assert analysis.stale_reason == "data records line 16, but the file has 13 lines"


def test_a_statement_turned_into_a_comment_makes_the_data_stale(recorded: CoverageSet) -> None:
    text = APP.replace(
        '        return f"hello {name}"', '        # return f"hello {name}"\n        ...'
    )

    analysis = recorded.analyse("app.py", text)

    assert analysis.stale_reason == (
        "data records line 8 as run, but it is not code in this version"
    )


def test_edits_that_keep_every_run_line_a_statement_are_not_stale(recorded: CoverageSet) -> None:
    text = APP.replace('"nobody"', '"no one"') + "\n\ndef added():\n    return 1\n"

    analysis = recorded.analyse("app.py", text)

    assert analysis.stale_reason is None
    assert sorted(analysis.missing) == [9, 17, 20, 21]


def test_a_file_that_was_never_measured_is_all_missing_and_not_stale(
    recorded: CoverageSet,
) -> None:
    analysis = recorded.analyse("other.py", "x = 1\nif x:\n    y = 2\n")

    assert recorded.is_measured("other.py") is False
    assert analysis.stale_reason is None
    assert analysis.executed == frozenset()
    assert sorted(analysis.missing) == [1, 2, 3]


def set_mtime(path: Path, mtime: float) -> None:
    os.utime(path, (mtime, mtime))


def test_is_older_than_compares_the_file_with_the_data(recorded: CoverageSet) -> None:
    app = recorded.root / "app.py"
    original = app.stat().st_mtime
    try:
        set_mtime(app, recorded.mtime + 5)
        assert recorded.is_older_than("app.py") is True
        set_mtime(app, recorded.mtime - 5)
        assert recorded.is_older_than("app.py") is False
        set_mtime(app, recorded.mtime)
        assert recorded.is_older_than("app.py") is False
    finally:
        set_mtime(app, original)


def test_is_older_than_is_false_for_a_file_that_is_gone(recorded: CoverageSet) -> None:
    assert recorded.is_older_than("no/such/file.py") is False


def test_newer_file_with_the_same_text_is_older_data_but_not_stale(
    recorded: CoverageSet,
) -> None:
    app = recorded.root / "app.py"
    original = app.stat().st_mtime
    try:
        set_mtime(app, recorded.mtime + 60)
        assert recorded.is_older_than("app.py") is True
        assert recorded.analyse("app.py", app.read_text()).stale_reason is None
    finally:
        set_mtime(app, original)


def test_data_mtime_is_the_newest_data_file(tmp_path: Path) -> None:
    project = CovProject(tmp_path / "project")
    project.write("app.py", APP, dedent=False)
    project.write("run_tests.py", "import app\n")
    project.run()
    project.coverage("run", "--branch", "-p", "run_tests.py")
    [shard] = tmp_path.glob("project/.coverage.*")
    set_mtime(project.root / ".coverage", 1_000_000)
    set_mtime(shard, 2_000_000)
    set_mtime(project.root / "app.py", 1_500_000)

    cset = CoverageSet.load(project.root)

    assert cset.mtime == 2_000_000
    assert cset.is_older_than("app.py") is False


LAST_LINE_RUNS = "def f():\n    return 1\n\n\nf()\n"


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda t: t.replace("\n", "\r"), id="cr"),
        pytest.param(lambda t: t.rstrip("\n"), id="no-final-newline"),
        pytest.param(lambda t: t.replace("\n\n\nf()", "\n\f\n\nf()"), id="form-feed"),
    ],
)
def test_the_measured_text_in_an_editors_form_is_fresh(
    tmp_path: Path, variant: Callable[[str], str]
) -> None:
    project = CovProject(tmp_path)
    project.write("mod.py", LAST_LINE_RUNS, dedent=False)
    project.run("mod.py")
    cset = CoverageSet.load(tmp_path)
    on_disk = cset.analyse("mod.py", LAST_LINE_RUNS)

    analysis = cset.analyse("mod.py", variant(LAST_LINE_RUNS))

    assert analysis.stale_reason is None
    assert analysis == on_disk
    assert sorted(analysis.executed) == [1, 2, 5]


def test_an_edit_that_breaks_the_syntax_cannot_be_analysed(recorded: CoverageSet) -> None:
    with pytest.raises(NotPython, match=r"^Couldn't parse 'app\.py' as Python source: "):
        recorded.analyse("app.py", APP.replace("def shout(name):", "def shout(name:"))
