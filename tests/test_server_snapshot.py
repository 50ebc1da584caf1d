"""The measured texts after a load: the server learns its open documents, a background process
learns the rest into the same snapshot; the children never touch the protocol's stdin/stdout."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from covlint.coverage_set import CoverageSet
from covlint.measured import data_key
from covlint.measured_store import TextStore, blob_id
from tests.lsp_fixtures import as_marks, expected_marks, make_project, session

BACKGROUND = "learnt in the background"

# Loaded by every Python process the server starts: the covlint children write an LSP message
# to their stdout (the client would show it if that were the protocol's) and say what their
# stdin is (the protocol's would let them eat the client's bytes).
NOISY_CHILD = """\
import os, sys
if {"covlint.measured_snapshot", "covlint.preparse"} & set(getattr(sys, "orig_argv", [])):
    body = (
        b'{"jsonrpc": "2.0", "method": "window/showMessage",'
        b' "params": {"type": 1, "message": "a child wrote to its stdout"}}'
    )
    os.write(1, b"Content-Length: %d\\r\\n\\r\\n%s" % (len(body), body))
    print("stdin is", os.path.realpath("/proc/self/fd/0"), file=sys.stderr, flush=True)
"""


async def test_the_background_process_learns_what_the_open_documents_did_not(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "proj")
    app = project.root / "pkg" / "app.py"
    async with session([project.root]) as lsp:
        uri = lsp.open(app)
        await lsp.wait_for(uri)
        await lsp.wait_for_log(BACKGROUND)
        (project.root / ".coverage").touch()  # a new data version, with app.py open
        lsp.files_changed(project.root / ".coverage")
        await lsp.wait_for_log(BACKGROUND, count=2)
        diagnostics = lsp.current(uri)
        logged = [m.message for m in lsp.client.log_messages if BACKGROUND in m.message]

    data = CoverageSet.load(project.root)
    assert logged[-1].endswith(f": {len(data.measured_paths) - 1} file(s) {BACKGROUND}")
    assert TextStore().read_snapshot(data_key(data)) == {
        rel: blob_id((project.root / rel).read_bytes()) for rel in data.measured_paths
    }
    assert as_marks(diagnostics) == expected_marks(project, "pkg/app.py")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
async def test_the_children_get_neither_stdin_nor_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "proj")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NOISY_CHILD)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    async with session([project.root]) as lsp:
        uri = lsp.open(project.root / "pkg" / "app.py")
        await lsp.wait_for(uri)
        await lsp.wait_for_log(BACKGROUND)
        await lsp.wait_for_log("file(s) in the parse cache")
        messages = [m.message for m in lsp.client.messages]
        stdin = [m.message for m in lsp.client.log_messages if "stdin is" in m.message]

    assert messages == []
    assert len(stdin) == 2
    assert all("stdin is /dev/null" in line for line in stdin)
