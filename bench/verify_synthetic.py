"""Check that data written through the CoverageData API gives covlint byte-identical answers.

Builds the same small templated project twice, once with data from running all of its code and
once with synthetic data (synthetic_data.py), and once more as shards; then compares, byte for
byte, `covlint check --format json` (lines and branches) and covlint's analysis of every module.

    python bench/verify_synthetic.py            # 60 modules, 12 templates, 10 changed
"""

from __future__ import annotations

import argparse
import difflib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from generate import clean_env, generate


def covlint_answers(project: Path) -> bytes:
    """The gate's JSON report plus every module's analysis, as one byte string."""
    env = clean_env() | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    gate = subprocess.run(
        [sys.executable, "-m", "covlint", "check", "--fail-under", "0", "--format", "json"],
        cwd=project,
        env=env,
        capture_output=True,
        check=False,
    )
    dump = subprocess.run(
        [sys.executable, "-c", DUMP], cwd=project, env=env, capture_output=True, check=True
    )
    return gate.stdout + SEPARATOR + dump.stdout


SEPARATOR = b"\n----\n"
DUMP = """
import json, pathlib
from covlint.analysis import decode_source
from covlint.coverage_set import CoverageSet
data = CoverageSet.load(pathlib.Path.cwd())
out = {}
for path in data.measured_paths:
    a = data.analyse(path, decode_source(pathlib.Path(path).read_bytes()))
    arcs = [(m.start, m.end, m.message) for m in a.missed_arcs]
    out[path] = [sorted(a.statements), sorted(a.executed), sorted(a.missing),
                 sorted(a.exit_counts.items()), arcs]
print(json.dumps(out, sort_keys=True))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--modules", type=int, default=60)
    parser.add_argument("--templates", type=int, default=12)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--shards", type=int, default=8)
    args = parser.parse_args(argv)
    answers: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="covlint-verify-") as folder:
        for kind, synthetic, shards in (
            ("ran", False, 0),
            ("api", True, 0),
            ("shards", True, args.shards),
        ):
            project = Path(folder) / kind
            generate(
                project,
                args.modules,
                args.changed,
                0,
                quiet=True,
                templates=args.templates,
                synthetic=synthetic,
                shards=shards,
            )
            answers[kind] = covlint_answers(project)
    report = json.loads(answers["ran"].split(SEPARATOR)[0] or b"{}")
    same = answers["ran"] == answers["api"] == answers["shards"]
    print(f"{len(answers['ran'])} bytes of answers; gate total {report.get('totals')}")
    print("byte-identical: ran == api == shards" if same else "DIFFERENT")
    for kind in ("api", "shards"):
        if answers[kind] != answers["ran"]:
            ran, other = (
                answers[k].decode().replace("], ", "],\n").splitlines() for k in ("ran", kind)
            )
            diff = difflib.unified_diff(ran, other, "ran", kind, n=1, lineterm="")
            print("\n".join(list(diff)[:40]))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
