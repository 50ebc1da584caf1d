"""Start a helper at low CPU priority: `python -m covlint.background idle|low MODULE [ARG]...`.

The language server's helpers (`covlint.preparse`, `covlint.measured_snapshot`) must not take
CPU from the editor or the server, not even while they import (100-150 ms of it): this launcher
lowers its own priority first, importing nothing else, then runs MODULE as `python -m MODULE`
would. `idle`: only when a CPU would otherwise be idle (Linux), else nice 19; `low`: nice 19,
which still runs on a busy machine.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
from collections.abc import Sequence

NICEST = 19


def lower_priority(kind: str) -> None:
    """Lower this process's CPU priority: `idle` or `low` (see the module's docstring)."""
    if kind == "idle":
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return
        except (AttributeError, OSError):  # pragma: no cover - platform quirk
            pass
    with contextlib.suppress(AttributeError, OSError):
        os.nice(max(0, NICEST - os.nice(0)))


def main(argv: Sequence[str] | None = None) -> None:
    kind, module, *args = sys.argv[1:] if argv is None else argv
    lower_priority(kind)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
