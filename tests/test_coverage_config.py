"""covlint reads coverage's configuration exactly as coverage.py itself does when run at the root.

The oracle is coverage.py run in a subprocess whose working directory is the project root: it
finds its own config file there, which covlint must find from anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from covlint.coverage_config import CoverageSettings, read_coverage_settings
from covlint.coverage_set import CoverageSet
from covlint.errors import UsageError
from tests.covproject import OUTER_COVERAGE_VARIABLES as COVERAGE_ENV
from tests.covproject import CovProject

ORACLE = """\
import json
import coverage
from coverage.misc import join_regex

config = coverage.Coverage().config
print(json.dumps({
    "config_file": config.config_file,
    "data_file": config.data_file,
    "relative_files": config.relative_files,
    "paths": config.paths,
    "exclude_regex": join_regex(config.exclude_list),
    "partial_regex": join_regex(config.partial_list + config.partial_always_list),
}))
"""


def coverage_sees(root: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """The configuration coverage.py reads when run in `root`."""
    done = subprocess.run(
        [sys.executable, "-c", ORACLE],
        cwd=root,
        env={**_clean_environ(), **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    assert isinstance(result, dict)
    return result


def _clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in COVERAGE_ENV}


def as_coverage_sees(root: Path, settings: CoverageSettings) -> dict[str, Any]:
    """covlint's settings in the oracle's terms."""
    data_file = settings.data_file
    return {
        "config_file": str(settings.config_file) if settings.config_file else None,
        "data_file": str(data_file.relative_to(root))
        if data_file.is_relative_to(root)
        else (str(data_file)),
        "relative_files": settings.relative_files,
        "paths": settings.paths,
        "exclude_regex": settings.exclude_regex,
        "partial_regex": settings.partial_regex,
    }


INI_BODY = """\
[{prefix}run]
data_file = build/covdata
relative_files = true

[{prefix}report]
exclude_lines =
    pragma: no cover
    if DEBUG:
exclude_also =
    raise AssertionError
partial_branches =
    pragma: no branch
partial_also =
    covlint: partial

[{prefix}paths]
source =
    src/
    */ci/src/
"""

TOML_BODY = """\
[{prefix}run]
data_file = "build/covdata"
relative_files = true

[{prefix}report]
exclude_lines = ["# pragma: no cover", "if DEBUG:"]
exclude_also = ["raise AssertionError"]
partial_branches = ["# pragma: no branch"]
partial_also = ["# covlint: partial"]

[{prefix}paths]
source = ["src/", "*/ci/src/"]
"""

CONFIG_FILES = {
    ".coveragerc": INI_BODY.format(prefix=""),
    ".coveragerc.toml": TOML_BODY.format(prefix=""),
    "setup.cfg": "[metadata]\nname = demo\n\n" + INI_BODY.format(prefix="coverage:"),
    "tox.ini": "[tox]\nenvlist = py311\n\n" + INI_BODY.format(prefix="coverage:"),
    "pyproject.toml": "[project]\nname = 'demo'\n\n" + TOML_BODY.format(prefix="tool.coverage."),
}


@pytest.mark.parametrize("name", sorted(CONFIG_FILES))
def test_each_config_file_type_is_read_as_coverage_reads_it(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(CONFIG_FILES[name])

    settings = read_coverage_settings(tmp_path)

    assert as_coverage_sees(tmp_path, settings) == coverage_sees(tmp_path)
    assert settings.config_file == tmp_path / name
    assert settings.data_file == tmp_path / "build" / "covdata"
    assert settings.relative_files is True
    assert settings.paths == {"source": ["src/", "*/ci/src/"]}
    for pattern in ("pragma: no cover", "if DEBUG:", "raise AssertionError"):
        assert pattern in settings.exclude_regex
    for pattern in ("pragma: no branch", "covlint: partial", "while (True|1|False|0)"):
        assert pattern in settings.partial_regex


def test_no_config_means_coverage_defaults(tmp_path: Path) -> None:
    settings = read_coverage_settings(tmp_path)

    assert as_coverage_sees(tmp_path, settings) == coverage_sees(tmp_path)
    assert settings.config_file is None
    assert settings.data_file == tmp_path / ".coverage"
    assert settings.paths == {}


@pytest.mark.parametrize(
    ("files", "chosen"),
    [
        ({".coveragerc": "[run]\n", "setup.cfg": "[coverage:run]\nbranch = true\n"}, ".coveragerc"),
        (
            {"setup.cfg": "[flake8]\nmax-line-length = 99\n", "tox.ini": "[coverage:run]\n"},
            None,  # an empty coverage section in a shared file is not a coverage config
        ),
        (
            {"setup.cfg": "[flake8]\nx = 1\n", "tox.ini": "[coverage:run]\nbranch = true\n"},
            "tox.ini",
        ),
        ({"pyproject.toml": "[tool.black]\nline-length = 99\n"}, None),
        ({"pyproject.toml": "[tool.coverage.run]\nbranch = true\n"}, "pyproject.toml"),
        ({"pyproject.toml": "tool.coverage.run.branch = true\n"}, "pyproject.toml"),
        (
            {"pyproject.toml": "# see [tool.coverage.run] in setup.cfg\n", "setup.cfg": ""},
            None,
        ),
        (
            {"setup.cfg": "[coverage:run]\nbranch = true\n", "pyproject.toml": "[tool.coverage]\n"},
            "setup.cfg",
        ),
    ],
)
def test_the_config_file_is_chosen_as_coverage_chooses_it(
    tmp_path: Path, files: dict[str, str], chosen: str | None
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)

    settings = read_coverage_settings(tmp_path)

    assert settings.config_file == (tmp_path / chosen if chosen else None)
    assert as_coverage_sees(tmp_path, settings) == coverage_sees(tmp_path)


def test_rcfile_argument_relative_to_the_root(tmp_path: Path) -> None:
    (tmp_path / ".coveragerc").write_text("[run]\ndata_file = from-default\n")
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "cov.ini").write_text("[run]\ndata_file = from-rcfile\n")

    settings = read_coverage_settings(tmp_path, rcfile="ci/cov.ini")

    assert settings.config_file == tmp_path / "ci" / "cov.ini"
    assert settings.data_file == tmp_path / "from-rcfile"


def test_rcfile_argument_absolute(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text('[tool.coverage.report]\nexclude_also = ["never here"]\n')
    (tmp_path / "root").mkdir()

    settings = read_coverage_settings(tmp_path / "root", rcfile=str(elsewhere))

    assert settings.config_file == elsewhere
    assert "(?:never here)" in settings.exclude_regex
    assert settings.data_file == tmp_path / "root" / ".coverage"


def test_coverage_rcfile_env_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "special.rc").write_text("[run]\ndata_file = special-data\n")
    (tmp_path / ".coveragerc").write_text("[run]\ndata_file = ignored\n")
    monkeypatch.setenv("COVERAGE_RCFILE", "special.rc")

    settings = read_coverage_settings(tmp_path)

    assert settings.config_file == tmp_path / "special.rc"
    assert as_coverage_sees(tmp_path, settings) == coverage_sees(
        tmp_path, {"COVERAGE_RCFILE": "special.rc"}
    )


def test_coverage_file_env_overrides_config_and_argument_overrides_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".coveragerc").write_text("[run]\ndata_file = from-config\n")
    monkeypatch.setenv("COVERAGE_FILE", "from-env")

    assert read_coverage_settings(tmp_path).data_file == tmp_path / "from-env"
    assert read_coverage_settings(tmp_path, data_file="arg").data_file == tmp_path / "arg"


def test_missing_rcfile_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        read_coverage_settings(tmp_path, rcfile="nope.ini")

    assert str(caught.value) == "coverage config file not found: nope.ini"


def test_missing_coverage_rcfile_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COVERAGE_RCFILE", "gone.rc")

    with pytest.raises(UsageError) as caught:
        read_coverage_settings(tmp_path)

    assert str(caught.value).startswith("gone.rc: ")
    assert "\n" not in str(caught.value)


BROKEN = {
    ".coveragerc": "[run\nbranch = true\n",
    ".coveragerc.toml": "[run]\nbranch = \n",
    "setup.cfg": "[coverage:run]\nbranch = maybe\n",
    "tox.ini": "[coverage:report]\nexclude_lines =\n    (unclosed\n",
    "pyproject.toml": "[tool.coverage.run]\nbranch = true\nbranch = false\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_config_is_a_usage_error_naming_the_file(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(BROKEN[name])

    with pytest.raises(UsageError) as caught:
        read_coverage_settings(tmp_path)

    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert "\n" not in message


def test_a_broken_pyproject_without_coverage_settings_is_still_an_error(tmp_path: Path) -> None:
    # coverage.py itself refuses to run when pyproject.toml is not valid TOML.
    (tmp_path / "pyproject.toml").write_text("[project\nname = 'x'\n")

    with pytest.raises(UsageError) as caught:
        read_coverage_settings(tmp_path)

    assert str(caught.value).startswith("pyproject.toml: ")
    assert "\n" not in str(caught.value)


EXCLUSION_CONFIGS = {
    "single-pattern-with-flags": "[report]\nexclude_lines = (?i)SKIP THIS\n",
    "exclude-also": "[report]\nexclude_also =\n    skip this\n    def helper\n",
    "single-partial": (
        "[report]\npartial_branches = (?i)ONLY ONE WAY\npartial_branches_always =\n"
    ),
    "no-partial-patterns": "[report]\npartial_branches =\npartial_branches_always =\n",
}

MODULE = """\
def helper(x):
    return x


def main(flag):
    if flag:  # only one way
        helper(1)
    if flag:  # skip this
        helper(2)
    while flag:
        flag = helper(False)
    return 0


main(True)
"""


@pytest.mark.parametrize("config", sorted(EXCLUSION_CONFIGS))
def test_exclusions_from_config_apply_as_in_coverage_json(tmp_path: Path, config: str) -> None:
    project = CovProject(tmp_path)
    project.write(".coveragerc", EXCLUSION_CONFIGS[config])
    project.write("mod.py", MODULE)
    project.run("mod.py")
    expected = project.json_report()["files"]["mod.py"]  # type: ignore[index]

    analysis = CoverageSet.load(tmp_path).analyse("mod.py", MODULE)

    assert sorted(analysis.excluded) == expected["excluded_lines"]
    assert sorted(analysis.missing) == expected["missing_lines"]
    assert [[a.start, a.end] for a in analysis.missed_arcs] == expected["missing_branches"]
    assert analysis.num_branches == expected["summary"]["num_branches"]
