"""VS Code (code-server 4.100.3 in headless Chromium) with the built covlint.vsix installed.

Asserts that covlint's colours (gutter and whole-line decorations, found by their DOM classes) sit
on exactly the lines of the server's `covlint/marks`; that the Problems panel and the squiggles
equal the server's diagnostics, in diff scope by default; that the status bar shows the server's
summary and a click switches to diff scope; that VS Code's own Test Coverage view shows
`coverage json`'s figures; that covlint is found in the project's `.venv` without the Python
extension, and on PATH; that a folder without data says so; light and dark screenshots.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.editor import log_tail, run_editor
from tests.e2e.oracle import SCOPE_DIFF, TOGGLE_OFF, ServerView, server_view
from tests.e2e.project import BASE_REF, OPENED, make_project
from tests.e2e.status import NO_DATA, status_text
from tests.e2e.vscode_screen import (
    INSERTED,
    expected_colours,
    expected_rows,
    expected_squiggles,
    marker_lines,
    screen,
    shifted,
    shown_colours,
    shown_rows,
    shown_squiggles,
    statement_lines,
    tree_rows,
)

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
EXTENSION = REPO / "editors" / "vscode"
DRIVER = Path(__file__).with_name("vscode") / "drive.cjs"
NODE_DIR = Path(os.environ.get("COVLINT_E2E_NODE", Path.home() / ".cache" / "covlint-e2e" / "node"))
SCREENSHOT = EXTENSION / "screenshot.png"
SCREENSHOT_DARK = EXTENSION / "screenshot-dark.png"
NO_DATA_MESSAGE = "covlint: no coverage data yet: run `pytest --cov`"
DARK_THEME = "Default Dark Modern"
SETTINGS = {"base": BASE_REF}


def user_settings(python: str | None, theme: str | None = None) -> dict[str, Any]:
    """The user settings.json: `python` as covlint.interpreter (None: none set)."""
    settings: dict[str, Any] = {
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "telemetry.telemetryLevel": "off",
        "extensions.autoUpdate": False,
        "extensions.autoCheckUpdates": False,
        "security.workspace.trust.enabled": False,
        "covlint.base": BASE_REF,
    }
    if python:
        settings["covlint.interpreter"] = [python]
    if theme:
        settings["workbench.colorTheme"] = theme
    return settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def vscode_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of its own, with a `.venv` that has covlint (this Python's, shared): switching
    scope from the status bar may write .vscode/settings.json."""
    root = make_project(tmp_path_factory.mktemp("vscode") / "project")
    with (root / ".git" / "info" / "exclude").open("a") as exclude:
        exclude.write(".venv/\n")
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", ".venv"],
        cwd=root,
        check=True,
    )
    return root


@pytest.fixture(scope="module")
def no_data_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python project nobody ran tests in (no .venv: covlint comes from PATH)."""
    root = tmp_path_factory.mktemp("nodata") / "fresh"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "fresh"\nversion = "0"\n')
    (root / "fresh.py").write_text("def f():\n    return 1\n")
    return root


@pytest.fixture(scope="module")
def expected(vscode_project: Path, server_command: list[str]) -> dict[str, ServerView]:
    """The server's view for a client that colours lines (as the extension announces), in scope
    all, then after covlint.setScope diff (the status bar click) and covlint.toggle; and, to
    compare with, what other clients get with `problems` "diff" and by default ("all")."""
    first = server_view(
        server_command,
        vscode_project,
        OPENED,
        settings=SETTINGS,
        client="visual-studio-code",
        steps=(SCOPE_DIFF, TOGGLE_OFF),
        colours=True,
    )
    assert first.diagnostics, "the server published no diagnostics for the fixture project"
    assert {"diff", "off"} <= set(first.after), first.commands
    views = {
        "all": first,
        "diff": ServerView(
            first.after["diff"], first.after_summary["diff"], marks=first.after_marks["diff"]
        ),
        "off": ServerView(first.after["off"], first.after_summary["off"]),
    }
    for name, problems in (("problems-diff", "diff"), ("problems-all", None)):
        views[name] = server_view(
            server_command,
            vscode_project,
            OPENED,
            settings={**SETTINGS, "problems": problems} if problems else SETTINGS,
            client="visual-studio-code",
        )
    return views


def python_without_covlint(tmp: Path) -> str | None:
    """An interpreter on this machine that cannot import covlint (Debian's), if there is one."""
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if (
            candidate
            and Path(candidate).exists()
            and Path(candidate).resolve() != Path(sys.executable).resolve()
        ):
            probe = subprocess.run(
                [candidate, "-c", "import covlint"], cwd=tmp, capture_output=True, check=False
            )
            if probe.returncode != 0:
                return candidate
    return None


def not_installed_message(python: str) -> str:
    return (
        f"covlint is not installed for {python}. Install it with: {python} -m pip install covlint"
    )


@pytest.fixture(scope="module")
def vsix() -> Path:
    built = EXTENSION / "covlint.vsix"
    if not built.exists():
        pytest.fail(
            f"{built} is missing: `npm ci && npm run package` in {EXTENSION} (or bash .ci/e2e)"
        )
    return built


@pytest.fixture(scope="module")
def code_server(
    vsix: Path,
    vscode_project: Path,
    editor_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path]]:
    """code-server with covlint.vsix installed, on a free port; yields (url, user data dir)."""
    binary = NODE_DIR / "node_modules" / ".bin" / "code-server"
    if not binary.exists():
        pytest.fail(f"code-server is not installed in {NODE_DIR}: run bash .ci/e2e")
    work = tmp_path_factory.mktemp("code-server")
    user, extensions, config = work / "user", work / "extensions", work / "config.yaml"
    (user / "User").mkdir(parents=True)
    (user / "User" / "settings.json").write_text(json.dumps(user_settings(sys.executable)))
    common = [
        "--user-data-dir",
        str(user),
        "--extensions-dir",
        str(extensions),
        "--config",
        str(config),
    ]
    run_editor(
        [str(binary), *common, "--install-extension", str(vsix)],
        env=editor_env,
        cwd=work,
        timeout=120,
    )
    port = free_port()
    log = (work / "code-server.log").open("w")
    server = subprocess.Popen(
        [
            str(binary),
            *common,
            "--auth",
            "none",
            "--bind-addr",
            f"127.0.0.1:{port}",
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            str(vscode_project),
        ],
        env=editor_env,
        cwd=work,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(
                        f"code-server did not come up:\n{(work / 'code-server.log').read_text()}"
                    )
                time.sleep(0.2)
        yield url, user
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def extension_logs(user: Path) -> list[Path]:
    """The covlint output channel and the extension host log of this code-server."""
    logs = user / "logs"
    return sorted(logs.glob("**/*covlint*.log")) + sorted(logs.glob("**/exthost*.log"))


@pytest.fixture(scope="module")
def shown(  # noqa: PLR0917  (fixtures, by name)
    code_server: tuple[str, Path],
    expected: dict[str, ServerView],
    vscode_project: Path,
    no_data_project: Path,
    editor_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.fail("chromium is not installed: apt-get install chromium")
    url, user = code_server
    work = tmp_path_factory.mktemp("drive")
    everything, diff = expected["all"], expected["diff"]
    job: dict[str, Any] = {
        "url": url,
        "folder": str(vscode_project),
        "file": OPENED,
        "chromium": chromium,
        "output": str(work / "seen.json"),
        "screenshots": {"light": str(work / "light.png"), "dark": str(work / "dark.png")},
        "timeout_ms": 30000,
        "expect": screen(everything, "all"),
        "after_click": screen(diff, "diff"),
        "toggle": {
            "title": "covlint: Toggle coverage diagnostics",
            "markers": screen(expected["off"], "diff")["markers"],
        },
        "colours_toggle": {"title": "covlint: Toggle coverage colours"},
        "hover": branch_hover(everything),
        "tree": {
            "title": "Coverage (covlint)",
            "rows": len(tree_rows(everything)),
            "click": "test_calc.py",
        },
        "coverage": {"command": "Testing: Focus on Test Coverage View", "file": OPENED},
        "dark": {"settings": user_settings(sys.executable, DARK_THEME)},
        "venv": {  # and the lines that ran coloured too
            "settings": {**user_settings(None, DARK_THEME), "covlint.colors.covered": True},
            "expect": screen(everything, "all", covered=True),
        },
        "no_data": {
            "folder": str(no_data_project),
            "file": "fresh.py",
            "status": NO_DATA,
            "message": NO_DATA_MESSAGE,
        },
    }
    job["edit_save"] = {
        "text": "".join(line + "\n" for line in INSERTED),
        "inserted": len(INSERTED),
        "lines": marker_lines(shifted(everything.diagnostics, len(INSERTED))),
        "undone": marker_lines(everything.diagnostics),
    }
    missing = python_without_covlint(work)
    if missing:
        job["not_installed"] = {
            "settings": user_settings(missing, DARK_THEME),
            "message": not_installed_message(missing),
            "python": missing,
        }
    (work / "job.json").write_text(json.dumps(job))
    env = {**editor_env, "NODE_PATH": str(NODE_DIR / "node_modules")}
    try:
        seen: dict[str, Any] = run_editor(
            ["node", str(DRIVER), str(work / "job.json")],
            env=env,
            cwd=work,
            timeout=180,
            output=work / "seen.json",
        )
    except AssertionError as failure:
        raise AssertionError(
            f"{failure}\n"
            + "\n".join(
                f"--- {log}:\n{log.read_text(errors='replace')[-6000:]}"
                for log in extension_logs(user)
            )
        ) from None
    seen["job"] = job
    seen["log"] = "\n".join(log.read_text(errors="replace") for log in extension_logs(user))
    print(f"code-server timings (ms since the browser started): {seen['timings']}")
    if os.environ.get("COVLINT_E2E_DEBUG"):
        print(seen["log"], work)
    for name, target in (("light", SCREENSHOT), ("dark", SCREENSHOT_DARK)):
        if (work / f"{name}.png").exists():
            shutil.copyfile(work / f"{name}.png", target)
    return seen


def branch_hover(view: ServerView) -> dict[str, str]:
    """Where to hover: the first partly run branch line with a diagnostic, and its sentence."""
    diagnostic = next(d for d in view.diagnostics if d["code"] == "missed-branch")
    line = (Path(view.marks["uri"].removeprefix("file://")).read_text().split("\n"))[  # type: ignore[index]
        diagnostic["range"]["start"]["line"]
    ]
    return {"text": line.strip(), "message": diagnostic["message"], "wait_for": "Run by"}


def coverage_json(project: Path) -> dict[str, Any]:
    """`coverage json` of the project's data, run by coverage itself."""
    out = project.parent / "coverage.json"
    subprocess.run(
        [sys.executable, "-m", "coverage", "json", "-q", "-o", str(out)],
        cwd=project,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")},
    )
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_colours_sit_on_exactly_the_servers_lines(
    shown: dict[str, Any], expected: dict[str, ServerView]
) -> None:
    want = expected_colours(expected["all"].marks)
    assert {kind for _, kind, _ in want} == {"missed", "partial"}
    assert shown_colours(shown["colours"]) == want, log_tail(shown)
    assert shown_colours(shown["dark"]["colours"]) == want, log_tail(shown)


def test_problems_panel_lists_the_servers_diagnostics(
    shown: dict[str, Any], expected: dict[str, ServerView]
) -> None:
    want = expected_rows(expected["all"].diagnostics)
    assert shown_rows(shown["problems"]) == want, log_tail(shown)


def test_problems_panel_shows_the_diff_scope_by_default(expected: dict[str, ServerView]) -> None:
    """The extension's Problems list is what `problems = "diff"` gives, not everything."""
    assert expected["all"].diagnostics == expected["problems-diff"].diagnostics
    assert len(expected["all"].diagnostics) < len(expected["problems-all"].diagnostics)
    missed = {line for a, b in expected["all"].marks["missed"] for line in range(a, b + 1)}  # type: ignore[index]
    squiggled = {line - 1 for line, _ in expected_squiggles(expected["all"].diagnostics)}
    assert squiggled < missed | {p["line"] for p in expected["all"].marks["partial"]}  # type: ignore[index]


def test_a_branch_hover_says_its_sentence_once_then_the_tests(shown: dict[str, Any]) -> None:
    """The diagnostic, its related location and covlint's hover together: each sentence once."""
    message = shown["job"]["hover"]["message"]
    assert shown["hover"].count(message) == 1, shown["hover"]
    assert "the branch from line" in shown["hover"]
    assert shown["hover"].index(message) < shown["hover"].index("Run by")


def test_squiggles_mark_the_servers_ranges(
    shown: dict[str, Any], expected: dict[str, ServerView]
) -> None:
    want = expected_squiggles(expected["all"].diagnostics)
    assert shown_squiggles(shown["squiggles"]) == want, log_tail(shown)


def test_status_bar_shows_the_summary(
    shown: dict[str, Any], expected: dict[str, ServerView]
) -> None:
    want = status_text(expected["all"].summary, "all")
    assert shown["status"]["text"] == want, log_tail(shown)


def test_light_and_dark_screenshots_saved(shown: dict[str, Any]) -> None:
    assert SCREENSHOT.stat().st_size > 10_000
    assert SCREENSHOT_DARK.stat().st_size > 10_000


def test_status_bar_click_switches_to_diff_scope(
    shown: dict[str, Any], expected: dict[str, ServerView]
) -> None:
    diff = expected["diff"]
    after = shown["after_click"]
    assert after["status"]["text"] == status_text(diff.summary, "diff"), log_tail(shown)
    assert shown_rows(after["problems"]) == expected_rows(diff.diagnostics), log_tail(shown)
    assert shown_squiggles(after["squiggles"]) == expected_squiggles(diff.diagnostics)
    want = expected_colours(diff.marks)
    assert want != expected_colours(expected["all"].marks), "diff scope should colour fewer lines"
    assert shown_colours(after["colours"]) == want, log_tail(shown)


def test_toggle_commands_from_the_palette(
    shown: dict[str, Any], expected: dict[str, ServerView]
) -> None:
    assert shown["colours_off"] == []
    assert shown_colours(shown["colours_on"]) == expected_colours(expected["diff"].marks)
    assert shown_rows(shown["toggle"]) == expected_rows(expected["off"].diagnostics)
    assert expected_colours(expected["off"].marks) == shown["toggle_colours"] == []


def test_project_view_lists_files_by_missed_lines(
    shown: dict[str, Any], expected: dict[str, ServerView]
) -> None:
    want = tree_rows(expected["all"])
    assert want[0].startswith(OPENED)
    assert shown["tree"] == want, log_tail(shown)
    assert shown["tree_click"] == "test_calc.py"  # a click opens the file


def test_test_coverage_view_shows_coverage_json_figures(
    shown: dict[str, Any], vscode_project: Path
) -> None:
    """VS Code's own Test Coverage view, fed by covlint, shows coverage.py's percentage."""
    report = coverage_json(vscode_project)["files"][OPENED]["summary"]
    percent = f"\n{report['percent_covered']:.2f}%"  # VS Code shows two decimals
    rows = [r for r in shown["coverage_view"] if OPENED in (r["label"] or "") + r["text"]]
    assert rows, shown["coverage_view"]
    assert percent in rows[0]["label"] + rows[0]["text"], (percent, rows)
    total = coverage_json(vscode_project)["totals"]["percent_covered"]
    assert f"\n{total:.2f}%" in shown["coverage_view"][0]["text"], shown["coverage_view"]


def test_vscode_inline_coverage_shows_covlints_lines(
    shown: dict[str, Any], expected: dict[str, ServerView]
) -> None:
    """VS Code's own gutter coverage, from the feed's per-file detail (loaded lazily)."""
    want = statement_lines(expected["all"].marks)
    seen: dict[int, set[str]] = {}
    for line, kind in shown["native"]:
        seen.setdefault(line, set()).add(kind)
    assert set(seen) == want["miss"] | want["hit"] | want["partial"] | want["destination"]
    assert all("miss" in seen[line] for line in want["miss"] | want["destination"])
    assert all("hit" in seen[line] for line in want["hit"] | want["partial"])
    assert all(seen[line] == {"hit"} for line in want["hit"] - want["destination"])


def test_covlint_is_found_in_the_projects_venv_without_the_python_extension(
    shown: dict[str, Any], expected: dict[str, ServerView], vscode_project: Path
) -> None:
    venv = vscode_project / ".venv" / "bin" / "python"
    assert f"server command (venv): {venv} -m covlint serve" in shown["log"]
    assert "finding covlint: Python extension: none selected or not installed" in shown["log"]
    assert shown["venv"]["status"]["text"] == status_text(expected["all"].summary, "all")
    want = expected_colours(expected["all"].marks, covered=True)
    assert {kind for _, kind, _ in want} == {"missed", "partial", "covered"}
    assert shown_colours(shown["venv"]["colours"]) == want, log_tail(shown)


def test_a_folder_without_data_says_so_once(shown: dict[str, Any]) -> None:
    assert shown["no_data"]["status"]["text"] == NO_DATA, log_tail(shown)
    told = [t for t in shown["no_data"]["toasts"] if NO_DATA_MESSAGE in t]
    assert len(told) == 1, shown["no_data"]["toasts"]
    assert "server command (PATH): " in shown["log"]


def test_missing_covlint_is_reported_with_the_pip_command(shown: dict[str, Any]) -> None:
    if "not_installed" not in shown["job"]:
        pytest.skip("no Python without covlint on this machine")
    message = shown["job"]["not_installed"]["message"]
    assert [toast for toast in shown["not_installed"] if message in toast], shown["not_installed"]


def test_marks_survive_typing_and_saving_then_undo_and_save(
    shown: dict[str, Any], expected: dict[str, ServerView]
) -> None:
    """Three lines typed at the top and Ctrl+S: every mark moved by three, none stale; the
    lines deleted and Ctrl+S again (the text that ran, newer on disk): the marks are back."""
    everything = expected["all"].diagnostics
    saved, undone = shown["saved"], shown["undone"]
    want = shifted(everything, len(INSERTED))
    assert shown_rows(saved["problems"]) == expected_rows(want), log_tail(shown)
    colours = expected_colours(expected["all"].marks)
    moved = [[line + len(INSERTED), *rest] for line, *rest in colours]
    assert shown_colours(saved["colours"]) == moved, log_tail(shown)
    assert shown_squiggles(undone["squiggles"]) == expected_squiggles(everything)
    assert shown_rows(undone["problems"]) == expected_rows(everything), log_tail(shown)
