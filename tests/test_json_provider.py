"""The JSON provider: Flask 2.3's attribute settings on app.json, and their config fallbacks."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import App, Response, jsonify
from hipflask.json.provider import JSONProvider


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


def test_config_changed_after_the_first_answer_is_followed(app: App) -> None:
    client = app.test_client()
    assert client.get("/").data == b'{"a":"\\u00e9","b":1}\n'
    app.config["JSON_SORT_KEYS"] = False
    assert client.get("/").data == b'{"b":1,"a":"\\u00e9"}\n'
    app.config.update(JSON_AS_ASCII=False)
    assert client.get("/").get_data(as_text=True) == '{"b":1,"a":"é"}\n'
    app.config["JSONIFY_PRETTYPRINT_REGULAR"] = True
    assert client.get("/").data.startswith(b"{\n")
    del app.config["JSONIFY_PRETTYPRINT_REGULAR"]
    app.config["DEBUG"] = True
    assert client.get("/").data.startswith(b"{\n")


def test_settings_of_a_second_app_do_not_leak_into_the_first(app: App) -> None:
    other = App(__name__)
    other.config["JSON_SORT_KEYS"] = False

    @other.route("/")
    def index():  # type: ignore[no-untyped-def]
        return jsonify(b=1, a=2)

    assert other.test_client().get("/").data == b'{"b":1,"a":2}\n'
    assert app.test_client().get("/").data == b'{"a":"\\u00e9","b":1}\n'
    assert other.test_client().get("/").data == b'{"b":1,"a":2}\n'


def test_a_plain_dict_config_is_read_on_every_answer(app: App) -> None:
    client = app.test_client()
    assert client.get("/").data == b'{"a":"\\u00e9","b":1}\n'
    app.config = dict(app.config)  # type: ignore[assignment]
    app.config["JSON_SORT_KEYS"] = False
    assert client.get("/").data == b'{"b":1,"a":"\\u00e9"}\n'
    app.config["JSON_SORT_KEYS"] = True
    assert client.get("/").data == b'{"a":"\\u00e9","b":1}\n'


class _TextProvider(JSONProvider):
    mimetype = "text/json"


class _OwnResponse(Response):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers["X-Own"] = "yes"


def test_jsonify_answers_with_the_provider_mimetype_and_the_response_class(app: App) -> None:
    app.json = _TextProvider(app)
    app.response_class = _OwnResponse
    response = app.test_client().get("/")
    assert response.headers["Content-Type"] == "text/json; charset=utf-8"
    assert response.headers["X-Own"] == "yes"
    assert response.headers["Content-Length"] == str(len(response.data))


def test_a_mimetype_with_a_line_break_is_refused(app: App) -> None:
    app.json.mimetype = "application/json\r\nX-Evil: 1"  # type: ignore[misc]
    app.testing = True
    with pytest.raises(ValueError):
        app.test_client().get("/")
