"""Language server benchmark: `covlint serve` on the generated 1,200-module project.

Measured over a real LSP session (stdio, pytest-lsp's client with VS Code's capabilities):

* didOpen -> publishDiagnostics for a ~5,000-line file (first open, then re-open from the cache);
* a data change -> all 20 open documents re-published (the data file replaced, the client's file
  event sent; "after settling" subtracts the server's debounce);
* one keystroke on the 5,000-line file: the remap alone, and typing Enter at the top (every mark
  moves) until the new diagnostics arrive;
* the server's resident memory holding the 1,200-module data with 21 documents open;
* with `--lengths`, only first opens by file length, each in a new session, cold and with the
  text seen before (see bench_open.py).

Server-side figures come from the server's own debug log (`--log-file`, `-vv`); client-side ones
include the JSON-RPC round trip. Medians of `--rounds` rounds.

Usage::

    python bench/bench_server.py     # on bench/out/n1200-c20-s0 (generated when absent)
    python bench/bench_server.py --modules 300 --rounds 3
    python bench/bench_server.py --lengths 500 5000 20000 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

HERE = Path(__file__).resolve().parent
DEBOUNCE = 0.2
BIG_LINES = 5000
LENGTHS = (500, BIG_LINES, 20000)  # first opens vs file length
OPEN_MODULES = 20
NAMES = re.compile(r"\b(f_\d\d|Thing\d\d)\b")


def _prefixed(prefix: str, match: re.Match[str]) -> str:
    return prefix + match[1]


def generated_project(modules: int) -> Path:
    """The generator's cached project (built by `bench/generate.py` when missing)."""
    out = HERE / "out" / f"n{modules}-c20-s0"
    if not (out / ".coverage").exists():
        generator = [sys.executable, str(HERE / "generate.py"), "--modules", str(modules)]
        subprocess.run([*generator, "--out", str(out)], check=True)
    return out


DataSwap = list[tuple[Path, Path]]  # (data file in the project, the variant to put in its place)


def big_name(lines: int) -> str:
    """The module of `lines` lines that `prepare` adds (`big` is the ~5,000-line one)."""
    return "big" if lines == BIG_LINES else f"big{lines}"


def prepare(
    source: Path, work: Path, lengths: tuple[int, ...] = LENGTHS
) -> tuple[DataSwap, DataSwap]:
    """Copy the project, add a ~5,000-line module (and one per length in `lengths`) measured
    for real; return two data variants.

    A is the real data; B is A where the first 20 modules ran nothing (with shards: in the
    shards that hold their tests' arcs). Shards are linked, not copied (never written here).
    """
    ignore = shutil.ignore_patterns(".git", "__pycache__", ".coverage.*")
    shutil.copytree(source, work, ignore=ignore)
    shards = sorted(source.glob(".coverage.*"))
    for shard in shards:
        os.link(shard, work / shard.name)
    calls = ["import contextlib", ""]
    tests = (work / "tests" / "test_all.py").read_text()
    index = 1
    for size in dict.fromkeys((BIG_LINES, *lengths)):  # `big` first: the same text always
        name = big_name(size)
        chunks = []
        calls.append(f"from pkg import {name} as m")
        while sum(c.count("\n") for c in chunks) < size:
            module = f"mod_{index:04d}"
            text = (work / "pkg" / f"{module}.py").read_text()
            rename = functools.partial(_prefixed, f"c{index}_")
            chunks.append(NAMES.sub(rename, text))
            body = tests.split(f"def test_{module}() -> None:\n")[1].split("\n\n")[0]
            calls += [NAMES.sub(rename, line) for line in body.splitlines()[1:]]
            index += 1
        (work / "pkg" / f"{name}.py").write_text("\n\n".join(chunks))
    (work / "big_driver.py").write_text(
        "\n".join(line.removeprefix("    ") for line in calls) + "\n"
    )
    mode = "--parallel-mode" if shards else "--append"
    coverage = [sys.executable, "-m", "coverage", "run", mode, "big_driver.py"]
    subprocess.run(coverage, cwd=work, check=True)
    opened = [f"pkg/mod_{i:04d}.py" for i in range(1, OPEN_MODULES + 1)]
    # With shards, a re-run rewrites them all (as pytest-xdist does): every shard is swapped.
    holders = [work / shard.name for shard in shards] if shards else [work / ".coverage"]
    variants_a: DataSwap = []
    variants_b: DataSwap = []
    for index, data in enumerate(holders):
        data_a, data_b = work.parent / f"data-a{index}", work.parent / f"data-b{index}"
        shutil.copy(data, data_a)
        shutil.copy(data, data_b)
        forget_modules(data_b, opened)
        variants_a.append((data, data_a))
        variants_b.append((data, data_b))
    return variants_a, variants_b


def forget_modules(data: Path, paths: list[str]) -> None:
    """A variant of the data where the given files ran nothing (but are still measured)."""
    db = sqlite3.connect(data)
    with db:
        ids = [row[0] for row in db.execute("select id, path from file") if row[1] in paths]
        for table in ("arc", "line_bits"):
            db.executemany(f"delete from {table} where file_id = ?", [(i,) for i in ids])
    db.close()


class Bench:
    """One server session and the notifications it sent."""

    def __init__(
        self, root: Path, log_file: Path, cache: Path, server_path: str | None = None
    ) -> None:
        self.root = root
        self.log_file = log_file
        self.cache = cache
        self.server_path = server_path  # PYTHONPATH of the server (another covlint), if given
        self.client = LanguageClient(converter_factory=default_converter)
        self.arrivals: list[tuple[float, str]] = []
        self.peak_kb = 0  # the server's peak resident memory, read when it stops
        self.parsed: list[tuple[float, str]] = []  # the JSON read, before the client's decoding
        self.event = asyncio.Event()
        features = dict(DEFAULT_CLIENT_FEATURES)
        structure = self.client.protocol.structure_message

        def parsed(data: dict[str, Any]) -> Any:
            if data.get("method") == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
                self.parsed.append((time.perf_counter(), data["params"]["uri"]))
            return structure(data)

        self.client.protocol.structure_message = parsed  # type: ignore[method-assign]

        def published(ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
            self.arrivals.append((time.perf_counter(), params.uri))
            self.event.set()

        def registered(ls: LanguageClient, params: types.RegistrationParams) -> None:
            return None

        features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = published
        features[types.CLIENT_REGISTER_CAPABILITY] = registered
        register_lsp_features(self.client, features)

    async def start(self) -> None:
        command = [sys.executable, "-m", "covlint.server", "-vv", "--log-file", str(self.log_file)]
        env = dict(os.environ, COVLINT_CACHE_DIR=str(self.cache))
        if self.server_path:
            env["PYTHONPATH"] = self.server_path
        # In the project (as an editor starts it): `-m` puts the working directory first on
        # sys.path, and the bench's own would shadow `server_path`.
        await self.client.start_io(
            *command, "--debounce", str(DEBOUNCE), env=env, cwd=str(self.root)
        )
        folder = types.WorkspaceFolder(uri=self.root.as_uri(), name="bench")
        await self.client.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities("visual-studio-code"),
                workspace_folders=[folder],
                root_uri=folder.uri,
            )
        )

    async def until(self, done: Callable[[], bool], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), deadline - time.monotonic())

    async def open(self, path: Path) -> float:
        """Seconds from didOpen to the document's first publishDiagnostics."""
        return (await self.open_timed(path))[1]

    async def open_timed(self, path: Path) -> tuple[float, float]:
        """Seconds from didOpen to the document's first publishDiagnostics: its JSON read by
        the client, then decoded into Python objects (the test client's own cost)."""
        uri, text = path.as_uri(), path.read_text()
        count, parsed = len(self.arrivals), len(self.parsed)
        item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        sent = time.perf_counter()
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        await self.until(lambda: any(u == uri for _, u in self.arrivals[count:]))
        read = next(t for t, u in self.parsed[parsed:] if u == uri) - sent
        return read, next(t for t, u in self.arrivals[count:] if u == uri) - sent

    async def until_logged(self, *patterns: str, timeout: float = 120) -> None:
        """Wait until the server's log has a line matching each of `patterns`."""
        deadline = time.monotonic() + timeout
        while not all(re.search(p, self.log_file.read_text()) for p in patterns):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server never logged {patterns}")
            await asyncio.sleep(0.02)

    async def close(self, path: Path) -> None:
        """Close the document and wait for the server to clear its diagnostics."""
        uri, count = path.as_uri(), len(self.arrivals)
        document = types.TextDocumentIdentifier(uri=uri)
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=document)
        )
        await self.until(lambda: any(u == uri for _, u in self.arrivals[count:]))

    async def keystroke(self, path: Path, version: int, text: str, line: int) -> float:
        """Seconds from a didChange inserting `text` at the start of `line` to the new marks."""
        uri, count = path.as_uri(), len(self.arrivals)
        start = types.Position(line=line, character=0)
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=start, end=start), text=text
        )
        document = types.VersionedTextDocumentIdentifier(uri=uri, version=version)
        sent = time.perf_counter()
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(text_document=document, content_changes=[change])
        )
        if "\n" not in text:
            return 0.0
        await self.until(lambda: any(u == uri for _, u in self.arrivals[count:]))
        return next(t for t, u in self.arrivals[count:] if u == uri) - sent

    async def data_change(self, swap: DataSwap, uris: set[str]) -> float:
        """Seconds from replacing the data (and sending the file events) to `uris` re-published."""
        count = len(self.arrivals)
        for index, (_, replacement) in enumerate(swap):
            staged = replacement.parent / f"staged{index}"  # renamed into place: all at once
            staged.unlink(missing_ok=True)
            os.link(replacement, staged)  # the variants are only read: a link is a copy here
        for index, (data, replacement) in enumerate(swap):
            (replacement.parent / f"staged{index}").replace(data)
        sent = time.perf_counter()
        events = [
            types.FileEvent(uri=data.as_uri(), type=types.FileChangeType.Changed)
            for data, _ in swap
        ]
        self.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(changes=events)
        )
        await self.until(lambda: uris <= {u for _, u in self.arrivals[count:]})
        return max(t for t, u in self.arrivals[count:] if u in uris) - sent

    async def stop(self) -> int:
        """Shut the server down; return its resident memory (kB) measured just before."""
        rss = resident_kb(self.client._server.pid) if self.client._server else 0
        self.peak_kb = resident_kb(self.client._server.pid, "VmHWM") if self.client._server else 0
        await self.client.shutdown_session()
        await self.client.stop()  # type: ignore[no-untyped-call]
        return rss


def resident_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def server_times(log_file: Path, pattern: str) -> list[float]:
    """Milliseconds the server logged for lines matching `pattern` (one number group)."""
    return [float(m[1]) for m in re.finditer(pattern, log_file.read_text())]


def reload_spans(log_file: Path) -> list[float]:
    """Per data reload: ms from the start of the reload to the last re-publish after it."""
    stamp = re.compile(r"^\S+ (\d\d):(\d\d):(\d\d),(\d{3}) ")
    spans: list[float] = []
    start = last = None
    for line in log_file.read_text().splitlines():
        found = stamp.match(line)
        if not found:
            continue
        h, m, sec, milli = map(int, found.groups())
        now = ((h * 60 + m) * 60 + sec) * 1000 + milli
        if "reload " in line and "loaded and re-published" in line:
            if start is not None and last is not None:
                spans.append(last - start)
            start, last = now - float(line.rsplit(" in ", 1)[1].split()[0]), None
        elif start is not None and re.search(r"publish mod_\d+\.py: \d+ diagnostics in", line):
            last = now
    if start is not None and last is not None:
        spans.append(last - start)
    return spans


def ms(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ms (min {min(values):.1f}, n={len(values)})"


async def run(modules: int, rounds: int, project: Path | None) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="covlint-bench-server-", dir=HERE / "out") as tmp:
        work = Path(tmp) / "proj"
        data_a, data_b = prepare(project or generated_project(modules), work, ())
        big = work / "pkg" / "big.py"
        cache = Path(tmp) / "cache"  # empty: every first open in this session parses
        bench = Bench(work, Path(tmp) / "server.log", cache)
        await bench.start()
        results: list[tuple[str, str]] = []
        first = await bench.open(big)
        reopen = []
        for _ in range(rounds):
            await bench.close(big)
            reopen.append(await bench.open(big))
        enters = [await bench.keystroke(big, 2 + i, "\n", 0) for i in range(rounds)]
        for i in range(rounds):
            await bench.keystroke(big, 2 + rounds + i, "x", rounds + 40)
        await bench.close(big)
        paths = [work / "pkg" / f"mod_{i:04d}.py" for i in range(1, OPEN_MODULES + 1)]
        for path in paths:
            await bench.open(path)
        uris = {p.as_uri() for p in paths}
        changes = []
        for index in range(rounds):
            variant = data_b if index % 2 == 0 else data_a
            changes.append(await bench.data_change(variant, uris))
        await bench.open(big)
        rss = await bench.stop()
        log = bench.log_file
        shutil.copy(log, HERE / "out" / "bench_server.log")
        analysed = server_times(log, r"analyse big\.py: ([\d.]+) ms")[0]
        rendered = server_times(log, r"publish big\.py: \d+ diagnostics.* in ([\d.]+) ms")
        results.append(("big.py lines", str(big.read_text().count("\n"))))
        results.append(("didOpen -> publish, 5k lines, first (client)", f"{1000 * first:.1f} ms"))
        results.append(
            ("  server: analysis + diagnostics", f"{analysed:.1f} + {rendered[0]:.1f} ms")
        )
        results.append(
            ("didOpen -> publish, 5k lines, re-open (client)", ms([1000 * r for r in reopen]))
        )
        results.append(
            (
                "keystroke remap, 5k lines (server)",
                ms(server_times(log, r"remap big\.py: ([\d.]+) ms")),
            )
        )
        results.append(("Enter at top -> all marks moved (client)", ms([1000 * e for e in enters])))
        moved = rendered[1 + rounds : 1 + 2 * rounds]
        results.append(("  server: remap + diagnostics + send", ms(moved)))
        results.append(
            ("data change -> 20 docs re-published (client)", ms([1000 * c for c in changes]))
        )
        results.append(
            ("  minus the debounce (client)", ms([1000 * (c - DEBOUNCE) for c in changes]))
        )
        results.append(("  server: reload start -> last re-publish", ms(reload_spans(log)[1:])))
        data = f"{project.name} data" if project else f"{modules}-module data"
        results.append((f"server RSS, {data}, 21 docs open", f"{rss / 1024:.1f} MB"))
        results.append(
            ("  server peak RSS (the session's high-water mark)", f"{bench.peak_kb / 1024:.1f} MB")
        )
        return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--modules", type=int, default=1200, help="size of the generated project")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per measurement (median)")
    parser.add_argument("--project", type=Path, help="a generated project (e.g. the monorepo)")
    parser.add_argument(
        "--lengths", type=int, nargs="+", help="only first opens by file length (bench_open.py)"
    )
    args = parser.parse_args(argv)
    if args.lengths:
        import bench_open

        report = bench_open.run(args.modules, args.lengths, args.rounds, args.project)
        print(asyncio.run(report), end="")
        return 0
    results = asyncio.run(run(args.modules, args.rounds, args.project))
    print("| measure | value |\n|---|---|")
    for name, value in results:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
