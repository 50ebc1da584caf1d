"""Telling a run's static context (`coverage run --context=ci`) from the tests (dynamic contexts).

Coverage stores one context name per line and run: the static context alone (`ci`) for code run
outside any test, `ci|<dynamic>` inside one; without a static context, `` and `<dynamic>`. Only
the dynamic part names a test: a static context is never shown as a test.
"""

from __future__ import annotations

from collections.abc import Collection


def static_context(contexts: Collection[str]) -> str | None:
    """The run's static context, if the data was recorded with one.

    With one, no line has the empty context, and every other context extends it with `|`.
    """
    if not contexts or "" in contexts:
        return None
    shortest = min(contexts, key=len)
    if all(c == shortest or c.startswith(shortest + "|") for c in contexts):
        return shortest
    return None


def dynamic_part(context: str, static: str | None) -> str:
    """The test part of a context name ("" for code run outside any test)."""
    if static is None:
        return context
    if context == static:
        return ""
    return context[len(static) + 1 :] if context.startswith(static + "|") else context
