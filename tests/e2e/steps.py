"""The server commands each editor test runs after the first diagnostics."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.oracle import SCOPE_DIFF, TOGGLE_OFF, ServerView, Step

STEPS: tuple[Step, ...] = (SCOPE_DIFF, TOGGLE_OFF)
STEP_NAMES = [step.name for step in STEPS]


def editor_steps(expected: ServerView, actions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The job's steps: the first diagnostics, then each step the server offers a command for.

    `actions` maps a step name to how the editor runs it (merged into the step); every step
    carries the number of diagnostics to wait for.
    """
    steps: list[dict[str, Any]] = [{"name": "all", "count": len(expected.diagnostics)}]
    for step in STEPS:
        if step.name in expected.after:
            steps.append(
                {"name": step.name, "count": len(expected.after[step.name]), **actions[step.name]}
            )
    return steps


def require_step(expected: ServerView, name: str) -> list[dict[str, Any]]:
    """The server's diagnostics after step `name`; xfail while the server lacks its command."""
    if name not in expected.after:
        command = next(step.command for step in STEPS if step.name == name)
        pytest.xfail(f"the server offers no {command} command yet (offers {expected.commands})")
    return expected.after[name]
