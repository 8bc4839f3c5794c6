"""The demo app (examples/demo) through the test client: the login example, end to end."""

from __future__ import annotations

import importlib.util
import os
import re
import stat
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hipflask import App

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo" / "app.py"
KEY = "d" * 64


def load_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hipflask_demo_app", DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo = load_demo()


@pytest.fixture
def app(tmp_path: Path) -> App:
    app: App = demo.create_app(
        {"SECRET_KEY": KEY, "SESSION_SQLITE_PATH": str(tmp_path / "sessions.sqlite3")}
    )
    return app


@pytest.fixture
def client(app: App) -> Any:
    return app.test_client()


def token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, html
    return match.group(1)


def login(client: Any, username: str = "alice", password: str = "wonderland", **extra: Any) -> Any:
    token = token_from(client.get("/login").get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token, **extra}
    return client.post("/login", data=data)


def set_cookies(response: Any) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_pages_render(client: Any) -> None:
    for path in ("/", "/login", "/echo?text=%3Cb%3Ehi%3C/b%3E"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "&lt;b&gt;hi&lt;/b&gt;" in client.get("/echo?text=%3Cb%3Ehi%3C/b%3E").get_data(
        as_text=True
    )


def test_login_page_says_where_accounts_come_from(client: Any) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert "DEMO_USERS" in html
    assert "<strong>alice</strong> / <strong>wonderland</strong>" in html
    assert "auth battery" in html
    assert 'name="remember" type="checkbox" value="y"' in html
    assert "checked" in html


def test_wrong_credentials_flash_an_error(client: Any) -> None:
    response = login(client, password="nope")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<li class="flash flash-error">Invalid username or password.</li>' in html
    assert client.get("/profile").status_code == 302


def test_unknown_user_is_refused_the_same_way(client: Any) -> None:
    html = login(client, username="mallory", password="wonderland").get_data(as_text=True)
    assert "Invalid username or password." in html


def test_empty_fields_show_errors_next_to_the_fields(client: Any) -> None:
    html = login(client, username="", password="").get_data(as_text=True)
    assert re.search(
        r'<input aria-describedby="username-errors" aria-invalid="true"[^>]*name="username"', html
    )
    assert re.search(
        r'<ul class="field-errors" id="username-errors">\s*<li>This field is '
        r"required.</li>",
        html,
    )
    assert re.search(
        r'<ul class="field-errors" id="password-errors">\s*<li>This field is '
        r"required.</li>",
        html,
    )
    assert "flash-error" not in html


def test_too_long_username_is_a_field_error(client: Any) -> None:
    html = login(client, username="a" * 65).get_data(as_text=True)
    assert "Field cannot be longer than 64 characters." in html


def test_login_without_csrf_token_is_refused(client: Any) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "alice", "password": "wonderland"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Form refused" in html
    assert "The CSRF token is missing." in html
    assert client.get("/profile").status_code == 302


def test_login_with_a_tampered_token_is_refused(client: Any) -> None:
    token = token_from(client.get("/login").get_data(as_text=True))
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.post(
        "/login", data={"username": "alice", "password": "wonderland", "csrf_token": tampered}
    )
    assert response.status_code == 400
    assert "The CSRF token is invalid." in response.get_data(as_text=True)


def test_right_credentials_log_in(client: Any) -> None:
    response = login(client, remember="y")
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"
    cookies = set_cookies(response)
    assert "Max-Age=3600" in cookies["last_user"]
    assert cookies["last_user"].startswith("last_user=alice;")
    assert "HttpOnly" in cookies["last_user"]
    assert "Max-Age=1800" in cookies["session"]
    html = client.get("/profile").get_data(as_text=True)
    assert "<h1>Hello, alice</h1>" in html
    assert '<li class="flash flash-success">Welcome, alice! You are logged in.</li>' in html
    assert "permanent: it ends 30 minutes" in html
    assert '<meta name="csrf-token" content="' in html
    # the flash is shown once
    assert "Welcome, alice" not in client.get("/profile").get_data(as_text=True)


def test_without_remember_me_the_cookie_ends_with_the_browser(client: Any) -> None:
    response = login(client)
    session_cookie = set_cookies(response)["session"]
    assert "Max-Age" not in session_cookie
    assert "Expires" not in session_cookie
    assert "ends when you close the browser" in client.get("/profile").get_data(as_text=True)


def test_login_rotates_the_session_id_and_csrf_secret(client: Any) -> None:
    token = token_from(client.get("/login").get_data(as_text=True))
    before = client.get_cookie("session").value
    response = client.post(
        "/login", data={"username": "alice", "password": "wonderland", "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get_cookie("session").value != before
    # a token from before the login no longer verifies
    assert client.post("/logout", data={"csrf_token": token}).status_code == 400


def test_logged_in_user_visiting_login_goes_to_profile(client: Any) -> None:
    login(client)
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"


def test_profile_redirects_to_login_with_a_flash(client: Any) -> None:
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<li class="flash flash-info">Please log in to see your profile.</li>' in html


def test_logout_clears_the_session_and_deletes_the_cookie(client: Any) -> None:
    login(client, remember="y")
    html = client.get("/profile").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": token_from(html)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    last_user = set_cookies(response)["last_user"]
    assert "Max-Age=0" in last_user
    assert client.get_cookie("last_user") is None
    login_page = client.get("/login").get_data(as_text=True)
    assert '<li class="flash flash-info">You have been logged out.</li>' in login_page
    assert client.get("/profile").status_code == 302


def test_logout_needs_the_csrf_token(client: Any) -> None:
    login(client)
    assert client.post("/logout").status_code == 400
    assert client.get("/profile").status_code == 200
    assert client.get("/logout").status_code == 405


def test_last_user_cookie_prefills_the_login_form(client: Any) -> None:
    client.set_cookie("last_user", "alice")
    html = client.get("/login").get_data(as_text=True)
    assert 'name="username" required type="text" value="alice"' in html


def test_hostile_last_user_cookie_is_escaped(client: Any) -> None:
    client.set_cookie("last_user", '"><script>alert(1)</script>')
    html = client.get("/login").get_data(as_text=True)
    assert "<script>alert" not in html


def test_hostile_username_is_escaped(client: Any) -> None:
    html = login(client, username='<script>alert(1)</script>"').get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_json_api_with_the_header_token(client: Any) -> None:
    login(client)
    html = client.get("/profile").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert token
    response = client.post(
        "/api/ping", json={"message": "hi"}, headers={"X-CSRFToken": token.group(1)}
    )
    assert response.get_json() == {"pong": True, "user": "alice", "echo": "hi"}
    assert client.post("/api/ping", json={"message": "hi"}).status_code == 400


def test_sessions_live_in_sqlite(app: App, client: Any, tmp_path: Path) -> None:
    login(client, remember="y")
    assert (tmp_path / "sessions.sqlite3").exists()
    assert app.config["SESSION_TYPE"] == "sqlite"
    assert len(client.get_cookie("session").value) < 100


def test_secret_key_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HIPFLASK_SECRET_KEY", "e" * 40)
    assert demo.load_secret_key(str(tmp_path / "instance")) == "e" * 40
    assert not (tmp_path / "instance").exists()


def test_secret_key_is_made_once_in_the_instance_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HIPFLASK_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    first = demo.load_secret_key(str(instance))
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert demo.load_secret_key(str(instance)) == first
    mode = stat.S_IMODE(os.stat(instance / "secret_key").st_mode)
    assert mode == 0o600
    assert sorted(os.listdir(instance)) == ["secret_key"]


def test_instance_folder_is_git_ignored() -> None:
    ignored = (DEMO.parent.parent.parent / ".gitignore").read_text().split()
    assert "instance/" in ignored


def test_sessions_demo_blueprint_is_mounted(client: Any) -> None:
    assert "1 times" in client.get("/sessions/counter").get_data(as_text=True)
    assert 'href="/sessions/"' in client.get("/").get_data(as_text=True)


def test_the_demo_carries_the_default_security_headers(client: Any) -> None:
    # NOTE: issue 14 turns them on by default; the demo's inline scripts set no CSP, so they run
    # (tests/test_browser.py drives the same pages in Chromium).
    for path in ("/", "/login", "/missing"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers.getlist("Content-Security-Policy") == ["frame-ancestors 'none'"]
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
