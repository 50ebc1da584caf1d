"""LSP handlers: a few lines each, handing off to `CovlintServer`."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from covlint.server.documents import Document, python_path
from covlint.server.server import CONFIG_SECTION, CovlintServer
from covlint.server.warmup import warm_up

log = logging.getLogger(__name__)


def register_handlers(server: CovlintServer) -> None:
    """Wire the LSP methods covlint handles to `server`."""
    register_lifecycle(server)
    register_documents(server)
    register_workspace(server)


def register_lifecycle(server: CovlintServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: CovlintServer, params: types.InitializeParams) -> None:
        ls.init_options = client_section(params.initialization_options)
        folders = params.workspace_folders or []
        if not folders and ls.workspace.root_uri:
            folders = [types.WorkspaceFolder(uri=ls.workspace.root_uri, name="root")]
        ls.add_folders(folders)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: CovlintServer, params: types.InitializedParams) -> None:
        gc.freeze()  # start-up's ~60,000 objects live on: full collections skip them from now
        await ls.pull_settings()
        loads = [
            ls.start_project(project)
            for project in list(ls.space.projects.values())
            if project not in ls.started  # a request meanwhile may have started it: load once
        ]
        await ls.register_watchers()
        await ls.results_watch.start()
        await asyncio.gather(*loads)
        ls.ready = True
        ls.publish_all()
        warm_up(ls)  # the diff, in diff scope: known before the first document opens


def register_documents(server: CovlintServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CovlintServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        path = python_path(item.uri, item.language_id)
        if path is not None:
            ls.documents[item.uri] = Document(item.uri, path, item.text, item.version)
            ls.preparser.opened(path)
            ls.publish(ls.documents[item.uri])

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CovlintServer, params: types.DidChangeTextDocumentParams) -> None:
        document = ls.documents.get(params.text_document.uri)
        if document is not None:
            started = time.perf_counter()
            for change in params.content_changes:
                document.apply(change, ls.encoding)
            document.version = params.text_document.version
            log.debug(
                "remap %s: %.3f ms", document.path.name, 1000 * (time.perf_counter() - started)
            )
            ls.publish(document)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: CovlintServer, params: types.DidSaveTextDocumentParams) -> None:
        document = ls.documents.get(params.text_document.uri)
        if document is not None:
            document.mark_saved()
            ls.scope.forget()  # the working tree changed: so may the diff
            ls.publish_all()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CovlintServer, params: types.DidCloseTextDocumentParams) -> None:
        if ls.documents.pop(params.text_document.uri, None) is not None:
            ls.marks.forget(params.text_document.uri)
            ls.clear(params.text_document.uri)


def register_workspace(server: CovlintServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: CovlintServer, params: types.DidChangeConfigurationParams
    ) -> None:
        if ls.capability("workspace.configuration"):
            await ls.pull_settings()
        else:
            ls.global_config = client_section(params.settings)
            for project in list(ls.space.projects.values()):
                ls.apply_config(project, ls.global_config)
        ls.publish_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: CovlintServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        projects = list(ls.space.projects.values())
        for event in params.changes:
            path = to_fs_path(event.uri)
            if path is not None:
                ls.watcher.file_changed(Path(path), projects)
                ls.results_watch.file_changed(Path(path))

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def did_change_folders(
        ls: CovlintServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        for folder in params.event.removed:
            path = to_fs_path(folder.uri)
            removed = ls.space.remove_folder(Path(path)) if path else None
            if removed is not None:
                ls.stop_project(removed)
        ls.add_folders(params.event.added)
        await ls.pull_settings()
        for project in list(ls.space.projects.values()):
            if project not in ls.started:
                ls.start_project(project)
        ls.publish_all()


def client_section(raw: object) -> Mapping[str, Any] | None:
    """Client settings, given either as the ``covlint`` section or wrapped in it."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        log.warning("ignoring covlint settings: expected an object, got %r", raw)
        return None
    section = raw.get(CONFIG_SECTION)
    return section if isinstance(section, Mapping) else raw
