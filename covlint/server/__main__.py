"""`python -m covlint.server`: the language server over stdio, with `covlint serve`'s errors."""

from __future__ import annotations

import sys

from covlint.front_door import guarded
from covlint.server import main

if __name__ == "__main__":
    raise SystemExit(guarded(lambda: main(sys.argv[1:]), verbose="-v" in sys.argv))
