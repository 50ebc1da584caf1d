"""Generate a large synthetic Python project with real coverage data and a staged change set.

The project looks like what `covlint check` meets in a pre-commit hook:

* ``pkg/mod_0001.py`` … ``pkg/mod_NNNN.py``, ~300 lines each, full of branches (if/elif/else,
  for/while with break/continue/else, try/except/else/finally, comprehensions, match, early
  returns, classes);
* ``tests/test_all.py``, a deterministic test driver (seeded RNG) that calls ~70% of the
  functions with a few argument sets, so the data has missing lines *and* partial branches;
* a git repository with everything committed;
* then a change set: ``--changed`` modules get a new function with branches (inserted between
  two existing top-level blocks, so later line numbers shift), a few edited existing lines and an
  added comment; an *untracked* ``tests/test_added.py`` exercises some of the new functions;
* ``python -m coverage run --branch`` is re-run after the change, so the data is newer than every
  file and matches the staged text; the changed modules are staged (``git add``), nothing else.

Every statement in the generated code is a single physical line, so line-based tools (diff-cover
on ``coverage xml``) and statement-based ones (covlint) have nothing ambiguous to disagree about.

Usage::

    python bench/generate.py --modules 1200 --changed 20 --seed 0 --out /tmp/proj
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Template

from synthetic_data import template_of, write_data

# Bumped whenever the generated output changes, so cached projects get rebuilt.
GENERATOR_VERSION = 1
META_FILE = "bench-meta.json"
TARGET_LINES = 300
CALLED_FRACTION = 0.7

COVERAGERC = """\
[run]
branch = true
relative_files = true
source = pkg

[report]
show_missing = false
"""

GITIGNORE = """\
.coverage
.coverage.*
__pycache__/
cov.xml
*.json
"""

RUN_TESTS = '''\
"""Run every test_* function of every tests/test_*.py file (a tiny pytest stand-in)."""

import glob
import runpy

for path in sorted(glob.glob("tests/test_*.py")):
    namespace = runpy.run_path(path)
    for name in sorted(namespace):
        if name.startswith("test_") and callable(namespace[name]):
            namespace[name]()
'''

MODULE_HEADER = '''\
"""Synthetic module $index of the covlint benchmark project."""

import contextlib

_log: list[int] = []
LIMIT = $limit'''


# --------------------------------------------------------------------------------------------
# Code templates. Each yields one top-level block; `kind` names how the driver calls it.
# Every statement is one physical line (no continuation lines anywhere).
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    kind: str
    text: Template


SHAPES: tuple[Shape, ...] = (
    Shape(
        "ab",
        Template("""\
def $name(a: int, b: int) -> int:
    # if/elif/else chain with compound conditions
    if a > $k1:
        r = a - b + $k2
    elif a < -$k3:
        r = b - a + $k4
    elif a == b:
        return 0
    else:
        r = a * b + $k5
    if r % 2 == 0 and b > 0:
        r = r // 2
    elif r < 0 or b < 0:
        r = -r + $k6
    return r"""),
    ),
    Shape(
        "xs_limit",
        Template("""\
def $name(xs: list[int], limit: int) -> int:
    total = 0
    for x in xs:
        if x > limit:
            break
        if x < 0:
            continue
        total += x * $k1
    else:
        total = total + $k2
    return total"""),
    ),
    Shape(
        "n",
        Template("""\
def $name(n: int) -> int:
    i = 0
    acc = $k1
    while i < n:
        i += 1
        if i % $k2 == 0:
            continue
        acc += i
        if acc > $k3:
            break
    else:
        acc = -acc + $k4
    return acc"""),
    ),
    Shape(
        "ab",
        Template("""\
def $name(a: int, b: int) -> int:
    try:
        q = a // b
    except ZeroDivisionError:
        return $k1
    except OverflowError:
        return -$k1
    else:
        q = q + $k2
    finally:
        _log.append(a)
    if q > $k3:
        return q - $k3
    return q"""),
    ),
    Shape(
        "xs",
        Template("""\
def $name(xs: list[int]) -> int:
    evens = [x for x in xs if x % 2 == 0]
    odds = {x: x * $k1 for x in xs if x % 2}
    big = {x for x in xs if x > $k2}
    total = sum(y for y in evens if y > $k3)
    if not evens:
        return len(odds) + len(big)
    if big and total > $k4:
        return total - len(big)
    return total + len(odds)"""),
    ),
    Shape(
        "opt_flag",
        Template("""\
def $name(a: int | None, b: int, flag: bool) -> int:
    if a is None:
        return -1
    if flag:
        return a + $k1
    if b < 0:
        return -b
    if b > $k2:
        return b - a
    result = a + b + $k3
    return result"""),
    ),
    Shape(
        "cls",
        Template("""\
class $cname:
    def __init__(self, seed: int) -> None:
        self.seed = seed + $k1
        self.items: list[int] = []

    def push(self, v: int) -> int:
        if v < 0:
            raise ValueError(v)
        self.items.append(v)
        return len(self.items)

    def score(self) -> int:
        s = self.seed
        for v in self.items:
            s = s * 31 + v if v % 2 else s - v
        return s % $k2"""),
    ),
    Shape(
        "cmd",
        Template("""\
def $name(cmd: str, n: int) -> int:
    match cmd.split():
        case ["add", x]:
            return n + int(x)
        case ["mul", x] if n > $k1:
            return n * int(x)
        case ["neg"]:
            return -n
        case _:
            return $k2"""),
    ),
    Shape(
        "rows_cols",
        Template("""\
def $name(rows: int, cols: int) -> int:
    found = 0
    for r in range(rows):
        for c in range(cols):
            if (r * c) % $k1 == 0:
                found += 1
            elif r == c:
                found -= 1
        if found > $k2:
            return found
    while found > $k3:
        found -= $k4
    return found"""),
    ),
)

ADDED = Template("""\
def added_$index(a: int, xs: list[int]) -> int:
    # added by the change set: loops, try/except and early returns
    if a < 0:
        return -1
    total = 0
    for x in xs:
        if x % 3 == 0:
            total += x
        elif x % 3 == 1:
            total -= x
        else:
            break
    else:
        total = total + a

    try:
        ratio = total // a
    except ZeroDivisionError:
        ratio = 0
    if ratio > $k1:
        return ratio
    return total + ratio""")


def _args(kind: str, rng: random.Random) -> str:
    """One argument list (as source text) for a function of the given kind."""

    def small() -> int:
        return rng.randint(-12, 12)

    def xs() -> str:
        return repr([rng.randint(-5, 25) for _ in range(rng.randint(0, 6))])

    makers: dict[str, Callable[[], str]] = {
        "ab": lambda: f"{small()}, {rng.choice([0, 1, 2, -3, 5, 7])}",
        "xs_limit": lambda: f"{xs()}, {rng.randint(0, 25)}",
        "n": lambda: str(rng.randint(0, 14)),
        "xs": xs,
        "opt_flag": lambda: (
            f"{rng.choice(['None', str(small()), str(small())])}, {small()}, "
            f"{rng.choice(['True', 'False', 'False'])}"
        ),
        "cmd": lambda: (
            f"{rng.choice(['add 3', 'mul 2', 'neg', 'noop', 'add 1', 'mul 4'])!r}, {small()}"
        ),
        "rows_cols": lambda: f"{rng.randint(0, 5)}, {rng.randint(0, 5)}",
    }
    return makers[kind]()


@dataclass
class Block:
    """A top-level block of a module, with how the test driver may call it."""

    name: str
    kind: str
    text: str


def _module_blocks(index: int, seed: int, templates: int = 0) -> list[Block]:
    rng = random.Random(f"{seed}:module:{template_of(index, templates)}")
    header = Template(MODULE_HEADER).substitute(index=index, limit=rng.randint(10, 99))
    blocks = [Block("", "header", header)]
    lines = header.count("\n") + 1
    n = 0
    while lines < TARGET_LINES - 8:
        shape = rng.choice(SHAPES)
        ks = {f"k{i}": rng.randint(2, 40) for i in range(1, 7)}
        name = f"f_{n:02d}"
        cname = f"Thing{n:02d}"
        text = shape.text.substitute(name=name, cname=cname, **ks)
        blocks.append(Block(cname if shape.kind == "cls" else name, shape.kind, text))
        lines += text.count("\n") + 1 + 2
        n += 1
    return blocks


def _render(blocks: list[Block]) -> str:
    return "\n\n\n".join(b.text for b in blocks) + "\n"


def _calls(module: str, alias: str, block: Block, rng: random.Random) -> list[str]:
    out: list[str] = []
    for _ in range(rng.randint(1, 3)):
        if block.kind == "cls":
            obj = f"{alias}.{block.name}({rng.randint(0, 9)})"
            v = rng.choice([-1, 2, 3, 4, 7])
            out.append("    with contextlib.suppress(ValueError):")
            out.append(f"        _o = {obj}; _o.push({v}); _o.push({v + 1}); _o.score()")
        else:
            out.append(f"    {alias}.{block.name}({_args(block.kind, rng)})")
    return out


def _test_function(index: int, blocks: list[Block], seed: int, templates: int = 0) -> str:
    rng = random.Random(f"{seed}:tests:{template_of(index, templates)}")
    module = f"mod_{index:04d}"
    body = [f"def test_{module}() -> None:", f"    from pkg import {module} as m"]
    for block in blocks[1:]:
        if rng.random() < CALLED_FRACTION:
            body.extend(_calls(module, "m", block, rng))
    return "\n".join(body)


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")


def clean_env() -> dict[str, str]:
    """The environment every child process gets: PATH and HOME only."""
    return {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}


def _git(out: Path, *args: str) -> None:
    _run(["git", "-c", "core.quotepath=off", *args], out, clean_env())


def _coverage_run(out: Path) -> float:
    t0 = time.perf_counter()
    _run([sys.executable, "-m", "coverage", "run", "run_tests.py"], out, clean_env())
    return time.perf_counter() - t0


_EDITABLE = re.compile(r"^(\s+\w+ = .* \+ )(\d+)$")


def _change(index: int, blocks: list[Block], rng: random.Random) -> tuple[list[Block], bool]:
    """Insert a new function, edit a few existing lines, add a comment. Returns (blocks, tested)."""
    new_blocks = [Block(b.name, b.kind, b.text) for b in blocks]
    # Edit 2-3 existing single-line assignments ending in "+ <constant>".
    candidates = [
        (bi, li)
        for bi, b in enumerate(new_blocks[1:], start=1)
        for li, line in enumerate(b.text.split("\n"))
        if _EDITABLE.match(line)
    ]
    for bi, li in rng.sample(candidates, min(len(candidates), rng.randint(2, 3))):
        lines = new_blocks[bi].text.split("\n")
        m = _EDITABLE.match(lines[li])
        assert m is not None
        lines[li] = f"{m.group(1)}{int(m.group(2)) + 1}"
        new_blocks[bi].text = "\n".join(lines)
    # A comment inside an existing function: a changed line that is not a statement.
    bi = rng.randrange(1, len(new_blocks))
    lines = new_blocks[bi].text.split("\n")
    lines.insert(1, "    # reviewed in the benchmark change set")
    new_blocks[bi].text = "\n".join(lines)
    # The new function, between two existing top-level blocks.
    added = ADDED.substitute(index=index, k1=rng.randint(1, 6))
    new_blocks.insert(rng.randint(1, len(new_blocks)), Block(f"added_{index}", "added", added))
    return new_blocks, rng.random() < 0.6


def _added_test(index: int, rng: random.Random) -> str:
    module = f"mod_{index:04d}"
    body = [f"def test_added_{module}() -> None:", f"    from pkg import {module} as m"]
    for _ in range(rng.randint(1, 3)):
        xs = [rng.randint(0, 12) for _ in range(rng.randint(0, 5))]
        body.append(f"    m.added_{index}({rng.choice([-1, 0, 1, 2, 5])}, {xs!r})")
    return "\n".join(body)


def generator_fingerprint() -> str:
    """Changes whenever this file changes: cached projects are rebuilt then."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def generate(  # noqa: PLR0915 - one recipe, step by step
    out: Path,
    modules: int,
    changed: int,
    seed: int,
    *,
    quiet: bool = False,
    templates: int = 0,
    synthetic: bool = False,
    shards: int = 0,
) -> dict[str, object]:
    """Build the project in `out` (replaced if it exists). Returns the metadata written.

    `templates`: modules repeat that many templates' code; `synthetic`: record only the
    templates and the changed modules and write the other modules' data through the
    `CoverageData` API (see synthetic_data.py); `shards`: that many parallel data files and no
    combined one (synthetic data only).
    """
    if (synthetic or shards) and not templates:
        raise ValueError("--synthetic and --shards need --templates")
    if shards and not synthetic:
        raise ValueError("--shards needs --synthetic")
    say: Callable[[str], None] = (lambda _m: None) if quiet else (lambda m: print(m, flush=True))
    if changed > modules:
        raise ValueError("--changed cannot exceed --modules")
    t_start = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    (out / "pkg").mkdir(parents=True)
    (out / "tests").mkdir()
    (out / ".coveragerc").write_text(COVERAGERC)
    (out / ".gitignore").write_text(GITIGNORE)
    (out / "run_tests.py").write_text(RUN_TESTS)
    (out / "pkg" / "__init__.py").write_text('"""Synthetic benchmark package."""\n')

    all_blocks: dict[int, list[Block]] = {}
    tests = ["import contextlib", ""]
    total_lines = 0
    for index in range(1, modules + 1):
        blocks = _module_blocks(index, seed, templates)
        all_blocks[index] = blocks
        text = _render(blocks)
        total_lines += text.count("\n")
        (out / "pkg" / f"mod_{index:04d}.py").write_text(text)
        tests.extend([_test_function(index, blocks, seed, templates), "", ""])
    (out / "tests" / "test_all.py").write_text("\n".join(tests).rstrip() + "\n")
    say(f"wrote {modules} modules ({total_lines} lines) in {time.perf_counter() - t_start:.1f}s")

    t_first = 0.0 if synthetic else _coverage_run(out)
    say(f"initial coverage run: {t_first:.1f}s")

    _git(out, "init", "-q", "-b", "main")
    _git(out, "config", "user.name", "covlint bench")
    _git(out, "config", "user.email", "bench@covlint.invalid")
    _git(out, "config", "commit.gpgsign", "false")
    _git(out, "add", "-A")
    _git(out, "commit", "-q", "--no-gpg-sign", "--no-verify", "-m", "synthetic project")

    rng = random.Random(f"{seed}:changes")
    # With templates, the templates themselves stay as they are: other modules copy their data.
    chosen = sorted(rng.sample(range(templates + 1, modules + 1), changed))
    added_tests = ["import contextlib", ""]
    tested: list[int] = []
    for index in chosen:
        blocks, is_tested = _change(index, all_blocks[index], rng)
        (out / "pkg" / f"mod_{index:04d}.py").write_text(_render(blocks))
        if is_tested:
            tested.append(index)
            added_tests.extend([_added_test(index, rng), "", ""])
    (out / "tests" / "test_added.py").write_text("\n".join(added_tests).rstrip() + "\n")

    # The data must be newer than every file it describes.
    time.sleep(0.05)
    if synthetic:
        t0 = time.perf_counter()
        write_data(out, modules, templates, chosen, clean_env(), shards)
        t_second = time.perf_counter() - t0
    else:
        t_second = _coverage_run(out)
    say(f"coverage run after the change: {t_second:.1f}s")
    changed_paths = [f"pkg/mod_{i:04d}.py" for i in chosen]
    _git(out, "add", "--", *changed_paths)

    meta: dict[str, object] = {
        "generator_version": GENERATOR_VERSION,
        "generator_fingerprint": generator_fingerprint(),
        "modules": modules,
        "changed": changed,
        "seed": seed,
        "source_lines": total_lines,
        "changed_paths": changed_paths,
        "added_tests_for": [f"pkg/mod_{i:04d}.py" for i in tested],
        "templates": templates,
        "synthetic": synthetic,
        "shards": shards,
        "coverage_data_bytes": sum(p.stat().st_size for p in out.glob(".coverage.*"))
        + ((out / ".coverage").stat().st_size if (out / ".coverage").exists() else 0),
        "seconds": {
            "total": round(time.perf_counter() - t_start, 2),
            "initial_coverage_run": round(t_first, 2),
            "final_coverage_run": round(t_second, 2),
        },
    }
    # Inside .git so it is neither tracked nor untracked.
    (out / ".git" / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    say(f"staged {changed} changed modules; total {meta['seconds']['total']}s")  # type: ignore[index]
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--modules", type=int, default=300, help="number of modules (default 300)")
    parser.add_argument("--changed", type=int, default=20, help="modules to change+stage (20)")
    parser.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    parser.add_argument("--out", type=Path, required=True, help="target dir (replaced)")
    parser.add_argument("--templates", type=int, default=0, help="modules repeat K templates")
    parser.add_argument("--synthetic", action="store_true", help="data via CoverageData API")
    parser.add_argument("--shards", type=int, default=0, help="S shards, no combined file")
    args = parser.parse_args(argv)
    generate(
        args.out.resolve(),
        args.modules,
        args.changed,
        args.seed,
        templates=args.templates,
        synthetic=args.synthetic,
        shards=args.shards,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
