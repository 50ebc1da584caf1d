"""What the real server says for a file: the expected side of every editor test.

A tiny stdio client (pygls) opens one document with a given client's capabilities, collects the
published diagnostics until they settle, asks for `covlint/summary`, then runs server commands
(steps) and collects the same again after each.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.lsp.client import LanguageClient
from pytest_lsp import client_capabilities

SETTLE_SECONDS = 0.5  # no further publishDiagnostics for this long: the list is final
TIMEOUT_SECONDS = 30.0

_converter = get_converter()


@dataclass(frozen=True)
class Step:
    """A server command an editor runs after the first diagnostics, named for the test."""

    name: str
    command: str
    arguments: tuple[Any, ...] = ()


SCOPE_DIFF = Step("diff", "covlint.setScope", ("diff",))
TOGGLE_OFF = Step("off", "covlint.toggle")


@dataclass
class ServerView:
    """The server's answers for one document: first, and after each step it offers a command for."""

    diagnostics: list[dict[str, Any]]
    summary: dict[str, Any] | None
    commands: list[str] = field(default_factory=list)
    after: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    after_summary: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    marks: dict[str, Any] | None = None  # covlint/marks: the lines an editor colours
    after_marks: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    files: dict[str, Any] | None = None  # covlint/files: the project view


def capabilities(client: str | None, colours: bool = False) -> types.ClientCapabilities:
    """A real client's capabilities; `colours`: it colours lines from covlint/marks (as VS Code's
    extension and the Neovim plugin announce)."""
    if client is None:  # a minimal client, like ALE
        found = types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities()
            )
        )
    else:
        found = client_capabilities(client)
    if colours:
        found.experimental = {"covlint": {"marks": True}}
    return found


class _Session:
    def __init__(self, settings: dict[str, Any], colours: bool) -> None:
        self.client = LanguageClient("covlint-e2e-oracle", "1")
        self.settings = settings
        self.colours = colours
        self.published: dict[str, list[types.Diagnostic]] = {}
        self.changed = asyncio.Event()
        feature = self.client.feature

        @feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_publish(params: types.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = list(params.diagnostics)
            self.changed.set()

        @feature(types.WORKSPACE_CONFIGURATION)
        def on_configuration(params: types.ConfigurationParams) -> list[Any]:
            return [self.settings if item.section == "covlint" else None for item in params.items]

        for method in (
            "covlint/publishMarks",
            "covlint/didLoad",
            types.WINDOW_LOG_MESSAGE,
            types.WINDOW_SHOW_MESSAGE,
            types.CLIENT_REGISTER_CAPABILITY,
            types.WINDOW_WORK_DONE_PROGRESS_CREATE,
        ):
            feature(method)(lambda _params: None)

    async def settled(
        self, uri: str, fallback: list[dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """The diagnostics for `uri` once none has been published for SETTLE_SECONDS; when none
        was published at all (the server sends nothing that would not change the list),
        `fallback`. Call after a request that waits for the server's work (covlint/marks)."""
        while True:
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), SETTLE_SECONDS)
            except TimeoutError:
                found = self.published.get(uri)
                if found is None:
                    return list(fallback or [])
                return [_converter.unstructure(d) for d in found]


async def _ask(
    command: list[str],
    root: Path,
    path: str,
    *,
    settings: dict[str, Any],
    client: str | None,
    steps: tuple[Step, ...],
    colours: bool,
) -> ServerView:
    session = _Session(settings, colours)
    await session.client.start_io(*command, cwd=str(root))
    try:
        view = await asyncio.wait_for(_open(session, root, path, client), TIMEOUT_SECONDS)
        for step in steps:
            if step.command in view.commands:
                run = _run(session, view, (root / path).as_uri(), step)
                await asyncio.wait_for(run, TIMEOUT_SECONDS)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(session.client.shutdown_async(None), 5)
            session.client.exit(None)
        await asyncio.wait_for(session.client.stop(), 10)
    return view


async def _open(session: _Session, root: Path, path: str, client: str | None) -> ServerView:
    """Initialize, open `path` and collect its first diagnostics and summary."""
    result = await session.client.initialize_async(
        types.InitializeParams(
            capabilities=capabilities(client, session.colours),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=session.settings,
        )
    )
    session.client.initialized(types.InitializedParams())
    uri = (root / path).as_uri()
    text = (root / path).read_text()
    session.client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
    )
    marks = await _request(session.client, "covlint/marks", uri)  # once the file is analysed
    diagnostics = await session.settled(uri)
    provider = result.capabilities.execute_command_provider
    commands = list(provider.commands) if provider else []
    view = ServerView(diagnostics, await _summary(session.client, uri), commands, marks=marks)
    view.files = await _request(session.client, "covlint/files", root.as_uri())
    return view


async def _run(session: _Session, view: ServerView, uri: str, step: Step) -> None:
    previous = list(view.after.values())[-1] if view.after else view.diagnostics
    session.published.pop(uri, None)
    await session.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=step.command, arguments=list(step.arguments))
    )
    view.after_marks[step.name] = await _request(session.client, "covlint/marks", uri)
    view.after[step.name] = await session.settled(uri, previous)
    view.after_summary[step.name] = await _summary(session.client, uri)


async def _summary(client: LanguageClient, uri: str) -> dict[str, Any] | None:
    return await _request(client, "covlint/summary", uri)


async def _request(client: LanguageClient, method: str, uri: str) -> dict[str, Any] | None:
    try:
        answer = await client.protocol.send_request_async(method, {"uri": uri})
    except Exception:  # the request may not exist yet; editors then show "covlint"
        return None
    return _plain(answer)


def _plain(value: Any) -> Any:
    """A response as plain JSON data (pygls gives unknown results as namedtuples)."""
    if hasattr(value, "_asdict"):
        return {key: _plain(item) for key, item in value._asdict().items()}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def server_view(
    command: list[str],
    root: Path,
    path: str,
    *,
    settings: dict[str, Any] | None = None,
    client: str | None = "neovim",
    steps: tuple[Step, ...] = (),
    colours: bool = False,
) -> ServerView:
    """Run the real server once for `root/path` and return what it said, step by step."""
    return asyncio.run(
        _ask(
            command,
            root,
            path,
            settings=settings or {},
            client=client,
            steps=steps,
            colours=colours,
        )
    )
