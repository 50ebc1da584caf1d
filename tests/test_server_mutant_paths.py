"""Survivors for a document opened through a link: its real path is looked up once, not at
every publish (publishes run on the event loop)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from covlint.mutate.plan import text_digest
from covlint.server.mutants import Loaded, MutantMarks

TEXT = ["def f(x):", "    return x + 1"]


def test_a_linked_documents_real_path_is_resolved_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "repo" / "app.py"
    real.parent.mkdir()
    real.write_text("\n".join(TEXT) + "\n")
    link = tmp_path / "link"
    link.symlink_to(real.parent)
    results = tmp_path / "results.json"
    with ThreadPoolExecutor(1) as executor:
        marks = MutantMarks(executor, on_loaded=lambda: None)
        survivor: Any = object()  # stands for a MutantResult: only its identity matters here
        digests = {real: text_digest("\n".join(TEXT))}
        marks._loaded[results] = Loaded((1, 1), {real: [survivor]}, digests)
        assert marks.for_file(results, link / "app.py", TEXT) == [survivor]
        assert marks._real_paths == {link / "app.py": real}

        def no_resolve(self: Path, strict: bool = False) -> Path:
            raise AssertionError("resolved again")

        monkeypatch.setattr(Path, "resolve", no_resolve)
        for _ in range(3):
            assert marks.for_file(results, link / "app.py", TEXT) == [survivor]
