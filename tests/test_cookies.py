"""Cookies end to end through the test client: set, read, delete, prefixes, refusals (#17, #18)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hipflask import App, Response, request, session

KEY = "a-secret-key-that-is-long-enough-123456"


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config.update(SECRET_KEY=KEY, TESTING=True)

    @app.route("/read/<name>")
    def read(name: str) -> str:
        return request.cookies.get(name, "<missing>")

    @app.route("/all")
    def read_all() -> Any:
        return dict(request.cookies.items())

    @app.route("/session")
    def read_session() -> str:
        return str(session.get("user"))

    return app


def respond_with(app: App, **cookie: Any) -> Response:
    """Call a view that sets the cookie described by ``cookie`` and return the response."""

    def view() -> Response:
        response = Response("ok")
        response.set_cookie(**cookie)
        return response

    endpoint = f"set{len(app.view_functions)}"
    app.add_url_rule(f"/{endpoint}", endpoint, view)
    return app.test_client().get(f"/{endpoint}")


def set_cookie_header(response: Any) -> str:
    (header,) = response.headers.getlist("Set-Cookie")
    return str(header)


def test_set_read_delete_round_trip(app: App) -> None:
    @app.route("/set")
    def set_theme() -> Response:
        response = Response("set")
        response.set_cookie("theme", "dark")
        return response

    @app.route("/delete")
    def delete_theme() -> Response:
        response = Response("deleted")
        response.delete_cookie("theme")
        return response

    client = app.test_client()
    client.get("/set")
    assert client.get("/read/theme").text == "dark"
    header = set_cookie_header(client.get("/delete"))
    assert header.startswith("theme=;")
    assert "Max-Age=0" in header and "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header
    assert client.get("/read/theme").text == "<missing>"


def test_every_attribute(app: App) -> None:
    header = set_cookie_header(
        respond_with(
            app,
            key="k",
            value="v",
            max_age=timedelta(hours=1),
            path="/shop",
            domain="example.com",
            secure=True,
            httponly=True,
            samesite="strict",
            partitioned=True,
        )
    )
    parts = [part.strip() for part in header.split(";")]
    assert parts[0] == "k=v"
    assert {"Max-Age=3600", "Path=/shop", "Domain=example.com", "Secure", "HttpOnly"} <= set(parts)
    assert {"SameSite=Strict", "Partitioned"} <= set(parts)
    assert any(part.startswith("Expires=") for part in parts)


@pytest.mark.parametrize(
    "expires",
    [
        datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2031, 1, 2, 3, 4, 5),
        datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp(),
        int(datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()),
        "Thu, 02 Jan 2031 03:04:05 GMT",
    ],
)
def test_expires_accepts_datetime_timestamp_or_http_date(app: App, expires: Any) -> None:
    header = set_cookie_header(respond_with(app, key="k", value="v", expires=expires))
    assert "Expires=Thu, 02 Jan 2031 03:04:05 GMT" in header


@pytest.mark.parametrize(
    "value", ["a b", "semi;colon", 'quote"d', "back\\slash", "comma,", "naïve ☃", "=eq="]
)
def test_values_that_need_it_are_quoted_and_read_back(app: App, value: str) -> None:
    @app.route("/set")
    def set_value() -> Response:
        response = Response("ok")
        response.set_cookie("v", value)
        return response

    client = app.test_client()
    header = set_cookie_header(client.get("/set"))
    assert header.startswith('v="') or value == "=eq="
    assert client.get("/read/v").text == value


@pytest.mark.parametrize(
    "cookie",
    [
        {"key": "bad name", "value": "x"},
        {"key": "semi;colon", "value": "x"},
        {"key": "cr\rlf", "value": "x"},
        {"key": "new\nline", "value": "x"},
        {"key": "", "value": "x"},
        {"key": "eq=", "value": "x"},
        {"key": "k", "value": "line\r\nSet-Cookie: admin=1"},
        {"key": "k", "value": "nul\x00"},
        {"key": "k", "value": "v", "path": "/a;b"},
        {"key": "k", "value": "v", "path": "/a\r\nX: y"},
        {"key": "k", "value": "v", "domain": "example.com; Secure"},
        {"key": "k", "value": "v", "samesite": "sometimes"},
        {"key": "__Host-k", "value": "v"},
        {"key": "__Host-k", "value": "v", "secure": True, "path": "/app"},
        {"key": "__Host-k", "value": "v", "secure": True, "domain": "example.com"},
        {"key": "__Secure-k", "value": "v"},
        {"key": "__host-k", "value": "v"},
    ],
)
def test_injection_and_prefix_violations_are_refused(app: App, cookie: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        respond_with(app, **cookie)


def test_valid_prefixed_cookies(app: App) -> None:
    assert "Secure" in set_cookie_header(respond_with(app, key="__Host-k", value="v", secure=True))
    assert "Secure" in set_cookie_header(
        respond_with(app, key="__Secure-k", value="v", secure=True, domain="example.com")
    )


def test_refused_cookie_is_a_500_in_production(app: App) -> None:
    app.config["TESTING"] = False
    assert respond_with(app, key="k", value="a\r\nb").status_code == 500


def test_oversized_cookie_logs_and_warns(app: App, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), pytest.warns(UserWarning, match="'big' cookie") as w:
        response = respond_with(app, key="big", value="x" * 4100)
    assert response.status_code == 200
    assert any("4093" in record.getMessage() for record in caplog.records)
    assert "4093" in str(w[0].message)


def test_max_cookie_size_comes_from_the_config(app: App, caplog: pytest.LogCaptureFixture) -> None:
    app.config["MAX_COOKIE_SIZE"] = 100
    with caplog.at_level(logging.WARNING), pytest.warns(UserWarning, match="100-byte"):
        respond_with(app, key="mid", value="x" * 200)
    assert any("over the 100-byte limit" in record.getMessage() for record in caplog.records)
    caplog.clear()
    app.config["MAX_COOKIE_SIZE"] = 0
    with caplog.at_level(logging.WARNING):
        respond_with(app, key="huge", value="x" * 5000)
    assert not caplog.records


def test_path_none_leaves_the_path_attribute_out(app: App) -> None:
    header = set_cookie_header(respond_with(app, key="k", value="v", path=None))
    assert header == "k=v"
    header = set_cookie_header(respond_with(app, key="k", value="v"))
    assert header == "k=v; Path=/"


@pytest.mark.parametrize(
    ("header", "name", "expected"),
    [
        ("=__Host-s=evil; __Host-s=good", "__Host-s", "good"),
        ("s=a; s=b", "s", "a"),
        ('q="quoted value"', "q", "quoted value"),
        (";;; a=1 ;; ; b=2;", "b", "2"),
        ("a=1; garbage; ===; b", "a", "1"),
        ("name=caf\xc3\xa9", "name", "café"),
        ("name=\xff\xfe", "name", "\xff\xfe"),
        ("x=" + "%" * 3000, "x", "%" * 3000),
    ],
)
def test_real_world_cookie_headers_parse_without_raising(
    app: App, header: str, name: str, expected: str
) -> None:
    response = app.test_client().get(f"/read/{name}", environ_overrides={"HTTP_COOKIE": header})
    assert (response.status_code, response.text) == (200, expected)


def test_getlist_returns_every_duplicate_in_order() -> None:
    app = App(__name__)

    @app.route("/")
    def both() -> dict[str, object]:
        return {
            "first": request.cookies["s"],
            "all": request.cookies.getlist("s"),
            "host": request.cookies.getlist("__Host-s"),
        }

    header = "s=a; t=1; s=b; =__Host-s=evil; __Host-s=good; s=c"
    response = app.test_client().get("/", environ_overrides={"HTTP_COOKIE": header})
    assert response.json == {"first": "a", "all": ["a", "b", "c"], "host": ["good"]}


@pytest.mark.parametrize(
    "header",
    [
        "\x00\x01\x02" * 3000,
        "; ".join(f"c{i}={'v' * 20}" for i in range(400)),
        '"' * 8192,
        "=" * 8192,
        "a=" + '"' * 8190,
        "\\" * 8192,
    ],
)
def test_eight_kilobytes_of_garbage_is_never_a_500(app: App, header: str) -> None:
    client = app.test_client()
    assert client.get("/all", environ_overrides={"HTTP_COOKIE": header}).status_code == 200
    response = client.get("/session", environ_overrides={"HTTP_COOKIE": header})
    assert (response.status_code, response.text) == (200, "None")


def test_session_cookie_first_of_duplicates_wins(app: App) -> None:
    @app.route("/login/<user>")
    def login(user: str) -> str:
        session["user"] = user
        return "ok"

    alice = app.test_client()
    alice.get("/login/alice")
    good = alice.get_cookie("session").value
    mallory = app.test_client()
    mallory.get("/login/mallory")
    evil = mallory.get_cookie("session").value
    header = f"=session={evil}; session={good}; session={evil}"
    response = app.test_client().get("/session", environ_overrides={"HTTP_COOKIE": header})
    assert response.text == "alice"


def test_reading_plain_cookies_does_not_add_vary(app: App) -> None:
    response = app.test_client().get("/read/x", headers={"Cookie": "x=1"})
    assert "Vary" not in response.headers


def test_reading_the_session_adds_vary(app: App) -> None:
    response = app.test_client().get("/session", headers={"Cookie": "x=1"})
    assert response.headers.getlist("Vary") == ["Cookie"]
