"""`covlint mutate` on a real release diff, side by side with `mutmut run` on the changed files.

1. Download the two releases' sdists (``pip download --no-binary :all: --no-deps``), commit the
   old one in a fresh git repository, copy the new one over it and stage it: the change is the
   release diff. Record ``pytest --cov=<package> --cov-context=test`` with the project's own
   suite (``PYTHONPATH=src``).
2. ``covlint mutate -j J --format json`` (warm forks, the default) `--runs` times, once with
   ``--no-fork`` (a fresh process per mutant), and ``--shard 1/2`` + ``--shard 2/2`` +
   ``--merge`` compared with the single run (same outcome for every mutant).
3. mutmut 3 (the seed's recipe: ``mutmut run`` on the changed files, in its own venv and its own
   copy, ``--max-children J``), stopped after ``--mutmut-cap`` seconds if need be; its mutants on
   the changed lines are matched with covlint's by the mutated line's text, outcomes compared.

The mutmut run takes long: ``--mutmut-reuse`` reads the last one's output again.

Usage::

    python bench/bench_mutate.py --mutmut-venv ~/.cache/covlint-bench/venv-mutmut
    python bench/bench_mutate.py --package click --old 8.5.0 --new 8.5.1 --runs 2 --mutmut-cap 1800

Everything lives under ``--workdir`` (default ``~/.cache/covlint-bench``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MUTMUT_STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "not-covered", 33: "not-covered"}
MUTMUT_TIMEOUTS = {36, 24, -24, 152, 255}
PROGRESS = re.compile(r"(\d+)/(\d+)\s+🎉 (\d+) 🫥 (\d+)\s+⏰ (\d+)\s+🤔 (\d+)\s+🙁 (\d+)")


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return time.monotonic() - started


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@b", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def sdist(workdir: Path, package: str, version: str) -> Path:
    folder = workdir / "sdists"
    unpacked = folder / f"{package}-{version}"
    if not unpacked.is_dir():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                f"{package}=={version}",
                "--no-binary",
                ":all:",
                "--no-deps",
                "-d",
                str(folder),
            ],
            check=True,
        )
        with tarfile.open(folder / f"{package}-{version}.tar.gz") as archive:
            archive.extractall(folder, filter="data")
    return unpacked


def prepare(workdir: Path, package: str, old: str, new: str, measured: list[str]) -> Path:
    """A repo with the old release committed and the new one staged, and its coverage data."""
    repo = workdir / f"{package}-{old}-{new}"
    if (repo / ".coverage").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    shutil.copytree(sdist(workdir, package, old), repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"{package} {old}")
    for path in list(repo.iterdir()):
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.copytree(sdist(workdir, package, new), repo, dirs_exist_ok=True)
    with (repo / "pyproject.toml").open("a") as pyproject:
        pyproject.write('\n[tool.covlint.mutate]\nexclude = ["tests/*"]\n')
    git(repo, "add", "-A")
    seconds = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *(f"--cov={name}" for name in measured),
            "--cov-context=test",
            "--cov-report=",
        ],
        repo,
        env(repo),
    )
    print(f"recorded the suite with contexts in {seconds:.1f} s")
    return repo


DESELECTED: list[str] = []  # tests that fail here without any mutant (--deselect)


def env(repo: Path, extra: str = "") -> dict[str, str]:
    paths = [str(ROOT), str(repo / "src"), *([extra] if extra else [])]
    found = {k: v for k, v in os.environ.items() if not k.startswith("COV")}
    addopts = " ".join(f"--deselect {test}" for test in DESELECTED)
    return {**found, "PYTHONPATH": os.pathsep.join(paths), "PYTEST_ADDOPTS": addopts}


def covlint_mutate(repo: Path, out: Path, *args: str) -> tuple[float, dict[str, Any]]:
    command = [sys.executable, "-m", "covlint", "mutate", "--format", "json", "-q", *args]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=repo, env=env(repo), capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"covlint mutate {' '.join(args)} failed:\n{done.stderr}")
    out.write_text(done.stdout)
    return seconds, json.loads(done.stdout)


def outcomes(results: dict[str, Any]) -> dict[str, str]:
    return {m["id"]: m["outcome"] for m in results["mutants"]}


def changed_files(repo: Path) -> list[str]:
    names = subprocess.run(
        ["git", "diff", "--cached", "--name-only", "--", "src"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [n for n in names if n.endswith(".py")]


def run_mutmut(
    repo: Path,
    workdir: Path,
    venv: Path,
    *,
    jobs: int,
    cap: float,
    deselect: list[str],
    reuse: bool = False,
) -> tuple[float, str, Path]:
    """mutmut in its own copy: the changed files only; stopped at `cap` seconds."""
    copy = workdir / f"{repo.name}-mutmut"
    if reuse and (copy / "mutmut.out").exists():
        seconds = float((copy / "mutmut.seconds").read_text())
        return seconds, (copy / "mutmut.out").read_text(), copy
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".coverage"))
    args = ["-p", "no:cacheprovider"] + [a for test in deselect for a in ("--deselect", test)]
    with (copy / "pyproject.toml").open("a") as pyproject:
        pyproject.write(
            f'\n[tool.mutmut]\nsource_paths = ["src/"]\n'
            f"only_mutate = {json.dumps(changed_files(repo))}\n"
            f"pytest_add_cli_args = {json.dumps(args)}\n"
        )
    (copy / "mutants" / "src").mkdir(parents=True)
    mutmut_env = {**env(copy), "PYTHONPATH": str(copy / "mutants" / "src")}
    command = ["timeout", str(int(cap)), str(venv / "bin" / "mutmut"), "run"]
    command += ["--max-children", str(jobs)]
    seconds = 0.0
    if list(venv.glob(f"lib/python*/site-packages/{repo.name.split('-')[0]}")):
        # mutmut imports this package itself: a first run only writes mutants/ (its tests see
        # mutmut's own copy, so it stops at "no test case for any mutant"); the second imports
        # the trampolined copy from mutants/src. Both runs are timed.
        seconds += _timed_run(command, copy, mutmut_env, copy / "mutmut-first.out")
    seconds += _timed_run(command, copy, mutmut_env, copy / "mutmut.out")
    (copy / "mutmut.seconds").write_text(f"{seconds:.1f}\n")
    return seconds, (copy / "mutmut.out").read_text(), copy


def _timed_run(command: list[str], cwd: Path, env: dict[str, str], out: Path) -> float:
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    out.write_text(done.stdout + done.stderr[-5000:])
    print(f"{' '.join(command[2:])}: exit {done.returncode} in {seconds:.1f} s", flush=True)
    return seconds


def mutmut_progress(output: str) -> dict[str, int]:
    found = PROGRESS.findall(output)
    if not found:
        return {}
    done, total, killed, no_tests, timeout, suspicious, survived = map(int, found[-1])
    return {
        "done": done,
        "total": total,
        "killed": killed,
        "no tests": no_tests,
        "timeout": timeout,
        "suspicious": suspicious,
        "survived": survived,
    }


def mutmut_mutants(copy: Path, path: str) -> list[tuple[int, str, str]]:
    """(original line, mutated line text, outcome) of mutmut's one-line mutants of `path`."""
    mutated = copy / "mutants" / path
    spans = json.loads(mutated.with_name(mutated.name + ".spans").read_text())["spans"]
    meta = json.loads(mutated.with_name(mutated.name + ".meta").read_text())["exit_code_by_key"]
    text = mutated.read_text().split("\n")
    source = [line.strip() for line in (copy / path).read_text().split("\n")]
    starts: dict[str, int | None] = {}
    found = []
    for key, code in meta.items():
        name = key.rpartition(".")[2]
        orig_name = name.rpartition("__mutmut_")[0] + "__mutmut_orig"
        orig, mine = spans.get(orig_name), spans.get(name)
        if not orig or not mine:
            continue
        before, after = text[orig[0] - 1 : orig[1]], text[mine[0] - 1 : mine[1]]
        pairs = enumerate(zip(before, after, strict=False))
        changed = [i for i, (a, b) in pairs if a != b and "__mutmut_" not in a]  # not the def
        if len(before) != len(after) or len(changed) != 1:
            continue
        if orig_name not in starts:
            starts[orig_name] = _function_start(source, before)
        start = starts[orig_name]
        if start is not None:
            found.append((start + changed[0], after[changed[0]].strip(), _status(code)))
    return found


def _function_start(source: list[str], function: list[str]) -> int | None:
    """Where mutmut's copy of a function starts in the original file (its line 0's number)."""
    heading = next(
        i for i, line in enumerate(function) if line.lstrip().startswith(("def ", "async def "))
    )
    body = [line.strip() for line in function[heading + 1 :]]
    for index in range(len(source) - len(body)):
        if source[index + 1 : index + 1 + len(body)] == body:
            return index + 1 - heading  # 1-based line of the def, minus its offset in the copy
    return None


def _status(code: int | None) -> str:
    if code is None:
        return "not run (cap)"
    return "timeout" if code in MUTMUT_TIMEOUTS else MUTMUT_STATUS.get(code, f"exit {code}")


def added_lines(repo: Path) -> dict[str, set[int]]:
    """The staged change's added lines per file (working-tree numbering: nothing is unstaged)."""
    patch = subprocess.run(
        ["git", "diff", "--cached", "-U0", "--no-color", "--", "src"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[str, set[int]] = {}
    path = ""
    for line in patch.split("\n"):
        if line.startswith("+++ b/"):
            path = line[6:]
        elif line.startswith("@@"):
            start, _, count = line.split("+")[1].split(" ")[0].partition(",")
            first, size = int(start), int(count or 1)
            found.setdefault(path, set()).update(range(first, first + size))
    return found


def mutmut_on_changed_lines(repo: Path, copy: Path) -> dict[str, int]:
    """How many of mutmut's one-line mutants sit on added lines, by outcome."""
    counts: dict[str, int] = {}
    for path, lines in added_lines(repo).items():
        if not (copy / "mutants" / (path + ".meta")).exists():
            continue
        for line, _, status in mutmut_mutants(copy, path):
            if line in lines:
                counts[status] = counts.get(status, 0) + 1
    return counts


def common_mutants(repo: Path, copy: Path, results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(where, covlint's outcome, mutmut's) for the mutants both made on the changed lines."""
    ours: dict[tuple[str, int, str], str] = {}
    texts: dict[str, list[str]] = {}
    for m in results["mutants"]:
        if m["line"] != m["end_line"] or m["start"][0] != m["end"][0]:
            continue
        lines = texts.setdefault(m["path"], (repo / m["path"]).read_text().split("\n"))
        line = lines[m["line"] - 1]
        mutated = line[: m["start"][1]] + m["mutated"] + line[m["end"][1] :]
        ours[m["path"], m["line"], mutated.strip()] = m["outcome"]
    pairs = []
    for path in sorted(texts):
        for line, text, theirs in mutmut_mutants(copy, path):
            mine = ours.get((path, line, text))
            if mine is not None:
                pairs.append((f"{path}:{line} `{text[:60]}`", mine, theirs))
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--package", default="click")
    parser.add_argument("--old", default="8.5.0")
    parser.add_argument("--new", default="8.5.1")
    parser.add_argument("--cov", nargs="*", help="packages to measure (default: --package)")
    parser.add_argument("--workdir", type=Path, default=Path.home() / ".cache" / "covlint-bench")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--mutmut-venv", type=Path)
    parser.add_argument("--mutmut-cap", type=float, default=1800.0)
    parser.add_argument("--mutmut-reuse", action="store_true", help="read the last mutmut run")
    parser.add_argument("--skip-covlint", action="store_true", help="read the last covlint runs")
    parser.add_argument(
        "--mutmut-deselect",
        nargs="*",
        default=[
            "tests/test_context.py::test_global_context_object",
            "tests/test_imports.py::test_light_imports",
        ],
        help="tests that fail under mutmut's trampolines (not under plain pytest)",
    )
    parser.add_argument("--deselect", nargs="*", default=[], help="tests failing here anyway")
    args = parser.parse_args(argv)
    DESELECTED.extend(args.deselect)
    repo = prepare(args.workdir, args.package, args.old, args.new, args.cov or [args.package])
    out = args.workdir / f"results-{args.package}"
    out.mkdir(exist_ok=True)
    report: dict[str, Any] = {
        "project": f"{args.package} {args.old}→{args.new}",
        "load_average_start": os.getloadavg(),
    }
    if args.skip_covlint:
        report.update(json.loads((out / "report.json").read_text()))
    else:
        report.update(measure_covlint(repo, out, args))
    if args.mutmut_venv:
        seconds, output, copy = run_mutmut(
            repo,
            args.workdir,
            args.mutmut_venv,
            jobs=args.jobs,
            cap=args.mutmut_cap,
            deselect=args.mutmut_deselect,
            reuse=args.mutmut_reuse,
        )
        single = json.loads((out / "single-1.json").read_text())
        report["mutmut"] = {
            "seconds": seconds,
            "capped": seconds >= args.mutmut_cap - 1,
            "progress": mutmut_progress(output),
        }
        report["mutmut_on_changed_lines"] = mutmut_on_changed_lines(repo, copy)
        report["common"] = common_mutants(repo, copy, single)
        report["common_agreeing"] = sum(ours == theirs for _, ours, theirs in report["common"])
        ours_seconds = report["covlint_seconds"]
        report["ratio"] = {
            "vs_median": seconds / ours_seconds["median"],
            "vs_min": seconds / ours_seconds["min"],
        }
    report["load_average_end"] = os.getloadavg()
    (out / "report.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    return 0


def measure_covlint(repo: Path, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    jobs = ["-j", str(args.jobs)]
    times: list[float] = []
    single: dict[str, Any] = {}
    for index in range(1, args.runs + 1):
        seconds, single = covlint_mutate(repo, out / f"single-{index}.json", *jobs)
        times.append(seconds)
    fresh_seconds, fresh = covlint_mutate(repo, out / "fresh.json", *jobs, "--no-fork")
    shard_times = []
    for k in (1, 2):
        seconds, _ = covlint_mutate(
            repo,
            out / f"shard-{k}.json",
            *jobs,
            "--shard",
            f"{k}/2",
            "--output",
            str(out / f"shard-{k}.results.json"),
        )
        shard_times.append(seconds)
    _, merged = covlint_mutate(
        repo,
        out / "merged.json",
        "--merge",
        str(out / "shard-1.results.json"),
        str(out / "shard-2.results.json"),
    )
    return {
        "mutants": len(single["mutants"]),
        "counts": single["counts"],
        "score": single["score"],
        "covlint_seconds": {"min": min(times), "median": statistics.median(times), "runs": times},
        "fresh_seconds": fresh_seconds,
        "fresh_same_outcomes": outcomes(fresh) == outcomes(single),
        "fresh_differences": sorted(
            (k, v, outcomes(fresh).get(k))
            for k, v in outcomes(single).items()
            if outcomes(fresh).get(k) != v
        ),
        "shard_seconds": shard_times,
        "merge_equals_single": outcomes(merged) == outcomes(single)
        and merged["counts"] == single["counts"],
    }


if __name__ == "__main__":
    raise SystemExit(main())
