"""The files the gate keeps when asked: the ratchet and the trend's history.

Their modules are imported only by a run that keeps one: most runs keep neither.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from covlint import git
from covlint.coverage_set import CoverageSet
from covlint.errors import UsageError
from covlint.hooks.config import Config
from covlint.hooks.files import refuse_user_file
from covlint.hooks.verdict import Verdict

if TYPE_CHECKING:
    from covlint.hooks.history import Entry

Stores = tuple[Path | None, Path | None]  # the ratchet file and the history file, when asked


def store_paths(
    root: Path, config: Config, data: CoverageSet, *, record: bool
) -> tuple[Path | None, Path | None]:
    """The ratchet and history files asked for, refused if they are the user's own files."""
    if not (config.history or config.ratchet or record):
        return None, None
    from covlint.hooks.history import default_history

    history = config.history or (default_history(config.ratchet) if config.ratchet else None)
    if record and not history:
        raise UsageError("--record needs a history file: --history FILE or --ratchet FILE")
    paths = (root / config.ratchet if config.ratchet else None, root / history if history else None)
    for path, what in zip(paths, ("ratchet file", "history file"), strict=True):
        if path is not None:
            measured = _is_measured(data, root, path)
            refuse_user_file(path, what, root, data.settings.data_file, measured)
    return paths


def keep_stores(
    root: Path,
    stores: tuple[Path | None, Path | None],
    data: CoverageSet,
    verdict: Verdict,
    *,
    record: bool,
) -> bool:
    """Apply the ratchet and add to the trend's history, when asked; False when the total fell."""
    ratchet, history = stores
    if ratchet is None and not (history is not None and record):
        return True  # nothing asked: the project total (every measured file) is not computed
    from covlint.hooks.history import append_entry
    from covlint.hooks.ratchet import apply_ratchet
    from covlint.totals import project_counts

    total = project_counts(data).percent
    passed, raised = True, False
    if ratchet is not None:
        result = apply_ratchet(ratchet, total)
        print(result.message, file=sys.stderr)
        passed, raised = result.passed, result.raised
    if history is not None and (raised or record):
        append_entry(history, new_entry(root, total, verdict))
    return passed


def _is_measured(data: CoverageSet, root: Path, path: Path) -> bool:
    try:
        return data.is_measured(path.resolve().relative_to(root.resolve()).as_posix())
    except ValueError:
        return False


def new_entry(root: Path, total: float, verdict: Verdict) -> Entry:
    import datetime  # only when a history entry is written

    from covlint.hooks.history import Entry

    diff = None if verdict.nothing_to_check else round(verdict.totals.percent, 2)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return Entry(git.head_commit(root), now.isoformat(), round(total, 2), diff)
