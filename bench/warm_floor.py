"""The floor of any warm gate written in Python: what it must read, and nothing else.

    python bench/warm_floor.py          (run in the project, with the change staged)

A gate must learn what changed (git: one process for the repository's top and HEAD, one for
the staged patch) and whether the data is still the one it read before (a stat and SQLite's
header, whose change counter moves on every write). Everything a gate can keep between runs
(coverage's settings, parses, analyses, what it read of an unchanged data file) is free here:
this script keeps, computes and prints nothing. The peers' time over this is the best ratio any
warm gate written in Python can reach.
"""

from __future__ import annotations

import os
import subprocess


def main() -> None:
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel", "HEAD"], capture_output=True, check=True
    )
    head = top.stdout.split()[-1].decode()
    subprocess.run(
        ["git", "diff-index", "-p", "-M", "--cached", head], capture_output=True, check=True
    )
    os.stat(".coverage")
    with open(".coverage", "rb") as data:
        data.read(100)  # SQLite's header: the change counter is bytes 24-27


if __name__ == "__main__":
    main()
