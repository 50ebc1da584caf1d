"""`python -m covlint` runs the `covlint` command."""

from __future__ import annotations

from covlint.cli import run

raise SystemExit(run())
