"""The reloader's choice of folders (its restarts are tested end to end in test_serving_runner)."""

from __future__ import annotations

import os
from pathlib import Path

import hipflask
from hipflask.serving import reloader

PACKAGE = os.path.dirname(os.path.abspath(hipflask.__file__))


def test_hipflask_itself_is_never_watched() -> None:
    folders = reloader._user_module_folders()
    assert not any(
        os.path.join(folder, "").startswith(os.path.join(PACKAGE, "")) for folder in folders
    )


def test_user_modules_are_watched() -> None:
    assert os.path.dirname(os.path.abspath(__file__)) in reloader._user_module_folders()


def test_nested_folders_collapse_into_the_outermost(tmp_path: Path) -> None:
    outer, inner, other = str(tmp_path / "a"), str(tmp_path / "a" / "b"), str(tmp_path / "ab")
    assert reloader._outermost({outer, inner, other}) == [outer, other]
