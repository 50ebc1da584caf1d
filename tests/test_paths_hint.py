"""The `[paths]` block suggested for data recorded in another place."""

from __future__ import annotations

from pathlib import Path

from covlint.paths_hint import paths_block


def test_block_maps_each_recorded_folder_onto_the_local_one(tmp_path: Path) -> None:
    (tmp_path / "app" / "sub").mkdir(parents=True)
    (tmp_path / "app" / "sub" / "core.py").write_text("x = 1\n")
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "run.py").write_text("x = 1\n")
    recorded = [
        "/ci/build/app/sub/core.py",
        "/srv/checkout/app/sub/core.py",
        "C:\\work\\proj\\tools\\run.py",
        "/elsewhere/unknown.py",
    ]
    assert paths_block(tmp_path, recorded).splitlines() == [
        "[paths]",
        "app =",
        "    app/",
        "    /ci/build/app/",
        "    /srv/checkout/app/",
        "tools =",
        "    tools/",
        "    C:\\work\\proj\\tools\\",
    ]


def test_no_block_when_nothing_is_found_here(tmp_path: Path) -> None:
    assert paths_block(tmp_path, ["/ci/build/app/core.py"]) == ""
