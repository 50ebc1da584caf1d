"""Background pre-parse: the diff's files and the recently opened ones land in the parse cache,
in a separate idle-priority process, so a later first open restores the parse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from covlint.analysis import decode_source
from covlint.coverage_config import read_coverage_settings
from covlint.parse_cache import ParseCache, cache_key
from covlint.preparse import diff_paths
from tests.gitrepo import GitRepo
from tests.lsp_fixtures import make_project, session

CHANGED = "def added(x):\n    if x:\n        return 1\n    return 2\n"


def cached(root: Path, rel: str) -> bool:
    settings = read_coverage_settings(root)
    text = decode_source((root / rel).read_bytes())
    key = cache_key(text, settings.exclude_regex, settings.partial_regex)
    return ParseCache().load(key) is not None


def repo_with_a_change(root: Path) -> GitRepo:
    repo = GitRepo.init(root)
    repo.commit_files({"pkg/__init__.py": "", "pkg/old.py": "x = 1\n", "notes.txt": "n\n"})
    repo.git("checkout", "-q", "-b", "work")
    repo.write("pkg/old.py", "x = 2\n" + CHANGED)
    repo.write("pkg/new.py", CHANGED)
    repo.stage("pkg/new.py")
    repo.write("notes.txt", "changed\n")
    return repo


def test_the_diff_since_the_first_base_that_exists(tmp_path: Path) -> None:
    repo = repo_with_a_change(tmp_path / "repo")

    assert diff_paths(repo.root, ["origin/main", "main"]) == ["pkg/new.py", "pkg/old.py"]
    assert diff_paths(repo.root, ["nowhere"]) == []


def test_the_process_parses_at_idle_priority_and_fills_the_cache(tmp_path: Path) -> None:
    repo = repo_with_a_change(tmp_path / "repo")
    repo.write("pkg/opened.py", CHANGED.replace("added", "opened"))
    probe = "import os, covlint.preparse as p; p.lowest_priority(); print(os.sched_getscheduler(0))"

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "covlint.preparse",
            str(repo.root),
            "--base",
            "main",
            "pkg/opened.py",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    idle = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert done.stderr.strip() == "covlint preparse: 3 file(s) in the parse cache"
    assert all(cached(repo.root, rel) for rel in ("pkg/old.py", "pkg/new.py", "pkg/opened.py"))
    assert int(idle.stdout) == os.SCHED_IDLE


async def test_a_data_load_preparses_the_recently_opened_documents(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    other = project.root / "pkg" / "other.py"
    other.write_text(CHANGED)
    async with session([project.root]) as lsp:
        uri = lsp.open(project.root / "pkg" / "app.py")
        await lsp.wait_for(uri)
        lsp.open(other)
        (project.root / ".coverage").touch()  # new data: a reload, then a pre-parse
        await lsp.wait_for_log("file(s) in the parse cache")

    assert cached(project.root, "pkg/other.py")
