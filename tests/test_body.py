"""The request body's helpers: the JSON depth guard (the streams are tested through Request)."""

from __future__ import annotations

import json

from hipflask.body import json_depth_exceeds


def test_json_depth_check_ignores_brackets_in_strings() -> None:
    assert not json_depth_exceeds(json.dumps({"s": "[" * 500}).encode(), 10)
    assert json_depth_exceeds(b"[" * 11 + b"]" * 11, 10)
    assert not json_depth_exceeds(b"[" * 10 + b"]" * 10, 10)
