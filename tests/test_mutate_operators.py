"""The operators and the schemata, on source texts: what each mutant is, and that a switched
module behaves exactly like the original (switch 0) or like each mutant (its number)."""

from __future__ import annotations

import builtins
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from covlint.mutate.operators import find_mutations
from covlint.mutate.schemata import SWITCH, build_schema

SOURCE = textwrap.dedent(
    '''\
    LIMIT = 3


    def score(a, b=2):
        """Docstrings are never mutated."""
        total = 0
        if a > b and not a == 7:
            total += a * b
        for i in range(LIMIT):
            if i == 1:
                continue
            total = total - i
        while (a < 5
               and b >= 0):
            a += 1
        name: str = f"{a > b}"
        return total if a is not None else None


    def call(items):
        items.append("x")
        return len(items)
    '''
)


def every_statement(text: str) -> dict[int, frozenset[int]]:
    return {line: frozenset([line]) for line in range(1, text.count("\n") + 1)}


def test_mutants_of_each_operator() -> None:
    found = {
        (m.line, m.operator, m.original, m.replacement)
        for m in find_mutations(SOURCE, every_statement(SOURCE))
    }
    assert (7, "comparison", ">", ">=") in found
    assert (7, "boolean", "and", "or") in found
    assert (7, "boolean", "not", "") in found
    assert (8, "arithmetic", "+=", "-=") in found
    assert (8, "arithmetic", "*", "/") in found
    assert (11, "loop", "continue", "break") in found
    assert (17, "return", "total if a is not None else None", "None") in found
    assert (17, "comparison", "is not", "is") in found
    assert (21, "call", 'items.append("x")', "None") in found
    assert (21, "constant", '"x"', "'XXxXX'") in found
    assert (1, "constant", "3", "4") in found
    assert not [m for m in found if m[0] in (5, 16)]  # docstring, annotation and f-string


def test_only_the_chosen_statements_and_operators() -> None:
    found = find_mutations(SOURCE, {13: frozenset([13])}, operators=["comparison"])
    assert [(m.line, m.original, m.replacement) for m in found] == [(13, "<", "<=")]


def test_a_mutant_keeps_every_line_number() -> None:
    text = "def f(x):\n    g(x,\n      1)\n    return x\n"
    (call,) = [m for m in find_mutations(text, {2: frozenset([2, 3])}) if m.operator == "call"]
    mutated = call.apply(text)
    assert mutated.count("\n") == text.count("\n")
    assert mutated.split("\n")[3] == "    return x"


def outcomes(text: str) -> Iterator[Any]:
    namespace: dict[str, Any] = {}
    exec(compile(text, "<mutant>", "exec"), namespace)
    for a in range(-1, 9):
        for b in range(0, 4):
            yield _result(namespace["score"], a, b)
    yield _result(namespace["call"], [1])


def _result(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except Exception as exc:
        return type(exc).__name__


@pytest.fixture
def switch() -> Iterator[None]:
    yield
    if hasattr(builtins, SWITCH):
        delattr(builtins, SWITCH)


def test_a_switched_module_is_the_original_or_one_mutant(switch: None) -> None:
    mutations = find_mutations(SOURCE, every_statement(SOURCE))
    schema = build_schema(SOURCE, mutations)
    setattr(builtins, SWITCH, 0)
    assert list(outcomes(schema.text)) == list(outcomes(SOURCE))
    assert len(schema.numbers) >= 15
    for mutation, number in schema.numbers.items():
        if mutation.line in (13, 15):  # `while a < 5` mutants may never end
            continue
        setattr(builtins, SWITCH, number)
        assert list(outcomes(schema.text)) == list(outcomes(mutation.apply(SOURCE))), mutation


def test_import_time_code_is_not_switched() -> None:
    schema = build_schema(SOURCE, find_mutations(SOURCE, every_statement(SOURCE)))
    assert {m.line for m in schema.numbers}.isdisjoint({1, 4})  # module level, default value
