"""ProxyFix: X-Forwarded-* trusted only as far as configured, with Werkzeug's semantics."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import App, request, url_for
from hipflask.middleware.proxy_fix import ProxyFix


def make_app(**counts: int) -> App:
    app = App(__name__)

    @app.route("/where")
    def where() -> dict[str, Any]:
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "script_root": request.script_root,
            "external": url_for("where", _external=True),
            "server_port": request.environ.get("SERVER_PORT"),
        }

    app.wsgi_app = ProxyFix(app.wsgi_app, **counts)  # type: ignore[method-assign]
    return app


def get(app: App, headers: dict[str, str]) -> dict[str, Any]:
    response = app.test_client().get(
        "/where", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}
    )
    assert response.status_code == 200
    return dict(response.json)


FORWARDED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "example.com",
    "X-Forwarded-Port": "8443",
    "X-Forwarded-Prefix": "/shop",
}


def test_headers_are_ignored_without_the_middleware() -> None:
    app = App(__name__)

    @app.route("/where")
    def where() -> dict[str, Any]:
        return {"remote_addr": request.remote_addr, "scheme": request.scheme}

    response = app.test_client().get(
        "/where", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.1"}
    )
    assert response.json == {"remote_addr": "10.0.0.1", "scheme": "http"}


def test_default_trusts_one_proxy_for_addr_and_proto_only() -> None:
    seen = get(make_app(), FORWARDED)
    assert seen["remote_addr"] == "203.0.113.9"
    assert seen["scheme"] == "https"
    assert seen["host"] == "localhost"
    assert seen["script_root"] == ""
    assert seen["external"] == "https://localhost/where"


def test_all_headers_with_counts() -> None:
    seen = get(make_app(x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1), FORWARDED)
    assert seen["remote_addr"] == "203.0.113.9"
    assert seen["host"] == "example.com:8443"
    assert seen["server_port"] == "8443"
    assert seen["script_root"] == "/shop"
    assert seen["external"] == "https://example.com:8443/shop/where"


def test_only_the_trusted_rightmost_value_is_used() -> None:
    # The client forged the first value; the one proxy we trust appended the last.
    seen = get(make_app(x_for=1), {"X-Forwarded-For": "1.2.3.4, 198.51.100.7"})
    assert seen["remote_addr"] == "198.51.100.7"
    seen = get(make_app(x_for=2), {"X-Forwarded-For": "1.2.3.4, 198.51.100.7, 10.0.0.2"})
    assert seen["remote_addr"] == "198.51.100.7"


def test_too_few_values_are_all_ignored() -> None:
    seen = get(make_app(x_for=2), {"X-Forwarded-For": "198.51.100.7"})
    assert seen["remote_addr"] == "10.0.0.1"


def test_zero_count_ignores_the_header() -> None:
    seen = get(make_app(x_for=0, x_proto=0), FORWARDED)
    assert seen["remote_addr"] == "10.0.0.1"
    assert seen["scheme"] == "http"


def test_host_with_port_sets_server_name_and_port() -> None:
    app = make_app(x_host=1)
    seen = get(app, {"X-Forwarded-Host": "example.org:8080"})
    assert seen["host"] == "example.org:8080"
    assert seen["server_port"] == "8080"


def test_ipv6_host_without_port() -> None:
    seen = get(make_app(x_host=1), {"X-Forwarded-Host": "[2001:db8::1]"})
    assert seen["host"] == "[2001:db8::1]"


def test_port_replaces_the_host_port() -> None:
    seen = get(make_app(x_port=1), {"Host": "example.net:80", "X-Forwarded-Port": "4443"})
    assert seen["host"] == "example.net:4443"


@pytest.mark.parametrize("proto", ["javascript", "https x", "ftp", ""])
def test_a_bogus_proto_is_ignored(proto: str) -> None:
    seen = get(make_app(), {"X-Forwarded-Proto": proto})
    assert seen["scheme"] == "http"


@pytest.mark.parametrize("port", ["abc", "0", "70000", "-1"])
def test_a_bogus_port_is_ignored(port: str) -> None:
    seen = get(make_app(x_port=1), {"X-Forwarded-Port": port})
    assert seen["host"] == "localhost"


def test_original_values_are_kept() -> None:
    captured: dict[str, Any] = {}

    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        captured.update(environ)
        start_response("204 No Content", [])
        return []

    middleware = ProxyFix(inner, x_for=1)
    environ = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    middleware(environ, lambda status, headers: None)
    assert captured["REMOTE_ADDR"] == "203.0.113.9"
    assert captured["hipflask.proxy_fix.orig"]["REMOTE_ADDR"] == "10.0.0.1"


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="x_for"):
        ProxyFix(make_app(), x_for=-1)
