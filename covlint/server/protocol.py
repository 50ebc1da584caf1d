"""The LSP protocol as covlint speaks it: every request answered exactly once, whatever comes.

pygls 2.1 leaves a few requests unanswered and exits with the wrong code; this subclass and
`serve_stdio` close those gaps:

- a request whose params do not fit its method (or are missing) gets an `InvalidParams` error
  (pygls raises while decoding it and drops the id);
- a request after `shutdown` gets an `InvalidRequest` error (pygls drops it silently);
- `shutdown` while a request to the client is pending fails with "dictionary changed size
  during iteration" (cancelling a future runs a callback that removes it from the dict walked);
- `exit` without `shutdown` (or the client going away without it) ends the process with code 1
  (pygls catches its own `SystemExit` and the process exits 0);
- frames with a wrong `Content-Length` are read by `framing.FrameReader` (pygls wedges).

It also writes `publishDiagnostics` and covlint's notifications itself (`wire`): the same bytes,
without the converter.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Generator
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from covlint.server.framing import FrameReader, serve_frames
from covlint.server.wire import notification_json, publish_json

log = logging.getLogger(__name__)
protocol_log = logging.getLogger("pygls.protocol.json_rpc")  # -vvv: every message, as pygls logs

END_GRACE = 2.0  # seconds the server's tasks get to end once it exits
PIPE_SIZE = 1 << 20  # Linux's default upper limit for an unprivileged process


class CovlintProtocol(LanguageServerProtocol):
    """pygls's protocol, answering the requests it would leave unanswered."""

    exit_code: int | None = None

    def handle_raw(self, raw: Any) -> None:
        """Decode and handle one parsed JSON message."""
        if not isinstance(raw, dict) or raw.get("jsonrpc") != "2.0":
            log.warning("ignoring a message that is not JSON-RPC 2.0: %.200r", raw)
            return
        try:
            message = self.structure_message(raw)
        except JsonRpcException as exc:
            self._refuse(raw, types.ErrorCodes.InvalidParams, f"invalid message: {exc}")
            return
        self.handle_message(message)

    def handle_message(self, message: Any) -> None:
        method = getattr(message, "method", None)
        if self._shutdown and method != types.EXIT and hasattr(message, "id") and method:
            self._refuse(vars_of(message), types.ErrorCodes.InvalidRequest, "server shut down")
            return
        if method == types.EXIT:
            self.exit_code = 0 if self._shutdown else 1
        super().handle_message(message)

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        """As pygls's, but cancelling pending requests cannot change the dict being walked."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current and not future.done():
                future.cancel()
        self._shutdown = True

    def _send_data(self, data: Any) -> None:
        """As pygls's, but publishDiagnostics and covlint's notifications are written by `wire`
        (the same text, faster)."""
        try:
            body = self._written(data) if self._include_headers else None
        except Exception:  # the fast path must never lose a message: pygls writes it then
            log.exception("cannot write %s directly", type(data).__name__)
            body = None
        if body is None or not isinstance(self.writer, StdoutWriter):  # a synchronous writer
            super()._send_data(data)
            return
        protocol_log.info("Sending data: %s", body)
        header = (
            f"Content-Length: {len(body)}\r\n"
            f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
        )
        try:
            self.writer.write((header + body).encode(self.CHARSET))
        except BrokenPipeError:
            protocol_log.exception("Error sending data. BrokenPipeError")
            raise
        except Exception as error:  # as pygls: reported, the server keeps serving
            protocol_log.exception("Error sending data")
            self._server._report_server_error(error, JsonRpcInternalError)

    def _written(self, data: Any) -> str | None:
        if isinstance(data, types.PublishDiagnosticsNotification):
            return publish_json(data)
        return notification_json(data, self._serialize_message)

    def _refuse(self, raw: dict[str, Any], code: types.ErrorCodes, reason: str) -> None:
        """Answer a request (a message with an id and a method) with an error; log the rest."""
        method, msg_id = raw.get("method"), raw.get("id")
        log.warning("%s %s: %s", method or "message", msg_id, reason)
        if isinstance(method, str) and isinstance(msg_id, (int, str)):
            error = types.ResponseError(code=code, message=f"{method}: {reason}")
            self._send_response(msg_id, error=error)


def _end_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what still runs and give it `END_GRACE` seconds: a task that ignores its
    cancellation (or waits on a slow child process) must not keep the server alive."""
    tasks = asyncio.all_tasks(loop)
    for task in tasks:
        task.cancel()
    if tasks:
        _, stuck = loop.run_until_complete(asyncio.wait(tasks, timeout=END_GRACE))
        if stuck:
            log.warning("exiting with %d task(s) still running", len(stuck))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def widen_pipe(stream: BinaryIO) -> None:
    """Let a pipe hold a big message at once (a 5,000-line file's text, ~200 kB; its diagnostics,
    ~300 kB): with the default 64 kB, the writer waits for the reader after each chunk."""
    try:
        import fcntl  # POSIX only

        fd = stream.fileno()
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, AttributeError, OSError, ValueError):
        pass  # not Linux, not a pipe, or above the system's limit: the default size works


def vars_of(message: Any) -> dict[str, Any]:
    return {"method": getattr(message, "method", None), "id": getattr(message, "id", None)}


def serve_stdio(protocol: CovlintProtocol, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Serve LSP over stdio until `exit` or the end of input; the process's exit code."""
    protocol.set_writer(StdoutWriter(stdout))
    widen_pipe(stdin)
    widen_pipe(stdout)
    reader = FrameReader(stdin)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(serve_frames(reader, protocol.handle_raw))
    except SystemExit:
        pass  # the `exit` notification
    except BrokenPipeError:
        log.error("the client closed the connection")
    finally:
        reader.close()
        _end_tasks(loop)
    if protocol.exit_code is not None:
        return protocol.exit_code
    return 0 if protocol._shutdown else 1
