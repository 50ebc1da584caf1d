"""The pytest plugin `covlint_affected`: `pytest --covlint-affected` runs only the tests that ran
the changed code (per the coverage data's test contexts), and every test when it cannot tell.

Inactive unless `--covlint-affected` is given; it imports the engine only then.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from covlint.affected import Selection

PREFIX = "covlint"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("covlint", "covlint test selection")
    group.addoption(
        "--covlint-affected",
        action="store_true",
        help="run only the tests whose recorded coverage contexts ran the changed code",
    )
    group.addoption(
        "--covlint-base",
        metavar="REF",
        help="with --covlint-affected: select for the change since the merge-base with REF",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("covlint_affected"):
        config.pluginmanager.register(AffectedPlugin(config), "covlint-affected-selection")


class AffectedPlugin:
    """Deselects the tests the change cannot reach; says how many it kept, or why it kept all."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.deselected_all = False

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        selection, problem = self._selection()
        if problem or selection is None or selection.runs_everything:
            reason = problem or "; ".join(selection.everything if selection else [])
            self._say(f"running all {len(items)} tests: {reason}")
            return
        chosen = _Matcher(Path(config.rootpath), set(selection.tests))
        seen = _Matcher(Path(config.rootpath), set(selection.recorded))
        # A test the data never saw run a measured line (new, skipped, or running the code in
        # a subprocess coverage did not measure) cannot be ruled out: it runs.
        kept = {id(item) for item in items if chosen(item) or not seen(item)}
        selected = [item for item in items if id(item) in kept]
        deselected = [item for item in items if id(item) not in kept]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = selected
        self.deselected_all = not selected
        count = selection.changed_statements
        self._say(
            f"{len(selected)} of {len(items) + len(deselected)} tests selected by covlint"
            f" ({count} changed statement{'' if count == 1 else 's'})"
        )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Nothing to run for this change is a success, not pytest's "no tests collected"."""
        if self.deselected_all and exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
            session.exitstatus = pytest.ExitCode.OK

    def _selection(self) -> tuple[Selection | None, str]:
        from covlint import git
        from covlint.errors import CovlintError
        from covlint.impact import affected_tests

        try:
            root = git.repo_root(Path(self.config.rootpath))
            return affected_tests(root, base=self.config.getoption("covlint_base")), ""
        except CovlintError as error:
            return None, str(error)

    def _say(self, message: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"{PREFIX}: {message}")


class _Matcher:
    """Whether a collected item is one of the selected node ids (or inside one)."""

    def __init__(self, root: Path, selected: set[str]) -> None:
        from covlint.testids import ModuleIndex

        self.selected = selected
        self.modules = ModuleIndex(root)

    def __call__(self, item: pytest.Item) -> bool:
        node_id = item.nodeid
        while node_id:
            if node_id in self.selected:
                return True
            node_id = _parent(node_id)
        return self._by_qualname(item)

    def _by_qualname(self, item: pytest.Item) -> bool:
        """A test_function context names the function where it is defined (a base class)."""
        function = getattr(item, "function", None)
        owner = getattr(item, "cls", None)
        if function is None:
            return False
        where = owner.__qualname__ + "." + function.__name__ if owner else function.__qualname__
        module = getattr(owner or function, "__module__", "")
        names = {
            f"{module}.{where}",
            f"{function.__module__}.{function.__qualname__}",
            f"{function.__module__}.{function.__name__}",  # a static method, as coverage names it
        }
        return any(n in self.selected for name in names for n in self.modules.node_ids(name))


def _parent(node_id: str) -> str:
    """`f.py::C::t[1]` -> `f.py::C::t` -> `f.py::C` -> `f.py` -> ``."""
    if node_id.endswith("]") and "[" in node_id:
        return node_id[: node_id.rindex("[")]
    return node_id.rpartition("::")[0]
