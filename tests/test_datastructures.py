"""The containers under Werkzeug's module name: ``hipflask.datastructures`` re-exports them."""

from __future__ import annotations

from hipflask import datastructures


def test_all_is_sorted_and_resolves() -> None:
    assert datastructures.__all__ == sorted(set(datastructures.__all__))
    for name in datastructures.__all__:
        assert getattr(datastructures, name) is not None
