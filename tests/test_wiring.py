"""app.finalize() and the wiring: config switches read once, before the first request."""

from __future__ import annotations

import logging

import pytest

from hipflask import App, has_app_context, has_request_context


def test_a_bad_setting_is_reported_once_naming_it_and_leaves_no_context(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App(__name__)
    app.config["HSTS_MAX_AGE"] = "abc"
    app.add_url_rule("/", "index", lambda: "ok")
    client = app.test_client()
    with caplog.at_level(logging.ERROR), pytest.raises(ValueError, match="HSTS_MAX_AGE") as first:
        client.get("/")
    assert not has_request_context()
    assert not has_app_context()
    with pytest.raises(ValueError, match="HSTS_MAX_AGE") as second:
        client.get("/")
    assert second.value is first.value
    assert not has_request_context()
    reports = [record for record in caplog.records if "HSTS_MAX_AGE" in record.getMessage()]
    assert len(reports) == 1


def test_finalize_installs_the_switched_on_batteries_once() -> None:
    app = App(__name__)
    app.config.update(SECURITY_HEADERS=True)
    app.add_url_rule("/", "index", lambda: "ok")
    app.finalize()
    hook = app.extensions["security_headers"]
    app.finalize()
    assert app.after_request_funcs[None].count(hook) == 1
    response = app.test_client().get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_settings_changed_after_finalize_install_nothing() -> None:
    app = App(__name__)
    app.add_url_rule("/", "index", lambda: "ok")
    app.finalize()
    app.config["SECURITY_HEADERS"] = True
    assert "X-Content-Type-Options" not in app.test_client().get("/").headers


def test_the_first_request_context_finalizes_the_app() -> None:
    app = App(__name__)
    app.config.update(SECRET_KEY="k" * 40, CSRF_PROTECT=True)
    assert "csrf" not in app.extensions
    with app.test_request_context("/"):
        assert "csrf" in app.extensions


def test_a_bad_setting_fails_test_request_context_before_pushing() -> None:
    app = App(__name__)
    app.config.update(SECURITY_HEADERS=True, SECURITY_FRAME_OPTIONS="ALLOW")
    with pytest.raises(ValueError, match="SECURITY_FRAME_OPTIONS"):
        app.test_request_context("/")
    assert not has_request_context()
