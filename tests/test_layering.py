"""The package's import rules, read from the source: the front doors stand side by side."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "covlint"
PROTOCOL_LIBRARIES = ("pygls", "lsprotocol")


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, absolute, including imports inside functions."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def modules_under(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py")) if folder else sorted(PACKAGE.glob("*.py"))


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        bad = sorted(m for m in imported_modules(path) if _within(m, forbidden))
        if bad:
            found[path.as_posix()] = bad
    return found


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("server", ("covlint.hooks",)),
        ("hooks", ("covlint.server", *PROTOCOL_LIBRARIES)),
    ],
)
def test_front_doors_never_import_each_other(folder: str, forbidden: tuple[str, ...]) -> None:
    assert offending(modules_under(folder), forbidden) == {}


def test_the_engine_imports_neither_front_door_nor_the_protocol() -> None:
    engine = [p for p in modules_under("") if p.name != "cli.py"]  # the dispatcher knows both
    assert offending(engine, ("covlint.server", "covlint.hooks", *PROTOCOL_LIBRARIES)) == {}


def test_the_rule_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from covlint.hooks.check import main\n    return main\n")
    assert offending([sneaky], ("covlint.hooks",)) != {}
