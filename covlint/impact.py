"""`covlint affected` in one call: load the data, find the change, apply the selection rules."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from covlint.affected import AffectedSettings, Selection, Selector, matches, read_settings
from covlint.affected_changes import FileChange, changes_since_run
from covlint.affected_measured import against_measured
from covlint.coverage_set import CoverageSet
from covlint.errors import UsageError
from covlint.schema import canonical
from covlint.testids import is_test_context, node_ids

log = logging.getLogger(__name__)

HOW_TO_RECORD = "record them with `pytest --cov --cov-context=test`"
# Files a test run writes beside the code: never a change to select for.
RUN_OUTPUTS = ("*.pyc", ".coverage", ".coverage.*", ".testmondata*", ".pytest_cache/*")


def affected_tests(root: Path, *, base: str | None = None, staged: bool = False) -> Selection:
    """The tests to run for what changed at `root` (the repository's top folder).

    Raises DataError when there is no coverage data, GitError when git fails, UsageError for
    bad settings.
    """
    table = covlint_table(root)
    settings = read_settings(table.get("affected", {}))
    data = load_data(root, table)
    selection = usable(data)
    if selection.runs_everything:
        return selection
    start, found = changes_since_run(root, data.mtime, base=base, staged=staged)
    if base is None and not staged:  # the working tree against the text that ran
        found = against_measured(root, data, found)
    changes = [change for change in found if not _is_output(change, data)]
    selection = Selector(root, data, settings).select(changes)
    selection.baseline = start.how
    selection.recorded = frozenset(node_ids(data.measured_contexts(), root))
    return selection


def covlint_table(root: Path) -> dict[str, Any]:
    """`[tool.covlint]` of the project's pyproject.toml, keys in kebab-case ({} when none)."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"pyproject.toml is not valid TOML: {exc}") from None
    table = document.get("tool", {}).get("covlint", {})
    if not isinstance(table, dict):
        raise UsageError("pyproject.toml: [tool.covlint] must be a table")
    affected = table.get("affected", {})
    if not isinstance(affected, dict):
        raise UsageError("pyproject.toml: [tool.covlint.affected] must be a table")
    return {canonical(key): value for key, value in table.items()}


def load_data(root: Path, table: dict[str, Any]) -> CoverageSet:
    """The project's coverage data (`data-file` of `[tool.covlint]`, else coverage's own)."""
    data_file = table.get("data-file")
    if data_file is not None and not isinstance(data_file, str):
        raise UsageError(f"[tool.covlint] data-file must be a string, not {data_file!r}")
    return CoverageSet.load(root, data_file=data_file)


def usable(data: CoverageSet) -> Selection:
    """An empty selection, or one that runs everything because the data cannot select."""
    selection = Selection()
    if not data.measured_paths:
        hint = data.describe_unmapped() or "no file was measured"
        selection.run_everything(f"the coverage data names no file of this checkout ({hint})")
    elif not any(is_test_context(c) for c in data.measured_contexts()):
        selection.run_everything(f"the coverage data has no test contexts: {HOW_TO_RECORD}")
    return selection


def _is_output(change: FileChange, data: CoverageSet) -> bool:
    name = data.settings.data_file.name
    return matches(change.path, (*RUN_OUTPUTS, name, f"{name}.*"))


__all__ = ["AffectedSettings", "Selection", "affected_tests", "usable"]
