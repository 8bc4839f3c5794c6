"""The test client's cookie jar: cookies the app sets come back as a browser would send them."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import App, Response, request
from hipflask.testing import TestClient


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config.update(TESTING=True)

    @app.route("/echo")
    def echo() -> dict[str, Any]:
        return {"cookies": request.cookies.to_dict()}

    return app


@pytest.fixture
def client(app: App) -> TestClient:
    return app.test_client()


@pytest.fixture
def cookie_app(app: App) -> App:
    @app.route("/set")
    def set_cookie() -> Response:
        response = Response("set")
        for key, value in request.args.items():
            response.set_cookie(key, value, httponly=True)
        return response

    @app.route("/set-scoped")
    def set_scoped() -> Response:
        response = Response("set")
        response.set_cookie("scoped", "1", path="/echo/deeper")
        response.set_cookie("brief", "1", max_age=3600)
        response.set_cookie("https_only", "1", secure=True)
        return response

    @app.route("/delete")
    def delete_cookie() -> Response:
        response = Response("deleted")
        response.delete_cookie(request.args["key"])
        return response

    @app.route("/echo/deeper")
    def deeper() -> dict[str, str]:
        return request.cookies.to_dict()

    return app


def test_cookie_set_by_one_view_is_sent_to_the_next(cookie_app: App) -> None:
    client = cookie_app.test_client()
    client.get("/set?theme=dark&lang=en")
    assert client.get("/echo").json["cookies"] == {"theme": "dark", "lang": "en"}
    cookie = client.get_cookie("theme")
    assert cookie is not None
    assert (cookie.value, cookie.domain, cookie.path, cookie.http_only) == (
        "dark",
        "localhost",
        "/",
        True,
    )


def test_cookie_deleted_by_the_app(cookie_app: App) -> None:
    client = cookie_app.test_client()
    client.get("/set?theme=dark&lang=en")
    client.get("/delete?key=theme")
    assert client.get_cookie("theme") is None
    assert client.get("/echo").json["cookies"] == {"lang": "en"}


def test_cookie_path_expiry_and_secure(cookie_app: App) -> None:
    client = cookie_app.test_client()
    client.get("/set-scoped")
    assert client.get("/echo").json["cookies"] == {"brief": "1", "https_only": "1"}
    assert client.get("/echo/deeper").json == {"scoped": "1", "brief": "1", "https_only": "1"}
    brief = client.get_cookie("brief")
    assert brief is not None
    assert brief.expires is not None
    # localhost is a secure context, as in browsers; another plain-HTTP host is not.
    other = cookie_app.test_client()
    other.get("/set-scoped", base_url="http://example.com")
    assert other.get_cookie("https_only", domain="example.com") is None
    assert other.get_cookie("brief", domain="example.com") is not None


def test_cookies_are_scoped_to_their_host(cookie_app: App) -> None:
    client = cookie_app.test_client()
    client.get("/set?a=1", base_url="http://one.test")
    assert client.get("/echo", base_url="http://one.test").json["cookies"] == {"a": "1"}
    assert client.get("/echo", base_url="http://two.test").json["cookies"] == {}
    assert client.get("/echo", base_url="http://sub.one.test").json["cookies"] == {}


def test_client_side_set_and_delete_cookie(client: TestClient) -> None:
    client.set_cookie("token", "abc")
    client.set_cookie("wide", "1", domain="example.com", origin_only=False)
    assert client.get("/echo").json["cookies"] == {"token": "abc"}
    assert client.get("/echo", base_url="http://api.example.com").json["cookies"] == {"wide": "1"}
    client.delete_cookie("token")
    assert client.get("/echo").json["cookies"] == {}


def test_explicit_cookie_header_is_kept(client: TestClient) -> None:
    client.set_cookie("jar", "1")
    response = client.get("/echo", headers={"Cookie": "manual=2"})
    assert response.json["cookies"] == {"manual": "2", "jar": "1"}


def test_cookies_disabled(cookie_app: App) -> None:
    client = cookie_app.test_client(use_cookies=False)
    client.get("/set?theme=dark")
    assert client.get("/echo").json["cookies"] == {}
    with pytest.raises(TypeError, match="use_cookies"):
        client.get_cookie("theme")
