"""Flask-WTF's CSRF API beyond the common path: validate_csrf's ValidationError and messages,
protect(apply_exemptions=), csrf_meta_tag, g.csrf_token / g.csrf_valid, same_origin, every
WTF_CSRF_* setting, JSON refusals, and tokens stamped by a clock that runs ahead.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import itsdangerous.timed
import pytest
from itsdangerous.encoding import base64_decode, bytes_to_int
from wtforms.validators import ValidationError

from hipflask import App, Blueprint, g, render_template_string, session
from hipflask.csrf import (
    CSRFError,
    CSRFProtect,
    csrf_meta_tag,
    exempt,
    generate_csrf,
    same_origin,
    validate_csrf,
)
from tests.reference_signer import Signer

KEY = "k" * 40


def make_app(**config: Any) -> tuple[App, CSRFProtect]:
    app = App(__name__)
    app.config.update({"SECRET_KEY": KEY, **config})
    csrf = CSRFProtect(app)

    @app.route("/token")
    def token() -> str:
        return generate_csrf()

    @app.route("/submit", methods=["POST", "PUT"])
    def submit() -> str:
        return "done"

    return app, csrf


def token_of(client: Any) -> str:
    return str(client.get("/token").get_data(as_text=True))


# -- validate_csrf: WTForms' ValidationError with Flask-WTF's messages -------------------------


def other_sessions_token(app: App) -> str:
    with app.test_request_context("/"):
        return generate_csrf()


def expired_token(app: App) -> str:
    with app.test_request_context("/"):
        session["csrf_token"] = "ab" * 32
        return generate_csrf()


@pytest.mark.parametrize(
    ("make_token", "has_secret", "message"),
    [
        (lambda app: None, True, "The CSRF token is missing."),
        (lambda app: "", True, "The CSRF token is missing."),
        (lambda app: "x.y.z", False, "The CSRF session token is missing."),
        (lambda app: "not-a-token", True, "The CSRF token is invalid."),
        (other_sessions_token, True, "The CSRF tokens do not match."),
    ],
)
def test_validate_csrf_raises_validation_error_with_the_reason(
    make_token: Any, has_secret: bool, message: str
) -> None:
    app, _ = make_app()
    data = make_token(app)
    with app.test_request_context("/", method="POST"):
        if has_secret:
            generate_csrf()
        with pytest.raises(ValidationError) as caught:
            validate_csrf(data)
        assert caught.value.args == (message,)
        assert not isinstance(caught.value, CSRFError)


def test_validate_csrf_expired_and_time_limit_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ = make_app()
    with app.test_request_context("/", method="POST"):
        token = generate_csrf()
        validate_csrf(token)
        later = time.time() + 61
        monkeypatch.setattr("hipflask.csrf.time", SimpleNamespace(time=lambda: later))
        validate_csrf(token)  # WTF_CSRF_TIME_LIMIT is an hour
        with pytest.raises(ValidationError, match=r"^The CSRF token has expired\.$"):
            validate_csrf(token, time_limit=60)


def test_validate_csrf_secret_key_and_token_key_arguments() -> None:
    app, _ = make_app()
    with app.test_request_context("/", method="POST"):
        token = generate_csrf(secret_key="s" * 40, token_key="other_token")
        assert "other_token" in session
        assert "csrf_token" not in session
        validate_csrf(token, secret_key="s" * 40, token_key="other_token")
        with pytest.raises(ValidationError, match="invalid"):
            validate_csrf(token, token_key="other_token")
        with pytest.raises(ValidationError, match="session token is missing"):
            validate_csrf(token, secret_key="s" * 40)


@pytest.mark.parametrize(
    ("data", "reason"),
    [({}, "The CSRF token is missing."), ({"csrf_token": "forged"}, "The CSRF token is invalid.")],
)
def test_the_view_level_failure_is_a_csrf_error_with_the_same_reason(
    data: dict[str, str], reason: str
) -> None:
    app, _ = make_app()
    seen: list[Any] = []

    @app.errorhandler(CSRFError)
    def handler(exc: CSRFError) -> tuple[str, int]:
        seen.append(exc)
        return exc.description, 400

    client = app.test_client()
    token_of(client)
    response = client.post("/submit", data=data)
    assert (response.status_code, response.get_data(as_text=True)) == (400, reason)
    assert len(seen) == 1
    assert seen[0].code == 400


def test_csrf_error_default_description_is_flask_wtfs() -> None:
    assert CSRFError().description == "CSRF validation failed."


# -- protect(apply_exemptions=...) ----------------------------------------------------------


def manual_app() -> tuple[App, CSRFProtect]:
    app, csrf = make_app(WTF_CSRF_CHECK_DEFAULT=False)
    hooks = Blueprint("hooks", __name__)

    @app.before_request
    def check() -> None:
        if app.config.get("APPLY"):
            csrf.protect(apply_exemptions=True)
        else:
            csrf.protect()

    @app.route("/exempt-view", methods=["POST"])
    @csrf.exempt
    def exempt_view() -> str:
        return "exempt view"

    @app.route("/marked-view", methods=["POST"])
    @exempt
    def marked_view() -> str:
        return "marked view"

    @hooks.route("/hook", methods=["POST"])
    def hook() -> str:
        return "hook"

    csrf.exempt(hooks)
    app.register_blueprint(hooks)
    return app, csrf


@pytest.mark.parametrize("path", ["/exempt-view", "/marked-view", "/hook"])
def test_protect_checks_exempt_views_unless_asked_to_apply_exemptions(path: str) -> None:
    app, _ = manual_app()
    client = app.test_client()
    assert client.post(path).status_code == 400
    app.config["APPLY"] = True
    response = client.post(path)
    assert response.status_code == 200
    assert client.post("/submit").status_code == 400  # not exempt: still checked


def test_protect_passes_a_good_token_and_ignores_safe_methods() -> None:
    app, csrf = make_app(WTF_CSRF_CHECK_DEFAULT=False)

    @app.route("/manual", methods=["GET", "POST"])
    def manual() -> str:
        csrf.protect(apply_exemptions=True)
        return "checked"

    client = app.test_client()
    assert client.get("/manual").status_code == 200
    assert client.post("/manual").status_code == 400
    assert client.post("/manual", data={"csrf_token": token_of(client)}).status_code == 200


# -- g, the template globals, same_origin ---------------------------------------------------


def test_g_holds_the_token_and_the_valid_flag_as_in_flask_wtf() -> None:
    app, _ = make_app()
    seen: dict[str, Any] = {}

    @app.route("/look", methods=["GET", "POST"])
    def look() -> str:
        seen["valid"] = g.get("csrf_valid", False)
        seen["token"] = generate_csrf()
        seen["g_token"] = g.get("csrf_token")
        return "ok"

    client = app.test_client()
    client.get("/look")
    assert seen == {"valid": False, "token": seen["g_token"], "g_token": seen["token"]}
    assert seen["token"]
    client.post("/look", data={"csrf_token": token_of(client)})
    assert seen["valid"] is True


def test_csrf_meta_tag_template_global_renders_a_token_that_verifies() -> None:
    app, _ = make_app()

    @app.route("/page")
    def page() -> str:
        return render_template_string("{{ csrf_meta_tag() }}|{{ csrf_token() }}")

    client = app.test_client()
    meta, token = client.get("/page").get_data(as_text=True).split("|")
    assert meta == f'<meta name="csrf-token" content="{token}">'
    assert client.post("/submit", headers={"X-CSRFToken": token}).status_code == 200


def test_csrf_meta_tag_name_setting_and_argument_escaped() -> None:
    app, _ = make_app(WTF_CSRF_META_NAME="authenticity-token")
    with app.test_request_context("/"):
        token = generate_csrf()
        assert csrf_meta_tag() == f'<meta name="authenticity-token" content="{token}">'
        tag = str(csrf_meta_tag(name='x"><script>'))
        assert "<script>" not in tag
        assert tag.startswith('<meta name="x&#34;&gt;&lt;script&gt;"')


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("https://a.example/x", "https://a.example/", True),
        ("https://a.example:443/", "https://a.example/", True),
        ("http://a.example/", "https://a.example/", False),
        ("https://a.example:8443/", "https://a.example/", False),
        ("https://b.example/", "https://a.example/", False),
        ("null", "https://a.example/", False),
    ],
)
def test_same_origin(first: str, second: str, same: bool) -> None:
    assert same_origin(first, second) is same


# -- every WTF_CSRF_* setting -----------------------------------------------------------------


def test_methods_setting_as_a_list() -> None:
    app, _ = make_app(WTF_CSRF_METHODS=["PUT"])
    client = app.test_client()
    assert client.post("/submit").status_code == 200
    assert client.put("/submit").status_code == 400


def test_field_name_setting_names_the_field_and_session_key() -> None:
    app, _ = make_app(WTF_CSRF_FIELD_NAME="_csrf")
    client = app.test_client()
    token = token_of(client)
    with client.session_transaction() as sess:
        assert "_csrf" in sess
    assert client.post("/submit", data={"csrf_token": token}).status_code == 400
    assert client.post("/submit", data={"_csrf": token}).status_code == 200


def test_headers_setting() -> None:
    app, _ = make_app(WTF_CSRF_HEADERS=["X-XSRF-TOKEN"])
    client = app.test_client()
    token = token_of(client)
    assert client.post("/submit", headers={"X-CSRFToken": token}).status_code == 400
    assert client.post("/submit", headers={"X-XSRF-TOKEN": token}).status_code == 200


def test_enabled_setting_off_skips_the_check() -> None:
    app, _ = make_app(WTF_CSRF_ENABLED=False)
    assert app.test_client().post("/submit").status_code == 200


def test_secret_key_setting_signs_instead_of_secret_key() -> None:
    app, _ = make_app(WTF_CSRF_SECRET_KEY="w" * 40)
    client = app.test_client()
    token = token_of(client)
    with app.test_request_context("/"):
        session["csrf_token"] = "ab" * 32
        with pytest.raises(ValidationError, match="invalid"):
            validate_csrf(token, secret_key=KEY)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200


# -- JSON clients get a JSON refusal, like every other error page -----------------------------


JSON = {"Accept": "application/json"}


def assert_json_refusal(response: Any, reason: str) -> None:
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.get_json() == {"error": reason, "status": 400, "name": "Bad Request"}


def test_json_refusal_for_a_form_post() -> None:
    app, _ = make_app()
    response = app.test_client().post("/submit", data={"a": "b"}, headers=JSON)
    assert_json_refusal(response, "The CSRF token is missing.")


def test_json_refusal_from_a_manual_protect() -> None:
    app, _ = manual_app()
    response = app.test_client().post("/hook", headers=JSON)
    assert_json_refusal(response, "The CSRF token is missing.")


def test_json_refusal_under_the_config_switch_and_the_https_check() -> None:
    app = App(__name__)
    app.config.update(SECRET_KEY=KEY, CSRF_PROTECT=True)

    @app.route("/submit", methods=["POST"])
    def submit() -> str:
        return "done"

    client = app.test_client()
    response = client.post("/submit", base_url="https://localhost", headers=JSON)
    assert_json_refusal(response, "The referrer header is missing.")
    response = client.post("/submit", json={"a": 1}, headers={"Accept": "application/json"})
    assert_json_refusal(response, "The CSRF token is missing.")


def test_html_clients_still_get_the_html_page() -> None:
    app, _ = make_app()
    response = app.test_client().post("/submit", headers={"Accept": "text/html,*/*"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "The CSRF token is missing." in response.get_data(as_text=True)


# -- clock skew between workers ----------------------------------------------------------------


def token_from_a_clock_ahead(client: Any, seconds: float, monkeypatch: Any) -> str:
    """Return a token for the client's session as a worker whose clock runs ahead signs it."""
    value = token_of(client).rsplit(".", 2)[0]
    ahead = time.time() + seconds
    with monkeypatch.context() as patch:
        patch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: ahead))
        return Signer(KEY, (), "wtf-csrf-token").sign_timed(value)


def signed_at(token: str) -> int:
    return bytes_to_int(base64_decode(token.rsplit(".", 2)[1]))


def test_a_token_from_a_worker_three_minutes_ahead_verifies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, _ = make_app()
    client = app.test_client()
    token = token_from_a_clock_ahead(client, 180, monkeypatch)
    assert signed_at(token) >= time.time() + 170
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    with app.test_request_context("/"):
        with client.session_transaction() as sess:
            session.update(sess)
        validate_csrf(token)


def test_a_token_from_a_clock_ahead_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ = make_app(WTF_CSRF_TIME_LIMIT=60)
    client = app.test_client()
    token = token_from_a_clock_ahead(client, 180, monkeypatch)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    later = time.time() + 180 + 61
    monkeypatch.setattr("hipflask.csrf.time", SimpleNamespace(time=lambda: later))
    response = client.post("/submit", data={"csrf_token": token})
    assert response.status_code == 400
    assert "The CSRF token has expired." in response.get_data(as_text=True)
