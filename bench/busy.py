"""A busy machine on demand: CPU-bound processes beside the timed ones.

`--busy N` in the benches starts N processes that spin on the CPU at normal priority for the
whole run, so that neither core is free (N=2 on this 2-core machine: load ~2 before the timed
work). The timed commands then compete for the cores the way they do on a shared CI machine or
a laptop in the middle of a build.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

SPIN = "while True: pass"


@contextlib.contextmanager
def busy_machine(processes: int) -> Iterator[None]:
    """`processes` spinning processes while the block runs (none for 0)."""
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(processes)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
