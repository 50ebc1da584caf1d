"""A buggy client or a broken disk cannot stop the server: after each fault it answers correctly.

Each case sends what no good client sends (malformed frames, requests out of order or out of
range, huge repetitive documents) or breaks the data (replaced by a FIFO, by `/dev/zero`); then
the server must still answer a hover and `covlint/summary` exactly as before the fault.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.covproject import CovProject
from tests.lsp_fixtures import make_project
from tests.rawlsp import RawServer

SOURCE = "pkg/app.py"
NEVER_RUN = 5  # 0-based: `return "negative"`


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> CovProject:
    return make_project(tmp_path_factory.mktemp("robust") / "proj")


def hover_params(uri: str, line: int = NEVER_RUN, character: int = 8) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


class Healthy:
    """What a healthy server answers; `check` asks again and compares."""

    def __init__(self, server: RawServer, uri: str) -> None:
        self.server, self.uri = server, uri
        self.hover: Any = None
        self.summary: Any = None

    async def answers(self) -> tuple[Any, Any]:
        hover = await self.server.request("textDocument/hover", hover_params(self.uri))
        summary = await self.server.request("covlint/summary", {"uri": self.uri})
        return hover.get("result"), _without_age(summary.get("result"))

    async def check(self) -> None:
        assert await self.answers() == (self.hover, self.summary)


def _without_age(summary: Any) -> Any:
    return {k: v for k, v in summary.items() if k != "dataAge"} if summary else summary


async def start_healthy(project: CovProject) -> Healthy:
    server = await RawServer.start(project.root)
    uri = (project.root / SOURCE).as_uri()
    text = (project.root / SOURCE).read_text()
    item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
    await server.notify("textDocument/didOpen", {"textDocument": item})
    await server.diagnostics(uri)
    state = Healthy(server, uri)
    state.hover, state.summary = await state.answers()
    assert state.hover is not None
    assert state.summary["file"] is not None
    return state


@pytest.fixture(scope="module")
async def healthy(project: CovProject) -> AsyncIterator[Healthy]:
    """One server for the faults it must survive (each case checks it still answers)."""
    state = await start_healthy(project)
    try:
        yield state
    finally:
        await state.server.close()


@pytest.fixture
async def fresh(project: CovProject) -> AsyncIterator[Healthy]:
    """A server of its own (no document open), for the cases that end it."""
    state = Healthy(await RawServer.start(project.root), (project.root / SOURCE).as_uri())
    try:
        yield state
    finally:
        await state.server.close()


def hover_body(healthy: Healthy, msg_id: int) -> bytes:
    message = {"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/hover"}
    return json.dumps({**message, "params": hover_params(healthy.uri)}).encode()


@pytest.mark.parametrize(
    "headers",
    [
        b"Content-Length: -1\r\n\r\n",
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",
        b"Content-Length: 12\r\n\r\n",  # too short
        b"Content-Length: 99999\r\n\r\n",  # too long, and the client then waits
        b"Content-Length: 99999999999999\r\n\r\n",  # absurd
        b"content-length:   LOTS\r\n\r\n",
    ],
    ids=["negative", "missing", "short", "long", "absurd", "not-a-number"],
)
async def test_a_frame_with_a_wrong_length_is_still_answered(
    healthy: Healthy, headers: bytes
) -> None:
    msg_id = healthy.server.new_id()
    await healthy.server.send_frame(headers + hover_body(healthy, msg_id))
    reply = await healthy.server.response(msg_id)
    assert reply["result"] == healthy.hover
    await healthy.check()


@pytest.mark.parametrize(
    "garbage",
    [
        b"Content-Length: 9\r\n\r\nnot json!",
        b"Content-Length: 2\r\n\r\n[]",
        b"Content-Length: 4\r\n\r\nnull",
        b"\r\n\r\n\r\n",
        b"Content-Length: 5\r\n\r\n\xff\xfe\xfd\xfc\xfb",
        b"Content-Length: 30\r\n\r\n" + b'{"jsonrpc": "2.0", "id": {}}  ',
        b"Content-Length: 40\r\n\r\n" + b'{"jsonrpc": "1.0", "method": "x", "id":1}',
    ],
)
async def test_garbage_is_skipped(healthy: Healthy, garbage: bytes) -> None:
    await healthy.server.send_frame(garbage)
    await healthy.check()


async def test_a_request_without_params_gets_an_error(healthy: Healthy) -> None:
    reply = await healthy.server.request("textDocument/hover")
    assert reply["error"]["code"] == -32602  # InvalidParams
    await healthy.check()


async def test_an_unknown_method_gets_an_error(healthy: Healthy) -> None:
    reply = await healthy.server.request("covlint/noSuchThing", {})
    assert reply["error"]["code"] == -32601  # MethodNotFound
    await healthy.check()


@pytest.mark.parametrize(
    ("line", "character"), [(10**6, 0), (0, 10**6), (2**31 - 1, 2**31 - 1), (-1, 0)]
)
async def test_positions_out_of_range(healthy: Healthy, line: int, character: int) -> None:
    reply = await healthy.server.request(
        "textDocument/hover", hover_params(healthy.uri, line, character)
    )
    assert "error" in reply or reply["result"] is None
    await healthy.check()


async def test_edits_out_of_range_and_reversed(healthy: Healthy) -> None:
    uri = (Path(healthy.uri[len("file://") :]).with_name("other.py")).as_uri()
    item = {"uri": uri, "languageId": "python", "version": 1, "text": "x = 1\n"}
    await healthy.server.notify("textDocument/didOpen", {"textDocument": item})
    for start, end in (((50, 3), (90, 0)), ((0, 5), (0, 1)), ((3, 0), (1, 2))):
        change = {
            "range": {
                "start": {"line": start[0], "character": start[1]},
                "end": {"line": end[0], "character": end[1]},
            },
            "text": "y\n",
        }
        await healthy.server.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]},
        )
    await healthy.server.notify("textDocument/didChange", {"textDocument": {"uri": uri}})
    await healthy.check()


async def test_huge_repetitive_documents(healthy: Healthy, project: CovProject) -> None:
    uri = (project.root / "pkg" / "huge.py").as_uri()
    text = "pass\n" * 20_000
    item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
    await healthy.server.notify("textDocument/didOpen", {"textDocument": item})
    for version in range(2, 5):
        changed = "pass\n" * (5_000 * version) + "x = 1\n" + "pass\n" * 20_000
        await healthy.server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": changed}],
            },
        )
    await healthy.check()
    await healthy.server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})


def _replace_with_fifo(path: Path) -> None:
    os.mkfifo(path)


def _replace_with_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


@pytest.mark.parametrize("replace", [_replace_with_fifo, _replace_with_zero], ids=["fifo", "zero"])
async def test_data_replaced_by_a_special_file(
    healthy: Healthy, project: CovProject, replace: Any
) -> None:
    data = project.root / ".coverage"
    saved = data.read_bytes()
    data.unlink()
    replace(data)
    try:
        shard = project.root / ".coverage.host.1.x"
        replace(shard)
        await healthy.server.request("workspace/executeCommand", {"command": "covlint.refresh"})
        await healthy.check()  # the last good data stays
    finally:
        data.unlink()
        shard.unlink()
        data.write_bytes(saved)


async def test_requests_after_shutdown_get_invalid_request_and_exit_is_0(
    fresh: Healthy,
) -> None:
    server = fresh.server
    assert (await server.request("shutdown")).get("result") is None
    reply = await server.request("textDocument/hover", hover_params(fresh.uri))
    assert reply["error"]["code"] == -32600  # InvalidRequest
    await server.notify("exit", None)
    assert await server.exit_code() == 0


async def test_exit_without_shutdown_exits_1(fresh: Healthy) -> None:
    await fresh.server.notify("exit", None)
    assert await fresh.server.exit_code() == 1


async def test_end_of_input_without_shutdown_exits_1(fresh: Healthy) -> None:
    assert fresh.server.process.stdin is not None
    fresh.server.process.stdin.close()
    assert await fresh.server.exit_code() == 1
