"""An unhandled exception: one record (traceback, request line, redacted headers, request id),
and a 500 page quoting the id, never a traceback."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from hipflask import App
from tests.conftest import JSONLog

SECRETS = {
    "Cookie": "session=cookie-secret-1",
    "Authorization": "Bearer auth-secret-2",
    "Proxy-Authorization": "Basic proxy-secret-3",
    "X-CSRFToken": "csrf-secret-4",
    "X-CSRF-Token": "csrf-secret-5",
    "X-Api-Key": "key-secret-6",
    "X-Client-Secret": "client-secret-7",
    "X-Auth-Token": "token-secret-8",
}


def make_app(name: str, tmp_path: Path, **config: object) -> App:
    app = App(name, root_path=str(tmp_path))
    app.config.update(**config)

    @app.route("/boom", methods=["GET", "POST"])
    def boom() -> str:
        raise RuntimeError("the view failed")

    return app


def test_one_json_record_with_everything_but_the_secrets(json_log: JSONLog, tmp_path: Path) -> None:
    app = make_app(json_log.name, tmp_path, LOG_FORMAT="json", ACCESS_LOG=False)
    response = app.test_client().post(
        "/boom?page=2&access_token=query-secret-9",
        headers={**SECRETS, "X-Request-ID": "err-1", "X-Trace": "visible"},
    )
    assert response.status_code == 500
    [record] = json_log.lines()
    assert record["level"] == "ERROR"
    assert record["message"] == "Exception on /boom [POST]"
    assert record["request_id"] == "err-1"
    assert record["status"] == 500
    assert record["request_line"] == "POST /boom?page=2&access_token=[redacted] HTTP/1.1"
    headers = {name.lower(): value for name, value in record["headers"].items()}
    assert headers["x-trace"] == "visible"
    for name in SECRETS:
        assert headers[name.lower()] == "[redacted]"
    assert record["exception"].startswith("Traceback (most recent call last):")
    assert record["exception"].endswith("RuntimeError: the view failed")
    text = json_log.stream.getvalue()
    for value in [*SECRETS.values(), "query-secret-9"]:
        assert value not in text


def test_one_text_record_lists_the_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app("errors_text", tmp_path)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom", headers=SECRETS)
    request_id = response.headers["X-Request-ID"]
    [record] = [r for r in caplog.records if r.name == "errors_text"]
    message = record.getMessage()
    assert message.splitlines()[:2] == [
        f"Exception on /boom [GET] (request id {request_id})",
        "GET /boom HTTP/1.1",
    ]
    assert "Cookie: [redacted]" in message.splitlines()
    assert record.exc_info is not None
    logged = caplog.text
    assert "RuntimeError: the view failed" in logged
    for value in SECRETS.values():
        assert value not in logged


def test_the_500_page_quotes_the_request_id(tmp_path: Path) -> None:
    client = make_app("errors_page", tmp_path).test_client()
    html = client.get("/boom", headers={"X-Request-ID": "quote-me"})
    assert html.status_code == 500
    assert html.headers["X-Request-ID"] == "quote-me"
    assert html.content_type == "text/html; charset=utf-8"
    assert "<p>Request ID: <code>quote-me</code>" in html.text
    as_json = client.get("/boom", headers={"Accept": "application/json"})
    payload = as_json.get_json()
    assert payload["status"] == 500
    assert re.fullmatch(r"[0-9a-f]{32}", payload["request_id"])
    assert payload["request_id"] == as_json.headers["X-Request-ID"]
    for response in (html, as_json):
        assert "Traceback" not in response.text
        assert "the view failed" not in response.text


def test_each_500_page_has_its_own_id(tmp_path: Path) -> None:
    client = make_app("errors_unique", tmp_path).test_client()
    first, second = (client.get("/boom").headers["X-Request-ID"] for _ in range(2))
    assert first != second
    assert second in client.get("/boom", headers={"X-Request-ID": second}).text


def test_a_500_handler_can_show_the_id(tmp_path: Path) -> None:
    app = make_app("errors_handler", tmp_path)

    @app.errorhandler(500)
    def server_error(error: object) -> tuple[str, int]:
        return f"Sorry, quote {getattr(error, 'request_id', None)}", 500

    response = app.test_client().get("/boom", headers={"X-Request-ID": "h-1"})
    assert response.text == "Sorry, quote h-1"


def test_propagating_under_testing_logs_nothing(tmp_path: Path) -> None:
    app = make_app("errors_testing", tmp_path, TESTING=True)
    with pytest.raises(RuntimeError, match="the view failed"):
        app.test_client().get("/boom")
