"""A fresh virtual environment with covlint installed from its wheel, as a user installs it.

`--venv` in `bench_real.py` runs every timed command (covlint, coverage, diff-cover, the floors)
with this environment's Python: no editable-install finder and none of the development
machine's `.pth` files at start-up, for covlint and the peers alike. The wheel is rebuilt, and
reinstalled, whenever covlint's sources change; coverage and diff-cover are the versions this
Python has, so the data and the peers are the same as without `--venv`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = Path.home() / ".cache" / "covlint-bench" / "venv-wheel"


def sources_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted([*REPO.glob("covlint/**/*.py"), REPO / "pyproject.toml"]):
        digest.update(str(path.relative_to(REPO)).encode() + path.read_bytes())
    return digest.hexdigest()


def venv_python() -> Path:
    """The environment's Python, with the current covlint installed (built if needed)."""
    python = VENV / "bin" / "python"
    stamp = VENV / "covlint-sources.sha256"
    digest = sources_digest()
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        peers = [
            f"{name}=={importlib.metadata.version(name)}" for name in ("coverage", "diff-cover")
        ]
        subprocess.run([str(python), "-m", "pip", "install", "-q", *peers], check=True)
    with tempfile.TemporaryDirectory() as wheels:
        subprocess.run(
            [sys.executable, "-m", "build", "-q", "--wheel", "-o", wheels, str(REPO)],
            check=True,
            capture_output=True,
        )
        [wheel] = Path(wheels).glob("*.whl")
        install = [str(python), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps"]
        subprocess.run([*install, str(wheel)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True)
    stamp.write_text(digest)
    return python


if __name__ == "__main__":
    print(venv_python())
