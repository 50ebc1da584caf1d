"""Child processes of the server: never on the protocol's stdin or stdout.

The server's stdin and stdout carry LSP frames; a child inheriting them could read the client's
bytes or write between the server's, and the client would read a broken message. Every child
gets /dev/null for both, and a pipe for stderr (read by the server, logged).
"""

from __future__ import annotations

import asyncio


async def start_quiet(command: list[str]) -> asyncio.subprocess.Process:
    """Start `command` with no stdin and no stdout; its stderr is a pipe (raises OSError)."""
    return await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
