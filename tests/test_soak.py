"""Long property runs (`pytest -m soak`, run by `.ci/run`): 1,000+ cases each.

- unified-diff parsing against git's own diffs of random texts (bytes, CRLF, odd characters);
- index -> working tree line maps of a real repository: a staged text, an edited working tree,
  and the gate's own ChangeSet translating every staged line (or saying it changed).

The random LSP message sequences live in `test_server_sequences.py` (its soak twin is there).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covlint.changes import staged_changes
from tests.gitrepo import GitRepo
from tests.test_diff import assert_parse_agrees, texts
from tests.test_linemap import assert_content_kept

pytestmark = pytest.mark.soak

SOAK = settings(
    max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
lines = st.lists(st.sampled_from(["x\n", "y\n", "z\n", "\n", "pass\n", "é\n"]), max_size=30)


@SOAK
@given(a=texts, b=texts, final_newline=st.booleans())
def test_soak_diff_parsing_agrees_with_git(
    tmp_path: Path, a: list[bytes], b: list[bytes], final_newline: bool
) -> None:
    assert_parse_agrees(tmp_path, a, b, final_newline)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo.init(tmp_path_factory.mktemp("soak") / "repo")
    repo.commit_files({"f.py": "start\n"}, "start")
    return repo


@SOAK
@given(committed=lines, staged=lines, worktree=lines)
def test_soak_index_to_worktree_line_maps(
    repo: GitRepo, committed: list[str], staged: list[str], worktree: list[str]
) -> None:
    repo.write("f.py", "".join(committed))
    repo.stage("f.py")
    repo.git("commit", "--quiet", "--allow-empty", "--no-gpg-sign", "--no-verify", "-m", "c")
    repo.write("f.py", "".join(staged))
    repo.stage("f.py")
    repo.write("f.py", "".join(worktree))
    changes = staged_changes(repo.root)
    if not changes.files:
        assert staged == committed
        return
    assert changes.target_text("f.py") == "".join(staged).encode()
    assert_content_kept(staged, worktree, changes.to_worktree("f.py"))
