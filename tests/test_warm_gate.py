"""A gate run judging again on the same data and texts: everything kept, coverage never imported
(nor a TOML parser: the project's `[tool.covlint]` is kept too)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.covproject import clean_env
from tests.gateproject import GateProject

# Runs the gate, then says which of coverage's modules the process imported.
PROBE = """\
import sys
from covlint.cli import main
code = main(["check", "--fail-under", "0", "--format", "json"])
loaded = sorted(m for m in sys.modules if m.partition(".")[0] in ("coverage", "tomllib"))
print(json.dumps({"code": code, "coverage_modules": loaded}), file=sys.stderr)
"""


def gate_run(root: Path, cache: Path) -> tuple[dict[str, object], list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", "import json\n" + PROBE],
        cwd=root,
        env=clean_env({"COVLINT_CACHE_DIR": str(cache)}),
        capture_output=True,
        text=True,
        check=False,
    )
    probe = json.loads(done.stderr.strip().splitlines()[-1])
    assert probe["code"] == 0, done.stderr
    return json.loads(done.stdout), probe["coverage_modules"]


def test_a_warm_gate_run_gives_the_same_verdict_without_importing_coverage(
    tmp_path: Path,
) -> None:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("run_tests.py", "")
    project.write("pyproject.toml", '[project]\nname = "app"\n\n[tool.covlint]\nfail-under = 0\n')
    project.commit_all("start")
    for index in range(6):
        body = f"def f(x):\n    if x:\n        return {index}\n    return -{index}\n"
        project.write(f"app/m{index}.py", body)
    project.repo.stage_all()
    project.record("import app.m0, app.m1\napp.m0.f(1)\napp.m1.f(0)\n")
    cache = tmp_path / "cache"

    cold, cold_modules = gate_run(project.root, cache)
    shutil.rmtree(cache / "verdicts", ignore_errors=True)  # judged again, not replayed
    warm, warm_modules = gate_run(project.root, cache)

    assert "coverage.parser" in cold_modules  # the first run parsed with coverage
    assert warm_modules == []
    assert warm == cold
    files = {f["path"]: f for f in cold["files"]}  # type: ignore[attr-defined]
    assert files["app/m0.py"]["missed_arcs"]  # branch results, restored as they were
