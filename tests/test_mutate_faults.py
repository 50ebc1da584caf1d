"""`covlint mutate` when the tests' processes misbehave: real pytest runs that cannot start, warm
processes that die or hang, modules loaded behind the import hook's back, recorded tests gone."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from tests.mutateproject import MutateProject, outcomes

CODE = "def is_adult(age):\n    return age >= 18\n"
TESTS = """\
from app.core import is_adult


def test_is_adult():
    assert is_adult(30)
    assert not is_adult(5)
"""
# Counts the pytest sessions covlint starts (`SESSION_COUNTER`); the ones listed in
# `BROKEN_SESSIONS` cannot start, as when a service the tests need is down.
CONFTEST = """\
import os
import sys
import time
from pathlib import Path


def pytest_sessionstart(session):
    counter = os.environ.get("SESSION_COUNTER")
    if not counter:
        return
    path = Path(counter)
    number = len(path.read_text()) + 1 if path.exists() else 1
    path.write_text("x" * number)
    os.environ["SESSION_NUMBER"] = str(number)
    if str(number) in os.environ.get("BROKEN_SESSIONS", "").split(","):
        print("the test database is locked", file=sys.stderr)
        raise RuntimeError("the test database is locked")


def pytest_sessionfinish(session):
    if os.environ.get("SESSION_NUMBER") == os.environ.get("HANGING_SESSION", "-"):
        time.sleep(60)  # a clean-up that never ends
"""


def weak_project(root: Path, code: str = CODE, tests: str = TESTS) -> MutateProject:
    """`code` staged over a stub, with tests that check too little, recorded for real."""
    stub = "def is_adult(age):\n    return False\n"
    return staged_over_stub(root, ("app/core.py", stub, code), ("tests/test_core.py", tests))


def staged_over_stub(
    root: Path,
    module: tuple[str, str, str],
    test: tuple[str, str],
    conftest: str = CONFTEST,
) -> MutateProject:
    """`module` (path, committed stub, staged code) and its `test` (path, source), recorded."""
    project = MutateProject(root)
    path, stub, code = module
    project.write(path, stub)
    project.write("conftest.py", conftest)
    project.commit_all("start")
    project.write(path, code)
    project.write(*test)
    project.repo.stage_all()
    project.record()
    return project


@pytest.fixture
def sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """covlint's pytest sessions counted from now on (in `tmp_path/sessions`)."""
    monkeypatch.setenv("SESSION_COUNTER", str(tmp_path / "sessions"))
    return monkeypatch


@pytest.fixture
def project(tmp_path: Path) -> MutateProject:
    return weak_project(tmp_path / "repo")


@pytest.fixture
def fresh(project: MutateProject, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The outcomes with a fresh process per mutant and nothing going wrong: the reference."""
    return project.mutate_json("-q", "-j", "1", "--no-fork", capsys=capsys)


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_tests_that_cannot_start_after_the_baseline_are_errors_and_no_verdict(
    project: MutateProject,
    sessions: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sessions.setenv("BROKEN_SESSIONS", ",".join(map(str, range(2, 20))))
    results = project.mutate_json("-j", "1", capsys=capsys)
    assert results["exit"] == 2
    assert {(m["outcome"], m["detail"]) for m in results["mutants"]} == {
        ("error", "pytest exit 3: the test database is locked")
    }
    assert results["counts"]["error"] == len(results["mutants"]) == 3
    assert any("the warm test process did not collect" in w for w in warnings(caplog))


def test_no_verdict_is_one_line_on_stderr(
    project: MutateProject,
    sessions: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sessions.setenv("BROKEN_SESSIONS", ",".join(map(str, range(2, 20))))
    code, out, err = project.mutate("-q", "-j", "1", "--no-fork", capsys=capsys)
    assert code == 2
    assert out == "covlint: no mutant could be judged: 3 errors\n"
    assert err == (
        "covlint: error: none of the 3 mutants could be judged"
        " (pytest exit 3: the test database is locked)\n"
    )


def test_a_warm_process_that_cannot_collect_hands_its_mutants_to_fresh_processes(
    project: MutateProject,
    fresh: dict[str, Any],
    sessions: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    project.write("tests/test_core.py", "import os\n\n" + TESTS + UNIMPORTABLE)
    sessions.setenv("UNIMPORTABLE_IN_SESSION", "2")  # 1: the baseline, 2: warm
    results = project.mutate_json("-q", "-j", "1", capsys=capsys)
    assert outcomes(results) == outcomes(fresh)
    assert results["exit"] == fresh["exit"] == 1
    assert "the warm test process did not collect: None: one fresh process per mutant instead" in (
        warnings(caplog)
    )


UNIMPORTABLE = """
if os.environ.get("UNIMPORTABLE_IN_SESSION") == os.environ.get("SESSION_NUMBER", "-"):
    raise ImportError("the fixture service is down")
"""


def test_a_warm_process_that_dies_hands_its_mutants_to_fresh_processes(
    project: MutateProject,
    fresh: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    killer = "import builtins\nimport os\nimport signal\n\n" + TESTS
    killer += "    if getattr(builtins, '__covlint_active__', 0):  # in a warm process's fork\n"
    killer += "        os.kill(os.getppid(), signal.SIGKILL)\n"
    project.write("tests/test_core.py", killer)
    results = project.mutate_json("-q", "-j", "1", capsys=capsys)
    assert outcomes(results) == outcomes(fresh)
    assert "the warm test process stopped answering: one fresh process per mutant from now on" in (
        warnings(caplog)
    )


def test_a_warm_process_that_does_not_end_is_killed(
    project: MutateProject,
    fresh: dict[str, Any],
    sessions: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sessions.setenv("HANGING_SESSION", "2")  # the warm process never finishes
    started = time.monotonic()
    results = project.mutate_json("-q", "-j", "1", capsys=capsys)
    assert outcomes(results) == outcomes(fresh)
    assert len((project.root.parent / "sessions").read_text()) == 2  # baseline, warm process
    assert time.monotonic() - started < 50  # the warm process was not waited for to the end


def test_a_baseline_that_cannot_start_stops_the_run(
    project: MutateProject, sessions: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions.setenv("BROKEN_SESSIONS", "1")
    code, out, err = project.mutate("-q", capsys=capsys)
    assert (code, out) == (2, "")
    assert err.startswith("covlint: error: pytest cannot run the recorded tests (exit 3: ")
    assert err.endswith("): re-run tests\n")


def test_tests_that_load_the_module_by_path_make_errors_not_survivors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    by_path = """\
import importlib.util


def load():
    spec = importlib.util.spec_from_file_location("core_by_path", "app/core.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_is_adult():
    assert load().is_adult(30)
"""
    project = weak_project(tmp_path / "repo", tests=by_path)
    results = project.mutate_json("-q", "-j", "1", capsys=capsys)
    assert {(m["outcome"], m["detail"]) for m in results["mutants"]} == {
        ("error", "the tests never imported the mutated module")
    }
    assert results["exit"] == 2


SETTINGS = """\
COUNT = 2
RATIO = 1 / (COUNT - 1)


def ratio():
    return RATIO
"""
SETTINGS_TESTS = (
    "from app import settings\n\n\ndef test_ratio():\n    assert settings.ratio() > 0\n"
)
SETTINGS_CONFTEST = "from app import settings  # loaded with pytest: a broken import stops it\n"


def test_a_mutant_that_stops_pytest_from_starting_is_killed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stub = "COUNT = 2\nRATIO = 1.0\n\n\ndef ratio():\n    return RATIO\n"
    project = staged_over_stub(
        tmp_path / "repo",
        ("app/settings.py", stub, SETTINGS),
        ("tests/test_settings.py", SETTINGS_TESTS),
        SETTINGS_CONFTEST,
    )
    results = project.mutate_json("-q", capsys=capsys)
    by_mutation = {(m["original"], m["mutated"], m["start"][1]): m for m in results["mutants"]}
    broken = by_mutation["1", "2", 21]  # 1 / (COUNT - 2): ZeroDivisionError on import
    assert (broken["outcome"], broken["killed_by"]) == ("killed", None)
    assert broken["detail"] == "pytest failed: E   ZeroDivisionError: division by zero"


GREET = """\
def greet(name="world"):
    return "hi " + name


def shout(text):
    return text.upper()
"""
GREET_TESTS = """\
import inspect

from app.core import greet, shout


def test_greet():
    assert greet("bob") == "hi bob"


def test_defaults():
    assert shout("a") == "A"
    assert inspect.signature(greet).parameters["name"].default == "world"
"""


def test_a_survivor_on_a_def_line_is_confirmed_with_the_tests_of_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = MutateProject(tmp_path / "repo")
    project.write("app/core.py", GREET.replace('"world"', '"you"'))
    project.commit_all("start")
    project.write("app/core.py", GREET)
    project.write("tests/test_core.py", GREET_TESTS)
    project.repo.stage_all()
    project.record()
    results = project.mutate_json("-q", capsys=capsys)
    [default] = results["mutants"]  # only the def line changed: its default value
    assert (default["original"], default["mutated"]) == ('"world"', "'XXworldXX'")
    assert default["outcome"] == "killed"
    assert default["killed_by"] == "tests/test_core.py::test_defaults"
    assert default["tests"] == [
        "tests/test_core.py::test_defaults",
        "tests/test_core.py::test_greet",
    ]
