"""`covlint affected`: each selection rule, on a real repository with real recorded contexts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from covlint.affected_cli import main
from tests.affectedproject import copy_of, edit, make_project, record
from tests.gitrepo import GitRepo, helper_env

SIGN_1 = "tests/test_calc.py::test_sign[1-1]"
SIGN_2 = "tests/test_calc.py::test_sign[-1--1]"
CALC_TESTS = [
    "tests/test_calc.py::TestBox::test_area",
    "tests/test_calc.py::test_double",
    SIGN_2,
    SIGN_1,
]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    return make_project(tmp_path_factory.mktemp("affected") / "proj")


@pytest.fixture
def repo(recorded: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    copy = copy_of(recorded, tmp_path / "proj")
    monkeypatch.chdir(copy.root)
    return copy


def selected(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    assert main(list(args)) == 0
    return capsys.readouterr().out.splitlines()


def as_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main(["--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_nothing_changed_selects_nothing(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no test ran the changed code" in captured.err


def test_a_changed_statement_selects_the_tests_that_ran_it(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/calc.py", "return 1\n", "return 2\n")
    assert selected(capsys) == [SIGN_1]


def test_json_says_why(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, "pkg/calc.py", "return -1\n", "return -2\n")
    report = as_json(capsys)
    assert report["everything"] is False
    assert report["changed_statements"] == 1
    assert report["tests"] == [{"node_id": SIGN_2, "why": ["pkg/calc.py line 12 ran it"]}]
    assert "HEAD when the data was written" in report["baseline"]


def test_a_condition_selects_every_parametrisation_that_ran_it(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/calc.py", "if x > 0:", "if x >= 0:")
    assert selected(capsys) == [SIGN_2, SIGN_1]


def test_a_deleted_statement_selects_the_tests_that_ran_it(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/calc.py", "    if x < 0:\n        return -1\n", "")
    assert selected(capsys) == [SIGN_2]


def test_a_statement_no_test_ran_selects_the_tests_of_its_file(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/calc.py", "return x + 1", "return x + 2")
    assert selected(capsys) == CALC_TESTS


def test_new_code_in_a_function_selects_the_tests_of_that_function(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/calc.py", "    return x * RATE\n", "    x = abs(x)\n    return x * RATE\n")
    # The replaced line ran under test_double; the inserted one sits in the same function.
    assert selected(capsys) == ["tests/test_calc.py::test_double"]
    edit(repo, "pkg/calc.py", "    return 0\n", "    return 0\n    print('unreachable')\n")
    assert selected(capsys) == ["tests/test_calc.py::test_double", SIGN_2, SIGN_1]


IMPORTED_AT_COLLECTION = "module-level code, and the module is imported outside any test"


def test_module_level_code_of_a_module_imported_at_collection_runs_everything(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/calc.py", "RATE = 2", "RATE = 3")
    assert as_json(capsys)["reasons"] == [f"pkg/calc.py line 1: {IMPORTED_AT_COLLECTION}"]


def test_class_bodies_are_module_level_code(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/calc.py", "    size = 3", "    size = 4")
    assert as_json(capsys)["reasons"] == [f"pkg/calc.py line 23: {IMPORTED_AT_COLLECTION}"]


def test_module_level_code_of_a_module_imported_in_tests_selects_its_file(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/lazy.py", "LIMIT = 10", "LIMIT = 11")
    assert selected(capsys) == ["tests/unit/test_other.py::test_lazy"]


def test_a_def_heading_selects_the_tests_of_its_body_and_file(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/calc.py", "def double(x):", "def double(x, y=0):")
    report = as_json(capsys)
    assert [t["node_id"] for t in report["tests"]] == CALC_TESTS
    assert report["tests"][1]["why"][0] == (
        "pkg/calc.py line 4: `double` heading: the tests of its function"
    )


def test_a_new_function_selects_the_tests_of_its_file(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/other.py", "name\n", "name\n\n\ndef shout(name):\n    return name.upper()\n")
    assert selected(capsys) == ["tests/unit/test_other.py::test_greet"]
    edit(repo, "pkg/other.py", "def greet", "import os\n\n\ndef greet")
    assert as_json(capsys)["reasons"] == [f"pkg/other.py new line 1: {IMPORTED_AT_COLLECTION}"]


def test_a_changed_test_file_selects_all_its_tests(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "tests/unit/test_other.py", '"hi a"', '"hi a" != ""')
    assert selected(capsys) == ["tests/unit/test_other.py"]


def test_a_new_test_file_selects_its_tests(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("tests/test_new.py", "def test_new():\n    pass\n")
    repo.write("pkg/newmodule.py", "VALUE = 1\n")  # new code: only changed code can import it
    assert selected(capsys) == ["tests/test_new.py"]


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("tests/conftest.py", "tests/conftest.py changed (always-run)"),
        ("pytest.ini", "pytest.ini changed (always-run)"),
        ("pkg/data.json", "pkg/data.json changed: not Python, may be read by any test"),
        ("tools/helper.py", "tools/helper.py changed but was never measured"),
    ],
)
def test_what_cannot_be_attributed_runs_everything(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], path: str, why: str
) -> None:
    repo.commit_files({path: "x = 1\n"}, "before the run")
    repo.write(path, "x = 2\n")
    report = as_json(capsys)
    assert report["everything"] is True
    assert report["reasons"] == [why]
    assert main([]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""  # `pytest $(covlint affected)` then runs every test
    assert f"run every test: {why}" in captured.err


def test_always_run_and_ignore_globs_from_pyproject(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = '[tool.covlint.affected]\nalways-run = ["pkg/other.py"]\nignore = ["docs/*"]\n'
    repo.commit_files({"pyproject.toml": settings, "docs/index.md": "# Docs\n"}, "settings")
    repo.write("docs/index.md", "# The docs\n")
    assert as_json(capsys)["everything"] is False
    edit(repo, "pkg/other.py", '"hi "', '"hello "')
    assert as_json(capsys)["reasons"] == ["pkg/other.py changed (always-run)"]


def test_bad_settings_are_a_usage_error(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("pyproject.toml", "[tool.covlint.affected]\nalways-run = 'x'\n")
    assert main([]) == 2
    assert "[tool.covlint.affected] always-run must be a list of globs" in capsys.readouterr().err


def test_a_commit_after_the_run_is_still_part_of_the_change(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/calc.py", "return 1\n", "return 2\n")
    repo.stage_all()
    later = helper_env()
    stamp = f"@{int(time.time()) + 5} +0000"
    later.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    subprocess.run(
        ["git", "commit", "-qm", "after the run", "--no-verify"],
        cwd=repo.root,
        env=later,
        check=True,
    )
    assert selected(capsys) == [SIGN_1]


def test_base_selects_for_the_branch_since_the_merge_base(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.switch("feature", create=True)
    edit(repo, "pkg/calc.py", "return -1\n", "return -2\n")
    repo.stage_all()
    repo.commit("feature")
    os.utime(repo.path("pkg/calc.py"), (0, 0))  # older than the data: --base still sees it
    assert selected(capsys, "--base", "main") == [SIGN_2]


def test_staged_selects_for_the_index_only(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/calc.py", "return -1\n", "return -2\n")
    repo.stage("pkg/calc.py")
    edit(repo, "pkg/other.py", '"hi "', '"hello "')
    assert selected(capsys, "--staged") == [SIGN_2]
    assert selected(capsys) == [SIGN_2, "tests/unit/test_other.py::test_greet"]


def test_sole_lists_the_tests_that_alone_ran_lines(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = selected(capsys, "--sole")
    assert f"{SIGN_1}: pkg/calc.py line 10" in lines
    assert f"{SIGN_2}: pkg/calc.py lines 11-12" in lines
    assert "tests/unit/test_other.py::test_greet: pkg/other.py line 2" in lines
    assert as_json(capsys, "--sole")[SIGN_1] == {"pkg/calc.py": [10]}


def test_no_data_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo.init(tmp_path / "empty")
    repo.commit_files({"a.py": "x = 1\n"})
    monkeypatch.chdir(repo.root)
    assert main([]) == 2
    assert "covlint affected: no coverage data" in capsys.readouterr().err


def test_data_without_test_contexts_runs_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_project(tmp_path / "plain", context_format="none")
    monkeypatch.chdir(repo.root)
    report = as_json(capsys)
    assert report["everything"] is True
    assert "no test contexts" in report["reasons"][0]


def test_test_function_contexts_select_node_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_project(tmp_path / "tf", context_format="test_function")
    monkeypatch.chdir(repo.root)
    edit(repo, "pkg/calc.py", "return 1\n", "return 2\n")
    assert selected(capsys) == ["tests/test_calc.py::test_sign"]  # every parametrisation
    edit(repo, "pkg/calc.py", "return self.size", "return 1 + self.size")
    edit(repo, "pkg/other.py", '"hi "', '"hello "')
    assert selected(capsys) == [
        "tests/test_calc.py::TestBox::test_area",
        "tests/test_calc.py::test_sign",
        "tests/unit/test_other.py::test_greet",  # module `test_other`, found in a nested folder
    ]
    record(repo, "test_function")
    assert selected(capsys) == []


def test_the_gate_and_the_server_skip_the_affected_table() -> None:
    from covlint.hooks.config import Config, parse_config
    from covlint.server.settings import server_keys

    table = {"affected": {"ignore": ["docs/*"]}, "fail-under": 50}
    assert parse_config(table) == Config(fail_under=50)
    assert server_keys(table, "pyproject.toml") == {}


def test_unknown_affected_key(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("pyproject.toml", "[tool.covlint.affected]\nalways = ['x']\n")
    assert main([]) == 2
    assert "unknown key 'always'" in capsys.readouterr().err


def test_a_changed_docstring_selects_the_tests_of_its_file(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/calc.py", "its size is fixed", "its size never changes")
    assert selected(capsys) == CALC_TESTS


def test_a_deleted_module_selects_the_tests_that_ran_it(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.remove("pkg/other.py")
    assert selected(capsys) == ["tests/unit/test_other.py::test_greet"]


def test_code_that_only_ran_at_import_runs_everything(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/imported.py", "return 1", "return 2")
    reasons = as_json(capsys)["reasons"]
    assert (
        reasons[0] == "pkg/imported.py line 5: no test ran it, and no test ran any line of the file"
    )
    edit(repo, "pkg/imported.py", "FLAG = True", "FLAG = False")
    reasons = as_json(capsys)["reasons"]
    assert reasons[0] == f"pkg/imported.py line 1: {IMPORTED_AT_COLLECTION}"


def test_a_module_that_never_ran_selects_nothing(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/unrun.py", "VALUE = 1", "VALUE = 2")
    assert as_json(capsys) | {"baseline": ""} == {
        "everything": False,
        "reasons": [],
        "changed_statements": 1,
        "baseline": "",
        "tests": [],
    }


def test_unparsable_new_code_selects_the_tests_of_its_file(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/other.py", "    return", "    return (")
    assert selected(capsys) == ["tests/unit/test_other.py::test_greet"]


@pytest.mark.parametrize(
    ("pyproject", "error"),
    [
        ("[tool.covlint", "pyproject.toml is not valid TOML"),
        ("[tool]\ncovlint = 1\n", "[tool.covlint] must be a table"),
        ("[tool.covlint]\naffected = 1\n", "[tool.covlint.affected] must be a table"),
        ("[tool.covlint]\ndata-file = 1\n", "[tool.covlint] data-file must be a string"),
    ],
)
def test_bad_pyproject(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], pyproject: str, error: str
) -> None:
    repo.write("pyproject.toml", pyproject)
    assert main([]) == 2
    assert error in capsys.readouterr().err


def test_data_of_another_checkout_runs_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_project(tmp_path / "elsewhere", context_format="absolute")
    moved = copy_of(repo, tmp_path / "moved")
    monkeypatch.chdir(moved.root)
    reason = as_json(capsys)["reasons"][0]
    assert reason.startswith("the coverage data names no file of this checkout")


def test_before_the_first_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = make_project(tmp_path / "first")
    shutil.rmtree(recorded.path(".git"))
    repo = GitRepo.init(recorded.root)
    monkeypatch.chdir(repo.root)
    edit(repo, "pkg/calc.py", "return 1\n", "return 2\n")
    assert as_json(capsys)["baseline"] == "no commit yet: every file is new"


def test_data_that_does_not_fit_the_committed_text_selects_the_whole_file(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Edited before the run: the data numbers the lines of that edit, not of the commit.
    edit(
        repo,
        "pkg/calc.py",
        "    return 0\n",
        "    z = 0\n    if z:\n        return z\n    return 0\n",
    )
    record(repo)
    edit(repo, "pkg/calc.py", "return 1\n", "return 2\n")
    report = as_json(capsys)
    assert {t["node_id"] for t in report["tests"]} == set(CALC_TESTS)
    assert "(edited before the run?)" in report["tests"][0]["why"][0]


def test_the_text_that_ran_when_covlint_saw_it_before_the_edit(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    guard = "    z = 0\n    if z:\n        return z\n"
    edit(repo, "pkg/calc.py", "    return 0\n", guard + "    return 0\n")
    record(repo)  # the run saw this edit; git's HEAD does not have it
    assert as_json(capsys)["tests"] == []  # first sight: covlint learns the text that ran
    edit(repo, "pkg/calc.py", "return 1\n", "return 2\n")
    assert selected(capsys) == [SIGN_1]  # line by line, not the whole file
    edit(repo, "pkg/calc.py", guard, "")
    assert selected(capsys) == [SIGN_2, SIGN_1]  # reverting the edit is a change too


def test_a_file_reverted_to_head_after_the_run_is_a_change(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/other.py", '"hi "', '"hello "')
    record(repo)
    assert selected(capsys) == []
    repo.git("checkout", "--", "pkg/other.py")  # git now sees no change at all
    assert selected(capsys) == ["tests/unit/test_other.py::test_greet"]


def test_after_first_sight_a_touched_file_is_no_change_and_a_deleted_one_is(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert selected(capsys) == []  # covlint sees this data version: learns the texts that ran
    later = time.time() + 60
    os.utime(repo.path("pkg/calc.py"), (later, later))  # saved again, same bytes
    assert selected(capsys) == []
    repo.remove("pkg/other.py")
    assert selected(capsys) == ["tests/unit/test_other.py::test_greet"]


def test_a_new_decorator_selects_the_tests_of_its_function_and_file(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "pkg/other.py", "def greet", "@staticmethod\ndef greet")
    report = as_json(capsys)
    assert [t["node_id"] for t in report["tests"]] == ["tests/unit/test_other.py::test_greet"]
    assert report["tests"][0]["why"] == [
        "pkg/other.py new line 1: in greet: the tests of its function",
        "pkg/other.py new line 1: `greet` heading: the tests of its file",
    ]


def test_always_select_adds_tests_to_any_change(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = '[tool.covlint.affected]\nalways-select = ["tests/unit/test_other.py::test_lazy"]\n'
    repo.commit_files({"pyproject.toml": settings}, "settings")
    assert selected(capsys) == []  # no change: nothing
    edit(repo, "pkg/calc.py", "return 1\n", "return 2\n")
    assert selected(capsys) == [SIGN_1, "tests/unit/test_other.py::test_lazy"]
