"""`python -m covlint` runs the `covlint` command."""

from __future__ import annotations

from covlint.cli import main

raise SystemExit(main())
