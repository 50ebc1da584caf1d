"""The floor of any warm gate written in Python: the inputs it cannot avoid reading, and nothing else.

    python bench/warm_floor.py          (run in the project, with the change staged)

A gate must learn what changed (git: one process for the repository's top and HEAD, one for
the staged patch) and what ran (the coverage data: open it, read the changed files' rows).
Everything it could keep between runs (configuration, parses, analyses) it is given for free
here: this script keeps nothing, computes nothing and prints nothing. A warm gate slower than
this is doing its own work; the peers' time over this is the best ratio any Python gate gets.
"""

from __future__ import annotations

import sqlite3
import subprocess


def main() -> None:
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel", "HEAD"], capture_output=True, check=True
    )
    head = top.stdout.split()[-1].decode()
    patch = subprocess.run(
        ["git", "diff-index", "-p", "-M", "--cached", head], capture_output=True, check=True
    ).stdout
    changed = [
        line[6:].decode("utf-8", "replace")
        for line in patch.splitlines()
        if line.startswith(b"+++ b/") and line.endswith(b".py")
    ]
    with sqlite3.connect("file:.coverage?mode=ro", uri=True) as db:
        ids = [
            row[0]
            for name in changed
            for row in db.execute("select id from file where path like ?", (f"%{name}",))
        ]
        for file_id in ids:
            db.execute("select fromno, tono from arc where file_id = ?", (file_id,)).fetchall()
            db.execute("select numbits from line_bits where file_id = ?", (file_id,)).fetchall()


if __name__ == "__main__":
    main()
