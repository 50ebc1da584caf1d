"""pytest plugin: record which text of each module ran, for covlint (active only under coverage).

At the end of a run measured by coverage (pytest-cov's `--cov`, or `coverage run -m pytest`),
records the content identity (git blob id) of every module file under the rootdir that the run
imported, keyed by the coverage data file, in covlint's cache (`cache_root()/measured`), and
keeps the text of those git does not have. A file modified after the run started is recorded as
unknown: the text it had when it ran is gone. Nothing is written inside the project.

Disable with `-p no:covlint_measured` or `--no-covlint-measured`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from covlint.measured import keep_texts
from covlint.measured_store import Record, TextStore, blob_id

PLUGIN_NAME = "covlint_measured"
PYTHON_SUFFIXES = (".py", ".pyw")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("covlint")
    group.addoption(
        "--no-covlint-measured",
        action="store_true",
        default=False,
        help="don't record which text of each module ran (covlint's measured-text record)",
    )


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    data_file = None if config.getoption("no_covlint_measured") else measuring_data_file(config)
    if data_file is not None:
        config.stash[_STARTED] = (data_file, time.time())


def pytest_unconfigure(config: pytest.Config) -> None:
    found = config.stash.get(_STARTED, None)
    if found is None or hasattr(config, "workerinput"):  # xdist workers: the controller records
        return
    data_file, started = found
    files, texts = module_identities(Path(str(config.rootpath)), started)
    store = TextStore()
    keep_texts(store, Path(str(config.rootpath)), texts)
    store.write_record(Record(data_file, started, time.time(), files))


def measuring_data_file(config: pytest.Config) -> str | None:
    """The data file of the coverage measuring this run, or None when none is."""
    plugin = config.pluginmanager.getplugin("_cov")
    controller = getattr(plugin, "cov_controller", None)
    cov = getattr(controller, "cov", None)
    if cov is None:
        import coverage

        cov = coverage.Coverage.current()
    if cov is None:
        return None
    return os.path.realpath(str(cov.get_option("run:data_file")))


def module_identities(root: Path, started: float) -> tuple[dict[str, str | None], dict[str, bytes]]:
    """Blob ids of the imported module files under `root`, and their texts by id."""
    files: dict[str, str | None] = {}
    texts: dict[str, bytes] = {}
    top = os.path.realpath(root) + os.sep
    for module in list(sys.modules.values()):
        name = getattr(module, "__file__", None)
        if not isinstance(name, str) or not name.endswith(PYTHON_SUFFIXES):
            continue
        path = os.path.realpath(name)
        if not path.startswith(top) or path in files or _in_environment(path):
            continue
        files[path] = _identity(path, started, texts)
    return files, texts


def _identity(path: str, started: float, texts: dict[str, bytes]) -> str | None:
    try:
        raw = Path(path).read_bytes()
        if os.stat(path).st_mtime > started:
            return None  # edited while the tests ran
    except OSError:
        return None
    ident = blob_id(raw)
    texts[ident] = raw
    return ident


def _in_environment(path: str) -> bool:
    """Installed packages (a virtualenv inside the project) are not the project's modules."""
    return f"{os.sep}site-packages{os.sep}" in path or f"{os.sep}dist-packages{os.sep}" in path


_STARTED = pytest.StashKey[tuple[str, float]]()
