"""The frame reader on the two kinds of input: a pipe (polled by the event loop) and a file (a
thread reads it), the same messages either way."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from covlint.server.framing import FrameReader

MESSAGES = [
    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"text": "é" * 70_000}},
    {"jsonrpc": "2.0", "method": "initialized", "params": {}},
]


def frames() -> bytes:
    bodies = [json.dumps(m).encode() for m in MESSAGES]
    lying = f"Content-Length: {len(bodies[1]) + 40}\r\n\r\n".encode() + bodies[1]  # too long
    return f"Content-Length: {len(bodies[0])}\r\n\r\n".encode() + bodies[0] + lying


async def read_all(reader: FrameReader) -> list[Any]:
    found = []
    while (message := await reader.next_message()) is not None:
        found.append(message)
    reader.close()
    return found


def reader_threads() -> int:
    return sum(t.name.startswith("covlint-stdin") for t in threading.enumerate())


async def test_a_pipe_is_read_as_bytes_arrive_without_a_thread() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as stream:
        reader = FrameReader(stream)
        writer = threading.Thread(target=_write_slowly, args=(write_end, frames()))
        writer.start()
        threads = reader_threads()
        assert await read_all(reader) == MESSAGES
        assert reader_threads() == threads  # none started to read
        writer.join()


async def test_a_file_is_read_in_a_thread(tmp_path: Path) -> None:
    recorded = tmp_path / "session.lsp"
    recorded.write_bytes(frames())
    with recorded.open("rb") as stream:
        assert await read_all(FrameReader(stream)) == MESSAGES


def _write_slowly(fd: int, data: bytes) -> None:
    """In pieces, as a client's writes arrive (a header may come apart from its body)."""
    with os.fdopen(fd, "wb", buffering=0) as pipe:
        for start in range(0, len(data), 50_000):
            pipe.write(data[start : start + 50_000])
