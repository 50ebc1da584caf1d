"""The pytest plugin records which text of each module ran, only under coverage (real runs)."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import pytest

from covlint.measured_store import TextStore, blob_id
from covlint.plugin_measured import module_identities
from tests.covproject import CovProject, clean_env

PROJECT_ROOT = Path(__file__).resolve().parents[1]
APP = "def double(x):\n    return x * 2\n"
TEST = "from app import double\n\n\ndef test_double():\n    assert double(2) == 4\n"
EDITS_DURING_RUN = TEST + (
    "\n\ndef test_edit_app():\n"
    "    import pathlib\n"
    "    pathlib.Path('app.py').write_text('def double(x):\\n    return 2 * x\\n')\n"
)
ENTRY_POINT_DIST = "covlint_measured_entry-0.dist-info"


def project_with(tmp_path: Path, test: str = TEST) -> CovProject:
    project = CovProject(tmp_path / "proj")
    project.write("app.py", APP, dedent=False)
    project.write("test_app.py", test, dedent=False)
    return project


def pytest_run(project: CovProject, *args: str, autoload: bool = False) -> None:
    env = clean_env({} if autoload else {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    env.pop("PYTEST_ADDOPTS", None)
    if autoload:  # the entry point exactly as pyproject declares it, installed beside the tests
        env["PYTHONPATH"] = f"{project.root.parent}:{env.get('PYTHONPATH', '')}"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    done = subprocess.run(
        command, cwd=project.root, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def record_of(project: CovProject) -> dict[str, str | None] | None:
    record = TextStore().read_record(str((project.root / ".coverage").resolve()))
    return None if record is None else record.files


def test_a_pytest_cov_run_records_the_blob_id_of_each_module(tmp_path: Path) -> None:
    project = project_with(tmp_path)
    pytest_run(project, "-p", "pytest_cov", "-p", "covlint.plugin_measured", "--cov=.")
    files = record_of(project)
    assert files is not None
    app = str((project.root / "app.py").resolve())
    assert files[app] == blob_id(APP.encode())
    assert TextStore().get_text(blob_id(APP.encode())) == APP.encode()  # not in git: kept


def test_a_module_edited_while_the_tests_run_is_recorded_as_unknown(tmp_path: Path) -> None:
    project = project_with(tmp_path, EDITS_DURING_RUN)
    pytest_run(project, "-p", "pytest_cov", "-p", "covlint.plugin_measured", "--cov=.")
    files = record_of(project)
    assert files is not None
    assert files[str((project.root / "app.py").resolve())] is None


def test_nothing_is_recorded_without_coverage_or_when_disabled(tmp_path: Path) -> None:
    project = project_with(tmp_path)
    pytest_run(project, "-p", "covlint.plugin_measured")
    assert record_of(project) is None
    args = ["-p", "pytest_cov", "-p", "covlint.plugin_measured", "--cov=."]
    pytest_run(project, *args, "--no-covlint-measured")
    assert record_of(project) is None
    assert not list(project.root.rglob("*covlint*"))  # nothing written inside the project


def entry_point_declared() -> dict[str, str]:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    declared: dict[str, str] = pyproject["project"]["entry-points"]["pytest11"]
    return declared


def test_the_entry_point_loads_the_plugin_and_no_colon_disables_it(tmp_path: Path) -> None:
    assert entry_point_declared()["covlint_measured"] == "covlint.plugin_measured"
    installed = {e.name for e in importlib.metadata.entry_points(group="pytest11")}
    if "covlint_measured" not in installed:  # an install older than this checkout's pyproject
        dist = tmp_path / ENTRY_POINT_DIST
        dist.mkdir()
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: covlint-measured-entry\n")
        lines = [f"{name} = {target}" for name, target in entry_point_declared().items()]
        (dist / "entry_points.txt").write_text("[pytest11]\n" + "\n".join(lines) + "\n")
    project = project_with(tmp_path)
    pytest_run(project, "--cov=.", "-p", "no:covlint_measured", autoload=True)
    assert record_of(project) is None
    pytest_run(project, "--cov=.", autoload=True)
    assert record_of(project) is not None


def test_module_identities_names_the_imported_project_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In this process: a module imported from the rootdir, one edited since the start."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "kept_mod.py").write_text(APP)
    (root / "edited_mod.py").write_text(APP)
    monkeypatch.syspath_prepend(str(root))
    for name in ("kept_mod", "edited_mod"):
        monkeypatch.delitem(sys.modules, name, raising=False)
        importlib.import_module(name)
    started = (root / "kept_mod.py").stat().st_mtime + 1
    later = started + 10
    os.utime(root / "edited_mod.py", (later, later))
    files, texts = module_identities(root, started)
    assert files == {
        str((root / "kept_mod.py").resolve()): blob_id(APP.encode()),
        str((root / "edited_mod.py").resolve()): None,
    }
    assert texts == {blob_id(APP.encode()): APP.encode()}
