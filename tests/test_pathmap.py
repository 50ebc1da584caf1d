"""Recorded paths map onto this checkout as coverage's `[paths]` and `relative_files` map them."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from coverage import CoverageData

from covlint.coverage_set import CoverageSet
from covlint.pathmap import PathMapper, glob_prefix_regex
from tests.covproject import OUTER_COVERAGE_VARIABLES as COVERAGE_ENV
from tests.covproject import CovProject

MOD = """\
def double(x):
    if x > 0:
        return 2 * x
    return 0
"""
RUN = "from pkg.mod import double\n\ndouble(1)\n"


@dataclass(frozen=True)
class Recording:
    """A project measured in a folder that no longer exists (as on a CI machine)."""

    gone_root: Path
    pristine: Path  # the project and its data, copied out before the original was removed


def record_elsewhere(base: Path, name: str, config: str = "") -> Recording:
    project = CovProject(base / name / "checkout")
    project.write("src/pkg/__init__.py", "")
    project.write("src/pkg/mod.py", MOD)
    project.write("run_tests.py", RUN)
    project.write(".coveragerc", f"[run]\nsource = src\n{config}")
    project.coverage("run", "--branch", "run_tests.py", env={"PYTHONPATH": "src"})
    pristine = base / f"{name}-pristine"
    shutil.copytree(project.root, pristine)
    shutil.rmtree(project.root)
    return Recording(project.root, pristine)


@pytest.fixture(scope="module")
def absolute(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    with pytest.MonkeyPatch.context() as mp:
        for name in COVERAGE_ENV:
            mp.delenv(name, raising=False)
        return record_elsewhere(tmp_path_factory.mktemp("ci"), "A")


@pytest.fixture(scope="module")
def relative(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    with pytest.MonkeyPatch.context() as mp:
        for name in COVERAGE_ENV:
            mp.delenv(name, raising=False)
        return record_elsewhere(tmp_path_factory.mktemp("ci"), "R", "relative_files = true\n")


def checkout(recording: Recording, here: Path, paths: str = "") -> CovProject:
    shutil.copytree(recording.pristine, here)
    project = CovProject(here)
    config = (here / ".coveragerc").read_text()
    project.write(".coveragerc", config + (f"\n[paths]\n{paths}" if paths else ""))
    return project


def coverage_json_files(project: CovProject) -> dict[str, Any]:
    files = project.json_report()["files"]
    assert isinstance(files, dict)
    return files


def assert_lookups_agree(root: Path) -> None:
    """Looking files up one by one finds exactly what mapping every recorded name finds."""
    everything = CoverageSet.load(root).measured_paths
    candidates = [*everything, "src/pkg/other.py", "pkg/mod.py", "mod.py", "src/pkg"]
    lazily = CoverageSet.load(root)
    lazily.locate(candidates[:2])
    assert [p for p in candidates if lazily.is_measured(p)] == everything


def test_data_from_another_root_is_unmapped_without_paths(
    absolute: Recording, tmp_path: Path
) -> None:
    checkout(absolute, tmp_path / "B")

    cset = CoverageSet.load(tmp_path / "B")

    gone_src = absolute.gone_root / "src" / "pkg"
    assert cset.measured_paths == []
    assert cset.unmapped == (str(gone_src / "__init__.py"), str(gone_src / "mod.py"))
    assert cset.describe_unmapped() == (
        f"2 measured file(s) are not under this checkout (e.g. {gone_src / '__init__.py'}):"
        " add a [paths] mapping to your coverage config"
    )
    assert cset.is_measured("src/pkg/mod.py") is False


PATHS_RULES = {
    "absolute": "source =\n    src/\n    {gone}/src\n",
    "leading-wildcard": "source =\n    src/\n    */src\n",
    "double-star": "source =\n    src/\n    /**/checkout/src\n",
    "other-case": "source =\n    src/\n    {gone_upper}/SRC\n",
    "first-rule-missing": "lib =\n    lib/\n    */src\nsource =\n    src/\n    */checkout/src\n",
}


@pytest.mark.parametrize("rule", sorted(PATHS_RULES))
def test_paths_rules_map_as_coverage_maps(absolute: Recording, tmp_path: Path, rule: str) -> None:
    gone = str(absolute.gone_root)
    paths = PATHS_RULES[rule].format(gone=gone, gone_upper=gone.upper())
    project = checkout(absolute, tmp_path / "B", paths)

    cset = CoverageSet.load(project.root)

    assert cset.measured_paths == ["src/pkg/__init__.py", "src/pkg/mod.py"]
    assert cset.unmapped == ()
    assert cset.describe_unmapped() == ""
    expected = coverage_json_files(project)
    assert sorted(expected) == cset.measured_paths
    assert_lookups_agree(project.root)
    analysis = cset.analyse("src/pkg/mod.py", MOD)
    assert sorted(analysis.executed) == expected["src/pkg/mod.py"]["executed_lines"] == [1, 2, 3]
    assert [[a.start, a.end] for a in analysis.missed_arcs] == [[2, 4]]


def test_relative_files_data_maps_directly(relative: Recording, tmp_path: Path) -> None:
    project = checkout(relative, tmp_path / "elsewhere" / "B")

    cset = CoverageSet.load(project.root)

    assert cset.measured_paths == ["src/pkg/__init__.py", "src/pkg/mod.py"]
    assert cset.unmapped == ()
    assert sorted(cset.analyse("src/pkg/mod.py", MOD).executed) == [1, 2, 3]
    assert sorted(coverage_json_files(project)) == cset.measured_paths
    assert_lookups_agree(project.root)


def windows_data(recording: Recording, target: Path) -> None:
    """The recording's measurements as a Windows CI machine would have stored them."""
    recorded = CoverageData(basename=str(recording.pristine / ".coverage"))
    recorded.read()
    windows = CoverageData(basename=str(target))
    for name in recorded.measured_files():
        relative = Path(name).relative_to(recording.gone_root).as_posix()
        windows_name = "C:\\CI\\build\\" + relative.replace("/", "\\")
        windows.add_arcs({windows_name: recorded.arcs(name) or []})
    windows.write()


def test_windows_paths_map_with_a_windows_rule(absolute: Recording, tmp_path: Path) -> None:
    project = checkout(absolute, tmp_path / "B", "source =\n    src/\n    C:\\ci\\build\\src\n")
    (project.root / ".coverage").unlink()
    windows_data(absolute, project.root / ".coverage")

    cset = CoverageSet.load(project.root)

    assert cset.measured_paths == ["src/pkg/__init__.py", "src/pkg/mod.py"]
    assert sorted(coverage_json_files(project)) == cset.measured_paths
    assert sorted(cset.analyse("src/pkg/mod.py", MOD).executed) == [1, 2, 3]


def test_windows_paths_without_a_rule_are_unmapped(absolute: Recording, tmp_path: Path) -> None:
    project = checkout(absolute, tmp_path / "B")
    (project.root / ".coverage").unlink()
    windows_data(absolute, project.root / ".coverage")

    cset = CoverageSet.load(project.root)

    assert cset.measured_paths == []
    assert cset.unmapped == (
        "C:\\CI\\build\\src\\pkg\\__init__.py",
        "C:\\CI\\build\\src\\pkg\\mod.py",
    )


# --- PathMapper itself -------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in ("src/pkg/mod.py", "src/pkg/sub/deep.py", "lib/util.py", "top.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    return tmp_path


@pytest.mark.parametrize(
    ("pattern", "recorded", "mapped"),
    [
        ("*/src", "/ci/build/src/pkg/mod.py", "src/pkg/mod.py"),
        ("*/src", "/src/pkg/mod.py", "src/pkg/mod.py"),
        ("*/src", "src/pkg/mod.py", "src/pkg/mod.py"),
        ("*/src/", "/a/b/c/src/pkg/sub/deep.py", "src/pkg/sub/deep.py"),
        ("/ci/*/src", "/ci/job-7/src/pkg/mod.py", "src/pkg/mod.py"),
        ("/ci/*/src", "/ci/a/b/src/pkg/mod.py", None),
        ("/ci/**/src", "/ci/a/b/src/pkg/mod.py", "src/pkg/mod.py"),
        ("/ci/**/src", "/ci/src/pkg/mod.py", "src/pkg/mod.py"),
        ("/ci/job-?/src", "/ci/job-7/src/pkg/mod.py", "src/pkg/mod.py"),
        ("/ci/job-?/src", "/ci/job-77/src/pkg/mod.py", None),
        ("/ci/job-[0-9]/src", "/ci/job-3/src/pkg/mod.py", "src/pkg/mod.py"),
        ("/CI/Build/SRC", "/ci/build/src/pkg/mod.py", "src/pkg/mod.py"),
        ("/ci/build/src", "/CI/BUILD/SRC/pkg/mod.py", "src/pkg/mod.py"),
        ("C:\\ci\\src", "c:\\CI\\src\\pkg\\mod.py", "src/pkg/mod.py"),
        ("C:\\ci\\src", "C:/ci/src/pkg/mod.py", "src/pkg/mod.py"),
        ("/ci/build/src", "/ci/build/srcs/pkg/mod.py", None),
        ("/ci/build/src", "/other/ci/build/src/pkg/mod.py", None),
        ("/ci/a.b/src", "/ci/aXb/src/pkg/mod.py", None),
        ("/ci/build/src", "/ci/build/src/pkg/missing.py", None),
    ],
)
def test_glob_rules(tree: Path, pattern: str, recorded: str, mapped: str | None) -> None:
    mapper = PathMapper(tree, {"source": ["src/", pattern]})

    assert mapper.map(recorded) == mapped


def test_glob_prefix_regex_matches_whole_components() -> None:
    regex = glob_prefix_regex("*/src")

    assert regex.match("/x/src/a.py")
    assert regex.match("src\\a.py")
    assert not regex.match("/x/mysrc/a.py")
    assert not regex.match("/x/src")


def test_relative_patterns_are_relative_to_the_root(tree: Path) -> None:
    (tree / "old" / "pkg").mkdir(parents=True)
    mapper = PathMapper(tree, {"source": ["src/", "old/"]})

    assert mapper.map(str(tree / "old" / "pkg" / "mod.py")) == "src/pkg/mod.py"
    assert mapper.map("/elsewhere/old/pkg/mod.py") is None


def test_absolute_result_under_the_root(tree: Path) -> None:
    mapper = PathMapper(tree, {"lib": [str(tree / "lib"), "/ci/lib"]})

    assert mapper.map("/ci/lib/util.py") == "lib/util.py"


def test_the_first_rule_whose_file_exists_wins(tree: Path) -> None:
    paths = {"a": ["nowhere/", "/ci/"], "b": ["src/", "/ci/"], "c": ["lib/", "/ci/"]}
    mapper = PathMapper(tree, paths)

    assert mapper.map("/ci/pkg/mod.py") == "src/pkg/mod.py"
    assert mapper.map("/ci/util.py") == "lib/util.py"
    assert mapper.map("/ci/top.py") is None


def test_exists_is_asked_about_the_local_file(tree: Path) -> None:
    asked: list[Path] = []

    def exists(path: Path) -> bool:
        asked.append(path)
        return path.name == "mod.py"

    mapper = PathMapper(tree, {"source": ["src/", "*/src"]}, exists=exists)

    assert mapper.map("/ci/src/pkg/mod.py") == "src/pkg/mod.py"
    assert mapper.map("/ci/src/pkg/other.py") is None
    assert asked == [tree.resolve() / "src/pkg/mod.py", tree.resolve() / "src/pkg/other.py"]


@pytest.mark.parametrize(
    ("recorded", "mapped"),
    [
        ("top.py", "top.py"),
        ("./src/pkg/mod.py", "src/pkg/mod.py"),
        ("src\\pkg\\mod.py", "src/pkg/mod.py"),
        ("../outside.py", None),
        ("/somewhere/else.py", None),
        ("D:\\work\\top.py", None),
    ],
)
def test_paths_without_rules(tree: Path, recorded: str, mapped: str | None) -> None:
    assert PathMapper(tree, {}).map(recorded) == mapped


def test_absolute_paths_under_the_root_without_rules(tree: Path) -> None:
    mapper = PathMapper(tree, {})

    assert mapper.map(str(tree.resolve() / "src" / "pkg" / "mod.py")) == "src/pkg/mod.py"
    assert mapper.map(str(tree.resolve())) is None


def test_a_root_given_through_a_symlink(
    tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    link = tmp_path_factory.mktemp("links") / "project"
    link.symlink_to(tree)

    mapper = PathMapper(link, {})

    assert mapper.map(str(tree.resolve() / "top.py")) == "top.py"


def test_an_alias_list_with_only_a_result_maps_nothing(tree: Path) -> None:
    assert PathMapper(tree, {"source": ["src/"]}).map("/ci/src/pkg/mod.py") is None
