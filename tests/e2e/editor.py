"""Running an editor under a hard timeout, with its logs in the failure message."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _tail(path: Path, limit: int = 6000) -> str:
    if not path.exists():
        return f"--- {path}: (missing)"
    text = path.read_text(errors="replace")
    return f"--- {path}:\n{text[-limit:]}"


def log_tail(shown: dict[str, Any], limit: int = 4000) -> str:
    """The end of the editor's log kept in a driver result: the message of a failed comparison."""
    return f"--- editor log (end):\n{str(shown.get('log', ''))[-limit:]}"


def run_editor(
    args: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path,
    timeout: float,
    logs: Sequence[Path] = (),
    output: Path | None = None,
) -> Any:
    """Run an editor to completion; return the JSON it wrote to `output` (if any).

    On a timeout, a non-zero exit or no output, fail showing the editor's stdout, stderr and logs.
    """
    try:
        done = subprocess.run(
            list(args),
            env=env,
            cwd=cwd,
            timeout=timeout,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        problem = None if done.returncode == 0 else f"exited with {done.returncode}"
        stdout, stderr = done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        problem = f"timed out after {timeout:.0f} s"
        stdout = (
            (expired.stdout or b"").decode(errors="replace")
            if isinstance(expired.stdout, bytes)
            else (expired.stdout or "")
        )
        stderr = (
            (expired.stderr or b"").decode(errors="replace")
            if isinstance(expired.stderr, bytes)
            else (expired.stderr or "")
        )
    if problem is None and output is not None and not output.exists():
        problem = f"wrote no {output}"
    if problem:
        report = [
            f"{args[0]} {problem}",
            f"--- stdout:\n{stdout[-6000:]}",
            f"--- stderr:\n{stderr[-6000:]}",
        ]
        report += [_tail(log) for log in logs]
        if output is not None and output.exists():
            report.append(_tail(output))
        raise AssertionError("\n".join(report))
    return json.loads(output.read_text()) if output is not None else None
