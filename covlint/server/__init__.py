"""The covlint language server (`covlint serve`): the only package importing pygls/lsprotocol."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the language server over stdio until the client exits."""
    from covlint.server.cli import main as run

    return run(argv)
