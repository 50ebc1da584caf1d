"""The parse cache: the same text is parsed once, and a changed text never reuses a parse."""

from __future__ import annotations

from pathlib import Path

from covlint.analysis import parsed
from covlint.coverage_set import CoverageSet
from tests.covproject import CovProject

TEXT = "def f(x):\n    if x:\n        return 1\n    return 2\n"


def test_reanalysis_reuses_the_parse_and_edits_do_not(tmp_path: Path) -> None:
    project = CovProject(tmp_path)
    project.write("m.py", TEXT)
    project.write("run_tests.py", "import m\nm.f(1)\n")
    project.run()
    parsed.cache_clear()
    first = CoverageSet.load(tmp_path).analyse("m.py", TEXT)
    again = CoverageSet.load(tmp_path).analyse("m.py", TEXT)  # a reload: new data, same text
    assert parsed.cache_info().hits == 1
    assert again == first
    edited = TEXT.replace("return 2", "pass\n    return 2")
    changed = CoverageSet.load(tmp_path).analyse("m.py", edited)
    assert parsed.cache_info().misses == 2
    assert changed.statements == first.statements | {5}
