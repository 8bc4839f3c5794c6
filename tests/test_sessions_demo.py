"""The demo's ``sessions_demo`` blueprint: cookie, counter, permanent session, flash."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest

from hipflask import App

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo" / "sessions_demo.py"


def load_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sessions_demo", DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config.update(
        SECRET_KEY="a-secret-key-that-is-long-enough-123456",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=30),
        TESTING=True,
    )
    app.register_blueprint(load_demo().sessions_demo, url_prefix="/sessions")
    return app


def test_cookie_set_read_delete(app: App) -> None:
    client = app.test_client()
    assert "not set" in client.get("/sessions/cookie").text
    page = client.get("/sessions/cookie/set?value=<oat>", follow_redirects=True).text
    assert "&lt;oat&gt;" in page
    assert "not set" in client.get("/sessions/cookie/delete", follow_redirects=True).text


@pytest.mark.parametrize("value", ["%0d%0aSet-Cookie:%20x=1", "%00", "tab%09"])
def test_cookie_with_control_characters_is_a_400(app: App, value: str) -> None:
    response = app.test_client().get(f"/sessions/cookie/set?value={value}")
    assert response.status_code == 400
    assert "control characters" in response.text
    assert response.headers.getlist("Set-Cookie") == []


def test_counter_and_permanent_session(app: App) -> None:
    client = app.test_client()
    assert "1 times" in client.get("/sessions/counter").text
    assert "2 times" in client.get("/sessions/counter").text
    response = client.get("/sessions/permanent")
    assert "30 minutes" in response.text
    assert "Max-Age=1800" in response.headers["Set-Cookie"]
    assert "counter" in client.get("/sessions/").text


def test_flash_across_a_redirect(app: App) -> None:
    client = app.test_client()
    page = client.get("/sessions/flash", follow_redirects=True).text
    assert "survived exactly one redirect" in page
    assert "&lt;b&gt;Markup" in page
    assert "none left" in client.get("/sessions/messages").text
