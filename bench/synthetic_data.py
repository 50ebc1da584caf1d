"""Coverage data for a monorepo-sized generated project without running all of its code.

With `--templates K`, module i of generate.py is a copy of template module ((i-1) % K) + 1 (the
same code and the same test calls; only the docstring's number differs), so its recorded arcs
are the template's. Only the templates and the changed modules are run under coverage (really,
`coverage run`); every other module's arcs are copied from its template's through coverage's
public `CoverageData` API. `generate.py --verify-synthetic` checks, on a small project, that
covlint's answers on such data are byte-identical to those on data from running everything.

Shards (`--shards S`, with no combined file) look like pytest-xdist's: every shard has every
module (each worker imported them all: the import-time arcs), and each module's test arcs are in
one shard (module i in shard i % S).
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
from pathlib import Path

from coverage import CoverageData

Arcs = list[tuple[int, int]]

DRIVER = '''\
"""Run the tests of the chosen modules only (or just import them)."""

import importlib
import os
import runpy
import sys

sys.path.insert(0, os.getcwd())

wanted = [int(n) for n in sys.argv[2].split(",")]
if sys.argv[1] == "import":
    for index in wanted:
        importlib.import_module(f"pkg.mod_{index:04d}")
else:
    for path in ("tests/test_all.py", "tests/test_added.py"):
        namespace = runpy.run_path(path)
        for index in wanted:
            for name in (f"test_mod_{index:04d}", f"test_added_mod_{index:04d}"):
                if name in namespace:
                    namespace[name]()
'''


def template_of(index: int, templates: int) -> int:
    """The template module a module copies (itself when every module is its own)."""
    return ((index - 1) % templates) + 1 if templates else index


def module_path(index: int) -> str:
    return f"pkg/mod_{index:04d}.py"


def record(out: Path, env: dict[str, str], mode: str, modules: list[int]) -> dict[str, Arcs]:
    """Really run (or import) `modules` under coverage; their recorded arcs by path."""
    with tempfile.TemporaryDirectory(prefix="covlint-bench-") as folder:
        driver = Path(folder) / "driver.py"
        driver.write_text(DRIVER)
        data_file = Path(folder) / "data"
        command = [sys.executable, "-m", "coverage", "run", f"--data-file={data_file}"]
        wanted = ",".join(map(str, modules))
        subprocess.run([*command, str(driver), mode, wanted], cwd=out, env=env, check=True)
        data = CoverageData(basename=str(data_file))
        data.read()
        return {name: sorted(data.arcs(name) or []) for name in data.measured_files()}


def write_data(  # noqa: PLR0917 - the generator's own parameters, passed through
    out: Path, modules: int, templates: int, changed: list[int], env: dict[str, str], shards: int
) -> None:
    """Write the project's coverage data: `.coverage`, or `shards` shards and no `.coverage`."""
    run_set = sorted(set(range(1, templates + 1)) | set(changed))
    ran = record(out, env, "run", run_set)
    imported = record(out, env, "import", run_set) if shards else {}
    for old in out.glob(".coverage*"):
        if old.name != ".coveragerc":
            old.unlink()
    ran_set = set(run_set)

    def arcs_of(source: dict[str, Arcs], index: int) -> Arcs:
        """Its own arcs if it ran (coverage lists the others too, empty), else its template's."""
        copied = index if index in ran_set else template_of(index, templates)
        return source[module_path(copied)]

    every = list(range(1, modules + 1))
    package = {"pkg/__init__.py": ran["pkg/__init__.py"]}
    if not shards:
        data = CoverageData(basename=str(out / ".coverage"))
        data.add_arcs(package | {module_path(i): arcs_of(ran, i) for i in every})
        data.write()
        return
    rng = random.Random("shards")
    for shard in range(shards):
        arcs = {module_path(i): arcs_of(ran if i % shards == shard else imported, i) for i in every}
        name = f".coverage.bench.{4000 + shard}.X{rng.randrange(16**6):06x}"
        data = CoverageData(basename=str(out / name))
        data.add_arcs(package | arcs)
        data.write()
