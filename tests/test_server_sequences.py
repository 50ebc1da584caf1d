"""Random LSP message sequences (hypothesis) against one real server: it never dies, answers every
request exactly once, and never publishes a mark on a line that is not, by content, an uncovered
statement (or partly run branch) of the text that ran.

The default run tries a few dozen sequences; the `soak` run (`.ci/run`) tries 1,000.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.covproject import CovProject
from tests.lsp_fixtures import make_project
from tests.rawlsp import RawServer, frame

SOURCE = "pkg/app.py"
QUICK = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SOAK = settings(
    max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@dataclass
class World:
    """The server, its event loop, and what the client knows of the measured file."""

    loop: asyncio.AbstractEventLoop
    server: RawServer
    uri: str
    measured: list[str]
    marked_lines: dict[str, set[str]]  # code -> contents of the lines that may carry it
    version: int = 1
    text: list[str] = field(default_factory=list)


def markable(project: CovProject) -> dict[str, set[str]]:
    report: Any = project.json_report()["files"][SOURCE]
    lines = (project.root / SOURCE).read_text().split("\n")
    uncovered = {lines[n - 1] for n in report["missing_lines"]}
    partial = {lines[start - 1] for start, _ in report["missing_branches"]}
    # A run of uncovered statements may span the lines between them (comments, continuations).
    first, last = min(report["missing_lines"]), max(report["missing_lines"])
    return {"uncovered": uncovered | set(lines[first - 1 : last]), "missed-branch": partial}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    project = make_project(tmp_path_factory.mktemp("sequences") / "proj")
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(RawServer.start(project.root))
    uri = (project.root / SOURCE).as_uri()
    text = (project.root / SOURCE).read_text()
    item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
    loop.run_until_complete(server.notify("textDocument/didOpen", {"textDocument": item}))
    loop.run_until_complete(server.diagnostics(uri))
    lines = text.split("\n")
    yield World(loop, server, uri, lines, markable(project), text=list(lines))
    loop.run_until_complete(server.close())
    loop.close()


positions = st.tuples(st.integers(-2, 60), st.integers(-2, 90))
snippets = st.sampled_from(["", "x", "\n", "pass\n", "    return 1\n", "if n:\n", "é", "\r\n"])
messages = st.one_of(
    st.tuples(st.just("edit"), positions, positions, snippets),
    st.tuples(st.just("request"), st.sampled_from(["hover", "codeAction", "codeLens", "summary"])),
    st.tuples(st.just("command"), st.sampled_from(["covlint.toggle", "covlint.refresh"])),
    st.tuples(st.just("garbage"), st.sampled_from([b"Content-Length: -1\r\n\r\n{}", b"{]\r\n"])),
    st.tuples(st.just("notify"), st.sampled_from(["textDocument/didSave", "$/cancelRequest"])),
)


def apply_edit(lines: list[str], start: tuple[int, int], end: tuple[int, int], new: str) -> None:
    """The edit as the server applies it: reversed ranges swapped, positions clamped."""
    last = len(lines) - 1
    start, end = min(start, end), max(start, end)

    def clamp(pos: tuple[int, int]) -> tuple[int, int]:
        return (last, 1 << 30) if pos[0] > last else (max(pos[0], 0), max(pos[1], 0))

    (l1, c1), (l2, c2) = clamp(start), clamp(end)
    joined = lines[l1][:c1] + new + lines[l2][c2:]
    lines[l1 : l2 + 1] = joined.replace("\r\n", "\n").replace("\r", "\n").split("\n")


async def send(world: World, message: tuple[Any, ...]) -> None:
    server, uri = world.server, world.uri
    kind = message[0]
    if kind == "edit":
        _, start, end, text = message
        world.version += 1
        change = {
            "range": {
                "start": {"line": start[0], "character": start[1]},
                "end": {"line": end[0], "character": end[1]},
            },
            "text": text,
        }
        document = {"uri": uri, "version": world.version}
        params = {"textDocument": document, "contentChanges": [change]}
        await server.notify("textDocument/didChange", params)
        if min(*start, *end) >= 0 and max(start[1], end[1]) < 80:
            apply_edit(world.text, start, end, text)
        else:  # an edit whose column arithmetic we do not model: start again from a known text
            await restore(world)
    elif kind == "request":
        await request(world, message[1])
    elif kind == "command":
        await server.request("workspace/executeCommand", {"command": message[1]})
    elif kind == "garbage":
        await server.send_frame(message[1])
    else:
        await server.notify(message[1], {"textDocument": {"uri": uri}, "id": 1})


async def request(world: World, name: str) -> None:
    where = {"textDocument": {"uri": world.uri}}
    position = {"line": 5, "character": 4}
    zero = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    params = {
        "hover": ("textDocument/hover", {**where, "position": position}),
        "codeAction": (
            "textDocument/codeAction",
            {**where, "range": zero, "context": {"diagnostics": []}},
        ),
        "codeLens": ("textDocument/codeLens", where),
        "summary": ("covlint/summary", {"uri": world.uri}),
    }[name]
    reply = await world.server.request(*params)
    assert "result" in reply or "error" in reply


async def restore(world: World) -> None:
    world.version += 1
    whole = "\n".join(world.measured)
    params = {"textDocument": {"uri": world.uri, "version": world.version}}
    await world.server.notify(
        "textDocument/didChange", {**params, "contentChanges": [{"text": whole}]}
    )
    world.text = list(world.measured)


def last_marks(world: World) -> list[dict[str, Any]]:
    published = [
        m
        for m in world.server.messages
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == world.uri
    ]
    return list(published[-1]["params"]["diagnostics"]) if published else []


async def run_sequence(world: World, sequence: list[tuple[Any, ...]]) -> None:
    for message in sequence:
        await send(world, message)
    if sum(m == ("command", "covlint.toggle") for m in sequence) % 2:
        await world.server.request("workspace/executeCommand", {"command": "covlint.toggle"})
    await request(world, "summary")  # waits for the file's analysis: its marks are published
    await request(world, "hover")
    for mark in last_marks(world):
        line = mark["range"]["start"]["line"]
        assert 0 <= line < len(world.text), mark
        assert world.text[line] in world.marked_lines[mark["code"]], (mark, world.text[line])
    world.server.messages.clear()
    await restore(world)


def check_sequence(world: World, sequence: list[tuple[Any, ...]]) -> None:
    world.loop.run_until_complete(asyncio.wait_for(run_sequence(world, sequence), 60))
    assert world.server.process.returncode is None


@QUICK
@given(sequence=st.lists(messages, max_size=12))
def test_random_messages_never_kill_the_server_or_misplace_a_mark(
    world: World, sequence: list[tuple[Any, ...]]
) -> None:
    check_sequence(world, sequence)


@pytest.mark.soak
@SOAK
@given(sequence=st.lists(messages, max_size=20))
def test_soak_random_messages(world: World, sequence: list[tuple[Any, ...]]) -> None:
    check_sequence(world, sequence)


def test_frame_declares_the_length_it_is_given() -> None:
    assert frame({"a": 1}, length=3) == b'Content-Length: 3\r\n\r\n{"a": 1}'
