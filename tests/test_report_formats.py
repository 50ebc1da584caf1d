"""The gate's reports on a real failing change of several files: text, SARIF, HTML, many at once."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from covlint import __version__
from tests.covproject import clean_env
from tests.gateproject import GateProject

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
SIGN = "def sign(x):\n    if x > 0:\n        return 1\n    return -1\n"
NEVER = "def never(x):\n    a = x + 1\n    b = a + 1\n    c = b + 1\n    return c\n"
NEVER_CHANGED = "def never(x):\n    a = x + 10\n    b = a + 1\n    c = b + 10\n    return c * 1\n"
FULL = "def full(x):\n    return x\n"
DOC = "# notes\nVALUE = 1\n"

EXPECTED_TEXT = [
    "app/core.py: 66.7% of 4 changed lines and 2 branches covered",
    "  not run: line 4",
    "  line 2 didn't jump to line 4 because the condition on line 2 was always true",
    "app/never.py: 0% of 3 changed lines covered",
    "  not run: line 2, lines 4–5",
    "app/ghost.py: never measured: does a test import it? (2 changed lines)",
    "1 file fully covered",
    "1 file with no changed statements",
    "covlint: FAILED: 46.2% of 11 changed lines and 2 branches covered (needs 80%)",
]


@pytest.fixture
def project(tmp_path: Path) -> GateProject:
    project = GateProject(tmp_path / "repo")
    project.write("app/__init__.py", "")
    project.write("app/never.py", NEVER)
    project.write("app/doc.py", DOC)
    project.write("run_tests.py", "")
    project.commit_all("start")
    project.write("app/core.py", SIGN)
    project.write("app/never.py", NEVER_CHANGED)
    project.write("app/full.py", FULL)
    project.write("app/doc.py", "# more notes\nVALUE = 1\n")
    project.write("docs.md", "notes\n")
    project.record(
        "import app.never, app.doc\nfrom app.core import sign\nfrom app.full import full\n"
        "sign(5)\nfull(1)\n"
    )
    project.write("app/ghost.py", "def ghost():\n    return 0\n")
    os.utime(project.root / "app/ghost.py", (1, 1))  # not newer than the data: just never run
    project.repo.stage_all()
    return project


def test_text_report_lists_what_to_test_first(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = project.check(capsys=capsys)
    assert (code, err) == (1, "")
    assert out.splitlines() == EXPECTED_TEXT
    assert max(len(line) for line in out.splitlines()) <= 100


def test_verbose_lists_every_file(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = project.check("-v", capsys=capsys)
    lines = out.splitlines()
    assert lines[6:11] == [
        "1 file fully covered",
        "  app/full.py: 100% of 2 changed lines covered",
        "1 file with no changed statements",
        "  app/doc.py",
        "docs.md: skipped (not Python)",
    ]


def _run_on_a_terminal(project: GateProject, env: dict[str, str]) -> bytes:
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "covlint", "check"],
        cwd=project.root,
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=clean_env({"PYTHONPATH": str(Path(__file__).parent.parent), **env}),
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait()
    os.close(leader)
    return b"".join(chunks)


def test_colours_on_a_terminal(project: GateProject) -> None:
    """Red for failing files and verdict, yellow for never measured, no colour for counts."""
    lines = _run_on_a_terminal(project, {}).decode().splitlines()
    red, yellow, reset = "\x1b[31m", "\x1b[33m", "\x1b[0m"
    assert lines[0] == f"{red}{EXPECTED_TEXT[0]}{reset}"
    assert lines[3] == f"{red}{EXPECTED_TEXT[3]}{reset}"
    assert lines[5] == f"{yellow}{EXPECTED_TEXT[5]}{reset}"
    assert lines[6] == EXPECTED_TEXT[6]
    assert lines[-1] == f"{red}{EXPECTED_TEXT[-1]}{reset}"
    assert "\x1b[32m" not in "\n".join(lines)  # green only for passing


def test_no_color_and_force_color(project: GateProject, tmp_path: Path) -> None:
    assert b"\x1b[" not in _run_on_a_terminal(project, {"NO_COLOR": "1"})
    assert b"\x1b[" not in _run_on_a_terminal(project, {"NO_COLOR": "1", "FORCE_COLOR": "1"})
    piped = subprocess.run(
        [sys.executable, "-m", "covlint", "check"],
        cwd=project.root,
        capture_output=True,
        env=clean_env({"PYTHONPATH": str(Path(__file__).parent.parent), "FORCE_COLOR": "1"}),
        check=False,
    )
    assert piped.stdout.startswith(b"\x1b[31mapp/core.py: 66.7%")
    passing = subprocess.run(
        [sys.executable, "-m", "covlint", "check", "--fail-under", "0"],
        cwd=project.root,
        capture_output=True,
        env=clean_env({"PYTHONPATH": str(Path(__file__).parent.parent), "FORCE_COLOR": "1"}),
        check=False,
    )
    lines = passing.stdout.decode().splitlines()
    assert (
        lines[0]
        == "\x1b[33mapp/ghost.py: never measured: does a test import it? (2 changed lines)\x1b[0m"
    )
    assert lines[1] == "\x1b[32mapp/core.py: 66.7% of 4 changed lines and 2 branches covered\x1b[0m"
    assert lines[-1].startswith("\x1b[32mcovlint: passed: ")


def test_several_outputs_in_one_run(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = project.root.parent / "reports"
    code, out, _ = project.check(
        "--format", "markdown",
        "--format", f"json:{out_dir}/covlint.json",
        "--format", f"sarif:{out_dir}/covlint.sarif",
        "--format", f"text:{out_dir}/report.txt",
        "--format", f"html:{out_dir}/html",
        capsys=capsys,
    )  # fmt: skip
    assert code == 1
    assert out.startswith("### ❌ covlint: FAILED")
    assert json.loads((out_dir / "covlint.json").read_text())["passed"] is False
    assert (out_dir / "report.txt").read_text().splitlines() == EXPECTED_TEXT
    assert (out_dir / "html" / "index.html").is_file()
    assert json.loads((out_dir / "covlint.sarif").read_text())["version"] == "2.1.0"


def test_only_one_format_to_stdout(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = project.check("--format", "json", "--format", "sarif", capsys=capsys)
    assert code == 2
    assert err == (
        "covlint: error: only one format can go to stdout (json, sarif): name a file, FMT:PATH\n"
    )
    project.write("pyproject.toml", '[tool.covlint]\nformat = ["yaml"]\n')
    code, _, err = project.check(capsys=capsys)
    assert (code, err.count("\n")) == (2, 1)
    assert "unknown format 'yaml'" in err


def test_sarif_is_valid_and_names_each_range(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = project.check("--format", "sarif", capsys=capsys)
    document = json.loads(out)
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("covlint", __version__)
    assert [rule["id"] for rule in driver["rules"]] == ["uncovered", "missed-branch", "stale"]
    found = [
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["endLine"],
            r["message"]["text"],
        )
        for r in run["results"]
    ]
    assert found == [
        ("missed-branch", "error", "app/core.py", 2, 2,
         "line 2 didn't jump to line 4 because the condition on line 2 was always true"),
        ("uncovered", "error", "app/core.py", 4, 4, "line 4 not run by any test"),
        ("uncovered", "error", "app/ghost.py", 1, 2, "lines 1–2 not run by any test"),
        ("uncovered", "error", "app/never.py", 2, 2, "line 2 not run by any test"),
        ("uncovered", "error", "app/never.py", 4, 5, "lines 4–5 not run by any test"),
    ]  # fmt: skip
    fingerprints = [next(iter(r["partialFingerprints"].values())) for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_sarif_fingerprint_survives_moved_lines(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    _, before, _ = project.check("--format", "sarif", capsys=capsys)
    project.write("app/never.py", "\n\n" + NEVER_CHANGED)
    project.record("import app.never, app.doc\nfrom app.core import sign\nsign(5)\n")
    project.repo.stage_all()
    _, after, _ = project.check("--format", "sarif", capsys=capsys)

    def prints(text: str) -> dict[int, str]:
        results = json.loads(text)["runs"][0]["results"]
        return {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]: next(
                iter(r["partialFingerprints"].values())
            )
            for r in results
            if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/never.py"
        }

    assert prints(before)[4] == prints(after)[6]


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs headless Chromium")
def test_html_report_in_chromium(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    report = project.root.parent / "html"
    project.check("--format", f"html:{report}", capsys=capsys)
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         (report / "index.html").as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    dom = _parse(done.stdout)
    assert dom.verdict == (
        "failed",
        "covlint: FAILED: 46.2% of 11 changed lines and 2 branches covered (needs 80%)",
    )
    assert dom.sections == ["app/core.py", "app/never.py", "app/ghost.py"]  # failing first
    assert dom.rows["app/core.py"] == {
        1: "covered", 2: "partial", 3: "covered", 4: "missed",
    }  # fmt: skip
    assert dom.rows["app/never.py"] == {
        1: "context", 2: "missed", 3: "context", 4: "missed", 5: "missed",
    }  # fmt: skip
    assert dom.arcs == [
        "line 2 didn't jump to line 4 because the condition on line 2 was always true"
    ]
    assert dom.others == "2 other changed file(s): nothing missed."


class _Dom:
    def __init__(self) -> None:
        self.verdict: tuple[str, str] = ("", "")
        self.sections: list[str] = []
        self.rows: dict[str, dict[int, str]] = {}
        self.arcs: list[str] = []
        self.others = ""


def _parse(html: str) -> _Dom:
    """Read what the browser built (its serialised DOM) with the standard library's parser."""
    from html.parser import HTMLParser

    dom = _Dom()

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.into: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found = dict(attrs)
            if tag == "h1":
                dom.verdict = (found.get("class") or "", "")
                self.into = "h1"
            elif tag == "section":
                dom.sections.append(found["data-path"] or "")
                dom.rows[dom.sections[-1]] = {}
            elif tag == "tr" and "data-line" in found:
                dom.rows[dom.sections[-1]][int(found["data-line"] or 0)] = found["class"] or ""
            elif tag == "li":
                self.into = "li"
            elif tag == "p" and found.get("id") == "others":
                self.into = "p"

        def handle_data(self, data: str) -> None:
            if self.into == "h1":
                dom.verdict = (dom.verdict[0], dom.verdict[1] + data)
            elif self.into == "li":
                dom.arcs.append(data)
            elif self.into == "p":
                dom.others += data

        def handle_endtag(self, tag: str) -> None:
            self.into = None

    Reader().feed(html)
    return dom


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("json:.coverage", "may not be the coverage data file or a shard of it"),
        ("text:app/core.py", "may not be a source file of the project"),
        ("html:.git", "may not be inside .git"),
    ],
)
def test_reports_never_overwrite_the_users_files(
    project: GateProject, capsys: pytest.CaptureFixture[str], spec: str, why: str
) -> None:
    before = project.snapshot()
    code, _, err = project.check("--format", spec, capsys=capsys)
    fmt, _sep, name = spec.partition(":")
    target = Path(name) / "index.html" if fmt == "html" else Path(name)
    assert (code, err) == (2, f"covlint: error: {target}: the {fmt} report {why}\n")
    assert project.snapshot() == before
