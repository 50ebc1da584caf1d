"""From coverage contexts to the pytest node ids that run them again.

pytest-cov (`--cov-context=test`) names a context `tests/test_x.py::test_y|run`; the phase suffix
is dropped so that each test appears once. Contexts that name no test (the empty static context,
a label) are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

PHASES = ("|setup", "|run", "|teardown")


def without_phase(context: str) -> str:
    """`context` without pytest-cov's `|setup`, `|run` or `|teardown` suffix."""
    return next((context[: -len(p)] for p in PHASES if context.endswith(p)), context)


def node_ids(contexts: Iterable[str], root: Path) -> list[str]:
    """Runnable pytest node ids (relative to `root`) for `contexts`, each once, sorted."""
    return sorted({without_phase(c) for c in contexts if "::" in c})
