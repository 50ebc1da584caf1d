"""Tests that start a Python child process: what the child runs has no test context.

Found by reading the test files. What a test runs: its own body, the helpers, classes and
fixtures of its module it names (and what those name), the functions it imports from modules
beside it or above it (`tests/helpers.py`), the setup methods of its class, the module's
autouse fixtures and code outside any function, and the fixtures of the `conftest.py` files
above it. It starts a Python child when that code names

- a Python process for sure: `sys.executable`, `multiprocessing`, `ProcessPoolExecutor`,
  `os.fork`/`forkpty`, `pty.fork`, pytester's `runpytest_subprocess`/`spawn_pytest`; or
- a way to start a program (`subprocess.*`, `os.system`/`popen`/`exec*`/`spawn*`,
  `asyncio.create_subprocess_*`, `pexpect`, `pty.spawn`) and a string that names Python: a
  command starting with `python`, a `.py` path, or a console script of the project
  (`[project.scripts]`). A pager or `git` runs none of the project's lines.

A mock named by a string (`patch("subprocess.Popen")`) starts nothing.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PYTHON = frozenset(
    {"sys.executable", "os.fork", "os.forkpty", "pty.fork", "multiprocessing"}
    | {"concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process"}
)
PYTHON_METHODS = frozenset({"runpytest_subprocess", "spawn_pytest"})
PROGRAM = frozenset(
    {"subprocess", "pexpect", "pty.spawn", "os.system", "os.popen"}
    | {"asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell"}
)
PROGRAM_PREFIXES = ("os.exec", "os.spawn", "os.posix_spawn")
PYTHON_COMMAND = re.compile(r"^\s*(python[\d.]*|pypy[\d.]*)(\s|$)|\.py(\s|$)")
# A quick look before parsing: a module without these words names none of the above.
MAY_START = re.compile(
    r"subprocess|multiprocessing|pexpect|\bpty\b|ProcessPool|concurrent|asyncio|executable"
    r"|\bfork|\bos\.(system|popen|exec|spawn|posix_spawn)|from os import|_subprocess|spawn_pytest"
)
IMPORT_LINE = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.MULTILINE)
Function = ast.FunctionDef | ast.AsyncFunctionDef
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def child_process_tests(root: Path, test_files: Iterable[str]) -> set[str]:
    """Node ids (`file::test`, `file::Class::test`) of the tests that start a Python child."""
    helpers = _Helpers(root, _console_scripts(root))
    found: set[str] = set()
    for path in sorted(set(test_files)):
        above = [m for c in _conftests_above(root, path) if (m := helpers.read(c))]
        fixtures = {name for m in above for name in m.python_functions()}
        module = helpers.read(path, skip_unless_named=not fixtures)
        if module is None:
            continue
        everything = module.starts_for_all() or any(m.starts_for_all() for m in above)
        for qualname, test, owner in module.tests():
            if everything or module.starts_python(test, owner, fixtures):
                found.add(f"{path}::{qualname.replace('.', '::')}")
    return found


def _console_scripts(root: Path) -> frozenset[str]:
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    except (OSError, KeyError, TypeError, ValueError):
        return frozenset()
    tables = [project.get(key) for key in ("scripts", "gui-scripts")]
    return frozenset(name for table in tables if isinstance(table, dict) for name in table)


def _conftests_above(root: Path, path: str) -> list[str]:
    parts = path.split("/")[:-1]
    candidates = ["/".join([*parts[:cut], "conftest.py"]) for cut in range(len(parts) + 1)]
    return [c for c in candidates if c != path and (root / c).is_file()]


class _Helpers:
    """The modules test files import from this project (`tests/helpers.py`), read once: a
    test that calls a helper which starts Python starts Python."""

    def __init__(self, root: Path, scripts: frozenset[str]) -> None:
        self.root = root
        self.scripts = scripts
        self._read: dict[Path, _Module | None] = {}
        self._skipped: set[Path] = set()  # read, and left unparsed for naming nothing

    def read(self, path: str, *, skip_unless_named: bool = False) -> _Module | None:
        """The module at repo-relative `path`, told which of its imports start Python
        (`skip_unless_named`: None when it names no way to start one, nor imports a helper
        that does)."""
        key = self.root / path
        if key not in self._read or (key in self._skipped and not skip_unless_named):
            self._skipped.discard(key)
            self._read[key] = None  # a module importing itself back
            self._read[key] = self._parse(path, skip_unless_named)
        return self._read[key]

    def _parse(self, path: str, skip_unless_named: bool) -> _Module | None:
        try:
            text = (self.root / path).read_text(encoding="utf-8", errors="replace")
            named = MAY_START.search(text) or any(s in text for s in self.scripts)
            if skip_unless_named and not named and not self._imports_a_helper(text, path):
                self._skipped.add(self.root / path)
                return None
            module = _Module(ast.parse(text), self.scripts)
        except (OSError, SyntaxError, ValueError):
            return None
        module.external = self._starting(module.aliases, path)
        return module

    def _imports_a_helper(self, text: str, path: str) -> bool:
        names = {(m.group(1) or m.group(2)).strip(".") for m in IMPORT_LINE.finditer(text)}
        found = (self._find(name, path) for name in names if name)
        return any(helper.python_functions() for helper in found if helper is not None)

    def _starting(self, aliases: dict[str, str], near: str) -> frozenset[str]:
        """The dotted names among `aliases` (and their attributes) that start Python."""
        found: set[str] = set()
        for dotted in set(aliases.values()):
            helper = self._find(dotted, near)
            if helper is not None:  # `import helpers`, then `helpers.run_python()`
                found |= {f"{dotted}.{name}" for name in helper.python_functions()}
            parent, _, name = dotted.rpartition(".")
            helper = self._find(parent, near) if parent else None
            if helper is not None and name in helper.python_functions():
                found.add(dotted)
        return frozenset(found)

    def _find(self, dotted: str, near: str) -> _Module | None:
        """The module `dotted` names beside `near` or in a folder above it, if any."""
        relative = dotted.replace(".", "/")
        for folder in Path(near).parents:
            for candidate in (f"{relative}.py", f"{relative}/__init__.py"):
                path = folder / candidate
                if path.as_posix() != near and (self.root / path).is_file():
                    return self.read(path.as_posix(), skip_unless_named=True)
        return None


class _Module:
    """One parsed test module: its imports, top-level functions and classes."""

    def __init__(self, tree: ast.Module, scripts: frozenset[str]) -> None:
        self.tree = tree
        self.scripts = scripts
        self.aliases = _aliases(tree)
        self.functions = {n.name: n for n in tree.body if isinstance(n, FUNCTIONS)}
        self.classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        self._signal_cache: dict[int, set[str]] = {}
        self.external: frozenset[str] | None = None  # imported names that start Python
        self._python_functions: set[str] | None = None
        self._names_cache: dict[int, set[str]] = {}
        self._named_cache: dict[tuple[int, int], list[ast.AST]] = {}

    def tests(self) -> Iterable[tuple[str, Function, ast.ClassDef | None]]:
        """(qualname, function, class) of every `test*` function, in classes too."""
        for node in self.tree.body:
            if isinstance(node, FUNCTIONS) and node.name.startswith("test"):
                yield node.name, node, None
            elif isinstance(node, ast.ClassDef):
                yield from _methods(node, node.name)

    def starts_for_all(self) -> bool:
        """Code every test of the module runs (module level, autouse fixtures) starts one."""
        top = [n for n in self.tree.body if not isinstance(n, (*FUNCTIONS, ast.ClassDef))]
        autouse = [f for f in self.functions.values() if _is_autouse(f)]
        return self._starts(self.reached([*top, *autouse], None))

    def python_functions(self) -> set[str]:
        """Its top-level functions (fixtures, helpers) that start Python."""
        if self._python_functions is None:
            self._python_functions = set()  # a helper module importing itself back
            found = {name for name, f in self.functions.items() if self.starts_python(f, None)}
            self._python_functions = found
        return self._python_functions

    def starts_python(
        self, test: Function, owner: ast.ClassDef | None, fixtures: AbstractSet[str] = frozenset()
    ) -> bool:
        setup = [m for m in owner.body if _is_setup(m)] if owner is not None else []
        reached = self.reached([test, *setup], owner)
        return any(self._names(n) & fixtures for n in reached) or self._starts(reached)

    def reached(self, start: list[ast.AST], owner: ast.ClassDef | None) -> list[ast.AST]:
        """`start` and the functions, classes and methods of this module it names."""
        seen: dict[int, ast.AST] = {}
        pending = list(start)
        while pending:
            node = pending.pop()
            if id(node) not in seen:
                seen[id(node)] = node
                pending += self._named(node, owner)
        return list(seen.values())

    def _named(self, node: ast.AST, owner: ast.ClassDef | None) -> list[ast.AST]:
        key = (id(node), id(owner))
        if key not in self._named_cache:
            self._named_cache[key] = self._find_named(node, owner)
        return self._named_cache[key]

    def _names(self, node: ast.AST) -> set[str]:
        if id(node) not in self._names_cache:
            self._names_cache[id(node)] = _names(node)
        return self._names_cache[id(node)]

    def _find_named(self, node: ast.AST, owner: ast.ClassDef | None) -> list[ast.AST]:
        names = self._names(node)
        found: list[ast.AST] = [self.functions[n] for n in names if n in self.functions]
        found += [self.classes[n] for n in names if n in self.classes]
        if owner is not None:
            methods = {m.name: m for m in owner.body if isinstance(m, FUNCTIONS)}
            found += [methods[a] for a in _self_attributes(node) if a in methods]
        return found

    def _starts(self, reached: list[ast.AST]) -> bool:
        kinds = {kind for node in reached for kind in self._signals(node)}
        return "python" in kinds or {"program", "command"} <= kinds

    def _signals(self, node: ast.AST) -> set[str]:
        if id(node) not in self._signal_cache:
            self._signal_cache[id(node)] = self._find_signals(node)
        return self._signal_cache[id(node)]

    def _find_signals(self, node: ast.AST) -> set[str]:
        found: set[str] = set()
        for child in ast.walk(node):
            if isinstance(child, ast.Attribute) and child.attr in PYTHON_METHODS:
                found.add("python")
            elif isinstance(child, ast.Constant) and isinstance(child.value, str):
                if PYTHON_COMMAND.search(child.value) or child.value.split(" ")[0] in self.scripts:
                    found.add("command")
            elif dotted := _dotted(child, self.aliases):
                found |= _kind(dotted) | ({"python"} if dotted in (self.external or ()) else set())
        return found


def _kind(dotted: str) -> set[str]:
    prefixes = {".".join(dotted.split(".")[:cut]) for cut in range(1, dotted.count(".") + 2)}
    if prefixes & PYTHON:
        return {"python"}
    if prefixes & PROGRAM or dotted.startswith(PROGRAM_PREFIXES):
        return {"program"}
    return set()


def _methods(cls: ast.ClassDef, prefix: str) -> Iterable[tuple[str, Function, ast.ClassDef]]:
    for node in cls.body:
        if isinstance(node, FUNCTIONS) and node.name.startswith("test"):
            yield f"{prefix}.{node.name}", node, cls
        elif isinstance(node, ast.ClassDef):
            yield from _methods(node, f"{prefix}.{node.name}")


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> the module or object it was imported as (`sp` -> `subprocess`)."""
    aliases: dict[str, str] = {}
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.partition(".")[0]
                aliases[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom):  # relative: found beside the module
            for alias in node.names:
                name = f"{node.module}.{alias.name}" if node.module else alias.name
                aliases[alias.asname or alias.name] = name
    return aliases


def _statements(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Every statement of `body`, nested ones too (expressions are not looked into)."""
    for statement in body:
        yield statement
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            nested = getattr(statement, name, None)
            if isinstance(nested, list):
                yield from _statements(nested)


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """`subprocess.run` for `sp.run` after `import subprocess as sp`; None if not imported."""
    attributes: list[str] = []
    while isinstance(node, ast.Attribute):
        attributes.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    return ".".join([aliases[node.id], *reversed(attributes)])


def _names(node: ast.AST) -> set[str]:
    """Names `node` uses: loads, and a function's parameters (its fixtures)."""
    found = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    if isinstance(node, FUNCTIONS):
        found |= {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
    return found


def _self_attributes(node: ast.AST) -> set[str]:
    return {
        n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
        if n.value.id in ("self", "cls")
    }


def _is_setup(node: ast.AST) -> bool:
    return isinstance(node, FUNCTIONS) and (
        node.name.lower().startswith(("setup", "teardown")) or _is_autouse(node)
    )


def _is_autouse(function: Function) -> bool:
    return any(
        isinstance(d, ast.Call)
        and any(k.arg == "autouse" and getattr(k.value, "value", False) for k in d.keywords)
        for d in function.decorator_list
    )
