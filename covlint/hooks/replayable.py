"""Whether a gate run's verdict may be replayed (`covlint.replay`), and which files it read.

A run may be replayed when its report is all it did and the key and files say all it read: a
staged run (not a base or pre-push range), with its report on stdout only, no ratchet or history
kept, no untracked files counted, no cache folder from the configuration, no `-v`, nothing set
aside by pre-commit, and no `[paths]` hint (found by looking through the work tree).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from covlint import replay
from covlint.changes import ChangeSet
from covlint.coverage_config import config_candidates
from covlint.coverage_identity import deciding_files
from covlint.coverage_set import CoverageSet
from covlint.data_sources import shard_paths
from covlint.hooks.config import Config
from covlint.hooks.precommit_stash import stashed_paths
from covlint.hooks.render import Output
from covlint.measured import measured_files
from covlint.model import DiffCoverage
from covlint.source_filter import consulted_folders


def replayable(config: Config, outputs: Sequence[Output], *, verbose: bool, stores: bool) -> bool:
    """Whether a run with these settings did nothing but print its report about staged changes."""
    ranges = os.environ.get("PRE_COMMIT_FROM_REF") and os.environ.get("PRE_COMMIT_TO_REF")
    summary = os.environ.get("GITHUB_STEP_SUMMARY") and any(o.fmt == "github" for o in outputs)
    return not (
        config.base
        or ranges
        or summary
        or stores
        or verbose
        or config.include_untracked
        or config.cache_dir
        or any(o.path is not None for o in outputs)
        or stashed_paths()
    )


def offer_judged(
    root: Path, config: Config, changes: ChangeSet, data: CoverageSet, coverage: DiffCoverage
) -> None:
    """Offer a judged run's verdict for replay, with every file it read."""
    if any(f.status == "not-measured" for f in coverage.files) and data.unmapped:
        return  # its note looked through the work tree for a `[paths]` block
    main = data.settings.data_file
    read = [main, main.parent, *shard_paths(main), *(s.path for s in data.sources)]
    read += [root / f.path for f in changes.files]
    read += consulted_folders(root, data.settings)
    snapshot, plugin_record = measured_files(data)
    replay.may_keep([*_settings_files(root, config), *read, plugin_record], appended=[snapshot])


def offer_nothing_judged(root: Path, config: Config) -> None:
    """Offer the verdict of a run that changed no Python file (it read only the settings)."""
    replay.may_keep(_settings_files(root, config))


def _settings_files(root: Path, config: Config) -> list[Path | str]:
    """The configuration files of covlint and coverage, and the code of both."""
    return [root / "pyproject.toml", *config_candidates(root, config.rcfile), *_code_files()]


def _code_files() -> Iterable[str]:
    """The files of covlint's modules this run used, and those deciding coverage's answers."""
    for name, module in list(sys.modules.items()):
        if name == "covlint" or name.startswith("covlint."):
            path = getattr(module, "__file__", None)
            if path:
                yield path
    yield from deciding_files()
