"""A byte-level LSP client for robustness tests: it can send frames no real client would.

server = await RawServer.start(root)
await server.send_frame(b"Content-Length: -1\\r\\n\\r\\n" + body)
reply = await server.response(7)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

from tests.lsp_fixtures import SERVER, server_env

WAIT = 20.0


def frame(message: dict[str, Any], length: int | None = None) -> bytes:
    """An honest frame for `message`, or one declaring `length` bytes."""
    body = json.dumps(message).encode()
    declared = len(body) if length is None else length
    return f"Content-Length: {declared}\r\n\r\n".encode() + body


class RawServer:
    """`covlint serve` in a subprocess, spoken to in bytes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.messages: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []  # each message as it came, for byte-level checks
        self.arrived = asyncio.Event()
        self.next_id = 1000
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def start(cls, root: Path, capabilities: dict[str, Any] | None = None) -> RawServer:
        process = await asyncio.create_subprocess_exec(
            *SERVER,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=server_env(),
            cwd=str(root),
        )
        server = cls(process)
        folder = {"uri": root.as_uri(), "name": root.name}
        params = {"processId": None, "rootUri": root.as_uri(), "capabilities": capabilities or {}}
        await server.request("initialize", {**params, "workspaceFolders": [folder]})
        await server.notify("initialized", {})
        return server

    async def _read(self) -> None:
        assert self.process.stdout is not None
        stream = self.process.stdout
        with contextlib.suppress(asyncio.IncompleteReadError, ValueError):
            while True:
                length = 0
                while (line := await stream.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                if not line:
                    return
                body = await stream.readexactly(length)
                self.bodies.append(body)
                self.messages.append(json.loads(body))
                self.arrived.set()

    async def send_frame(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        await self.process.stdin.drain()

    async def notify(self, method: str, params: Any) -> None:
        await self.send_frame(frame({"jsonrpc": "2.0", "method": method, "params": params}))

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    async def request(self, method: str, params: Any = None) -> dict[str, Any]:
        msg_id = self.new_id()
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        await self.send_frame(frame(message))
        return await self.response(msg_id)

    async def response(self, msg_id: int, wait: float = WAIT) -> dict[str, Any]:
        """The response to request `msg_id` (exactly one is allowed)."""
        found = await self.wait_for(lambda m: m.get("id") == msg_id and "method" not in m, wait)
        answers = [m for m in self.messages if m.get("id") == msg_id and "method" not in m]
        assert len(answers) == 1, answers
        return found

    async def wait_for(self, accept: Any, wait: float = WAIT) -> dict[str, Any]:
        async def found() -> dict[str, Any]:
            while True:
                for message in self.messages:
                    if accept(message):
                        return message
                self.arrived.clear()
                await self.arrived.wait()

        return await asyncio.wait_for(found(), wait)

    async def diagnostics(self, uri: str, after: int = 0) -> list[dict[str, Any]]:
        """The first diagnostics published for `uri` after message number `after`."""
        message = await self.wait_for(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and self.messages.index(m) >= after
            )
        )
        return list(message["params"]["diagnostics"])

    async def exit_code(self, wait: float = 3 * WAIT) -> int:
        return await asyncio.wait_for(self.process.wait(), wait)

    async def close(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.request("shutdown"), 5)
                await self.notify("exit", None)
                await asyncio.wait_for(self.process.wait(), 5)
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self._reader.cancel()
