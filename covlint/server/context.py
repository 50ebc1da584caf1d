"""What the server's parts need of the server, so that none of them imports it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from lsprotocol import types

from covlint.model import FileAnalysis, LineNo
from covlint.server.documents import Document
from covlint.server.settings import Settings
from covlint.server.workspace import Pending, Project


class ServerContext(Protocol):
    """The server as its publisher and summaries see it: projects, settings, the client."""

    @property
    def ready(self) -> bool: ...

    @property
    def encoding(self) -> str: ...

    @property
    def documents(self) -> Mapping[str, Document]: ...

    def project_for(self, path: Path) -> Project: ...

    def settings_for(self, project: Project) -> Settings: ...

    def capability(self, dotted: str) -> Any: ...

    def diff_statements(
        self,
        project: Project,
        path: Path,
        analysis: FileAnalysis,
        to_measured: Callable[[LineNo], LineNo | None] | None = None,
        *,
        scope: str | None = None,
        quiet: bool = False,
    ) -> frozenset[LineNo] | Pending | None: ...

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None: ...


def colours_lines(server: ServerContext) -> bool:
    """Whether the client colours lines itself from `covlint/marks` (it says so in its
    capabilities: ``experimental: {"covlint": {"marks": true}}``)."""
    experimental = server.capability("experimental")
    covlint = experimental.get("covlint") if isinstance(experimental, Mapping) else None
    return isinstance(covlint, Mapping) and covlint.get("marks") is True
