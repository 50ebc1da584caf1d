"""covlint timed as a user runs it: with its modules' bytecode compiled, as pip installs it.

This machine sets PYTHONDONTWRITEBYTECODE=1, so covlint run from the source tree would compile
~50 of its modules from source at every start (~50-70 ms), while the peers, installed by pip,
load their compiled bytecode. The benches run covlint with bytecode kept under the bench's cache
folder (PYTHONPYCACHEPREFIX), compiled once before timing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYCACHE = Path.home() / ".cache" / "covlint-bench" / "pycache"


def installed_env(env: dict[str, str]) -> dict[str, str]:
    """`env` with bytecode written and read as an installed package's would be."""
    kept = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**kept, "PYTHONPYCACHEPREFIX": str(PYCACHE)}


def peer_script(name: str) -> str:
    """A peer's console script beside this Python, not a version manager's shim: pyenv's shims
    are shell scripts that add ~130 ms to every start here, which covlint (run as
    `sys.executable -m covlint`) does not pay."""
    beside = Path(sys.executable).parent / name
    if not beside.exists():
        raise SystemExit(f"{name} is not installed beside {sys.executable}: pip install {name}")
    return str(beside)


def precompile() -> None:
    """Compile covlint's modules (and the standard library's, if not yet) into the prefix."""
    env = installed_env(dict(os.environ))
    command = [sys.executable, "-m", "compileall", "-q", str(REPO / "covlint")]
    subprocess.run(command, env=env, check=True)
