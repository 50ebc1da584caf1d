"""publishDiagnostics written by covlint itself: byte for byte what pygls's converter writes."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from lsprotocol import types
from pygls.protocol import JsonRPCNotification, JsonRPCProtocol, default_converter

from covlint.server.wire import notification_json, publish_json
from tests.covproject import CovProject
from tests.lsp_fixtures import make_project
from tests.rawlsp import RawServer

CONVERTER = default_converter()
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
MARKS = "covlint/publishMarks"


def span(line: int, start: int, end_line: int, end: int) -> types.Range:
    return types.Range(
        start=types.Position(line=line, character=start),
        end=types.Position(line=end_line, character=end),
    )


def related(uri: str, message: str) -> types.DiagnosticRelatedInformation:
    location = types.Location(uri=uri, range=span(3, 4, 3, 12))
    return types.DiagnosticRelatedInformation(location=location, message=message)


DIAGNOSTICS = [
    types.Diagnostic(
        range=span(0, 4, 2, 30),
        message="lines 1-3 never ran",
        severity=types.DiagnosticSeverity.Information,
        code="uncovered",
        source="covlint",
    ),
    types.Diagnostic(
        range=span(9, 8, 9, 19),
        message="line 10 didn't jump to line 12 because the condition on line 10 was never false",
        severity=types.DiagnosticSeverity.Hint,
        code="missed-branch",
        source="covlint",
        related_information=[related("file:///p/app.py", "the branch from line 10 leads here")],
    ),
    types.Diagnostic(  # non-ASCII, quotes, backslashes and control characters are escaped
        range=span(0, 0, 0, 7),
        message='coverage data is older than this file — re-run "tests" \\ é\t\x01 \U0001f600',
        severity=types.DiagnosticSeverity.Warning,
        code="stale",
        source="covlint",
    ),
    types.Diagnostic(range=span(1, 0, 1, 1), message="bare"),  # absent fields stay absent
    types.Diagnostic(range=span(1, 0, 1, 1), message="int code", code=7, related_information=[]),
    types.Diagnostic(
        range=span(5, 2, 5, 3),
        message="two places",
        severity=types.DiagnosticSeverity.Error,
        related_information=[related("file:///p/é%20x.py", "one"), related("file:///p", "two")],
    ),
]


def converter_json(message: object) -> str:
    """What pygls writes for `message` (its `_send_data`: `json.dumps` through the converter)."""
    return json.dumps(CONVERTER.unstructure(message))


def notification(
    diagnostics: list[types.Diagnostic], version: int | None = None
) -> types.PublishDiagnosticsNotification:
    params = types.PublishDiagnosticsParams(
        uri="file:///p/app.py", diagnostics=diagnostics, version=version
    )
    return types.PublishDiagnosticsNotification(params=params)


@pytest.mark.parametrize("version", [None, 4])
@pytest.mark.parametrize("index", range(len(DIAGNOSTICS)))
def test_one_diagnostic_is_written_as_the_converter_writes_it(
    index: int, version: int | None
) -> None:
    message = notification([DIAGNOSTICS[index]], version)
    assert publish_json(message) == converter_json(message)


def test_many_and_none_are_written_as_the_converter_writes_them() -> None:
    for diagnostics in ([], DIAGNOSTICS, DIAGNOSTICS * 50):
        message = notification(diagnostics)
        assert publish_json(message) == converter_json(message)


@pytest.mark.parametrize(
    "extra",
    [
        {"tags": [types.DiagnosticTag.Unnecessary]},
        {"data": {"key": 1}},
        {"code_description": types.CodeDescription(href="https://example.org/")},
    ],
)
def test_fields_covlint_never_sets_are_left_to_pygls(extra: dict[str, object]) -> None:
    odd = types.Diagnostic(range=span(0, 0, 0, 1), message="odd", **extra)  # type: ignore[arg-type]
    assert publish_json(notification([DIAGNOSTICS[0], odd])) is None


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> CovProject:
    return make_project(tmp_path_factory.mktemp("wire") / "proj")


async def test_a_session_publishes_the_converters_bytes(project: CovProject) -> None:
    """Over a real session: each publishDiagnostics body, read back into lsprotocol objects and
    written by pygls's converter, gives the very bytes the server sent."""
    capabilities = {"textDocument": {"publishDiagnostics": {"relatedInformation": True}}}
    server = await RawServer.start(project.root, capabilities)
    try:
        path = project.root / "pkg" / "app.py"
        item = {"uri": path.as_uri(), "languageId": "python", "version": 1}
        await server.notify("textDocument/didOpen", {"textDocument": {**item, "text": text(path)}})
        published = await server.diagnostics(path.as_uri())
    finally:
        await server.close()
    assert {d["code"] for d in published} == {"uncovered", "missed-branch"}
    assert any(d.get("relatedInformation") for d in published)
    bodies = [b for b in server.bodies if json.loads(b).get("method") == PUBLISH]
    assert bodies
    for body in bodies:
        message = CONVERTER.structure(json.loads(body), types.PublishDiagnosticsNotification)
        assert converter_json(message).encode() == body


def text(path: Path) -> str:
    return path.read_text()


def serialize(data: object) -> object:
    """pygls's `json.dumps` default: its converter for attrs objects, an enum's value..."""
    return JsonRPCProtocol._serialize_message(SimpleNamespace(_converter=CONVERTER), data)  # type: ignore[arg-type]


def test_a_plain_notification_is_written_as_the_converter_writes_it() -> None:
    params = {"uri": "file:///p/é.py", "missed": [[1, 2]], "stale": None, "partial": [{"a": 1.5}]}
    message = JsonRPCNotification(method="covlint/publishMarks", jsonrpc="2.0", params=params)
    assert notification_json(message, serialize) == converter_json(message)
    wrapped = {**params, "where": span(1, 2, 3, 4), "severity": types.DiagnosticSeverity.Hint}
    message = JsonRPCNotification(method="covlint/x", jsonrpc="2.0", params=wrapped)
    assert notification_json(message, serialize) == converter_json(message)
    unknown = JsonRPCNotification(method="covlint/x", jsonrpc="2.0", params=[1])
    assert notification_json(unknown, serialize) is None


async def test_a_session_sends_the_converters_bytes_for_marks(project: CovProject) -> None:
    """A client that colours lines gets covlint/publishMarks: the bytes pygls would write."""
    capabilities = {"experimental": {"covlint": {"marks": True}}}
    server = await RawServer.start(project.root, capabilities)
    try:
        path = project.root / "pkg" / "app.py"
        item = {"uri": path.as_uri(), "languageId": "python", "version": 1, "text": text(path)}
        await server.notify("textDocument/didOpen", {"textDocument": item})
        await server.wait_for(lambda m: m.get("method") == MARKS)
    finally:
        await server.close()
    bodies = [b for b in server.bodies if json.loads(b).get("method") == MARKS]
    marks = json.loads(bodies[0])["params"]
    assert marks["missed"]
    assert marks["covered"]
    for body in bodies:  # plain JSON: the params read back are the server's own
        sent = json.loads(body)
        message = JsonRPCNotification(method=MARKS, jsonrpc="2.0", params=sent["params"])
        assert converter_json(message).encode() == body
