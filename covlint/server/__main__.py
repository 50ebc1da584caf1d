"""`python -m covlint.server`: the language server over stdio."""

from __future__ import annotations

from covlint.server import main

if __name__ == "__main__":
    raise SystemExit(main())
