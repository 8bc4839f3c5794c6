"""The security headers switch (SECURITY.md "Defaults"): SECURITY_HEADERS and HSTS_MAX_AGE."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hipflask import App, Response, abort
from hipflask.secure_headers import security_headers, strict_transport_security

DEFAULT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "frame-ancestors 'self'",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "Strict-Transport-Security"


def make_app(**config: Any) -> App:
    app = App(__name__)
    app.config.update(config)

    @app.route("/")
    def index() -> str:
        return "ok"

    @app.route("/own")
    def own() -> Response:
        response = Response("own")
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = "default-src 'self'"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.route("/forbidden")
    def forbidden() -> str:
        abort(403)

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    return app


def present(response: Any) -> dict[str, str]:
    """Return the security headers of a response, HSTS included."""
    names = [*DEFAULT_HEADERS, HSTS]
    return {name: response.headers[name] for name in names if name in response.headers}


def test_off_by_default_and_nothing_installed() -> None:
    app = make_app()
    response = app.test_client().get("/", base_url="https://localhost")
    assert present(response) == {}
    assert "security_headers" not in app.extensions
    assert app.after_request_funcs == {}


def test_the_switch_adds_every_header_but_hsts() -> None:
    app = make_app(SECURITY_HEADERS=True)
    assert present(app.test_client().get("/")) == DEFAULT_HEADERS
    assert present(app.test_client().get("/", base_url="https://localhost")) == DEFAULT_HEADERS


@pytest.mark.parametrize(
    ("path", "status"), [("/missing", 404), ("/forbidden", 403), ("/boom", 500), ("", 308)]
)
def test_error_and_redirect_responses_carry_them(path: str, status: int) -> None:
    app = make_app(SECURITY_HEADERS=True, PROPAGATE_EXCEPTIONS=False)
    app.add_url_rule("/folder/", "folder", lambda: "folder")
    response = app.test_client().get(path or "/folder")
    assert response.status_code == status
    assert present(response) == DEFAULT_HEADERS


def test_a_handled_error_carries_them() -> None:
    app = make_app(SECURITY_HEADERS=True)
    app.register_error_handler(404, lambda exc: ("nothing here", 404))
    assert present(app.test_client().get("/missing")) == DEFAULT_HEADERS


def test_headers_a_view_sets_are_kept_and_its_csp_untouched() -> None:
    app = make_app(SECURITY_HEADERS=True)
    headers = present(app.test_client().get("/own"))
    assert headers == {
        **DEFAULT_HEADERS,
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": "default-src 'self'",
        "Referrer-Policy": "no-referrer",
    }


def test_headers_an_after_request_hook_sets_are_kept() -> None:
    app = make_app(SECURITY_HEADERS=True)

    @app.after_request
    def opener(response: Response) -> Response:
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin-allow-popups"
        return response

    @app.after_request
    def replace(response: Response) -> Response:
        return Response("replaced")  # a hook may return a new response: it gets them too

    headers = present(app.test_client().get("/"))
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"


def test_values_come_from_the_config() -> None:
    app = make_app(
        SECURITY_HEADERS=True,
        SECURITY_CONTENT_TYPE_NOSNIFF=False,
        SECURITY_FRAME_OPTIONS="deny",
        SECURITY_REFERRER_POLICY="no-referrer",
        SECURITY_CROSS_ORIGIN_OPENER_POLICY=None,
    )
    assert present(app.test_client().get("/")) == {
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": "frame-ancestors 'none'",
        "Referrer-Policy": "no-referrer",
    }


def test_frame_options_none_sends_neither_frame_header() -> None:
    app = make_app(SECURITY_HEADERS=True, SECURITY_FRAME_OPTIONS=None)
    headers = present(app.test_client().get("/"))
    assert "X-Frame-Options" not in headers
    assert "Content-Security-Policy" not in headers


@pytest.mark.parametrize(
    "config",
    [
        {"SECURITY_FRAME_OPTIONS": "ALLOW-FROM https://a.example"},
        {"SECURITY_REFERRER_POLICY": "no-referrer\r\nSet-Cookie: x=1"},
    ],
)
def test_invalid_values_are_refused_at_setup(config: dict[str, Any]) -> None:
    app = make_app(SECURITY_HEADERS=True, **config)
    with pytest.raises(ValueError):
        security_headers(app.config)
    with pytest.raises(ValueError), app.test_request_context():
        pass


# -- HSTS: opt-in, HTTPS responses only (RFC 6797 7.2) -----------------------------------------


def test_hsts_only_on_https_responses() -> None:
    app = make_app(HSTS_MAX_AGE=31_536_000)
    client = app.test_client()
    assert present(client.get("/", base_url="https://localhost")) == {HSTS: "max-age=31536000"}
    assert present(client.get("/missing", base_url="https://localhost")) == {
        HSTS: "max-age=31536000"
    }
    assert present(client.get("/")) == {}


def test_hsts_with_the_switch_and_its_options() -> None:
    app = make_app(
        SECURITY_HEADERS=True,
        HSTS_MAX_AGE=timedelta(days=365),
        HSTS_INCLUDE_SUBDOMAINS=True,
        HSTS_PRELOAD=True,
    )
    headers = present(app.test_client().get("/", base_url="https://localhost"))
    assert headers == {**DEFAULT_HEADERS, HSTS: "max-age=31536000; includeSubDomains; preload"}


def test_a_view_setting_hsts_keeps_its_own() -> None:
    app = make_app(HSTS_MAX_AGE=600)

    @app.route("/hsts")
    def hsts() -> Response:
        return Response("x", headers={HSTS: "max-age=0"})

    response = app.test_client().get("/hsts", base_url="https://localhost")
    assert response.headers.getlist(HSTS) == ["max-age=0"]


@pytest.mark.parametrize(
    ("max_age", "expected"), [(None, None), (0, "max-age=0"), (timedelta(hours=1), "max-age=3600")]
)
def test_hsts_value(max_age: Any, expected: str | None) -> None:
    assert strict_transport_security({"HSTS_MAX_AGE": max_age}) == expected


@pytest.mark.parametrize("max_age", [-1, "1y", 1.5, True])
def test_hsts_invalid_max_age(max_age: Any) -> None:
    with pytest.raises(ValueError, match="HSTS_MAX_AGE"):
        strict_transport_security({"HSTS_MAX_AGE": max_age})
