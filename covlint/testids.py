"""From coverage contexts to the pytest node ids that run them again.

Two context formats name tests:

- pytest-cov's `--cov-context=test`: `tests/test_x.py::TestA::test_b[param]|run` (also `|setup`
  and `|teardown`), already a node id once the phase is dropped;
- coverage's `[run] dynamic_context = test_function`: `test_x.TestA.test_b`, the test's module
  and qualified name; the module is resolved to its file under the project root, and the node id
  names the function, so that it selects every parametrisation.

A static context (`coverage run --context=ci`, or none: code run at import) is never a test; it
may prefix a dynamic one (`ci|tests/test_x.py::test_b|run`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from covlint.blocks import blocks

PHASES = ("setup", "run", "teardown")
# Folders never searched for test modules.
_SKIPPED_DIRS = frozenset(
    {"node_modules", "__pycache__", "site-packages", "build", "dist", "venv", "env"}
)
_MAX_FILES = 50_000


def without_phase(context: str) -> str:
    """`context` without pytest-cov's `|setup`, `|run` or `|teardown` suffix."""
    head, bar, phase = context.rpartition("|")
    return head if bar and phase in PHASES else context


def pytest_cov_node_id(context: str) -> str | None:
    """The node id in a pytest-cov context (None when it is not one)."""
    rest = without_phase(context)
    at = rest.find(".py::")
    if at < 0:
        return None
    start = rest.rfind("|", 0, at) + 1  # drop a static context in front
    return rest[start:]


def dotted_test_name(context: str) -> str | None:
    """The `module.Qual.name` of a `test_function` context (None when it is not one)."""
    name = context.rpartition("|")[2]
    parts = name.split(".")
    if len(parts) < 2 or not all(part.isidentifier() or part == "<locals>" for part in parts):
        return None
    return name


def is_test_context(context: str) -> bool:
    """Whether `context` names a test, in either format (a static context never does)."""
    return pytest_cov_node_id(context) is not None or dotted_test_name(context) is not None


@dataclass
class ModuleIndex:
    """Python files under a root, by each dotted module name they could be imported as."""

    root: Path
    _by_name: dict[str, list[str]] | None = field(default=None, repr=False)
    _defined: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def files(self, module: str) -> list[str]:
        """Repo-relative paths of the files that `module` may name (nearest to the root first)."""
        if self._by_name is None:
            self._by_name = _index(self.root)
        return self._by_name.get(module, [])

    def node_ids(self, dotted: str) -> list[str]:
        """Node ids for a `test_function` name: the longest module prefix that names a file.

        A name the file does not define (coverage names a static method without its class)
        selects the whole file.
        """
        parts = dotted.split(".")
        if "<locals>" in parts:  # a function defined inside a test: the test itself
            parts = parts[: parts.index("<locals>")]
        for cut in range(len(parts) - 1, 0, -1):
            paths = self.files(".".join(parts[:cut]))
            if paths:
                qualname = ".".join(parts[cut:])
                return [self._node_id(path, qualname) for path in paths]
        return []

    def _node_id(self, path: str, qualname: str) -> str:
        if path not in self._defined:
            try:
                text = (self.root / path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self._defined[path] = {b.qualname for b in blocks(text) if b.qualname}
        if qualname not in self._defined[path]:
            return path
        return f"{path}::{qualname.replace('.', '::')}"


def _index(root: Path) -> dict[str, list[str]]:
    by_name: dict[str, list[str]] = {}
    count = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        rel = Path(folder).relative_to(root).parts
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            parts = (*rel, name[:-3])
            if parts[-1] == "__init__":
                parts = parts[:-1]
            for start in range(len(parts)):
                by_name.setdefault(".".join(parts[start:]), []).append("/".join((*rel, name)))
            count += 1
        if count > _MAX_FILES:
            break
    return by_name


def context_node_ids(context: str, modules: ModuleIndex) -> list[str]:
    """The node ids that run `context` again ([]: a static context, or one naming no file)."""
    node_id = pytest_cov_node_id(context)
    if node_id is not None:
        return [node_id]
    dotted = dotted_test_name(context)
    return modules.node_ids(dotted) if dotted else []


def node_ids(contexts: Iterable[str], root: Path) -> list[str]:
    """Runnable pytest node ids (relative to `root`) for `contexts`, each once, sorted."""
    modules = ModuleIndex(root)
    return sorted({n for context in set(contexts) for n in context_node_ids(context, modules)})


def node_id_file(node_id: str) -> str:
    """The test file a node id lives in (`tests/test_x.py::test_y` -> `tests/test_x.py`)."""
    return node_id.split("::", 1)[0]
