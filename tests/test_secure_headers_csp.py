"""Content-Security-Policy (hipflask.secure_headers.csp): config, per view, nonce, report-only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hipflask import App, Response, render_template_string
from hipflask.secure_headers import compile_policy, csp, csp_exempt, csp_nonce

CSP = "Content-Security-Policy"
REPORT_ONLY = "Content-Security-Policy-Report-Only"
POLICY = {"default-src": "'self'", "img-src": ["'self'", "data:"]}
NONCE_PAGE = "<script nonce='{{ csp_nonce() }}'>1</script><style nonce='{{ csp_nonce() }}'></style>"


def make_app(**config: Any) -> App:
    app = App(__name__)
    app.config.update(config)

    @app.route("/")
    def index() -> str:
        return "ok"

    @app.route("/nonce")
    def nonce() -> str:
        return render_template_string(NONCE_PAGE)

    @app.route("/own")
    def own() -> Response:
        return Response("own", headers={CSP: "default-src 'none'"})

    @app.route("/view")
    @csp({"default-src": "'none'", "script-src": "'self'"})
    def view() -> str:
        return render_template_string(NONCE_PAGE)

    @csp_exempt
    @app.route("/exempt")
    def exempt() -> str:
        return "exempt"

    return app


def nonce_of(body: str) -> str:
    nonces = set(re.findall(r"nonce='([^']+)'", body))
    assert len(nonces) == 1, body
    return nonces.pop()


def test_no_policy_by_default_only_frame_ancestors() -> None:
    response = make_app().test_client().get("/")
    assert response.headers.getlist(CSP) == ["frame-ancestors 'none'"]
    assert REPORT_ONLY not in response.headers


@pytest.mark.parametrize(
    "policy",
    [
        POLICY,
        "default-src 'self'; img-src 'self' data:;",
        " DEFAULT-SRC  'self' ;img-src 'self'   data: ",
    ],
)
def test_a_policy_from_the_config_replaces_frame_ancestors(policy: Any) -> None:
    app = make_app(CONTENT_SECURITY_POLICY=policy)
    for path in ("/", "/missing"):
        response = app.test_client().get(path)
        assert response.headers.getlist(CSP) == ["default-src 'self'; img-src 'self' data:"]
    assert response.status_code == 404
    assert response.headers["X-Frame-Options"] == "DENY"  # still there for old browsers


def test_a_policy_applies_with_the_other_headers_off() -> None:
    app = make_app(CONTENT_SECURITY_POLICY=POLICY, SECURITY_HEADERS=False)
    response = app.test_client().get("/")
    assert response.headers.getlist(CSP) == ["default-src 'self'; img-src 'self' data:"]
    assert "X-Frame-Options" not in response.headers


def test_a_view_setting_its_own_keeps_it() -> None:
    response = make_app(CONTENT_SECURITY_POLICY=POLICY).test_client().get("/own")
    assert response.headers.getlist(CSP) == ["default-src 'none'"]


def test_the_nonce_is_in_the_page_and_the_header_and_new_per_request() -> None:
    app = make_app(CONTENT_SECURITY_POLICY={"default-src": "'self'", "script-src": "'self'"})
    client = app.test_client()
    first, second = client.get("/nonce"), client.get("/nonce")
    nonce = nonce_of(first.text)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", nonce)
    assert first.headers[CSP] == (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'"
    )
    assert nonce_of(second.text) != nonce
    # A page that never asked for a nonce gets none in its header.
    assert client.get("/").headers[CSP] == "default-src 'self'; script-src 'self'"


def test_the_nonce_goes_only_where_configured() -> None:
    app = make_app(
        CONTENT_SECURITY_POLICY="script-src 'self'; style-src 'self'",
        CONTENT_SECURITY_POLICY_NONCE_IN=["style-src"],
    )
    response = app.test_client().get("/nonce")
    nonce = nonce_of(response.text)
    assert response.headers[CSP] == f"script-src 'self'; style-src 'self' 'nonce-{nonce}'"


def test_a_view_policy_and_exemption() -> None:
    client = make_app(CONTENT_SECURITY_POLICY=POLICY).test_client()
    response = client.get("/view")
    nonce = nonce_of(response.text)
    assert response.headers.getlist(CSP) == [
        f"default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'nonce-{nonce}'"
    ]
    exempt = client.get("/exempt")
    assert exempt.headers.getlist(CSP) == ["frame-ancestors 'none'"]


def test_a_view_policy_works_with_the_headers_off() -> None:
    client = make_app(SECURITY_HEADERS=False).test_client()
    assert client.get("/view").headers[CSP].startswith("default-src 'none'; script-src 'self'")
    assert CSP not in client.get("/").headers


def test_report_only_keeps_frame_ancestors_enforced() -> None:
    app = make_app(
        CONTENT_SECURITY_POLICY=POLICY,
        CONTENT_SECURITY_POLICY_REPORT_ONLY=True,
        CONTENT_SECURITY_POLICY_REPORT_URI="/csp-report",
    )
    response = app.test_client().get("/")
    assert response.headers.getlist(REPORT_ONLY) == [
        "default-src 'self'; img-src 'self' data:; report-uri /csp-report"
    ]
    assert response.headers.getlist(CSP) == ["frame-ancestors 'none'"]


def test_report_to_is_an_ordinary_directive() -> None:
    policy = compile_policy({"default-src": "'self'", "report-to": "csp-endpoint"})
    assert policy.header_value(None) == "default-src 'self'; report-to csp-endpoint"


@pytest.mark.parametrize(
    ("policy", "nonce_in", "expected"),
    [
        ({"script-src": "'none'"}, ["script-src"], "script-src 'nonce-N'"),
        ({"default-src": "'none'"}, ["script-src"], "default-src 'none'; script-src 'nonce-N'"),
        ({"img-src": "*"}, ["script-src"], "img-src *"),  # scripts unrestricted: left so
        ({"default-src": "'self'"}, [], "default-src 'self'"),
    ],
)
def test_where_the_nonce_goes(policy: Any, nonce_in: list[str], expected: str) -> None:
    assert compile_policy(policy, nonce_in=nonce_in).header_value("N") == expected


@pytest.mark.parametrize(
    "policy",
    [
        {"script-src": "'self'; img-src *"},
        {"script-src": "a, b"},
        {"script src": "'self'"},
        {"script-src": "'self'\r\nSet-Cookie: x=1"},
        42,
    ],
)
def test_malformed_policies_are_refused_at_finalize(policy: Any) -> None:
    app = make_app(CONTENT_SECURITY_POLICY=policy)
    with pytest.raises(ValueError, match="CONTENT_SECURITY_POLICY"):
        app.finalize()


def test_the_decorator_refuses_a_malformed_policy_at_once() -> None:
    with pytest.raises(ValueError, match=r"csp\(\)"):
        csp({"script-src": "'self'; img-src *"})


def test_csp_nonce_outside_templates_is_the_same_for_the_request() -> None:
    app = make_app(CONTENT_SECURITY_POLICY="script-src 'self'")
    with app.test_request_context("/"):
        assert csp_nonce() == csp_nonce()
