"""reCAPTCHA (Flask-WTF's flask_wtf.recaptcha): the widget's HTML and settings, and the
validator against a verification server started by the test on 127.0.0.1 (the real service is
unreachable here): success, failure, error codes, HTTP errors, garbage, timeouts, server down.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from markupsafe import Markup

from hipflask import App, render_template_string
from hipflask.forms import FlaskForm, Recaptcha, RecaptchaField, RecaptchaWidget
from hipflask.forms.recaptcha import UNVERIFIED


class CaptchaForm(FlaskForm):
    class Meta:
        csrf = False

    recaptcha = RecaptchaField()


def make_app(**config: Any) -> App:
    app = App(__name__)
    app.config.update(
        SECRET_KEY="k" * 40,
        RECAPTCHA_PUBLIC_KEY="site-key",
        RECAPTCHA_PRIVATE_KEY="secret-key",
        **config,
    )
    return app


def render(app: App, **kwargs: Any) -> str:
    with app.test_request_context("/"):
        return str(CaptchaForm().recaptcha(**kwargs))


# -- the widget -------------------------------------------------------------------------------


def test_default_html_is_the_script_and_the_div() -> None:
    assert render(make_app()) == (
        '<script src="https://www.google.com/recaptcha/api.js" async defer></script>\n'
        '<div class="g-recaptcha" data-sitekey="site-key" id="recaptcha"></div>\n'
    )


def test_rendered_in_a_template_unescaped() -> None:
    app = make_app()
    with app.test_request_context("/"):
        html = render_template_string("{{ form.recaptcha }}", form=CaptchaForm())
    assert '<div class="g-recaptcha"' in html


def test_script_parameters_div_class_and_data_attributes() -> None:
    data_attrs = {"theme": "dark", "size": "compact"}
    app = make_app(
        RECAPTCHA_SCRIPT="https://js.hcaptcha.com/1/api.js",
        RECAPTCHA_PARAMETERS={"hl": "de", "render": "explicit"},
        RECAPTCHA_DIV_CLASS="h-captcha",
        RECAPTCHA_DATA_ATTRS=data_attrs,
    )
    html = render(app)
    assert '<script src="https://js.hcaptcha.com/1/api.js?hl=de&amp;render=explicit"' in html
    assert '<div class="h-captcha" data-sitekey="site-key" data-size="compact"' in html
    assert 'data-theme="dark"' in html
    assert data_attrs == {"theme": "dark", "size": "compact"}  # the setting is not changed


def test_custom_html_replaces_everything() -> None:
    app = make_app(RECAPTCHA_HTML='<div id="my-captcha"></div>')
    with app.test_request_context("/"):
        html = CaptchaForm().recaptcha()
    assert html == '<div id="my-captcha"></div>'
    assert isinstance(html, Markup)


def test_call_arguments_become_div_attributes_and_win() -> None:
    app = make_app(RECAPTCHA_DIV_CLASS="from-config", RECAPTCHA_DATA_ATTRS={"theme": "light"})
    html = render(app, class_="from-call", id="c1", data_theme="dark", aria_label="captcha")
    assert 'class="from-call"' in html
    assert 'id="c1"' in html
    assert 'data-theme="dark"' in html
    assert 'aria-label="captcha"' in html
    assert "from-config" not in html
    assert "light" not in html


def test_attribute_values_are_escaped() -> None:
    app = make_app(RECAPTCHA_DATA_ATTRS={"callback": '"><script>alert(1)</script>'})
    html = render(app, title='"><img src=x>')
    assert "<script>alert" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("nonce", "expected"),
    [
        ("abc123", ' nonce="abc123"'),
        (lambda: "per-request", ' nonce="per-request"'),
        ('"><script>', ' nonce="&#34;&gt;&lt;script&gt;"'),
    ],
)
def test_nonce_goes_on_the_script_tag(nonce: Any, expected: str) -> None:
    class NonceForm(FlaskForm):
        class Meta:
            csrf = False

        recaptcha = RecaptchaField(nonce=nonce)

    app = make_app()
    with app.test_request_context("/"):
        html = str(NonceForm().recaptcha())
    assert f"async defer{expected}></script>" in html
    assert "nonce" not in render(app)


def test_missing_public_key_is_a_runtime_error() -> None:
    app = make_app()
    del app.config["RECAPTCHA_PUBLIC_KEY"]
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="RECAPTCHA_PUBLIC_KEY"):
        CaptchaForm().recaptcha()


def test_disabled_renders_a_comment() -> None:
    assert render(make_app(RECAPTCHA_ENABLED=False)) == "<!-- recaptcha disabled -->"


def test_widget_and_validator_are_the_fields_defaults() -> None:
    field = CaptchaForm.recaptcha
    assert field.field_class.widget.__class__ is RecaptchaWidget
    app = make_app()
    with app.test_request_context("/"):
        form = CaptchaForm()
        assert [type(v) for v in form.recaptcha.validators] == [Recaptcha]
        assert form.recaptcha.recaptcha_error is None
        assert form.recaptcha.label.text == ""


# -- the verification server ------------------------------------------------------------------


class Verifier:
    """A verification server on 127.0.0.1 that records each request and answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.status = 200
        self.body: bytes = json.dumps({"success": True}).encode()
        self.delay = 0.0
        verifier = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                verifier.requests.append(parse_qs(self.rfile.read(length).decode()))
                time.sleep(verifier.delay)
                try:
                    self.send_response(verifier.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(verifier.body)))
                    self.end_headers()
                    self.wfile.write(verifier.body)
                except OSError:
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/siteverify"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def answer(self, status: int = 200, **payload: Any) -> None:
        self.status = status
        self.body = json.dumps(payload).encode()


@pytest.fixture
def verifier(monkeypatch: pytest.MonkeyPatch) -> Iterator[Verifier]:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = Verifier()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def verify_app(verifier: Verifier, **config: Any) -> App:
    app = make_app(RECAPTCHA_VERIFY_SERVER=verifier.url, **config)

    @app.route("/", methods=["POST"])
    def index() -> Any:
        form = CaptchaForm()
        return {
            "valid": form.validate_on_submit(),
            "errors": form.errors,
            "code": form.recaptcha.recaptcha_error,
        }

    return app


def post(app: App, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("data", {"g-recaptcha-response": "solved"})
    response = app.test_client().post("/", environ_base={"REMOTE_ADDR": "203.0.113.9"}, **kwargs)
    assert response.status_code == 200
    result: dict[str, Any] = response.get_json()
    return result


pytestmark = pytest.mark.server


def test_success_posts_secret_response_and_address(verifier: Verifier) -> None:
    result = post(verify_app(verifier))
    assert result == {"valid": True, "errors": {}, "code": None}
    assert verifier.requests == [
        {"secret": ["secret-key"], "response": ["solved"], "remoteip": ["203.0.113.9"]}
    ]


def test_json_body_carries_the_response(verifier: Verifier) -> None:
    assert post(verify_app(verifier), data=None, json={"g-recaptcha-response": "solved"})["valid"]
    assert verifier.requests[0]["response"] == ["solved"]


def test_response_parameter_setting(verifier: Verifier) -> None:
    app = verify_app(verifier, RECAPTCHA_RESPONSE_PARAM="h-captcha-response")
    assert not post(app)["valid"]
    assert post(app, data={"h-captcha-response": "solved"})["valid"]


def test_missing_response_asks_no_server(verifier: Verifier) -> None:
    result = post(verify_app(verifier), data={"other": "x"})
    assert result["errors"] == {"recaptcha": ["The response parameter is missing."]}
    assert verifier.requests == []


def test_unsolved_captcha_fails_with_the_message(verifier: Verifier) -> None:
    verifier.answer(success=False, **{"error-codes": ["timeout-or-duplicate"]})
    result = post(verify_app(verifier))
    assert result == {
        "valid": False,
        "errors": {"recaptcha": ["The response parameter is missing."]},
        "code": "incorrect-captcha-sol",
    }


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("missing-input-secret", "The secret parameter is missing."),
        ("invalid-input-secret", "The secret parameter is invalid or malformed."),
        ("missing-input-response", "The response parameter is missing."),
        ("invalid-input-response", "The response parameter is invalid or malformed."),
    ],
)
def test_known_error_codes_give_their_message(verifier: Verifier, code: str, message: str) -> None:
    verifier.answer(success=False, **{"error-codes": [code]})
    assert post(verify_app(verifier))["errors"] == {"recaptcha": [message]}


def test_own_message(verifier: Verifier) -> None:
    class OwnForm(FlaskForm):
        class Meta:
            csrf = False

        recaptcha = RecaptchaField("Captcha", validators=[Recaptcha("Prove you are human.")])

    verifier.answer(success=False)
    app = make_app(RECAPTCHA_VERIFY_SERVER=verifier.url)
    with app.test_request_context("/", method="POST", data={"g-recaptcha-response": "x"}):
        form = OwnForm()
        assert not form.validate_on_submit()
        assert form.errors == {"recaptcha": ["Prove you are human."]}


def test_testing_mode_passes_without_asking(verifier: Verifier) -> None:
    app = verify_app(verifier, TESTING=True)
    assert post(app, data={"other": "x"})["valid"]
    assert verifier.requests == []


def test_disabled_passes_without_asking(verifier: Verifier) -> None:
    assert post(verify_app(verifier, RECAPTCHA_ENABLED=False), data={})["valid"]
    assert verifier.requests == []


def test_http_client_error_fails_the_captcha(verifier: Verifier) -> None:
    verifier.answer(400, success=True)
    result = post(verify_app(verifier))
    assert result["errors"] == {"recaptcha": ["The response parameter is missing."]}
    assert result["code"] == "incorrect-captcha-sol"


def assert_unverified(result: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    assert result == {"valid": False, "errors": {"recaptcha": [UNVERIFIED]}, "code": None}
    assert any("Captcha verification at" in message for message in caplog.messages)


def test_server_error_is_a_clear_validation_error(
    verifier: Verifier, caplog: pytest.LogCaptureFixture
) -> None:
    verifier.answer(503, success=True)
    with caplog.at_level(logging.WARNING):
        assert_unverified(post(verify_app(verifier)), caplog)


@pytest.mark.parametrize("body", [b"<html>oops</html>", b"[1, 2]", b""])
def test_garbage_answer_is_a_clear_validation_error(
    verifier: Verifier, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    verifier.body = body
    with caplog.at_level(logging.WARNING):
        assert_unverified(post(verify_app(verifier)), caplog)


def test_slow_server_times_out(verifier: Verifier, caplog: pytest.LogCaptureFixture) -> None:
    verifier.delay = 0.5
    with caplog.at_level(logging.WARNING):
        assert_unverified(post(verify_app(verifier, RECAPTCHA_TIMEOUT=0.1)), caplog)


def test_server_down_is_a_clear_validation_error_not_a_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app(RECAPTCHA_VERIFY_SERVER=f"http://127.0.0.1:{port}/siteverify")

    @app.route("/", methods=["POST"])
    def index() -> Any:
        form = CaptchaForm()
        return {"valid": form.validate_on_submit(), "errors": form.errors, "code": None}

    with caplog.at_level(logging.WARNING):
        assert_unverified(post(app), caplog)


def test_missing_private_key_is_a_runtime_error(verifier: Verifier) -> None:
    app = make_app(RECAPTCHA_VERIFY_SERVER=verifier.url)
    del app.config["RECAPTCHA_PRIVATE_KEY"]
    data = {"g-recaptcha-response": "x"}
    with (
        app.test_request_context("/", method="POST", data=data),
        pytest.raises(RuntimeError, match="RECAPTCHA_PRIVATE_KEY"),
    ):
        CaptchaForm().validate()
