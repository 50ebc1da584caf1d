"""Kept coverage settings: the same answer as a fresh read, and a fresh read whenever an input
changes (a configuration file, a variable coverage consults, the installed coverage)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from covlint import coverage_config, coverage_identity
from covlint.cachedir import CACHE_DIR_VARIABLE
from covlint.coverage_config import read_coverage_settings
from covlint.errors import UsageError
from tests.covproject import clean_env
from tests.test_coverage_config import CONFIG_FILES, as_coverage_sees, coverage_sees


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(folder))
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


def no_fresh_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def fresh(*args: object) -> None:
        raise AssertionError("read afresh")

    monkeypatch.setattr(coverage_config, "_read_settings", fresh)


@pytest.mark.parametrize("name", sorted(CONFIG_FILES))
def test_kept_settings_are_what_coverage_reads(
    cache: Path, project: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / name).write_text(CONFIG_FILES[name])
    first = read_coverage_settings(project)
    no_fresh_read(monkeypatch)

    kept = read_coverage_settings(project)

    assert kept == first
    assert as_coverage_sees(project, kept) == coverage_sees(project)


def test_an_edited_config_file_is_read_afresh(cache: Path, project: Path) -> None:
    rc = project / ".coveragerc"
    rc.write_text("[report]\nexclude_lines =\n    no cover: one\n")
    assert read_coverage_settings(project).exclude_regex == "no cover: one"
    rc.write_text("[report]\nexclude_lines =\n    no cover: two\n")

    assert read_coverage_settings(project).exclude_regex == "no cover: two"


def test_a_config_file_that_appears_is_read(cache: Path, project: Path) -> None:
    assert read_coverage_settings(project).config_file is None
    (project / "setup.cfg").write_text("[coverage:run]\ndata_file = other\n")

    settings = read_coverage_settings(project)

    assert settings.data_file == project / "other"


def test_a_substituted_variable_is_part_of_the_key(
    cache: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".coveragerc").write_text("[run]\ndata_file = ${DATA_DIR}/covdata\n")
    monkeypatch.setenv("DATA_DIR", "first")
    assert read_coverage_settings(project).data_file == project / "first" / "covdata"
    monkeypatch.setenv("DATA_DIR", "second")

    settings = read_coverage_settings(project)

    assert settings.data_file == project / "second" / "covdata"
    assert as_coverage_sees(project, settings) == coverage_sees(project, {"DATA_DIR": "second"})


def test_coverage_variables_are_part_of_the_key(
    cache: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert read_coverage_settings(project).data_file == project / ".coverage"
    monkeypatch.setenv("COVERAGE_FILE", "elsewhere")

    assert read_coverage_settings(project).data_file == project / "elsewhere"


def test_arguments_are_part_of_the_key(cache: Path, project: Path) -> None:
    (project / "ci.cfg").write_text("[run]\ndata_file = from-ci\n")
    assert read_coverage_settings(project).data_file == project / ".coverage"

    assert read_coverage_settings(project, rcfile="ci.cfg").data_file == project / "from-ci"
    assert read_coverage_settings(project, data_file="given").data_file == project / "given"


def test_a_spoilt_entry_is_read_around(cache: Path, project: Path) -> None:
    (project / ".coveragerc").write_text("[run]\nrelative_files = true\n")
    first = read_coverage_settings(project)
    entries = list(cache.glob("parse/s-*"))
    assert len(entries) == 1
    entries[0].write_bytes(b"not marshal")

    assert read_coverage_settings(project) == first


def test_a_config_error_is_reported_every_time(cache: Path, project: Path) -> None:
    (project / "setup.cfg").write_text("[coverage:run]\nbranch = maybe\n")
    for _ in range(2):
        with pytest.raises(UsageError, match=r"^setup\.cfg: "):
            read_coverage_settings(project)
    assert not list(cache.glob("parse/s-*"))


def test_a_fifo_config_file_is_not_kept(cache: Path, project: Path) -> None:
    os.mkfifo(project / ".coveragerc")
    with pytest.raises(UsageError, match="regular"):
        read_coverage_settings(project)


def forget_identity() -> None:
    coverage_identity.coverage_identity.cache_clear()
    coverage_identity.deciding_files.cache_clear()


def test_the_identity_of_coverage_changes_with_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "coverage"
    package.mkdir()
    for name in coverage_identity.DECIDING_MODULES:
        (package / name).write_text("# 1\n")
    spec = type("Spec", (), {"submodule_search_locations": [str(package)]})()
    monkeypatch.setattr(coverage_identity.importlib.util, "find_spec", lambda name: spec)
    forget_identity()
    try:
        before = coverage_identity.coverage_identity()
        coverage_identity.coverage_identity.cache_clear()
        (package / "parser.py").write_text("# 2, longer\n")
        after = coverage_identity.coverage_identity()
    finally:
        forget_identity()
    assert before != after
    assert str(package) in before


def test_the_identity_of_coverage_is_found_without_importing_it() -> None:
    probe = (
        "import sys\n"
        "from covlint.coverage_identity import coverage_identity\n"
        "assert 'parser.py:' in coverage_identity()\n"
        "print(sorted(m for m in sys.modules if m.partition('.')[0] == 'coverage'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=clean_env(), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"
