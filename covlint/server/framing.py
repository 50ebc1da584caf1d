"""Reading LSP frames from a byte stream that may lie: the server never wedges on a bad header.

A frame is headers, a blank line and `Content-Length` bytes of JSON. A client can send a negative,
missing or wrong length. Rather than block on bytes that never come, or read the next message as
this one's body, the reader falls back to the JSON value itself: a body is taken as declared when
it parses, else as the first complete JSON value at that point; what cannot be read is skipped up
to the next `Content-Length` header. Nothing here knows LSP; `serve_frames` hands each body on.

A pipe or socket is polled by the event loop (a message is read the moment it arrives); anything
else (a file, or a loop that cannot poll it) is read in a thread of its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

MAX_BODY = 256 << 20  # a larger declared length is refused, as a lie
MAX_HEADER_LINE = 64 << 10
READ_SIZE = 1 << 20  # at most per read: a big document arrives in one piece
STALL = 0.5  # seconds without new bytes after which a short, complete body is believed
_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*(-?\d+)[ \t]*\r?\n?$", re.IGNORECASE)
_HEADER_START = re.compile(rb"content-length", re.IGNORECASE)
_DECODER = json.JSONDecoder()

Message = Any  # a parsed JSON message (an object, for a well-behaved client)


class FrameReader:
    """Splits a byte stream into message bodies (bytes), whatever the headers claim."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.buffer = bytearray()
        self.eof = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="covlint-stdin")
        self._pending: asyncio.Future[bytes] | None = None
        self._fd = _pollable_fd(stream)

    async def _more(self, timeout: float | None = None) -> bool:
        """Wait for more bytes (at most `timeout` s); False on a stall or at the end."""
        if self.eof:
            return False
        if self._fd is not None:
            return await self._more_polled(timeout)
        if self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = loop.run_in_executor(self._pool, _read_some, self.stream)
        done, _ = await asyncio.wait({self._pending}, timeout=timeout)
        if not done:
            return False
        chunk = self._pending.result()
        self._pending = None
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    async def _more_polled(self, timeout: float | None) -> bool:
        """`_more` for a pipe or socket: the event loop says when bytes are there (no thread
        to wake); reading them then never blocks."""
        assert self._fd is not None
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        try:
            loop.add_reader(self._fd, _set_ready, ready)
        except (NotImplementedError, OSError, ValueError):  # this loop cannot poll it: a thread
            self._fd = None
            return await self._more(timeout)
        try:
            done, _ = await asyncio.wait({ready}, timeout=timeout)
        finally:
            loop.remove_reader(self._fd)
        if not done:
            return False
        chunk = os.read(self._fd, READ_SIZE)
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    async def next_message(self) -> Message | None:
        """The next message, parsed; None at the end of the stream."""
        while True:
            declared = await self._headers()
            if declared is None:
                return None
            message = await self._body(declared if declared >= 0 else None)
            if message is not None:
                return message

    async def _line(self) -> bytes | None:
        while (end := self.buffer.find(b"\n")) < 0:
            if len(self.buffer) > MAX_HEADER_LINE:
                log.warning("dropping %d bytes that are no LSP header", len(self.buffer))
                self.buffer.clear()
            if not await self._more():
                return None
        line = bytes(self.buffer[: end + 1])
        del self.buffer[: end + 1]
        return line

    async def _headers(self) -> int | None:
        """Read headers up to the blank line: the declared length, -1 when none is valid."""
        declared = -1
        while (line := await self._line()) is not None:
            if not line.strip():
                if declared < 0:
                    log.warning("LSP message without a valid Content-Length: reading its JSON")
                return declared
            match = _LENGTH.search(line)  # also finds a header glued to a previous body
            if match:
                value = int(match.group(1))
                declared = value if 0 <= value <= MAX_BODY else -1
                if declared < 0:
                    log.warning("invalid Content-Length %d: reading the JSON itself", value)
        return None

    async def _body(self, declared: int | None) -> Message | None:
        if declared is not None:
            while len(self.buffer) < declared:
                if not await self._more(STALL) and (self.eof or self._first_value() is not None):
                    break  # the client waits (or left) and a whole value is here: it lied
            if len(self.buffer) >= declared:
                parsed = _parse(bytes(self.buffer[:declared]))
                if parsed is not None:
                    del self.buffer[:declared]
                    return parsed[0]
            log.warning("Content-Length %d does not frame a JSON message", declared)
        return await self._value()

    async def _value(self) -> Message | None:
        """The first JSON value in the buffer (waiting for it); else skip to the next header."""
        while (found := self._first_value()) is None:
            if len(self.buffer) > MAX_BODY or not await self._more(STALL):
                break
        if found is not None:
            del self.buffer[: found[1]]
            return found[0]
        self._skip_to_header()
        return None

    def _first_value(self) -> tuple[Message, int] | None:
        """A complete JSON object at the start of the buffer, and the byte offset after it."""
        text = self.buffer.decode("utf-8", "surrogateescape")
        start = len(text) - len(text.lstrip())
        if text[start : start + 1] != "{":
            return None
        try:
            value, end = _DECODER.raw_decode(text, start)
        except ValueError:
            return None
        return value, len(text[:end].encode("utf-8", "surrogateescape"))

    def _skip_to_header(self) -> None:
        found = _HEADER_START.search(self.buffer, 1)
        skipped = found.start() if found else len(self.buffer)
        log.warning("skipping %d bytes of an unreadable LSP message", skipped)
        del self.buffer[:skipped]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _pollable_fd(stream: BinaryIO) -> int | None:
    """The stream's file descriptor when it is a pipe or a socket (what an event loop polls)."""
    try:
        fd = stream.fileno()
        mode = os.fstat(fd).st_mode
    except (AttributeError, OSError, ValueError):  # an in-memory stream
        return None
    return fd if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else None


def _set_ready(ready: asyncio.Future[None]) -> None:
    if not ready.done():
        ready.set_result(None)


def _read_some(stream: BinaryIO) -> bytes:
    read1 = getattr(stream, "read1", None)
    return bytes(read1(READ_SIZE) if read1 else stream.read(1))


def _parse(body: bytes) -> tuple[Message] | None:
    try:
        return (json.loads(body),)
    except ValueError:
        return None


async def serve_frames(reader: FrameReader, handle: Callable[[Message], None]) -> None:
    """Hand every message to `handle` until the stream ends; `handle` may raise SystemExit."""
    while (message := await reader.next_message()) is not None:
        try:
            handle(message)
        except Exception:
            log.exception("cannot handle an LSP message")
