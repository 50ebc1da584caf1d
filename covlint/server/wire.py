"""publishDiagnostics and covlint's own notifications as JSON text, written directly.

A big file's publish carries ~1,000 diagnostics; pygls turns them into dicts through its cattrs
converter and then into JSON, ~20 ms under load for 5,000 lines. Written here straight from the
objects it is ~1.5 ms, and the text is byte for byte what pygls would send (same key order, the
same `json` escaping, absent fields left out). A diagnostic with a field covlint never sets
(`codeDescription`, `tags`, `data`) is left to pygls: `publish_json` returns None.

covlint's own notifications (`covlint/publishMarks`: ~90 kB for 5,000 lines) carry plain JSON;
pygls walks it through the converter as `Any` (~4 ms), `json` alone writes it (~1 ms).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring_ascii as quoted  # what `json.dumps` uses (ASCII)
from typing import Any

from lsprotocol import types
from pygls.protocol import JsonRPCNotification


def publish_json(message: types.PublishDiagnosticsNotification) -> str | None:
    """The notification's JSON text as pygls writes it; None when it is not ours to write."""
    params = message.params
    written = []
    for diagnostic in params.diagnostics:
        text = diagnostic_json(diagnostic)
        if text is None:
            return None
        written.append(text)
    version = "" if params.version is None else f', "version": {int(params.version)}'
    return (
        f'{{"params": {{"uri": {quoted(params.uri)}, "diagnostics": [{", ".join(written)}]'
        f'{version}}}, "method": {quoted(message.method)}, "jsonrpc": {quoted(message.jsonrpc)}}}'
    )


def diagnostic_json(diagnostic: types.Diagnostic) -> str | None:
    """One diagnostic's JSON object; None if it has a field this module does not write."""
    if (
        diagnostic.code_description is not None
        or diagnostic.tags is not None
        or diagnostic.data is not None
    ):
        return None
    parts = [f'{{"range": {range_json(diagnostic.range)}, "message": {quoted(diagnostic.message)}']
    if diagnostic.severity is not None:
        parts.append(f', "severity": {int(diagnostic.severity)}')
    code = diagnostic.code
    if isinstance(code, str):
        parts.append(f', "code": {quoted(code)}')
    elif code is not None:
        parts.append(f', "code": {int(code)}')
    if diagnostic.source is not None:
        parts.append(f', "source": {quoted(diagnostic.source)}')
    if diagnostic.related_information is not None:
        related = ", ".join(map(related_json, diagnostic.related_information))
        parts.append(f', "relatedInformation": [{related}]')
    parts.append("}")
    return "".join(parts)


def related_json(related: types.DiagnosticRelatedInformation) -> str:
    location = related.location
    return (
        f'{{"location": {{"uri": {quoted(location.uri)}, "range": {range_json(location.range)}}}'
        f', "message": {quoted(related.message)}}}'
    )


def range_json(where: types.Range) -> str:
    start, end = where.start, where.end
    return (
        f'{{"start": {{"line": {int(start.line)}, "character": {int(start.character)}}}'
        f', "end": {{"line": {int(end.line)}, "character": {int(end.character)}}}}}'
    )


def notification_json(message: Any, default: Callable[[Any], Any]) -> str | None:
    """A notification of a method lsprotocol does not know, with an object for params, as pygls
    writes it (its fields in order; `default` for any object inside); else None."""
    if type(message) is not JsonRPCNotification or not isinstance(message.params, dict):
        return None
    fields = {"method": message.method, "jsonrpc": message.jsonrpc, "params": message.params}
    return json.dumps(fields, default=default)
