"""Command line of the language server: logging set-up, then LSP over stdio."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types

from covlint import __version__
from covlint.cachedir import use_cache_dir
from covlint.errors import UsageError
from covlint.server.handlers import register_handlers
from covlint.server.requests import register_requests
from covlint.server.server import CovlintServer

WORKER_GRACE = 2.0  # seconds the process waits for background jobs at exit
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ClientLogHandler(logging.Handler):
    """Mirrors covlint's log records to the client as `window/logMessage`."""

    LEVELS = (
        (logging.ERROR, types.MessageType.Error),
        (logging.WARNING, types.MessageType.Warning),
        (logging.INFO, types.MessageType.Info),
    )

    def __init__(self, server: CovlintServer) -> None:
        super().__init__(logging.INFO)
        self.server = server
        self.loop: asyncio.AbstractEventLoop | None = None  # the protocol's thread

    def emit(self, record: logging.LogRecord) -> None:
        if self.server.protocol.writer is None:
            return
        kind = next(
            (k for level, k in self.LEVELS if record.levelno >= level), types.MessageType.Log
        )
        params = types.LogMessageParams(type=kind, message=self.format(record))
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:  # a worker thread: hand the message to the protocol's thread
            if self.loop is not None and not self.loop.is_closed():
                self.loop.call_soon_threadsafe(self._send, params, record)
            return
        self.loop = running
        self._send(params, record)

    def _send(self, params: types.LogMessageParams, record: logging.LogRecord) -> None:
        try:
            self.server.window_log_message(params)
        except Exception:  # the client went away: logging must never raise
            self.handleError(record)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="covlint serve", description="covlint language server (stdio)"
    )
    parser.add_argument("--log-file", help="also write the log to this file")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="-v info, -vv debug, -vvv protocol"
    )
    parser.add_argument(
        "--debounce", type=float, default=0.2, help="seconds the data must be still"
    )
    parser.add_argument("--poll-interval", type=float, default=1.0, help="seconds between polls")
    parser.add_argument(
        "--cache-dir", type=Path, help="covlint's cache folder (COVLINT_CACHE_DIR wins)"
    )
    parser.add_argument("--version", action="version", version=f"covlint {__version__}")
    return parser.parse_args(argv)


def configure_logging(verbose: int, log_file: str | None) -> None:
    level = (logging.WARNING, logging.INFO, logging.DEBUG, logging.DEBUG)[min(verbose, 3)]
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        handlers.append(open_log_file(log_file))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.setLevel(level)
    logging.basicConfig(level=level, handlers=handlers, force=True)
    logging.getLogger("covlint").setLevel(min(level, logging.INFO))
    if verbose < 3:  # -vvv: pygls's own debug log too (every message sent and received)
        logging.getLogger("pygls").setLevel(logging.WARNING)


def open_log_file(path: str) -> logging.Handler:
    try:
        return logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        message = f"cannot write the log file {path}: {reason}; name a writable file"
        raise UsageError(message) from exc


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(args.verbose, args.log_file)
    use_cache_dir(args.cache_dir)
    server = CovlintServer(debounce=args.debounce, poll_interval=args.poll_interval)
    register_handlers(server)
    register_requests(server)
    client_log = ClientLogHandler(server)
    client_log.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logging.getLogger("covlint").addHandler(client_log)
    stdout = sys.stdout.buffer
    sys.stdout = sys.stderr  # the protocol owns stdout: a stray print must not corrupt it
    code = server.serve_stdio(sys.stdin.buffer, stdout)
    if not workers_finished(WORKER_GRACE):
        # A long job (a superseded match, a huge analysis) would hold the exit: don't wait.
        logging.getLogger(__name__).warning("exiting while a background job still runs")
        logging.shutdown()
        os._exit(code)
    return code


def workers_finished(timeout: float) -> bool:
    """Wait up to `timeout` s for covlint's worker threads to end; whether they all did."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.startswith("covlint-") and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
    return not any(t.name.startswith("covlint-") and t.is_alive() for t in threading.enumerate())
