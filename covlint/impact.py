"""`covlint affected` in one call: load the data, find the change, apply the selection rules."""

from __future__ import annotations

import logging
from pathlib import Path

from covlint.affected import AffectedSettings, Selection, Selector, matches, read_settings
from covlint.affected_changes import FileChange, baseline, changed_files
from covlint.config import Config, load_config
from covlint.coverage_set import CoverageSet
from covlint.testids import is_test_context

log = logging.getLogger(__name__)

HOW_TO_RECORD = "record them with `pytest --cov --cov-context=test`"
# Files a test run writes beside the code: never a change to select for.
RUN_OUTPUTS = ("*.pyc", ".coverage", ".coverage.*", ".testmondata*", ".pytest_cache/*")


def affected_tests(
    root: Path, *, base: str | None = None, staged: bool = False, config: Config | None = None
) -> Selection:
    """The tests to run for what changed at `root` (the repository's top folder).

    Raises DataError when there is no coverage data, GitError when git fails.
    """
    config = config or load_config(root)
    settings = read_settings(config.affected)
    data = CoverageSet.load(root, data_file=config.data_file, rcfile=config.rcfile)
    selection = usable(data)
    if selection.runs_everything:
        return selection
    start = baseline(root, data.mtime, base)
    changes = [c for c in changed_files(root, start, staged=staged) if not _is_output(c, data)]
    selection = Selector(root, data, settings).select(changes)
    selection.baseline = start.how
    return selection


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
