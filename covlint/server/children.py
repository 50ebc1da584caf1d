"""Child processes of the server: never on the protocol's stdin or stdout.

The server's stdin and stdout carry LSP frames; a child inheriting them could read the client's
bytes or write between the server's, and the client would read a broken message. Every child
gets /dev/null for both, and a pipe for stderr (read by the server, logged).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor


async def start_quiet(command: list[str]) -> asyncio.subprocess.Process:
    """Start `command` with no stdin and no stdout; its stderr is a pipe (raises OSError)."""
    return await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def when_free(worker: Executor) -> None:
    """Once `worker` has done the jobs queued before (a child's start, a fork of the whole
    server, must not hold up the analyses of the documents the user looks at)."""
    await asyncio.get_running_loop().run_in_executor(worker, _nothing)


def _nothing() -> None:
    return None
