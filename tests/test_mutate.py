"""`covlint mutate` on real repositories with real pytest runs: outcomes, the gate, shards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from covlint.mutate.results import default_results_path
from tests.mutateproject import MutateProject, outcomes

BEFORE = """\
def is_adult(age):
    return False
"""
AFTER = """\
def is_adult(age):
    return age >= 18


def count_up(n, limit):
    while n < limit:
        n += 1
    return n


def unused(a):
    return a * 2
"""
WEAK_TESTS = """\
from app.core import count_up, is_adult


def test_is_adult():
    assert is_adult(30)
    assert not is_adult(5)


def test_count_up():
    assert count_up(0, 3) == 3
"""
STRONG_TESTS = """\
from app.core import is_adult


def test_is_adult_at_the_boundary():
    assert is_adult(18)
    assert not is_adult(17)
"""


@pytest.fixture(scope="module")
def weak(tmp_path_factory: pytest.TempPathFactory, no_outer_coverage_module: None) -> MutateProject:
    """The change is staged; the tests run every changed line but `unused` and check too little."""
    project = MutateProject(tmp_path_factory.mktemp("weak") / "repo")
    project.write("app/core.py", BEFORE)
    project.write("tests/test_core.py", "def test_nothing():\n    pass\n")
    project.commit_all("start")
    project.write("app/core.py", AFTER)
    project.write("tests/test_core.py", WEAK_TESTS)
    project.repo.stage_all()
    project.record()
    return project


@pytest.fixture(scope="module")
def weak_run(weak: MutateProject) -> dict[str, Any]:
    before = weak.snapshot()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(weak.root)
        from covlint.mutate_cli import main

        out = weak.root.parent / "weak.json"
        code = main(["--output", str(out), "-q"])
    results: dict[str, Any] = json.loads(out.read_text())
    results["exit"] = code
    results["untouched"] = weak.snapshot() == before
    return results


def test_weak_tests_leave_survivors_and_the_gate_fails(weak_run: dict[str, Any]) -> None:
    found = outcomes(weak_run)
    assert found[2, ">=", ">"] == "survived"
    assert found[2, "18", "19"] == "survived"
    assert found[2, "age >= 18", "None"] == "killed"
    assert weak_run["exit"] == 1
    assert weak_run["passed"] is False


def test_outcomes_of_every_changed_statement(weak_run: dict[str, Any]) -> None:
    assert outcomes(weak_run) == {
        (2, "age >= 18", "None"): "killed",
        (2, ">=", ">"): "survived",
        (2, "18", "19"): "survived",
        (6, "<", "<="): "killed",
        (7, "+=", "-="): "timeout",
        (7, "1", "2"): "killed",
        (8, "n", "None"): "killed",
        (12, "a * 2", "None"): "not-covered",
        (12, "*", "/"): "not-covered",
        (12, "2", "3"): "not-covered",
    }
    assert weak_run["counts"] == {
        "killed": 4,
        "timeout": 1,
        "survived": 2,
        "not-covered": 3,
        "error": 0,
    }
    assert weak_run["score"] == 50.0  # (4 killed + 1 timeout) / 10


def test_each_mutant_ran_only_the_tests_of_its_line(weak_run: dict[str, Any]) -> None:
    tests = {(m["line"], m["mutated"]): m["tests"] for m in weak_run["mutants"]}
    assert tests[2, ">"] == ["tests/test_core.py::test_is_adult"]
    assert tests[6, "<="] == ["tests/test_core.py::test_count_up"]
    assert tests[12, "3"] == []  # not covered: nothing ran
    killed = {m["killed_by"] for m in weak_run["mutants"] if m["outcome"] == "killed"}
    assert killed == {"tests/test_core.py::test_is_adult", "tests/test_core.py::test_count_up"}


def test_the_users_files_are_untouched(weak_run: dict[str, Any]) -> None:
    assert weak_run["untouched"]


def test_results_go_to_the_cache_and_to_the_named_file(weak: MutateProject) -> None:
    cached = json.loads(default_results_path(weak.root).read_text())
    named = json.loads((weak.root.parent / "weak.json").read_text())
    assert cached == named
    assert cached["schema"] == 1
    assert set(cached["files"]) == {"app/core.py"}


def test_text_report_names_each_survivor(
    weak: MutateProject, capsys: pytest.CaptureFixture[str], weak_run: dict[str, Any]
) -> None:
    results = weak.root.parent / "weak.json"
    code, out, _ = weak.mutate("--merge", str(results), capsys=capsys)
    assert code == 1
    assert (
        "app/core.py:2: survived: changing `>=` to `>` here fails no test (1 test ran this line)"
        in out.splitlines()
    )
    assert "app/core.py:12: not covered: `*` → `/`: no test runs this line" in out
    assert out.splitlines()[-1] == (
        "covlint: FAILED: mutation score 50% of 10 mutants of the changed lines:"
        " 5 killed (1 by timeout), 2 survived, 3 not covered (needs 80%)"
    )


def test_shards_merge_into_the_single_run(
    weak: MutateProject, capsys: pytest.CaptureFixture[str], weak_run: dict[str, Any]
) -> None:
    folder = weak.root.parent
    first = weak.mutate_json("--shard", "1/2", "--output", str(folder / "a.json"), capsys=capsys)
    second = weak.mutate_json("--shard", "2/2", "--output", str(folder / "b.json"), capsys=capsys)
    assert (first["exit"], second["exit"]) == (0, 0)  # a shard alone gives no verdict
    assert len(first["mutants"]) + len(second["mutants"]) == 10
    merged = weak.mutate_json(
        "--merge", str(folder / "a.json"), str(folder / "b.json"), capsys=capsys
    )
    assert merged["exit"] == weak_run["exit"]
    assert _comparable(merged) == _comparable(weak_run)


def _comparable(results: dict[str, Any]) -> dict[str, Any]:
    """A results document without its timings: a loaded machine may turn a slow kill into a
    timeout (both kill the mutant; the score is the same)."""
    drop = ("exit", "untouched", "counts")
    kept = {k: v for k, v in results.items() if k not in drop}
    kept["mutants"] = [
        {k: _killed(v) if k == "outcome" else v for k, v in m.items() if k not in TIMING}
        for m in results["mutants"]
    ]
    return kept


TIMING = ("seconds", "detail", "killed_by")


def _killed(outcome: str) -> str:
    return "killed" if outcome == "timeout" else outcome


def test_a_missing_shard_is_an_error(
    weak: MutateProject, capsys: pytest.CaptureFixture[str], weak_run: dict[str, Any]
) -> None:
    folder = weak.root.parent
    weak.mutate("--shard", "1/3", "--output", str(folder / "c.json"), capsys=capsys)
    code, _, err = weak.mutate("--merge", str(folder / "c.json"), capsys=capsys)
    assert code == 2
    assert err == ("covlint: error: shard 2/3 is missing: merge the results of every shard\n")


def test_strong_tests_kill_every_mutant_and_the_gate_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = MutateProject(tmp_path / "repo")
    project.write("app/core.py", BEFORE)
    project.commit_all("start")
    project.write("app/core.py", "def is_adult(age):\n    return age >= 18\n")
    project.write("tests/test_core.py", STRONG_TESTS)
    project.repo.stage_all()
    project.record()
    results = project.mutate_json(capsys=capsys)
    assert results["exit"] == 0
    assert set(outcomes(results).values()) == {"killed"}
    assert results["score"] == 100.0


def test_a_failing_baseline_is_an_error_naming_the_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = MutateProject(tmp_path / "repo")
    project.write("app/core.py", BEFORE)
    project.commit_all("start")
    project.write("app/core.py", "def is_adult(age):\n    return age >= 18\n")
    flaky = "import os\n\nfrom app.core import is_adult\n\n\ndef test_flaky():\n"
    flaky += "    assert is_adult(20)\n    assert not os.environ.get('BREAK_IT')\n"
    project.write("tests/test_core.py", flaky)
    project.repo.stage_all()
    project.record()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BREAK_IT", "1")
        code, _, err = project.mutate(capsys=capsys)
    assert code == 2
    assert err == (
        "covlint: error: the tests fail without any mutant (tests/test_core.py::test_flaky):"
        " fix them, then mutate\n"
    )


def test_data_without_contexts_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = MutateProject(tmp_path / "repo")
    project.write("app/core.py", BEFORE)
    project.commit_all("start")
    project.write("app/core.py", "def is_adult(age):\n    return age >= 18\n")
    project.write("tests/test_core.py", STRONG_TESTS)
    project.repo.stage_all()
    project.record(contexts=False)
    code, _, err = project.mutate(capsys=capsys)
    assert code == 2
    assert err == (
        "covlint: error: the coverage data does not say which test ran each line:"
        " record it with `pytest --cov --cov-context=test`\n"
    )


def test_nothing_to_mutate_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = MutateProject(tmp_path / "repo")
    project.commit_all("start")
    project.write("README.md", "docs\n")
    project.repo.stage_all()
    code, out, _ = project.mutate(capsys=capsys)
    assert code == 0
    assert out == "covlint: nothing to mutate: no changed statements with mutants\n"


def test_fresh_processes_give_the_same_outcomes(
    weak: MutateProject, capsys: pytest.CaptureFixture[str], weak_run: dict[str, Any]
) -> None:
    """Warm forks (the default) and one fresh process per mutant judge every mutant alike."""
    fresh = weak.mutate_json("--no-fork", capsys=capsys)
    assert _comparable(fresh)["mutants"] == _comparable(weak_run)["mutants"]


def test_sarif_lists_survivors_and_uncovered_mutants(
    weak: MutateProject, capsys: pytest.CaptureFixture[str], weak_run: dict[str, Any]
) -> None:
    results = weak.root.parent / "weak.json"
    code, out, _ = weak.mutate("--merge", str(results), "--format", "sarif", capsys=capsys)
    sarif = json.loads(out)
    found = [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in sarif["runs"][0]["results"]
    ]
    assert code == 1
    assert found == [("survived-mutant", 2)] * 2 + [("not-covered-mutant", 12)] * 3
    rules = {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules == {"survived-mutant", "not-covered-mutant"}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("bogus = 1", "[tool.covlint.mutate]: unknown key 'bogus' (known: fail-under, operators,"),
        ('operators = ["swap"]', "unknown operator 'swap'"),
        ("timeout-factor = 0", "timeout-factor must be a positive number, not 0"),
        ("fail-under = 120", "fail-under must be from 0 to 100, not 120"),
    ],
)
def test_bad_settings_are_errors_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, message: str
) -> None:
    project = MutateProject(tmp_path / "repo", pyproject=f"[tool.covlint.mutate]\n{table}\n")
    project.commit_all("start")
    code, out, err = project.mutate(capsys=capsys)
    assert (code, out) == (2, "")
    assert message in err


def test_a_bad_shard_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = MutateProject(tmp_path / "repo")
    project.commit_all("start")
    code, _, err = project.mutate("--shard", "3/2", capsys=capsys)
    assert code == 2
    assert err == "covlint: error: --shard must be K/N with 1 <= K <= N, e.g. 1/4, not '3/2'\n"


def test_merging_shards_of_different_changes_is_an_error(
    weak: MutateProject, capsys: pytest.CaptureFixture[str], weak_run: dict[str, Any]
) -> None:
    folder = weak.root.parent
    other = json.loads((folder / "weak.json").read_text())
    other["base"] = "0" * 40
    other["shards"] = ["2/2"]
    (folder / "other.json").write_text(json.dumps(other))
    first = json.loads((folder / "weak.json").read_text())
    first["shards"] = ["1/2"]
    (folder / "first.json").write_text(json.dumps(first))
    code, _, err = weak.mutate(
        "--merge", str(folder / "first.json"), str(folder / "other.json"), capsys=capsys
    )
    assert code == 2
    assert "other.json is from another change than" in err


def test_a_shard_given_twice_and_a_foreign_file_are_errors(
    weak: MutateProject, capsys: pytest.CaptureFixture[str], weak_run: dict[str, Any]
) -> None:
    folder = weak.root.parent
    code, _, err = weak.mutate(
        "--merge", str(folder / "a.json"), str(folder / "a.json"), capsys=capsys
    )
    assert (code, err) == (2, "covlint: error: shard 1/2 is given twice\n")
    (folder / "foreign.json").write_text('{"schema": 7}')
    code, _, err = weak.mutate("--merge", str(folder / "foreign.json"), capsys=capsys)
    assert code == 2
    assert "is not a covlint mutation results file (schema 7, expected 1)" in err


def test_only_the_staged_lines_of_a_partly_staged_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Mutants on the staged change only, numbered as the working tree that was tested."""
    project = MutateProject(tmp_path / "repo")
    project.write("app/core.py", "def is_adult(age):\n    return False\n")
    project.commit_all("start")
    project.write("app/core.py", "def is_adult(age):\n    return age >= 18\n")
    project.write("tests/test_core.py", STRONG_TESTS)
    project.repo.stage_all()
    unstaged = "def helper():\n    return 1 + 1\n\n\ndef is_adult(age):\n    return age >= 18\n"
    project.write("app/core.py", unstaged)  # an unstaged function above the staged line
    project.record()
    results = project.mutate_json(capsys=capsys)
    assert {(m["line"], m["original"]) for m in results["mutants"]} == {
        (6, "age >= 18"),
        (6, ">="),
        (6, "18"),
    }
    assert results["exit"] == 0
