"""hipflask.secret_key (issue 14): an app without a key serves; a weak key warns, once."""

from __future__ import annotations

import logging

import pytest

from hipflask import App, flash, get_flashed_messages, render_template_string, session
from hipflask.forms import Form
from hipflask.secret_key import PLACEHOLDER_KEYS, warn_weak_secret_key, weak_reason

STRONG_KEY = "0123456789abcdef" * 4


def no_key_app() -> App:
    app = App(__name__)
    app.config.update(TESTING=True)

    @app.route("/")
    def index() -> str:
        return f"hello {session.get('user')} {get_flashed_messages()}"

    @app.route("/flash")
    def flashes() -> str:
        flash("saved")
        return "unreachable"

    @app.route("/form")
    def form() -> str:
        return render_template_string("<form>{{ form.csrf_token }}</form>", form=Form())

    @app.route("/token")
    def token() -> str:
        return render_template_string("{{ csrf_token() }}")

    return app


def test_an_app_without_a_key_serves_what_needs_no_signing() -> None:
    client = no_key_app().test_client()
    response = client.get("/", headers={"Cookie": "session=eyJ1c2VyIjoiYWRtaW4ifQ.x.y"})
    assert (response.status_code, response.text) == (200, "hello None []")
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", ["/flash", "/form", "/token"])
def test_signing_without_a_key_raises_an_error_naming_secret_key(path: str) -> None:
    app = no_key_app()
    app.config["CSRF_PROTECT"] = True  # installs csrf_token() in templates
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        app.test_client().get(path)


def test_signing_without_a_key_answers_500_outside_tests(caplog: pytest.LogCaptureFixture) -> None:
    app = no_key_app()
    app.config["TESTING"] = False
    with caplog.at_level(logging.ERROR):
        assert app.test_client().get("/flash").status_code == 500
    assert "SECRET_KEY" in caplog.text


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        (b"", "missing"),
        ("dev", "a well-known placeholder"),
        (" Your-Secret-Key ", "a well-known placeholder"),
        (b"changeme", "a well-known placeholder"),
        ("k" * 31, "too short (31 bytes)"),
        ("é" * 15, "too short (30 bytes)"),  # bytes, not characters
        (b"\xff" * 31, "too short (31 bytes)"),
        ("k" * 32, None),
        ("é" * 16, None),
        (b"\xff" * 32, None),
    ],
)
def test_weak_reason(key: str | bytes | None, reason: str | None) -> None:
    assert weak_reason(key) == reason


def test_every_placeholder_is_weak_and_lower_case() -> None:
    assert {"dev", "change-me", "changeme", "secret", "your-secret-key"} <= PLACEHOLDER_KEYS
    for key in PLACEHOLDER_KEYS:
        assert key == key.lower().strip()
        assert weak_reason(key.upper()) == "a well-known placeholder"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("SECRET_KEY is")]


@pytest.mark.parametrize("key", ["dev", "k3y-0f-11", b"x" * 16])
def test_a_weak_key_warns_once_per_app(caplog: pytest.LogCaptureFixture, key: str | bytes) -> None:
    app = App(__name__)
    app.config["SECRET_KEY"] = key
    with caplog.at_level(logging.WARNING):
        warn_weak_secret_key(app)
        warn_weak_secret_key(app)
        app.finalize()
    records = warnings_of(caplog)
    assert len(records) == 1
    assert records[0].levelname == "WARNING"
    assert records[0].name == app.logger.name
    assert "secrets.token_hex(32)" in records[0].getMessage()
    assert str(key) not in records[0].getMessage()  # the key itself is never logged


@pytest.mark.parametrize(
    "config",
    [
        {"SECRET_KEY": STRONG_KEY},
        {"SECRET_KEY": None},
        {"SECRET_KEY": "dev", "DEBUG": True},
        {"SECRET_KEY": "dev", "TESTING": True},
    ],
)
def test_no_warning(caplog: pytest.LogCaptureFixture, config: dict[str, object]) -> None:
    app = App(__name__)
    app.config.update(config)
    with caplog.at_level(logging.WARNING):
        app.finalize()
    assert warnings_of(caplog) == []
