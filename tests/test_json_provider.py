"""The JSON provider: Flask 2.3's attribute settings on app.json, and their config fallbacks."""

from __future__ import annotations

import pytest

from hipflask import App, jsonify


@pytest.fixture
def app() -> App:
    app = App(__name__)

    @app.route("/")
    def index():  # type: ignore[no-untyped-def]
        return jsonify(b=1, a="é")

    return app


def test_attributes_override_the_config(app: App) -> None:
    client = app.test_client()
    assert client.get("/").data == b'{"a":"\\u00e9","b":1}\n'
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    assert client.get("/").get_data(as_text=True) == '{"b":1,"a":"é"}\n'
    app.config["JSON_SORT_KEYS"] = True  # the attribute, once set, wins over the config
    assert client.get("/").get_data(as_text=True) == '{"b":1,"a":"é"}\n'


def test_compact_follows_debug_until_set(app: App) -> None:
    client = app.test_client()
    app.debug = True
    assert client.get("/").data == b'{\n  "a": "\\u00e9",\n  "b": 1\n}\n'
    app.json.compact = True
    assert client.get("/").data == b'{"a":"\\u00e9","b":1}\n'
    app.json.compact = None
    assert client.get("/").data.startswith(b"{\n")
    app.debug = False
    app.json.compact = False
    assert client.get("/").data.startswith(b"{\n")
